"""API plumbing shared by every app: the exception handler and the object-access permission."""

from rest_framework import exceptions, permissions
from rest_framework.views import exception_handler as drf_exception_handler

from portal import access
from portal.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, **exc.extra})
    return drf_exception_handler(exc, context)


class ObjectAccess(permissions.BasePermission):
    """Defers every decision to ``portal.access``: lists are scoped, objects are checked."""

    def has_permission(self, request, view):
        model = view.get_queryset().model
        action = access.VIEW if request.method in permissions.SAFE_METHODS else access.ADD
        if action == access.ADD and getattr(view, "action", None) != "create":
            return True  # writes to one object are decided in has_object_permission
        return access.can(request.user, action, model)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return access.can(request.user, access.VIEW, obj)
        action = access.DELETE if request.method == "DELETE" else access.CHANGE
        return access.can(request.user, action, obj)


class ScopedQuerysetMixin:
    """Narrows the view's queryset to what the user may see (objects outside are a 404)."""

    def get_queryset(self):
        return access.scope(self.request.user, super().get_queryset())
