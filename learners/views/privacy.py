"""Personal data (个人信息): the learner downloads everything held on her; an academy desk erases a
person's data on her request, after a confirmation. Thin views over learners.services.privacy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from learners.services.privacy import (
    is_erased,
    learner_data_export,
    learner_erase,
    learners_erasable_by,
)
from portal import access
from portal.errors import ApplicationError
from portal.models import Role


@login_required
def my_data(request):
    if not access.has_role(request.user, Role.LEARNER):
        raise PermissionDenied
    return render(request, "learners/my_data.html")


@never_cache
@login_required
def my_data_export(request):
    """Her own data only, for the signed-in learner; never anybody else's."""
    if not access.has_role(request.user, Role.LEARNER):
        raise PermissionDenied
    data = learner_data_export(learner=request.user)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    return response


@login_required
def person_erase(request, pk: int):
    """Confirm, then erase a person's personal data (academy desks of her school, admins)."""
    if not access.is_academy(request.user):
        raise Http404
    person = (
        learners_erasable_by(request.user).select_related("user__institution").filter(pk=pk).first()
    )
    if person is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("confirm") != person.id_masked[-4:]:
            messages.error(request, _("请输入该学员身份证号的后 4 位以确认删除。"))
        else:
            try:
                result = learner_erase(learner=person, by=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                if result.already:
                    messages.info(request, _("该学员的个人信息此前已删除。"))
                else:
                    messages.success(request, _("已删除该学员的个人信息，学时档案按规定保存。"))
                return redirect("learners:person-erase", pk=pk)
    return render(
        request,
        "learners/person_erase.html",
        {
            "person": person,
            "erased": is_erased(person.user),
        },
    )


urlpatterns = [
    path("account/my-data/", my_data, name="my-data"),
    path("account/my-data/export.zip", my_data_export, name="my-data-export"),
    path("people/<int:pk>/erase/", person_erase, name="person-erase"),
]
