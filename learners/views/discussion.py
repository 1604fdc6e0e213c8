"""Themed discussion (主题研讨): the learner's topics and threads, and the coordinators' pages to
open topics and moderate them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort, DiscussionTopic
from courses.selectors import cohort_list
from learners.discussion_selectors import cohort_topics, counted_posts, topic_threads
from learners.models import Post
from learners.selectors import study_open
from learners.services.discussion import (
    ERROR_BODY_REQUIRED,
    ERROR_REASON_REQUIRED,
    ERROR_REPLY_OTHER_TOPIC,
    MIN_POST_CHARS,
    post_create,
    post_hide,
    post_unhide,
    topic_create,
    topic_update,
)
from learners.views.study import enrollment_or_404
from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error

THREADS_PER_PAGE = 20
MAX_PK = 2**63 - 1


class PostForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("内容"),
        max_length=Post._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": ERROR_BODY_REQUIRED},
    )
    parent = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_PK
    )


class HideForm(forms.Form):
    post = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_PK)
    reason = forms.CharField(
        label=gettext_lazy("屏蔽原因"),
        max_length=Post._meta.get_field("hidden_reason").max_length,
        error_messages={"required": ERROR_REASON_REQUIRED},
    )


class TopicForm(forms.ModelForm):
    class Meta:
        model = DiscussionTopic
        fields = ["title", "prompt", "is_open"]
        widgets = {"prompt": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs["class"] = "form-check-input" if checkbox else "form-control"

    def _post_clean(self):
        """The service validates the topic (``topic_create`` / ``topic_update``)."""


def _page(request, topic: DiscussionTopic):
    return Paginator(topic_threads(topic=topic), THREADS_PER_PAGE).get_page(
        request.POST.get("page") or request.GET.get("page")
    )


def _back_to(request, url: str, post: Post | None = None) -> HttpResponseRedirect:
    """Back to the page of threads the form was sent from (a new thread is on the first)."""
    number = request.POST.get("page", "")
    new_thread = post is not None and post.parent_id is None
    query = f"?page={number}" if number.isdigit() and int(number) > 1 and not new_thread else ""
    anchor = f"#post-{post.pk}" if post is not None else ""
    return redirect(f"{url}{query}{anchor}")


def _write_post(request, topic: DiscussionTopic, form: PostForm) -> Post | None:
    """Post what the form holds; None (with the refusal on the form) when it is refused."""
    if not form.is_valid():
        return None
    parent = None
    if form.cleaned_data["parent"] is not None:
        parent = Post.objects.filter(pk=form.cleaned_data["parent"], topic=topic).first()
        if parent is None:
            show_error(form, ApplicationError(str(ERROR_REPLY_OTHER_TOPIC)))
            return None
    try:
        return post_create(
            author=request.user, topic=topic, body=form.cleaned_data["body"], parent=parent
        )
    except ApplicationError as error:
        show_error(form, error)
        return None


def _replying_to(form: PostForm, topic: DiscussionTopic) -> int | None:
    """The thread whose reply form was sent, to show its refusal there; None shows it on the new
    post form (a new thread, or a parent that is not a thread of this topic)."""
    if not form.is_bound:
        return None
    try:
        parent = int(form.data.get("parent") or 0)
    except ValueError:
        return None
    if (
        0 < parent <= MAX_PK
        and Post.objects.filter(pk=parent, topic=topic, parent__isnull=True).exists()
    ):
        return parent
    return None


# ---- learners ----


@login_required
def discussion(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    program = enrollment.cohort.program
    return render(
        request,
        "learners/discussion_topics.html",
        {
            "enrollment": enrollment,
            "topics": cohort_topics(cohort_id=enrollment.cohort_id, enrollment=enrollment),
            "counted": counted_posts(enrollment=enrollment),
            "min_posts": program.min_posts,
            "open": study_open(enrollment),
        },
    )


@login_required
def topic_view(request, pk: int, topic: int):
    enrollment = enrollment_or_404(request, pk)
    topic_obj = get_object_or_404(DiscussionTopic, pk=topic, cohort_id=enrollment.cohort_id)
    form = PostForm(request.POST or None)
    if request.method == "POST":
        post = _write_post(request, topic_obj, form)
        if post is not None:
            messages.success(request, _("已发表。"))
            return _back_to(request, request.path, post)
    return render(
        request,
        "learners/discussion_topic.html",
        {
            "enrollment": enrollment,
            "topic": topic_obj,
            "page": _page(request, topic_obj),
            "form": form,
            "replying_to": _replying_to(form, topic_obj),
            "counted": counted_posts(enrollment=enrollment),
            "min_posts": enrollment.cohort.program.min_posts,
            "min_chars": MIN_POST_CHARS,
            "can_post": topic_obj.is_open and study_open(enrollment),
            "open": study_open(enrollment),
        },
    )


# ---- coordinators ----


def _cohort_or_404(request, pk: int) -> Cohort:
    if not access.is_academy(request.user):
        raise PermissionDenied
    return get_object_or_404(cohort_list(user=request.user), pk=pk)


@login_required
def cohort_discussion(request, pk: int):
    cohort = _cohort_or_404(request, pk)
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = topic_create(cohort=cohort, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(request, _("研讨主题已创建。"))
            return redirect("learners:cohort-topic", pk=cohort.pk, topic=topic.pk)
    return render(
        request,
        "learners/discussion_cohort.html",
        {"cohort": cohort, "topics": cohort_topics(cohort_id=cohort.pk), "form": form},
    )


@login_required
def cohort_topic(request, pk: int, topic: int):
    """Moderate a topic: post or reply as the academy, hide and unhide posts, edit the topic."""
    cohort = _cohort_or_404(request, pk)
    topic_obj = get_object_or_404(DiscussionTopic, pk=topic, cohort=cohort)
    action = request.POST.get("action", "post")
    form = PostForm(request.POST if action == "post" else None)
    topic_form = TopicForm(request.POST if action == "update" else None, instance=topic_obj)
    here = reverse("learners:cohort-topic", kwargs={"pk": cohort.pk, "topic": topic_obj.pk})
    if request.method == "POST":
        if action == "post":
            post = _write_post(request, topic_obj, form)
            if post is not None:
                messages.success(request, _("已发表。"))
                return _back_to(request, here, post)
        elif action in ("hide", "unhide"):
            return _moderate(request, topic_obj, action, here)
        elif action == "update" and topic_form.is_valid():
            try:
                topic_update(topic=topic_obj, by=request.user, data=topic_form.cleaned_data)
            except ApplicationError as error:
                show_error(topic_form, error)
            else:
                messages.success(request, _("研讨主题已保存。"))
                return redirect(here)
    return render(
        request,
        "learners/discussion_moderate.html",
        {
            "cohort": cohort,
            "topic": topic_obj,
            "page": _page(request, topic_obj),
            "form": form,
            "topic_form": topic_form,
            "replying_to": _replying_to(form, topic_obj),
            "moderator": True,
            "can_post": topic_obj.is_open,
        },
    )


def _moderate(request, topic: DiscussionTopic, action: str, here: str) -> HttpResponseRedirect:
    form = HideForm(request.POST)
    post = None
    if action == "unhide":
        form.fields["reason"].required = False
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    else:
        post = get_object_or_404(Post, pk=form.cleaned_data["post"], topic=topic)
        try:
            if action == "hide":
                post_hide(post=post, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("已屏蔽该帖子。"))
            else:
                post_unhide(post=post, by=request.user)
                messages.success(request, _("已恢复显示该帖子。"))
        except ApplicationError as error:
            messages.error(request, error.message)
    return _back_to(request, here, post)


urlpatterns = [
    path("study/<int:pk>/discussion/", discussion, name="discussion"),
    path("study/<int:pk>/discussion/<int:topic>/", topic_view, name="topic"),
    path("cohorts/<int:pk>/discussion/", cohort_discussion, name="cohort-discussion"),
    path("cohorts/<int:pk>/discussion/<int:topic>/", cohort_topic, name="cohort-topic"),
]
