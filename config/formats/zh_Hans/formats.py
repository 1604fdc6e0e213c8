"""Chinese formats with ISO dates first among the input formats.

Django's zh_Hans puts ``%Y/%m/%d`` first, and a form widget renders its value in the first input
format; a browser's ``<input type="date">`` accepts only ``YYYY-MM-DD`` and shows anything else as an
empty box. Putting ISO first makes every date box, on every form, show its value; the other formats
are still accepted when typed.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DT


def _iso_first(formats: list[str], iso: list[str]) -> list[str]:
    return iso + [f for f in formats if f not in iso]


DATE_INPUT_FORMATS = _iso_first(_DATE, ["%Y-%m-%d"])
DATETIME_INPUT_FORMATS = _iso_first(_DT, ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
