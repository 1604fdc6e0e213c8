"""Themed discussion (主题研讨): a cohort's topics, learners' posts and replies, and the
coordinators' moderation.

A post is plain text, stored as typed (without the blanks around it) and shown escaped. A learner
posts in the cohorts she holds a place in, during the study period; each visible post counts
towards her program's ``min_posts``. Coordinators (the academy) open topics, reply and hide posts;
a hidden post no longer counts.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, DiscussionTopic
from learners.models import Enrollment, Post
from learners.services.completion import enrollment_complete_if_met, require_study_open
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import Role, User
from portal.services import audit_record

# A learner's post counts towards her requirement; a line such as "同意" is not a contribution.
MIN_POST_CHARS = 10

ERROR_NOT_IN_COHORT = _("您不在该研讨主题所属的期次中，不能发帖。")
ERROR_NOT_ALLOWED = _("只有本期次的学员和学院项目负责人可以参与研讨。")
ERROR_TOPIC_CLOSED = _("该研讨主题已关闭，不能再发帖或回复。")
ERROR_BODY_REQUIRED = _("请填写内容。")
ERROR_POST_TOO_SHORT = _(
    "发帖内容至少 %(min)s 个字（不计空格和换行），现在只有 %(n)s 个字，请再充实一些。"
)
ERROR_REPLY_OTHER_TOPIC = _("所回复的帖子不在本研讨主题下。")
ERROR_REPLY_TO_REPLY = _("只能回复主题下的帖子，不能回复回复。")
ERROR_NOT_MODERATOR = _("只有学院项目负责人可以管理研讨。")
ERROR_REASON_REQUIRED = _("请填写屏蔽原因。")
ERROR_ALREADY_HIDDEN = _("该帖子已被屏蔽。")
ERROR_NOT_HIDDEN = _("该帖子没有被屏蔽。")


def visible_length(text: str) -> int:
    """How many characters a text holds, not counting spaces, tabs and line breaks."""
    return len("".join(text.split()))


def _check_moderator(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_MODERATOR))


@transaction.atomic
def post_create(
    *, author: User, topic: DiscussionTopic, body: str, parent: Post | None = None
) -> Post:
    """Post under ``topic`` (or reply to ``parent``, a top-level post of the same topic).

    A double submission (the same author, topic, parent and text) returns the first post rather
    than writing a second: the topic row is locked while the check is made.
    """
    topic = (
        DiscussionTopic.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=topic.pk)
    )
    enrollment = None
    if access.has_role(author, Role.LEARNER):
        enrollment = (
            Enrollment.objects.select_related("cohort__program")
            .filter(cohort_id=topic.cohort_id, learner_id=author.pk)
            .first()
        )
        if enrollment is None:
            raise PermissionRefused(str(ERROR_NOT_IN_COHORT))
        require_study_open(enrollment)
    elif not access.is_academy(author):
        raise PermissionRefused(str(ERROR_NOT_ALLOWED))
    if not topic.is_open:
        raise StateConflict(str(ERROR_TOPIC_CLOSED))
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise ApplicationError(str(ERROR_REPLY_OTHER_TOPIC))
        if parent.parent_id is not None:
            raise ApplicationError(str(ERROR_REPLY_TO_REPLY))

    body = (body or "").strip()
    if not body:
        raise ApplicationError(
            str(ERROR_BODY_REQUIRED), fields={"body": [str(ERROR_BODY_REQUIRED)]}
        )
    post = Post(topic=topic, author=author, enrollment=enrollment, parent=parent, body=body)
    validate_instance(post, exclude=["topic", "author", "enrollment", "parent"])
    if enrollment is not None and visible_length(body) < MIN_POST_CHARS:
        message = str(ERROR_POST_TOO_SHORT % {"min": MIN_POST_CHARS, "n": visible_length(body)})
        raise ApplicationError(message, fields={"body": [message]})

    first = Post.objects.filter(topic=topic, author=author, parent=parent, body=body).first()
    if first is not None:
        return first
    post.save()
    if enrollment is not None:
        enrollment_complete_if_met(enrollment_id=enrollment.pk)
    return post


@transaction.atomic
def post_hide(*, post: Post, by: User, reason: str) -> Post:
    """Hide a post from the discussion (it no longer counts towards the requirement)."""
    _check_moderator(by)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.is_hidden:
        raise StateConflict(str(ERROR_ALREADY_HIDDEN))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            str(ERROR_REASON_REQUIRED), fields={"hidden_reason": [str(ERROR_REASON_REQUIRED)]}
        )
    post.is_hidden = True
    post.hidden_reason = reason
    post.hidden_by = by
    validate_instance(post, exclude=["topic", "author", "enrollment", "parent"])
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "updated_at"])
    audit_record(actor=by, action="post.hide", target=post, comment=reason)
    return post


@transaction.atomic
def post_unhide(*, post: Post, by: User) -> Post:
    """Show a hidden post again; it counts again, and may complete the learner's enrollment."""
    _check_moderator(by)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_hidden:
        raise StateConflict(str(ERROR_NOT_HIDDEN))
    reason = post.hidden_reason
    post.is_hidden = False
    post.hidden_reason = ""
    post.hidden_by = None
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "updated_at"])
    audit_record(actor=by, action="post.unhide", target=post, details={"reason": reason})
    if post.enrollment_id is not None:
        enrollment_complete_if_met(enrollment_id=post.enrollment_id)
    return post


TOPIC_FIELDS = ("title", "prompt", "is_open")


def _topic_clean(topic: DiscussionTopic) -> None:
    topic.title = (topic.title or "").strip()
    topic.prompt = (topic.prompt or "").strip()
    validate_instance(topic, exclude=["cohort"])


@transaction.atomic
def topic_create(
    *, cohort: Cohort, by: User, title: str, prompt: str = "", is_open: bool = True
) -> DiscussionTopic:
    _check_moderator(by)
    topic = DiscussionTopic(cohort=cohort, title=title, prompt=prompt, is_open=is_open)
    _topic_clean(topic)
    topic.save()
    audit_record(actor=by, action="topic.create", target=topic)
    return topic


@transaction.atomic
def topic_update(*, topic: DiscussionTopic, by: User, data: dict) -> DiscussionTopic:
    """Change a topic's title, prompt, or whether it is open for posting."""
    _check_moderator(by)
    topic = DiscussionTopic.objects.select_for_update().get(pk=topic.pk)
    changed = [name for name in TOPIC_FIELDS if name in data and getattr(topic, name) != data[name]]
    for name in changed:
        setattr(topic, name, data[name])
    _topic_clean(topic)
    topic.save()
    audit_record(actor=by, action="topic.change", target=topic, details={"changed": changed})
    return topic
