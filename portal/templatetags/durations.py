"""A length of time as people say it: “30 分钟”, “1 小时 30 分钟”, never ISO 8601's PT30M."""

import datetime

from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def spoken_duration(value: datetime.timedelta | None) -> str:
    if not value:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)s 小时", "%(n)s 小时", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)s 分钟", "%(n)s 分钟", minutes) % {"n": minutes})
    return " ".join(parts)
