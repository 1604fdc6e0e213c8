from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.models import Role


def navigation(request):
    """The navigation bar for the signed-in user's role."""
    user = getattr(request, "user", None)
    items = [(_("培训项目"), reverse("courses:catalog"))]
    if user is not None and user.is_authenticated:
        items.append((_("工作台"), reverse("portal:dashboard")))
        if access.has_role(user, Role.LEARNER):
            items.append((_("我的学习"), reverse("learners:my-study")))
        if access.has_role(
            user, Role.INSTITUTION_STAFF, Role.PROVINCIAL_COORDINATOR, Role.ACADEMY_COORDINATOR
        ) or access.is_admin(user):
            items.append((_("参训回执"), reverse("enrollment:receipt-list")))
            label = _("本单位") if user.role == Role.INSTITUTION_STAFF else _("参训单位")
            items.append((label, reverse("enrollment:institution-list")))
            items.append((_("学时统计"), reverse("learners:hours-dashboard")))
            items.append((_("学时证明"), reverse("certificates:list")))
        if access.is_academy(user):
            items.append((_("期次"), reverse("courses:cohort-list")))
            items.append((_("心得批阅"), reverse("learners:essay-queue")))
            items.append((_("收款对账"), reverse("billing:receivables")))
            items.append((_("开票申请"), reverse("billing:invoice-list")))
        if access.can_use_admin(user):
            items.append((_("管理后台"), reverse("admin:index")))
    return {"nav_items": items}
