"""The one error type of the services, and the turning of model validation into it.

Every refusal a user can cause is an ``ApplicationError`` whose ``message`` is shown as it is
(Chinese by default). Pages show it on the form (``fields`` names the fields it concerns); the API
answers it with ``status``: 403 when the caller may not do this, 409 when the object's current
state forbids it, 422 when the request is well formed but a rule refuses it.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.utils.text import capfirst


class ApplicationError(Exception):
    """A refused business operation; ``message`` is shown to the user as it is."""

    status = 422
    code = "refused"

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, extra: dict | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class PermissionRefused(ApplicationError):
    """The caller may see the object but not do this to it."""

    status = 403
    code = "permission_denied"


class StateConflict(ApplicationError):
    """The object's current state (a status, a full cohort, a second submission) forbids this."""

    status = 409
    code = "conflict"


def field_messages(error: ValidationError) -> dict[str, list[str]]:
    """A ValidationError's messages by field name ('__all__' for the object as a whole)."""
    if hasattr(error, "error_dict"):
        return {
            name: [str(m) for m in ValidationError(errors).messages]
            for name, errors in error.error_dict.items()
        }
    return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}


def validation_message(fields: dict[str, list[str]], model: type[Model] | None = None) -> str:
    """One sentence naming each field in the user's language: 「联系人手机」请输入 11 位手机号码。"""
    parts = []
    for name, messages in fields.items():
        text = "".join(messages)
        label = _label(model, name)
        parts.append(f"「{label}」{text}" if label else text)
    return " ".join(parts)


def _label(model: type[Model] | None, name: str) -> str:
    if model is None or name == NON_FIELD_ERRORS:
        return ""
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a name that is not a field is shown as it is
        return name
    return str(capfirst(getattr(field, "verbose_name", name)))


def validate_instance(instance: Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's own rules (field validators, choices, constraints) before a write.

    Raises ApplicationError naming the fields, so that a service refuses what the model refuses
    whichever door the values came through.
    """
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        fields = field_messages(error)
        raise ApplicationError(validation_message(fields, type(instance)), fields=fields) from None
