"""Reflection essays (心得撰写): the learner's editor, and the coordinators' grading queue."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learners.discussion_selectors import (
    essay_for_review,
    essay_queue,
    queue_cohorts,
    queue_programs,
)
from learners.models import Essay, EssayStatus
from learners.selectors import study_open
from learners.services.essays import essay_length, essay_review, essay_save
from learners.views.study import enrollment_or_404
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

ESSAYS_PER_PAGE = 25


class EssayForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("题目"), max_length=Essay._meta.get_field("title").max_length
    )
    body = forms.CharField(
        label=gettext_lazy("正文"),
        max_length=Essay._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 18}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("pass", gettext_lazy("通过")), ("return", gettext_lazy("退回修改"))]
    )
    comment = forms.CharField(
        label=gettext_lazy("批阅意见"),
        required=False,
        max_length=Essay._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("退回修改时必填，写明需要如何修改；通过时可不填。"),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=32767)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget.attrs["class"] = "form-control"


class QueueFilter(forms.Form):
    cohort = forms.ModelChoiceField(
        label=gettext_lazy("期次"),
        queryset=queue_cohorts(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("培训班次"),
        queryset=queue_programs(),
        required=False,
        empty_label=gettext_lazy("全部"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


@login_required
def essay(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    program = enrollment.cohort.program
    current = Essay.objects.filter(enrollment=enrollment).first()
    editable = (
        program.require_essay
        and study_open(enrollment)
        and (current is None or current.status in (EssayStatus.DRAFT, EssayStatus.RETURNED))
    )
    initial = {"title": current.title, "body": current.body} if current else None
    form = EssayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            essay_save(enrollment=enrollment, submit=submit, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(
                request, _("心得已提交，请等待老师批阅。") if submit else _("草稿已保存。")
            )
            return redirect("learners:essay", pk=enrollment.pk)
    return render(
        request,
        "learners/essay_edit.html",
        {
            "enrollment": enrollment,
            "program": program,
            "essay": current,
            "form": form,
            "editable": editable,
            "open": study_open(enrollment),
            "length": essay_length(current.body) if current else 0,
        },
    )


def _academy_only(request) -> None:
    if not access.is_academy(request.user):
        raise PermissionDenied


@login_required
def essay_queue_view(request):
    _academy_only(request)
    filters = QueueFilter(request.GET or None)
    cohort = program = None
    if filters.is_valid():
        cohort = filters.cleaned_data["cohort"]
        program = filters.cleaned_data["program"]
    essays = essay_queue(
        cohort_id=cohort.pk if cohort else None, program_id=program.pk if program else None
    )
    page = Paginator(essays, ESSAYS_PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(
        f"{name}={value.pk}" for name, value in (("cohort", cohort), ("program", program)) if value
    )
    return render(
        request,
        "learners/essay_queue.html",
        {"page": page, "filters": filters, "query": query},
    )


@login_required
def essay_review_view(request, pk: int):
    _academy_only(request)
    try:
        essay_obj = essay_for_review(pk=pk)
    except Essay.DoesNotExist:
        raise Http404 from None
    if essay_obj.revision == 0:
        raise Http404  # a draft never submitted is the learner's own
    form = ReviewForm(request.POST or None, initial={"revision": essay_obj.revision})
    if request.method == "POST" and form.is_valid():
        passed = form.cleaned_data["decision"] == "pass"
        try:
            essay_review(
                essay=essay_obj,
                by=request.user,
                passed=passed,
                comment=form.cleaned_data["comment"],
                revision=form.cleaned_data["revision"],
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(
                request, _("心得已通过。") if passed else _("心得已退回，学员修改后可重新提交。")
            )
            return redirect("learners:essay-queue")
    enrollment = essay_obj.enrollment
    return render(
        request,
        "learners/essay_review.html",
        {
            "essay": essay_obj,
            "enrollment": enrollment,
            "form": form,
            "length": essay_length(essay_obj.body),
            "needed": enrollment.cohort.program.essay_min_chars,
            "reviewable": essay_obj.status == EssayStatus.SUBMITTED,
        },
    )


urlpatterns = [
    path("study/<int:pk>/essay/", essay, name="essay"),
    path("essays/", essay_queue_view, name="essay-queue"),
    path("essays/<int:pk>/", essay_review_view, name="essay-review"),
]
