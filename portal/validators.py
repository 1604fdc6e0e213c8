"""What a value may be: the validators the models carry, so that every door refuses the same things.

The page (a ModelForm runs them in ``full_clean``), the API (DRF copies a model field's validators
onto its serializer field, and drf-spectacular turns them into the OpenAPI schema's ``pattern``,
``maxLength``, ``minimum`` and ``maximum``), the admin and the services (``validate_instance``) all
use these. A validator whose code is in ``SEMANTIC_CODES`` refuses something a schema cannot
express (a checksum, a date relative to today); the API answers those with 422, the rest with 400.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

# Characters no field may hold: C0 and C1 controls, DEL, Unicode line and paragraph separators,
# bidirectional overrides and isolates, zero-width and invisible formatting characters, the byte
# order mark, interlinear annotation marks and noncharacters. They break exports (XML cannot hold
# most C0 controls), terminals and logs, or disguise what a text says (U+202E). (Lone surrogates,
# which only JSON can spell, are refused by DRF itself; a pattern naming them would be one that
# schema validators cannot compile.)
_INVISIBLE = (
    r"\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\ufffe\uffff"
)
# "+", not "*": an empty value is a blank, which each field allows or not (validators never see it).
# "\Z", not "$", which in Python also matches before a final line feed ("名字\n"); drf-spectacular
# writes it as "$" in the schema, where it means the end of the text.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f" + _INVISIBLE + r"]+\Z"
# Several lines: tab, line feed and carriage return are allowed, other controls are not.
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f" + _INVISIBLE + r"]+\Z"


def schema_pattern(pattern: str) -> str:
    """A pattern of this module as an OpenAPI schema spells it (ECMA: "$" ends the text)."""
    return pattern.replace(r"\Z", "$")


CONTROL_CHARACTERS_MESSAGE = _("不能包含控制字符、换行或不可见的格式字符（如方向控制符）。")
MULTI_LINE_CONTROL_MESSAGE = _("不能包含控制字符或不可见的格式字符（如方向控制符）。")


class SingleLineText(RegexValidator):
    """One line of plain text (a name, a title, an address); a class so that migrations name it
    rather than copy its pattern."""

    regex = SINGLE_LINE_PATTERN
    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"


class MultiLineText(RegexValidator):
    """Plain text that may run over several lines (suggestions, comments, descriptions)."""

    regex = MULTI_LINE_PATTERN
    message = MULTI_LINE_CONTROL_MESSAGE
    code = "control_characters"


single_line_text = SingleLineText()
multi_line_text = MultiLineText()
_single_line = re.compile(SINGLE_LINE_PATTERN)


def is_single_line_text(value: str) -> bool:
    return not value or _single_line.match(value) is not None


class MobileNumber(RegexValidator):
    regex = r"^1[3-9][0-9]{9}\Z"
    message = _("请输入 11 位手机号码。")


class Postcode(RegexValidator):
    regex = r"^[0-9]{6}\Z"
    message = _("邮编应为 6 位数字。")


class PhoneNumber(RegexValidator):
    """An office phone or fax: digits with an optional area code, hyphens, spaces, brackets and
    an extension (010-62750000, (0571) 8888 6666, +86 10 6275 0000, 62750000-8012, 62750000转8012)."""

    regex = r"^(?:\+?[0-9][0-9 ()\-]{5,24}[0-9])(?:(?:转|-|ext\.?)[0-9]{1,6})?\Z"
    message = _("请输入有效的电话号码，如 010-62750000。")


class TaxpayerIdFormat(RegexValidator):
    """统一社会信用代码: 8 digits (registering authority, entity type, region), then 10 characters
    of digits and capital letters except I, O, S, V and Z; the last is a check character."""

    regex = r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}\Z"
    message = _("统一社会信用代码应为 18 位数字或大写字母。")


mobile_number = MobileNumber()
postcode = Postcode()
phone_number = PhoneNumber()
taxpayer_id_format = TaxpayerIdFormat()


def taxpayer_id_checksum(value: str) -> None:
    """The check character of a unified social credit code (GB 32100), checked by python-stdnum.

    Only the check character: a value of the wrong form is TaxpayerIdFormat's to refuse, once.
    """
    try:
        uscc.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位错误，请核对。"), code="checksum") from None
    except stdnum_errors.ValidationError:
        return


def normalise_taxpayer_id(value: str) -> str:
    """Spaces and hyphens go, letters become capitals: the form the code is stored in."""
    return uscc.compact(value)


@deconstructible
class DateWithin:
    """A date no more than ``days_before`` days before today and ``days_after`` days after it.

    Today is read when the value is checked, so the window moves with the calendar; it keeps a
    mistyped year (2020, 9999) out of the portal and dates far away out of date arithmetic.
    """

    code = "date_range"

    def __init__(self, *, days_before: int, days_after: int):
        self.days_before = days_before
        self.days_after = days_after

    def bounds(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        return (
            today - datetime.timedelta(days=self.days_before),
            today + datetime.timedelta(days=self.days_after),
        )

    def __call__(self, value: datetime.date) -> None:
        earliest, latest = self.bounds()
        if isinstance(value, datetime.datetime):  # a moment: the day it falls on, here
            value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
        if not earliest <= value <= latest:
            raise ValidationError(
                _("日期须在 %(earliest)s 至 %(latest)s 之间。"),
                code=self.code,
                params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
            )

    def __eq__(self, other):
        return (
            isinstance(other, DateWithin)
            and self.days_before == other.days_before
            and self.days_after == other.days_after
        )

    def __hash__(self):
        return hash((self.days_before, self.days_after))


def between(low: int | Decimal, high: int | Decimal) -> list:
    """The bounds of a number, as validators (and so as the schema's minimum and maximum).

    Django's own messages, which its forms use too: the page and the API say the same words.
    """
    return [MinValueValidator(low), MaxValueValidator(high)]


# Codes of refusals a schema cannot express; the API answers them with 422 rather than 400.
SEMANTIC_CODES = frozenset({"checksum", "date_range", "does_not_exist"})
