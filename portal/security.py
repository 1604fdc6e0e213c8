"""Client address for rate limits and lockouts."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client as far as we can trust it.

    X-Forwarded-For is read only when TRUSTED_PROXY_COUNT proxies of ours append to it, and then
    only the entry the outermost trusted proxy wrote: entries further left are client-controlled.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    try:  # what a misconfigured proxy count leaves to the client: not an address, not used
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote
