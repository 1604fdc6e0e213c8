from django.db.models import QuerySet

from enrollment.models import Institution, Province
from portal import access
from portal.models import User


def institution_list(*, user: User) -> QuerySet[Institution]:
    """The institutions ``user`` may see, with their province, in catalog order."""
    return access.scope(user, Institution.objects.select_related("province"))


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("code")
