"""Every value a user can write is bounded by its model, so the page, the API, the admin and every
import refuse the same things. These walk every model: a new field without its bound fails here."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from portal.models import AuditEvent
from portal.validators import DateWithin

PROJECT_APPS = {"portal", "enrollment", "courses", "learners", "certificates", "billing"}
# Written by the services only, never from a user's input.
SYSTEM_WRITTEN = {AuditEvent}
# Fields Django's authentication sets itself (shown read-only in the admin).
SYSTEM_FIELDS = {("user", "password"), ("user", "last_login"), ("user", "date_joined")}


def user_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model in SYSTEM_WRITTEN:
            continue
        for field in model._meta.concrete_fields:
            if field.primary_key or field.is_relation or not field.editable or field.choices:
                continue
            if (model._meta.model_name, field.name) in SYSTEM_FIELDS:
                continue
            yield pytest.param(field, id=f"{model._meta.label}.{field.name}")


FIELDS = list(user_fields())
TEXT = [p for p in FIELDS if isinstance(p.values[0], models.CharField | models.TextField)]
NUMBERS = [
    p
    for p in FIELDS
    if isinstance(p.values[0], models.IntegerField | models.DecimalField | models.FloatField)
]
DATES = [p for p in FIELDS if isinstance(p.values[0], models.DateField)]


@pytest.mark.parametrize("field", TEXT)
@pytest.mark.parametrize(
    "hostile", ["名字\x07", "\x1b[31m红", "abc\u202egpj.exe", "a\x00b", "\ufeffx"]
)
def test_no_text_field_accepts_control_or_invisible_characters(field, hostile):
    with pytest.raises(ValidationError):
        field.run_validators(hostile)


@pytest.mark.parametrize("field", [p for p in TEXT if isinstance(p.values[0], models.TextField)])
def test_every_long_text_has_a_length_the_model_enforces(field):
    assert field.max_length
    assert any(isinstance(v, MaxLengthValidator) for v in field.validators)
    with pytest.raises(ValidationError):
        field.run_validators("字" * (field.max_length + 1))


@pytest.mark.parametrize("field", NUMBERS)
def test_every_number_has_declared_bounds(field):
    # declared on the field itself, not only the database's range that Django adds
    declared = field._validators
    assert any(isinstance(v, MinValueValidator) for v in declared)
    assert any(isinstance(v, MaxValueValidator) for v in declared)
    huge, negative = 10**19, -1
    if isinstance(field, models.DecimalField):
        huge, negative = Decimal(10**9), Decimal(-1)
    with pytest.raises(ValidationError):
        field.run_validators(huge)
    with pytest.raises(ValidationError):
        field.run_validators(negative)


@pytest.mark.parametrize("field", DATES)
def test_every_date_lies_within_years_of_today(field):
    assert any(isinstance(v, DateWithin) for v in field._validators)
    for far in (datetime.date(9999, 12, 31), datetime.date(2020, 1, 1), datetime.date(1, 1, 1)):
        with pytest.raises(ValidationError):
            field.run_validators(far)


def constraints():
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            for constraint in model._meta.constraints:
                yield pytest.param(constraint, id=f"{model._meta.label}.{constraint.name}")


@pytest.mark.parametrize("constraint", list(constraints()))
def test_every_constraint_tells_the_user_what_is_wrong_in_her_language(constraint):
    message = str(constraint.violation_error_message)
    assert constraint.violation_error_message != constraint.default_violation_error_message
    assert constraint.name not in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
