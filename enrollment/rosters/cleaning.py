"""Checking the cells of the rows read: every problem reported at once."""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from operator import itemgetter

from django.db import models
from django.utils import timezone, translation

from enrollment.models import Gender, PartyStatus
from enrollment.rosters.columns import (
    COLUMNS,
    MAX_LENGTHS,
    CellError,
    CleanPerson,
    RosterMessage,
    RosterRow,
)
from portal import pii
from portal.validators import MobileNumber, is_single_line_text

MOBILE_PATTERN = re.compile(MobileNumber.regex)  # the model's rule: a roster and a form agree
MOBILE_SEPARATORS = re.compile(r"[\s\-]+")


@cache
def _choices(choices: type[models.TextChoices]) -> dict[str, str]:
    """Chinese label → value, whatever language is active: the spreadsheet is always Chinese."""
    with translation.override(None):
        return {str(label): value for value, label in choices.choices}


def clean_rows(rows: list[RosterRow]) -> tuple[list[CleanPerson], list[CellError]]:
    """Every row checked, all problems reported, one CellError each; a faulty row yields no one."""
    errors: list[CellError] = []
    people = list(clean_each(rows, errors))
    return people, errors


def clean_each(rows: Iterable[RosterRow], errors: list[CellError]) -> Iterator[CleanPerson]:
    """``clean_rows`` one row at a time: yields each valid person, appends each problem to
    ``errors`` (in row order) as soon as its row is checked.

    So that an import can write the people already checked while the next rows are being checked,
    and stop writing at the first problem (``errors`` is no longer empty) yet still check every row.
    """
    genders = _choices(Gender)
    party_statuses = _choices(PartyStatus)
    party_message = RosterMessage.PARTY_STATUS.format(choices="、".join(party_statuses))
    keys = [column.key for column in COLUMNS]
    pick = itemgetter(*keys)
    required = [column.required for column in COLUMNS]
    limits = [(n, MAX_LENGTHS[key]) for n, key in enumerate(keys) if key in MAX_LENGTHS]
    today = timezone.localdate()  # once: the time zone lookup costs more than an ID's checks
    first_seen: dict[tuple[str, str], int] = {}

    for row in rows:
        values, number = row.values, row.row_number
        try:  # a row read from a file has every column; a form may leave some out
            fields = pick(values)
        except KeyError:
            fields = tuple(values.get(key, "") for key in keys)
        name, gender_text, raw_id, raw_mobile, department, post, party_text, program = fields
        problems: list[tuple[int, str]] = []  # (column index, message)
        if not all(fields):
            problems += [
                (n, RosterMessage.REQUIRED)
                for n, text in enumerate(fields)
                if required[n] and not text
            ]
        for n, limit in limits:
            if len(fields[n]) > limit:
                problems.append((n, RosterMessage.TOO_LONG.format(limit=limit)))
        if not is_single_line_text("".join(fields)):
            problems += [
                (n, RosterMessage.CONTROL_CHARACTERS)
                for n, text in enumerate(fields)
                if not is_single_line_text(text)
            ]

        gender = genders.get(gender_text)
        if gender is None and gender_text:
            problems.append((1, RosterMessage.GENDER))

        # ASCII letters and digits are already what normalise_id_number would make of them.
        if raw_id.isascii() and raw_id.isalnum():
            id_number = raw_id.upper()
        else:
            id_number = pii.normalise_id_number(raw_id)
        if row.numeric_id:
            problems.append((2, pii.IdNumberError.NUMERIC_CELL))
        elif id_number and (why := pii.id_number_problem(id_number, today=today)):
            problems.append((2, why))
        elif id_number:
            seen = first_seen.setdefault((id_number, program), number)
            if seen != number:
                problems.append((2, RosterMessage.DUPLICATE.format(row=seen)))

        if raw_mobile.isascii() and raw_mobile.isdigit():
            mobile = raw_mobile
        else:
            mobile = MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw_mobile))
        if raw_mobile and not MOBILE_PATTERN.match(mobile):
            problems.append((3, RosterMessage.MOBILE))

        party_status = party_statuses.get(party_text)
        if party_status is None and party_text:
            problems.append((6, party_message))

        if problems:
            problems.sort(key=lambda problem: problem[0])
            errors += [CellError(number, COLUMNS[n].header, message) for n, message in problems]
            continue
        assert gender is not None  # noqa: S101 - a row without one has a problem and was skipped
        assert party_status is not None  # noqa: S101
        yield CleanPerson(
            number,
            name,
            gender,
            id_number,
            mobile,
            department,
            post,
            party_status,
            program,
            pii.area_is_known(id_number),
        )
