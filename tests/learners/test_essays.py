"""Reflection essays (心得撰写): drafting, submitting, the minimum length, grading by one coordinator
at a time, revision after a return, and completion."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learners.models import EnrollmentStatus, Essay, EssayStatus
from learners.services.essays import (
    ERROR_ALREADY_REVIEWED,
    ERROR_COMMENT_REQUIRED,
    ERROR_FINAL,
    ERROR_NOT_REQUIRED,
    ERROR_NOT_REVIEWER,
    ERROR_RESUBMITTED,
    ERROR_WAITING,
    essay_length,
    essay_review,
    essay_save,
)
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.factories import CohortFactory, EnrollmentFactory, LearnerFactory

MIN_CHARS = 300
TITLE = "把学习成果转化为推动学校党建工作的实际成效"
# 300 characters that count, with spaces and line breaks that do not.
BODY = ("通过本次培训我深刻认识到高校党建工作的重要性。 \n" * 14)[:400]
LONG_ENOUGH = "党" * 280 + "\n\n" + "建" * 20


@pytest.fixture
def enrollment(world):
    program = world.study_cohort.program
    program.require_essay = True
    program.essay_min_chars = MIN_CHARS
    program.require_exam = False
    program.min_posts = 0
    program.min_live_sessions = 0
    program.require_simulation = False
    program.save()
    return world.enrollment_a


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


def submitted(enrollment) -> Essay:
    return essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH, submit=True)


def end_cohort(cohort):
    today = timezone.localdate()
    cohort.start_date = today - datetime.timedelta(days=40)
    cohort.end_date = today - datetime.timedelta(days=1)
    cohort.save()


# ---- writing ----


def test_the_length_counts_characters_but_not_blanks():
    assert essay_length("  党建 工作\n\n很　重要\t！ ") == 8  # the full-width space does not count
    assert essay_length(LONG_ENOUGH) == 300


def test_a_learner_saves_a_draft_and_edits_it(enrollment):
    essay_save(enrollment=enrollment, title="初稿", body="先写几句。", submit=False)

    essay = essay_save(enrollment=enrollment, title=f"  {TITLE}  ", body="再写几句。", submit=False)

    assert Essay.objects.count() == 1
    assert (essay.title, essay.body, essay.status, essay.revision) == (
        TITLE,
        "再写几句。",
        EssayStatus.DRAFT,
        0,
    )
    assert essay.submitted_at is None


def test_a_learner_submits_an_essay_long_enough(enrollment):
    essay = submitted(enrollment)

    assert (essay.status, essay.revision) == (EssayStatus.SUBMITTED, 1)
    assert essay.submitted_at is not None
    assert AuditEvent.objects.get(action="essay.submit").details == {"revision": 1, "length": 300}


def test_a_short_essay_is_refused_with_what_she_has_and_needs(enrollment):
    body = "党" * 250 + " " * 100

    with pytest.raises(ApplicationError) as refused:
        essay_save(enrollment=enrollment, title=TITLE, body=body, submit=True)

    assert refused.value.message == (
        "心得正文至少需要 300 字（不计空格和换行），目前只有 250 字，还差 50 字。"
    )
    assert refused.value.fields == {"body": [refused.value.message]}
    assert not Essay.objects.exists()  # a refused submission writes nothing, not even a draft


def test_a_short_draft_may_be_saved(enrollment):
    essay = essay_save(enrollment=enrollment, title=TITLE, body="提纲", submit=False)

    assert essay.status == EssayStatus.DRAFT


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", LONG_ENOUGH, "题目"),
        ("   ", LONG_ENOUGH, "题目"),
        (TITLE, "", "正文"),
        ("题目\n换行", LONG_ENOUGH, "不能包含控制字符"),
        (TITLE, LONG_ENOUGH + "\x00", "不能包含控制字符"),
        ("题" * 121, LONG_ENOUGH, "120"),
        (TITLE, "长" * 20001, "20000"),
    ],
)
def test_an_essay_is_validated(enrollment, title, body, message):
    with pytest.raises(ApplicationError) as refused:
        essay_save(enrollment=enrollment, title=title, body=body, submit=True)

    assert message in refused.value.message
    assert not Essay.objects.exists()


def test_no_essay_where_the_program_does_not_ask_for_one(enrollment):
    enrollment.cohort.program.require_essay = False
    enrollment.cohort.program.save()

    with pytest.raises(ApplicationError) as refused:
        submitted(enrollment)

    assert refused.value.message == str(ERROR_NOT_REQUIRED)
    assert not Essay.objects.exists()


@pytest.mark.parametrize("submit", [False, True])
def test_no_essay_is_saved_after_the_cohorts_end(enrollment, submit):
    end_cohort(enrollment.cohort)

    with pytest.raises(StateConflict) as refused:
        essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH, submit=submit)

    assert "不在学习时间内" in refused.value.message
    assert not Essay.objects.exists()


def test_a_submitted_essay_cannot_be_edited_until_it_is_returned(enrollment):
    submitted(enrollment)

    with pytest.raises(StateConflict) as refused:
        essay_save(enrollment=enrollment, title="改题目", body=LONG_ENOUGH, submit=False)
    with pytest.raises(StateConflict):
        submitted(enrollment)  # a double click on 提交 is refused, not counted twice

    assert refused.value.message == str(ERROR_WAITING)
    essay = Essay.objects.get()
    assert (essay.title, essay.revision) == (TITLE, 1)


def test_a_passed_essay_is_final(enrollment, coordinator):
    essay_review(essay=submitted(enrollment), by=coordinator, passed=True, comment="")

    with pytest.raises(StateConflict) as refused:
        essay_save(enrollment=enrollment, title="再改", body=LONG_ENOUGH, submit=False)

    assert refused.value.message == str(ERROR_FINAL)
    assert Essay.objects.get().title == TITLE


# ---- grading ----


def test_returned_revised_and_passed(enrollment, coordinator):
    # given a first submission returned with a comment
    essay = essay_review(
        essay=submitted(enrollment), by=coordinator, passed=False, comment="请结合本单位实际。"
    )
    assert (essay.status, essay.comment, essay.reviewed_by) == (
        EssayStatus.RETURNED,
        "请结合本单位实际。",
        coordinator,
    )
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS

    # when she revises (a draft first, then a second submission) and it passes
    draft = essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH + "改", submit=False)
    assert (draft.status, draft.revision) == (EssayStatus.RETURNED, 1)
    again = essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH + "改", submit=True)
    assert (again.status, again.revision) == (EssayStatus.SUBMITTED, 2)
    passed = essay_review(essay=again, by=coordinator, passed=True, comment="很好。", revision=2)

    # then the essay is passed and, being the only requirement, completes her enrollment
    assert passed.status == EssayStatus.PASSED
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert list(
        AuditEvent.objects.filter(action__startswith="essay.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["essay.submit", "essay.return", "essay.submit", "essay.pass"]


def test_returning_needs_a_comment(enrollment, coordinator):
    essay = submitted(enrollment)

    with pytest.raises(ApplicationError) as refused:
        essay_review(essay=essay, by=coordinator, passed=False, comment="  \n ")

    assert refused.value.message == str(ERROR_COMMENT_REQUIRED)
    essay.refresh_from_db()
    assert essay.status == EssayStatus.SUBMITTED


@pytest.mark.parametrize("role", ["learner_a", "staff_a", "prov_bj"])
def test_only_the_academy_grades(world, enrollment, role):
    essay = submitted(enrollment)

    with pytest.raises(PermissionRefused) as refused:
        essay_review(essay=essay, by=world.users[role], passed=True, comment="")

    assert refused.value.message == str(ERROR_NOT_REVIEWER)
    essay.refresh_from_db()
    assert essay.status == EssayStatus.SUBMITTED


def test_a_draft_cannot_be_graded(enrollment, coordinator):
    draft = essay_save(enrollment=enrollment, title=TITLE, body="提纲", submit=False)

    with pytest.raises(StateConflict) as refused:
        essay_review(essay=draft, by=coordinator, passed=True, comment="")

    assert "草稿" in refused.value.message


def test_a_second_grader_is_refused(world, enrollment, coordinator):
    essay = submitted(enrollment)
    # both coordinators opened the essay; the first grades it
    essay_review(essay=essay, by=coordinator, passed=True, comment="")

    with pytest.raises(StateConflict) as refused:
        essay_review(essay=essay, by=world.users["coord_voc"], passed=False, comment="再改改")

    assert refused.value.message == str(ERROR_ALREADY_REVIEWED) % {
        "who": coordinator.display_name,
        "status": "已通过",
    }
    essay.refresh_from_db()
    assert (essay.status, essay.reviewed_by) == (EssayStatus.PASSED, coordinator)


def test_grading_what_was_read_not_a_newer_submission(enrollment, coordinator):
    essay = submitted(enrollment)
    essay_review(essay=essay, by=coordinator, passed=False, comment="请补充案例。")
    essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH + "补充", submit=True)

    with pytest.raises(StateConflict) as refused:
        essay_review(essay=essay, by=coordinator, passed=True, comment="", revision=1)

    assert refused.value.message == str(ERROR_RESUBMITTED)
    assert Essay.objects.get().status == EssayStatus.SUBMITTED


def test_an_essay_submitted_in_time_and_passed_after_the_end_completes_the_place(
    enrollment, coordinator
):
    essay = submitted(enrollment)
    end_cohort(enrollment.cohort)  # ended yesterday: within the grading grace

    essay = essay_review(essay=essay, by=coordinator, passed=True, comment="")

    assert essay.status == EssayStatus.PASSED
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_an_essay_passed_after_the_grading_grace_completes_nothing(
    enrollment, coordinator, settings
):
    essay = submitted(enrollment)
    end_cohort(enrollment.cohort)
    settings.COMPLETION_GRACE_DAYS = 0

    essay = essay_review(essay=essay, by=coordinator, passed=True, comment="")

    assert essay.status == EssayStatus.PASSED
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS


# ---- pages: the learner ----


def essay_url(enrollment):
    return reverse("learners:essay", kwargs={"pk": enrollment.pk})


def test_the_editor_saves_a_draft_and_submits(client_for, enrollment):
    client = client_for(enrollment.learner)

    page = client.get(essay_url(enrollment))
    saved = client.post(essay_url(enrollment), {"title": TITLE, "body": "提纲", "action": "save"})
    sent = client.post(
        essay_url(enrollment), {"title": TITLE, "body": LONG_ENOUGH, "action": "submit"}
    )

    assert page.status_code == 200
    assert 'data-min="300"' in page.content.decode()
    assert "js/essay.js" in page.content.decode()
    assert saved.status_code == sent.status_code == 302
    essay = Essay.objects.get()
    assert (essay.status, essay.revision) == (EssayStatus.SUBMITTED, 1)
    shown = client.get(essay_url(enrollment)).content.decode()
    assert "等待老师批阅" in shown
    assert 'name="body"' not in shown


def test_the_editor_shows_the_minimum_length_refusal_and_keeps_her_text(client_for, enrollment):
    response = client_for(enrollment.learner).post(
        essay_url(enrollment), {"title": TITLE, "body": "党" * 120, "action": "submit"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "目前只有 120 字，还差 180 字" in text
    assert "党" * 120 + "</textarea>" in text
    assert not Essay.objects.exists()


def test_the_editor_shows_the_comment_of_a_returned_essay(client_for, enrollment, coordinator):
    essay_review(essay=submitted(enrollment), by=coordinator, passed=False, comment="<b>请补充</b>")

    text = client_for(enrollment.learner).get(essay_url(enrollment)).content.decode()

    assert "&lt;b&gt;请补充&lt;/b&gt;" in text
    assert 'name="body"' in text  # she can revise


def test_the_essay_is_shown_escaped(client_for, enrollment):
    body = LONG_ENOUGH + "<script>alert(1)</script>"
    essay_save(enrollment=enrollment, title=TITLE, body=body, submit=True)

    text = client_for(enrollment.learner).get(essay_url(enrollment)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "prov_bj", "coord_ug", "admin"])
def test_only_the_learner_reaches_her_editor(world, client_for, enrollment, role):
    client = client_for(world.users[role])

    opened = client.get(essay_url(enrollment))
    posted = client.post(
        essay_url(enrollment), {"title": TITLE, "body": LONG_ENOUGH, "action": "submit"}
    )

    assert opened.status_code == posted.status_code == (302 if role == "anonymous" else 404)
    assert not Essay.objects.exists()


def test_another_learner_cannot_reach_her_editor(world, client_for, enrollment):
    other = LearnerFactory(institution=world.school_a)

    response = client_for(other).get(essay_url(enrollment))

    assert response.status_code == 404


# ---- pages: the coordinators ----


def queued_essays(count, program=None, prefix="心得"):
    """``count`` essays submitted in other learners' places, the oldest first."""
    cohort = CohortFactory(**({"program": program} if program else {}))
    essays = []
    for n in range(count):
        enrollment = EnrollmentFactory(cohort=cohort)
        essays.append(
            Essay.objects.create(
                enrollment=enrollment,
                title=f"{prefix}{n}",
                body=LONG_ENOUGH,
                status=EssayStatus.SUBMITTED,
                submitted_at=timezone.now() - datetime.timedelta(hours=count - n),
                revision=1,
            )
        )
    return essays


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "prov_bj", "learner_a"])
def test_the_queue_and_the_review_are_the_academys(world, client_for, enrollment, role):
    essay = submitted(enrollment)
    client = client_for(world.users[role])
    review = reverse("learners:essay-review", kwargs={"pk": essay.pk})

    responses = [
        client.get(reverse("learners:essay-queue")),
        client.get(review),
        client.post(review, {"decision": "pass", "comment": "", "revision": 1}),
    ]

    expected = 302 if role == "anonymous" else 403
    assert [r.status_code for r in responses] == [expected] * 3
    essay.refresh_from_db()
    assert essay.status == EssayStatus.SUBMITTED


