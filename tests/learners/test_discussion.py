"""Themed discussion (主题研讨): who may post where and when, what a post may hold, how it is shown,
how coordinators moderate, and how posts complete an enrollment."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import DiscussionTopic
from learners.models import EnrollmentStatus, Post
from learners.services.completion import enrollment_complete_if_met
from learners.services.discussion import (
    ERROR_ALREADY_HIDDEN,
    ERROR_BODY_REQUIRED,
    ERROR_NOT_ALLOWED,
    ERROR_NOT_HIDDEN,
    ERROR_NOT_IN_COHORT,
    ERROR_NOT_MODERATOR,
    ERROR_REASON_REQUIRED,
    ERROR_REPLY_OTHER_TOPIC,
    ERROR_REPLY_TO_REPLY,
    ERROR_TOPIC_CLOSED,
    MIN_POST_CHARS,
    post_create,
    post_hide,
    post_unhide,
    topic_create,
    topic_update,
)
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.factories import (
    CohortFactory,
    DiscussionTopicFactory,
    EnrollmentFactory,
    LearnerFactory,
)

BODY = "结合本校实际，我认为基层党支部要把政治建设摆在首位。"
HIDDEN_NOTICE = "该内容已被管理员屏蔽"


@pytest.fixture
def topic(world):
    return DiscussionTopicFactory(cohort=world.study_cohort)


@pytest.fixture
def learner(world):
    return world.users["learner_a"]


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


def only_discussion_required(program, posts=2):
    """The program asks for posts and nothing else (no lessons exist in these tests)."""
    program.min_posts = posts
    program.require_essay = False
    program.require_exam = False
    program.min_live_sessions = 0
    program.require_simulation = False
    program.save()


def past_cohort_enrollment(learner, days_ago=10):
    today = timezone.localdate()
    cohort = CohortFactory(
        start_date=today - datetime.timedelta(days=50),
        end_date=today - datetime.timedelta(days=days_ago),
    )
    return EnrollmentFactory(cohort=cohort, learner=learner, institution=learner.institution)


# ---- posting ----


def test_a_learner_posts_in_her_cohort_with_her_place_recorded(world, topic, learner):
    post = post_create(author=learner, topic=topic, body=f"  \n{BODY}\n  ")

    assert post.enrollment == world.enrollment_a
    assert post.body == BODY  # stored as typed, without the blanks around it
    assert post.parent is None


def test_a_learner_cannot_post_in_another_cohorts_topic(world, learner):
    other = DiscussionTopicFactory(cohort=world.cohort)

    with pytest.raises(PermissionRefused) as refused:
        post_create(author=learner, topic=other, body=BODY)

    assert refused.value.message == str(ERROR_NOT_IN_COHORT)
    assert not Post.objects.exists()


@pytest.mark.parametrize("role", ["staff_a", "prov_bj"])
def test_schools_and_provinces_cannot_post(world, topic, role):
    with pytest.raises(PermissionRefused) as refused:
        post_create(author=world.users[role], topic=topic, body=BODY)

    assert refused.value.message == str(ERROR_NOT_ALLOWED)
    assert not Post.objects.exists()


def test_a_coordinator_posts_and_replies_without_a_place(topic, learner, coordinator):
    question = post_create(author=learner, topic=topic, body=BODY)

    reply = post_create(author=coordinator, topic=topic, body="说得好。", parent=question)

    assert reply.enrollment is None
    assert reply.parent == question  # a coordinator's short reply has no minimum length


def test_a_closed_topic_takes_no_posts_from_anyone(topic, learner, coordinator):
    topic.is_open = False
    topic.save()

    for author in (learner, coordinator):
        with pytest.raises(StateConflict) as refused:
            post_create(author=author, topic=topic, body=BODY)
        assert refused.value.message == str(ERROR_TOPIC_CLOSED)
    assert not Post.objects.exists()


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_learner_cannot_post_outside_the_study_period(world, learner, when):
    today = timezone.localdate()
    cohort = world.study_cohort
    if when == "before":
        cohort.start_date, cohort.end_date = (
            today + datetime.timedelta(days=3),
            today + datetime.timedelta(days=30),
        )
    else:
        cohort.start_date, cohort.end_date = (
            today - datetime.timedelta(days=40),
            today - datetime.timedelta(days=1),
        )
    cohort.save()
    topic = DiscussionTopicFactory(cohort=cohort)

    with pytest.raises(StateConflict) as refused:
        post_create(author=learner, topic=topic, body=BODY)

    assert "不在学习时间内" in refused.value.message
    assert not Post.objects.exists()


def test_a_reply_must_answer_a_top_level_post_of_the_same_topic(world, topic, learner, coordinator):
    first = post_create(author=learner, topic=topic, body=BODY)
    reply = post_create(author=coordinator, topic=topic, body="请再具体谈谈做法。", parent=first)
    elsewhere = DiscussionTopicFactory(cohort=world.study_cohort)

    with pytest.raises(ApplicationError) as nested:
        post_create(author=learner, topic=topic, body=BODY + "补充。", parent=reply)
    with pytest.raises(ApplicationError) as crossed:
        post_create(author=learner, topic=elsewhere, body=BODY, parent=first)

    assert nested.value.message == str(ERROR_REPLY_TO_REPLY)
    assert crossed.value.message == str(ERROR_REPLY_OTHER_TOPIC)
    assert Post.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", str(ERROR_BODY_REQUIRED)),
        ("   \n\t ", str(ERROR_BODY_REQUIRED)),
        ("坚持党建引领\x07推动事业发展很重要", "不能包含控制字符"),
        ("坚持党建引领\u202e推动事业发展很重要", "不能包含控制字符"),
        ("长" * 5001, "5000"),
        ("同意楼上观点", f"至少 {MIN_POST_CHARS} 个字"),
        ("同 意 楼 上 观 点 ！ ！ ！", "现在只有 9 个字"),  # spaces do not count
    ],
)
def test_a_post_body_is_refused_when_empty_invalid_too_long_or_too_short(
    topic, learner, body, message
):
    with pytest.raises(ApplicationError) as refused:
        post_create(author=learner, topic=topic, body=body)

    assert message in refused.value.message
    assert not Post.objects.exists()


def test_the_minimum_length_message_says_what_she_has_and_needs(topic, learner):
    with pytest.raises(ApplicationError) as refused:
        post_create(author=learner, topic=topic, body="赞同这个观点")

    assert refused.value.message == (
        f"发帖内容至少 {MIN_POST_CHARS} 个字（不计空格和换行），现在只有 6 个字，请再充实一些。"
    )
    assert refused.value.fields == {"body": [refused.value.message]}


def test_the_same_post_sent_twice_is_written_once(topic, learner):
    first = post_create(author=learner, topic=topic, body=BODY)

    again = post_create(author=learner, topic=topic, body=f"{BODY}  ")

    assert again.pk == first.pk
    assert Post.objects.count() == 1


def test_the_same_words_under_two_posts_are_two_replies(topic, learner, coordinator):
    one = post_create(author=learner, topic=topic, body=BODY)
    two = post_create(author=learner, topic=topic, body=BODY + "（二）")

    post_create(author=coordinator, topic=topic, body="谢谢分享。", parent=one)
    post_create(author=coordinator, topic=topic, body="谢谢分享。", parent=two)

    assert Post.objects.filter(author=coordinator).count() == 2


# ---- completion ----


def test_posts_complete_an_enrollment_when_they_are_the_only_requirement(world, topic, learner):
    only_discussion_required(world.study_cohort.program, posts=2)

    post_create(author=learner, topic=topic, body=BODY)
    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.IN_PROGRESS

    post_create(author=learner, topic=topic, body=BODY + "第二点体会。")
    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.COMPLETED


def test_a_hidden_post_does_not_count_and_counts_again_when_shown(
    world, topic, learner, coordinator
):
    only_discussion_required(world.study_cohort.program, posts=2)
    first = post_create(author=learner, topic=topic, body=BODY)
    post_hide(post=first, by=coordinator, reason="与主题无关")

    post_create(author=learner, topic=topic, body=BODY + "第二点体会。")
    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.IN_PROGRESS

    post_unhide(post=first, by=coordinator)
    world.enrollment_a.refresh_from_db()
    assert world.enrollment_a.status == EnrollmentStatus.COMPLETED


def test_nothing_is_earned_after_the_cohorts_end(world, learner, settings):
    # given posts written in time, counted only after the cohort ended and its grading grace
    settings.COMPLETION_GRACE_DAYS = 5
    enrollment = past_cohort_enrollment(learner)
    only_discussion_required(enrollment.cohort.program, posts=1)
    topic = DiscussionTopicFactory(cohort=enrollment.cohort)
    Post.objects.create(topic=topic, author=learner, enrollment=enrollment, body=BODY)

    # when she tries again, and completion is checked
    with pytest.raises(StateConflict):
        post_create(author=learner, topic=topic, body=BODY + "补充")
    completed = enrollment_complete_if_met(enrollment_id=enrollment.pk)

    # then nothing changes
    enrollment.refresh_from_db()
    assert not completed
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS
    assert Post.objects.count() == 1


# ---- moderation ----


def test_a_coordinator_hides_a_post_with_a_reason_and_it_is_audited(topic, learner, coordinator):
    post = post_create(author=learner, topic=topic, body=BODY)

    post_hide(post=post, by=coordinator, reason="  含有与研讨无关的广告  ")

    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason, post.hidden_by) == (
        True,
        "含有与研讨无关的广告",
        coordinator,
    )
    event = AuditEvent.objects.get(action="post.hide")
    assert event.object_id == str(post.pk)
    assert event.comment == "含有与研讨无关的广告"


def test_hiding_needs_a_reason_and_a_coordinator(world, topic, learner, coordinator):
    post = post_create(author=learner, topic=topic, body=BODY)

    with pytest.raises(ApplicationError) as no_reason:
        post_hide(post=post, by=coordinator, reason="  ")
    for role in ("learner_a", "staff_a", "prov_bj"):
        with pytest.raises(PermissionRefused) as refused:
            post_hide(post=post, by=world.users[role], reason="不合适")
        assert refused.value.message == str(ERROR_NOT_MODERATOR)

    assert no_reason.value.message == str(ERROR_REASON_REQUIRED)
    post.refresh_from_db()
    assert not post.is_hidden
    assert not AuditEvent.objects.filter(action="post.hide").exists()


def test_hiding_twice_or_showing_a_shown_post_is_a_conflict(topic, learner, coordinator):
    post = post_create(author=learner, topic=topic, body=BODY)

    with pytest.raises(StateConflict) as not_hidden:
        post_unhide(post=post, by=coordinator)
    post_hide(post=post, by=coordinator, reason="重复内容")
    with pytest.raises(StateConflict) as hidden:
        post_hide(post=post, by=coordinator, reason="重复内容")

    assert not_hidden.value.message == str(ERROR_NOT_HIDDEN)
    assert hidden.value.message == str(ERROR_ALREADY_HIDDEN)


def test_unhiding_clears_the_reason_and_is_audited(topic, learner, coordinator):
    post = post_create(author=learner, topic=topic, body=BODY)
    post_hide(post=post, by=coordinator, reason="误判")

    post_unhide(post=post, by=coordinator)

    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason, post.hidden_by) == (False, "", None)
    assert AuditEvent.objects.get(action="post.unhide").details == {"reason": "误判"}


# ---- topics ----


def test_a_coordinator_opens_and_edits_a_topic(world, coordinator):
    topic = topic_create(
        cohort=world.study_cohort, by=coordinator, title="  学习二十大精神  ", prompt="谈体会。"
    )
    topic_update(topic=topic, by=coordinator, data={"is_open": False, "title": "新主题"})

    topic.refresh_from_db()
    assert (topic.title, topic.is_open, topic.cohort) == ("新主题", False, world.study_cohort)
    assert AuditEvent.objects.filter(action__in=["topic.create", "topic.change"]).count() == 2


@pytest.mark.parametrize("title", ["", "主题\n换行", "长" * 121])
def test_a_topic_is_validated(world, coordinator, title):
    with pytest.raises(ApplicationError) as refused:
        topic_create(cohort=world.study_cohort, by=coordinator, title=title)

    assert "研讨主题" in refused.value.message
    assert not DiscussionTopic.objects.exists()


@pytest.mark.parametrize("role", ["learner_a", "staff_a", "prov_bj"])
def test_only_coordinators_open_or_edit_topics(world, topic, role):
    with pytest.raises(PermissionRefused):
        topic_create(cohort=world.study_cohort, by=world.users[role], title="主题")
    with pytest.raises(PermissionRefused):
        topic_update(topic=topic, by=world.users[role], data={"title": "改名"})

    assert DiscussionTopic.objects.get().title == topic.title


# ---- pages: the learner ----


def topic_url(world, topic):
    return reverse("learners:topic", kwargs={"pk": world.enrollment_a.pk, "topic": topic.pk})


def test_the_discussion_page_lists_her_cohorts_topics_with_counts(
    world, client_for, topic, learner, coordinator
):
    only_discussion_required(world.study_cohort.program, posts=3)
    post_create(author=learner, topic=topic, body=BODY)
    other = post_create(author=coordinator, topic=topic, body="欢迎大家发言。")
    post_hide(post=other, by=coordinator, reason="测试")
    DiscussionTopicFactory(cohort=world.cohort, title="别的期次的主题")

    page = client_for(learner).get(
        reverse("learners:discussion", kwargs={"pk": world.enrollment_a.pk})
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert topic.title in text
    assert "别的期次的主题" not in text
    assert "1 / 3" in text  # her counted posts against the requirement
    assert "我发了 1 帖" in text


def test_a_learner_of_another_cohort_cannot_open_the_topic(world, client_for, topic):
    stranger = LearnerFactory(institution=world.school_a)
    place = EnrollmentFactory(learner=stranger, cohort=world.cohort)
    client = client_for(stranger)

    own_place_other_topic = client.get(
        reverse("learners:topic", kwargs={"pk": place.pk, "topic": topic.pk})
    )
    her_place = client.get(topic_url(world, topic))
    posted = client.post(
        reverse("learners:topic", kwargs={"pk": place.pk, "topic": topic.pk}), {"body": BODY}
    )

    assert own_place_other_topic.status_code == 404
    assert her_place.status_code == 404
    assert posted.status_code == 404
    assert not Post.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "prov_bj", "coord_ug", "admin"])
def test_only_the_learner_posts_through_her_page(world, client_for, topic, role):
    response = client_for(world.users[role]).post(topic_url(world, topic), {"body": BODY})

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/login/" in response.headers["Location"]
    assert not Post.objects.exists()


def test_a_learner_posts_and_replies_through_the_page(world, client_for, topic, learner):
    client = client_for(learner)

    posted = client.post(topic_url(world, topic), {"body": BODY})
    first = Post.objects.get()
    replied = client.post(
        topic_url(world, topic), {"body": "补充一点：要抓好支部书记队伍。", "parent": first.pk}
    )

    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(f"#post-{first.pk}")
    assert replied.status_code == 302
    assert Post.objects.get(parent=first).enrollment == world.enrollment_a


def test_a_double_click_on_the_page_writes_one_post(world, client_for, topic, learner):
    client = client_for(learner)

    client.post(topic_url(world, topic), {"body": BODY})
    client.post(topic_url(world, topic), {"body": BODY})

    assert Post.objects.count() == 1


def test_a_refused_post_is_shown_on_the_form_with_her_text(world, client_for, topic, learner):
    response = client_for(learner).post(topic_url(world, topic), {"body": "赞同"})

    text = response.content.decode()
    assert response.status_code == 200
    assert f"发帖内容至少 {MIN_POST_CHARS} 个字" in text
    assert "赞同</textarea>" in text
    assert not Post.objects.exists()


def test_a_reply_to_a_post_elsewhere_is_refused_on_the_page(world, client_for, topic, learner):
    elsewhere = DiscussionTopicFactory(cohort=world.study_cohort)
    other = post_create(author=learner, topic=elsewhere, body=BODY)

    response = client_for(learner).post(topic_url(world, topic), {"body": BODY, "parent": other.pk})

    assert response.status_code == 200
    assert str(ERROR_REPLY_OTHER_TOPIC) in response.content.decode()
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ],
)
def test_posts_are_shown_escaped_as_plain_text(world, client_for, topic, learner, body, escaped):
    client = client_for(learner)
    client.post(topic_url(world, topic), {"body": body})

    text = client.get(topic_url(world, topic)).content.decode()

    assert Post.objects.get().body == body  # stored as typed
    assert escaped in text
    assert body not in text


def test_line_breaks_are_kept(world, client_for, topic, learner):
    post_create(author=learner, topic=topic, body="第一，要学深悟透。\n第二，要知行合一。")

    text = client_for(learner).get(topic_url(world, topic)).content.decode()

    assert "第一，要学深悟透。<br>第二，要知行合一。" in text


def test_a_hidden_post_shows_a_notice_to_learners_and_the_reason_to_coordinators(
    world, client_for, topic, learner, coordinator
):
    post = post_create(author=learner, topic=topic, body=BODY)
    post_hide(post=post, by=coordinator, reason="内容重复")

    as_learner = client_for(learner).get(topic_url(world, topic)).content.decode()
    as_coordinator = (
        client_for(coordinator)
        .get(
            reverse(
                "learners:cohort-topic", kwargs={"pk": world.study_cohort.pk, "topic": topic.pk}
            )
        )
        .content.decode()
    )

    assert HIDDEN_NOTICE in as_learner
    assert BODY not in as_learner
    assert "内容重复" not in as_learner
    assert BODY in as_coordinator
    assert "内容重复" in as_coordinator


def test_a_closed_topic_or_ended_cohort_shows_no_post_form(world, client_for, topic, learner):
    topic.is_open = False
    topic.save()

    text = client_for(learner).get(topic_url(world, topic)).content.decode()

    assert "该研讨主题已关闭" in text
    assert 'name="body"' not in text


def make_threads(topic, learner, coordinator, enrollment, count):
    for n in range(count):
        post = Post.objects.create(
            topic=topic, author=learner, enrollment=enrollment, body=f"{BODY}（{n}）"
        )
        Post.objects.create(topic=topic, author=coordinator, parent=post, body=f"回复{n}")
        Post.objects.create(
            topic=topic, author=learner, enrollment=enrollment, parent=post, body=f"再回复{n}"
        )
        if n % 3 == 0:
            post.is_hidden, post.hidden_reason, post.hidden_by = True, "测试", coordinator
            post.save()


@pytest.mark.parametrize("viewer", ["learner", "coordinator"])
def test_the_topic_page_costs_the_same_queries_whatever_the_number_of_posts(
    world, client_for, topic, learner, coordinator, viewer
):
    url = (
        topic_url(world, topic)
        if viewer == "learner"
        else reverse(
            "learners:cohort-topic", kwargs={"pk": world.study_cohort.pk, "topic": topic.pk}
        )
    )
    client = client_for(learner if viewer == "learner" else coordinator)
    make_threads(topic, learner, coordinator, world.enrollment_a, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    make_threads(topic, learner, coordinator, world.enrollment_a, 18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 8  # session, user, place or cohort, topic, count(s), threads, replies


# ---- pages: the coordinator ----


def cohort_topic_url(world, topic):
    return reverse("learners:cohort-topic", kwargs={"pk": world.study_cohort.pk, "topic": topic.pk})


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "prov_bj", "learner_a"])
def test_moderation_pages_are_the_academys(world, client_for, topic, role):
    client = client_for(world.users[role])
    post = Post.objects.create(
        topic=topic, author=world.users["learner_a"], enrollment=world.enrollment_a, body=BODY
    )
    cohort_url = reverse("learners:cohort-discussion", kwargs={"pk": world.study_cohort.pk})

    responses = [
        client.get(cohort_url),
        client.post(cohort_url, {"title": "新主题", "is_open": "on"}),
        client.get(cohort_topic_url(world, topic)),
        client.post(
            cohort_topic_url(world, topic), {"action": "hide", "post": post.pk, "reason": "x"}
        ),
    ]

    expected = 302 if role == "anonymous" else 403
    assert [r.status_code for r in responses] == [expected] * 4
    assert DiscussionTopic.objects.count() == 1
    post.refresh_from_db()
    assert not post.is_hidden


def test_a_coordinator_creates_a_topic_through_the_page(world, client_for, coordinator):
    url = reverse("learners:cohort-discussion", kwargs={"pk": world.study_cohort.pk})

    response = client_for(coordinator).post(
        url, {"title": "如何发挥党支部战斗堡垒作用", "prompt": "结合实际。", "is_open": "on"}
    )

    topic = DiscussionTopic.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == cohort_topic_url(world, topic)
    assert (topic.cohort, topic.is_open) == (world.study_cohort, True)


def test_a_refused_topic_is_shown_on_the_form(world, client_for, coordinator):
    url = reverse("learners:cohort-discussion", kwargs={"pk": world.study_cohort.pk})

    response = client_for(coordinator).post(url, {"title": "主题\x07"})

    assert response.status_code == 200
    assert "不能包含控制字符" in response.content.decode()
    assert not DiscussionTopic.objects.exists()


def test_a_coordinator_hides_replies_and_unhides_through_the_page(
    world, client_for, topic, learner, coordinator
):
    post = post_create(author=learner, topic=topic, body=BODY)
    client = client_for(coordinator)
    url = cohort_topic_url(world, topic)

    no_reason = client.post(url, {"action": "hide", "post": post.pk, "reason": ""}, follow=True)
    post.refresh_from_db()
    assert not post.is_hidden
    assert str(ERROR_REASON_REQUIRED) in no_reason.content.decode()

    client.post(url, {"action": "hide", "post": post.pk, "reason": "与主题无关"})
    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason) == (True, "与主题无关")

    client.post(url, {"action": "post", "body": "请围绕主题发言。", "parent": post.pk})
    assert Post.objects.get(parent=post).author == coordinator

    client.post(url, {"action": "unhide", "post": post.pk})
    post.refresh_from_db()
    assert not post.is_hidden


def test_a_coordinator_cannot_moderate_a_post_of_another_topic(
    world, client_for, topic, learner, coordinator
):
    elsewhere = DiscussionTopicFactory(cohort=world.study_cohort)
    post = post_create(author=learner, topic=elsewhere, body=BODY)

    response = client_for(coordinator).post(
        cohort_topic_url(world, topic), {"action": "hide", "post": post.pk, "reason": "x"}
    )

    assert response.status_code == 404
    post.refresh_from_db()
    assert not post.is_hidden


def test_a_topic_of_another_cohort_is_not_found_under_this_one(world, client_for, coordinator):
    elsewhere = DiscussionTopicFactory(cohort=world.cohort)

    response = client_for(coordinator).get(cohort_topic_url(world, elsewhere))

    assert response.status_code == 404


def test_a_coordinator_closes_a_topic_through_the_page(world, client_for, topic, coordinator):
    response = client_for(coordinator).post(
        cohort_topic_url(world, topic), {"action": "update", "title": topic.title, "prompt": ""}
    )

    topic.refresh_from_db()
    assert response.status_code == 302
    assert not topic.is_open


# ---- demo ----


def test_the_demo_discussion_loads_once(db):
    from courses.models import Cohort
    from learners.models import Essay, EssayStatus
    from learners.services.essays import essay_length
    from portal.demo import demo_load
    from portal.demo_discussion import load_discussion_demo

    demo_load()
    cohort = Cohort.objects.get(name="2026年第1期", program__code="party-affairs-staff")

    load_discussion_demo(cohort)
    counts = (DiscussionTopic.objects.count(), Post.objects.count(), Essay.objects.count())
    load_discussion_demo(cohort)

    assert counts == (2, 6, 2)
    assert (DiscussionTopic.objects.count(), Post.objects.count(), Essay.objects.count()) == counts
    assert sorted(Essay.objects.values_list("status", flat=True)) == [
        EssayStatus.PASSED,
        EssayStatus.SUBMITTED,
    ]
    assert all(essay_length(essay.body) >= 300 for essay in Essay.objects.all())
    program = cohort.program
    program.refresh_from_db()
    assert (program.min_posts, program.require_essay, program.essay_min_chars) == (2, True, 300)
    for post in Post.objects.all():
        post.full_clean()
