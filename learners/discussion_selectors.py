"""Reads of the themed discussion and the reflection essays, each in a fixed number of queries.

(Kept beside ``learners.selectors`` so that the areas of the learning issue could be written at
the same time; the two may become one ``learners.selectors`` package.)
"""

from django.db.models import Count, Prefetch, Q, QuerySet

from courses.models import Cohort, DiscussionTopic, Program
from learners.models import Enrollment, Essay, EssayStatus, Post

_POST_RELATED = ("author", "hidden_by", "enrollment__institution")


def cohort_topics(
    *, cohort_id: int, enrollment: Enrollment | None = None
) -> QuerySet[DiscussionTopic]:
    """A cohort's topics with their visible posts (``post_count``), the hidden ones
    (``hidden_count``) and, for a learner, her own counted posts (``own_count``): one query."""
    topics = DiscussionTopic.objects.filter(cohort_id=cohort_id).annotate(
        post_count=Count("posts", filter=Q(posts__is_hidden=False)),
        hidden_count=Count("posts", filter=Q(posts__is_hidden=True)),
    )
    if enrollment is not None:
        topics = topics.annotate(
            own_count=Count(
                "posts", filter=Q(posts__enrollment_id=enrollment.pk, posts__is_hidden=False)
            )
        )
    return topics.order_by("id")


def counted_posts(*, enrollment: Enrollment) -> int:
    """The posts that count towards the program's ``min_posts``: hers, not hidden."""
    return Post.objects.filter(enrollment=enrollment, is_hidden=False).count()


def topic_threads(*, topic: DiscussionTopic) -> QuerySet[Post]:
    """The topic's top-level posts, newest thread first, each with its replies (oldest first)
    prefetched: a page of them costs three queries (count, posts, replies) whatever its size."""
    replies = Post.objects.select_related(*_POST_RELATED).order_by("created_at", "id")
    return (
        Post.objects.filter(topic=topic, parent__isnull=True)
        .select_related(*_POST_RELATED)
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("-created_at", "-id")
    )


def essay_queue(*, cohort_id: int | None = None, program_id: int | None = None) -> QuerySet[Essay]:
    """Essays waiting for grading across cohorts, the longest-waiting first."""
    essays = Essay.objects.filter(status=EssayStatus.SUBMITTED).select_related(
        "enrollment__learner", "enrollment__institution", "enrollment__cohort__program"
    )
    if cohort_id is not None:
        essays = essays.filter(enrollment__cohort_id=cohort_id)
    if program_id is not None:
        essays = essays.filter(enrollment__cohort__program_id=program_id)
    return essays.order_by("submitted_at", "id")


def queue_cohorts() -> QuerySet[Cohort]:
    """Cohorts that have an essay waiting (the queue's filter)."""
    waiting = Essay.objects.filter(status=EssayStatus.SUBMITTED).values("enrollment__cohort_id")
    return Cohort.objects.filter(pk__in=waiting).select_related("program").order_by("-start_date")


def queue_programs() -> QuerySet[Program]:
    waiting = Essay.objects.filter(status=EssayStatus.SUBMITTED).values(
        "enrollment__cohort__program_id"
    )
    return Program.objects.filter(pk__in=waiting).order_by("position", "id")


def essay_for_review(*, pk: int) -> Essay:
    return Essay.objects.select_related(
        "enrollment__learner__learner",
        "enrollment__institution",
        "enrollment__cohort__program",
        "reviewed_by",
    ).get(pk=pk)