def test_the_queue_lists_submitted_essays_oldest_first(world, client_for, enrollment, coordinator):
    waiting = queued_essays(3)
    essay_save(enrollment=enrollment, title="草稿题目", body="提纲", submit=False)

    text = client_for(coordinator).get(reverse("learners:essay-queue")).content.decode()

    positions = [text.index(essay.title) for essay in waiting]
    assert positions == sorted(positions)
    assert "草稿题目" not in text


def test_the_queue_filters_by_cohort_and_program(world, client_for, enrollment, coordinator):
    from courses.models import Program

    mine = queued_essays(1, prefix="甲班心得")[0]
    other = queued_essays(1, program=Program.objects.get(code="activists"), prefix="乙班心得")[0]
    client = client_for(coordinator)

    by_cohort = client.get(
        reverse("learners:essay-queue"), {"cohort": mine.enrollment.cohort_id}
    ).content.decode()
    by_program = client.get(
        reverse("learners:essay-queue"), {"program": other.enrollment.cohort.program_id}
    ).content.decode()

    assert mine.title in by_cohort
    assert other.title not in by_cohort
    assert other.title in by_program
    assert mine.title not in by_program


def test_the_queue_costs_the_same_queries_whatever_its_length(client_for, enrollment, coordinator):
    client = client_for(coordinator)
    url = reverse("learners:essay-queue")
    queued_essays(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    queued_essays(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 7


def test_the_review_page_shows_who_wrote_it_and_how_long_it_is(
    world, client_for, enrollment, coordinator
):
    essay = submitted(enrollment)

    text = (
        client_for(coordinator)
        .get(reverse("learners:essay-review", kwargs={"pk": essay.pk}))
        .content.decode()
    )

    assert enrollment.learner.display_name in text
    assert world.school_a.name in text
    assert enrollment.cohort.name in text
    assert "第 1 次" in text
    assert "300 字（要求至少 300 字" in text


def test_a_draft_is_not_shown_to_coordinators(client_for, enrollment, coordinator):
    draft = essay_save(enrollment=enrollment, title=TITLE, body="提纲", submit=False)

    response = client_for(coordinator).get(
        reverse("learners:essay-review", kwargs={"pk": draft.pk})
    )

    assert response.status_code == 404


def test_a_coordinator_returns_and_passes_through_the_page(client_for, enrollment, coordinator):
    essay = submitted(enrollment)
    client = client_for(coordinator)
    url = reverse("learners:essay-review", kwargs={"pk": essay.pk})

    no_comment = client.post(url, {"decision": "return", "comment": "", "revision": 1})
    assert no_comment.status_code == 200
    assert str(ERROR_COMMENT_REQUIRED) in no_comment.content.decode()
    assert Essay.objects.get().status == EssayStatus.SUBMITTED

    returned = client.post(url, {"decision": "return", "comment": "请补充案例。", "revision": 1})
    assert returned.status_code == 302
    assert Essay.objects.get().status == EssayStatus.RETURNED

    essay_save(enrollment=enrollment, title=TITLE, body=LONG_ENOUGH + "案例", submit=True)
    passed = client.post(url, {"decision": "pass", "comment": "", "revision": 2})
    assert passed.status_code == 302
    assert Essay.objects.get().status == EssayStatus.PASSED
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_the_second_grader_sees_the_sentence_on_the_page(
    world, client_for, enrollment, coordinator
):
    essay = submitted(enrollment)
    url = reverse("learners:essay-review", kwargs={"pk": essay.pk})
    client_for(coordinator).post(url, {"decision": "pass", "comment": "", "revision": 1})

    late = client_for(world.users["coord_voc"]).post(
        url, {"decision": "return", "comment": "再改", "revision": 1}
    )

    assert late.status_code == 200
    assert "不能重复批阅" in late.content.decode()
    assert Essay.objects.get().status == EssayStatus.PASSED
