"""API plumbing shared by every app: the error shape, the object-access permission, the schema.

Every error the API answers has one shape (``ErrorSerializer``)::

    {"detail": "一句说明", "code": "invalid", "fields": {"liaison_mobile": ["请输入 11 位手机号码。"]}}

and one of these statuses, each documented on the operations that can answer it:

- 400: the request does not match the schema (a type, format, pattern, length, bound or choice);
- 401: no valid credentials; 403: these credentials may not do this (or must first change their
  initial password);
- 404: no such object, or one outside the caller's scope (which is not revealed);
- 409: the object's current state forbids it (a receipt already submitted, a full cohort);
- 415: a body that is not JSON (or multipart where a file is sent);
- 422: well formed, but a rule the schema cannot express refuses it (a checksum, a date too far
  from today, a headcount that does not match the roster), or it names an object that does not
  exist;
- 429: too many requests (the token endpoint).
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, models
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal import access
from portal.errors import ApplicationError, field_messages
from portal.validators import SEMANTIC_CODES

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField(help_text="What is wrong, in the user's language.")
    code = serializers.CharField(help_text="A stable, machine-readable reason.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field; nested fields as `lines.0.participants`.",
    )
    errors = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="A roster's row errors: row, column, message and text.",
    )


def _flatten(detail, codes, prefix="") -> tuple[dict[str, list[str]], set[str]]:
    """DRF's nested validation detail as {"a.0.b": [messages]}, and every code in it."""
    messages: dict[str, list[str]] = {}
    found: set[str] = set()
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            inner, inner_codes = _flatten(value, codes[key], name)
            messages.update(inner)
            found |= inner_codes
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, value in enumerate(detail):
            inner, inner_codes = _flatten(
                value, codes[index], f"{prefix}.{index}" if prefix else str(index)
            )
            messages.update(inner)
            found |= inner_codes
    else:
        items = detail if isinstance(detail, list) else [detail]
        item_codes = codes if isinstance(codes, list) else [codes]
        if items:
            messages[prefix or NON_FIELD_ERRORS] = [str(item) for item in items]
        found |= {str(code) for code in item_codes}
    return messages, found


def _error(detail: str, code: str, status_code: int, **more) -> Response:
    return Response({"detail": detail, "code": code, **more}, status=status_code)


def _validation_response(fields: dict[str, list[str]], codes: set[str]) -> Response:
    """400 when the request breaks the schema; 422 when only rules beyond the schema refuse it;
    409 when it would duplicate an object that exists (a unique name)."""
    sentence = "；".join(
        "".join(messages)
        if name in (NON_FIELD_ERRORS, "non_field_errors")
        else f"{name}：{''.join(messages)}"
        for name, messages in fields.items()
    )
    if codes and codes <= {"unique"}:
        code, status_code = "conflict", status.HTTP_409_CONFLICT
    elif codes and codes <= SEMANTIC_CODES:
        code, status_code = "rule", status.HTTP_422_UNPROCESSABLE_ENTITY
    else:
        code, status_code = "invalid", status.HTTP_400_BAD_REQUEST
    return _error(sentence or _("提交的数据有误。"), code, status_code, fields=fields)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        more = {**({"fields": exc.fields} if exc.fields else {}), **exc.extra}
        return _error(exc.message, exc.code, exc.status, **more)
    if isinstance(exc, DjangoValidationError):
        fields = field_messages(exc)
        return _validation_response(fields, {"invalid"})
    if isinstance(exc, exceptions.ValidationError):
        fields, codes = _flatten(exc.detail, exc.get_codes())
        return _validation_response(fields, codes)
    if isinstance(exc, IntegrityError):
        # A race the services' checks could not see (two requests creating the same thing): the
        # database refused it and nothing was written.
        logger.warning("API write refused by a database constraint: %s", type(exc).__name__)
        return _error(
            _("数据已被其他操作修改，请刷新后重试。"), "conflict", status.HTTP_409_CONFLICT
        )
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away mid-request (restarted, connection dropped): nothing committed.
        logger.error("API request lost its database: %s", exc)
        response = _error(
            _("数据库连接中断，本次操作没有完成，请稍后重试。"),
            "unavailable",
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "30"
        return response
    if isinstance(exc, DataError):
        logger.warning("API write refused by the database: %s", type(exc).__name__)
        return _error(_("提交的数据超出允许的范围。"), "invalid", status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # Django's message names the model, in English
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = exc.detail
    text = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
    codes = exc.get_codes()
    code = codes.get("detail", exc.default_code) if isinstance(codes, dict) else codes
    response.data = {"detail": text, "code": str(code)}
    return response


class StrictCharField(serializers.CharField):
    """Text is a JSON string: ``{"comment": 0}`` is refused, not read as "0" (the schema says
    string, and an API that quietly converts hides a client's mistakes)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A whole number is a JSON integer: "12", 12.5 and true are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


BOUNDS = (MinValueValidator, MaxValueValidator, MinLengthValidator, MaxLengthValidator)


class PortalModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose fields keep the model's bound validators as they are, and whose
    text, numbers and references take only their JSON types.

    DRF would replace a model's MaxValueValidator (and length and minimum) with its own check and
    wording; kept, the API refuses with the very sentence the page and the admin show, and the
    schema still states the bounds (drf-spectacular reads the validators).
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        bounds = [v for v in model_field.validators if isinstance(v, BOUNDS)]
        if bounds:
            for name in ("max_value", "min_value", "max_length", "min_length"):
                kwargs.pop(name, None)
            kwargs["validators"] = [
                *[v for v in kwargs.get("validators", []) if not isinstance(v, BOUNDS)],
                *bounds,
            ]
        return field_class, kwargs


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


ERROR_DESCRIPTIONS = {
    "400": "The request does not match the schema.",
    "401": "No valid credentials.",
    "403": "Not allowed for these credentials (or the initial password must be changed first).",
    "404": "No such object, or not in the caller's scope.",
    "409": "The object's current state forbids this.",
    "415": "Unsupported media type.",
    "422": "Well formed, but refused by a rule the schema cannot express.",
    "429": "Too many requests.",
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with every error status an operation can answer documented."""

    def _error_statuses(self) -> list[str]:
        view, method = self.view, self.method
        statuses = set()
        writes = method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._get_filter_parameters() or self._is_list_view():
            statuses.add("400")
        if writes:
            statuses |= {"409", "415", "422"}
        public = all(
            isinstance(permission, permissions.AllowAny) for permission in view.get_permissions()
        )
        if not public:
            statuses |= {"401", "403"}
        if "{" in self.path or self._is_list_view():
            statuses.add("404")  # a missing object, or a page past the last
        if getattr(view, "throttle_scope", None) or view.get_throttles():
            statuses.add("429")
        statuses |= set(getattr(view, "error_statuses", ()))
        return sorted(statuses)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A nested list's length bounds (``many=True, min_length=1``) are stated as well."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if field.min_length is not None:
                schema["minItems"] = field.min_length
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_statuses():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses
