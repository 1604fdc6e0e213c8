"""PDFs from Django templates (WeasyPrint): the one rendering path of the portal's documents.

The template escapes everything; the URL fetcher loads only the project's own static files,
named ``portal-static:/<path>`` (``{% static %}`` is not used: a document needs no web address).
Any other URL — a file path, http(s), data: — is refused, so text a user typed can never make the
renderer read a file or call a server. Chinese renders with the system's Noto CJK fonts.
"""

import mimetypes

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "portal-static:"


class ProjectFilesFetcher(URLFetcher):
    """Serves ``portal-static:/…`` from the static files; refuses every other URL."""

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols=["portal-static"], **kwargs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.startswith(SCHEME):
            self.refused.append(url)
            raise ValueError("only the project's own files are loaded")
        path = url[len(SCHEME) :].lstrip("/")
        found = finders.find(path) if path and ".." not in path.split("/") else None
        if not found or isinstance(found, list):
            self.refused.append(url)
            raise ValueError("no such project file")
        with open(found, "rb") as handle:
            body = handle.read()
        mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


def render_pdf(
    template_name: str, context: dict, *, fetcher: ProjectFilesFetcher | None = None
) -> bytes:
    html = render_to_string(template_name, context)
    fetcher = fetcher or ProjectFilesFetcher()
    return HTML(string=html, base_url=f"{SCHEME}/", url_fetcher=fetcher).write_pdf()
