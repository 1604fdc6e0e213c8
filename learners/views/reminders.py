"""The school reminds the people who are behind on their hours (from its hours dashboard)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learners.services.reminders import hour_reminders_send
from portal.errors import ApplicationError


@login_required
@require_POST
def hours_remind(request):
    try:
        ids = [int(value) for value in request.POST.getlist("learner")]
        if not ids:
            raise ApplicationError(_("请先勾选要提醒的学员。"))
        result = hour_reminders_send(by=request.user, learner_ids=ids)
    except ValueError:
        messages.error(request, _("提醒的学员无效，请刷新页面后重试。"))
    except ApplicationError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已提醒 %(sent)s 人；%(skipped)s 人近 7 天内已提醒过或不属于本单位，未重复提醒。")
            % {"sent": result.sent, "skipped": result.skipped},
        )
    return redirect("learners:hours-dashboard")


urlpatterns = [
    path("hours/remind/", hours_remind, name="hours-remind"),
]
