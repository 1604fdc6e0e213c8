"""drf-spectacular extensions for the portal's own API classes (imported by PortalConfig.ready)."""

from drf_spectacular.authentication import SessionScheme


class PortalSessionScheme(SessionScheme):
    target_class = "portal.authentication.SessionAuthentication"
