"""My study and completion: each part counts as its program requires, an enrollment completes once
with the hours it earned, nothing is earned outside the cohort's dates, and the coordinator sees
every learner's progress and the survey's results."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import HourBand
from learners.models import (
    Attendance,
    AttendanceSource,
    Enrollment,
    EnrollmentStatus,
    Essay,
    EssayStatus,
    Evaluation,
    ExamAttempt,
    LessonProgress,
    Post,
)
from learners.selectors import enrollment_progress
from learners.services.completion import enrollment_complete_if_met
from learners.services.evaluation import evaluation_submit
from learners.signals import enrollment_completed
from portal.errors import ApplicationError, StateConflict
from tests.factories import (
    DiscussionTopicFactory,
    EnrollmentFactory,
    LearnerFactory,
    LessonFactory,
    LiveSessionFactory,
)


@pytest.fixture
def program(world):
    """The world's study program with two lessons (one theory), two posts and an essay required."""
    program = world.study_cohort.program
    program.require_all_lessons = True
    program.min_posts = 2
    program.require_essay = True
    program.activity_hours = Decimal("2.0")
    program.activity_hours_theory = True
    program.save()
    LessonFactory(program=program, title="理论课", hours=Decimal("1.0"), is_theory=True)
    LessonFactory(program=program, title="业务课", hours=Decimal("0.5"), is_theory=False)
    return program


def watch_all(enrollment):
    for lesson in enrollment.cohort.program.lessons.all():
        LessonProgress.objects.create(
            enrollment=enrollment,
            lesson=lesson,
            watched_seconds=lesson.duration_seconds,
            completed_at=timezone.now(),
        )


def post_twice(enrollment):
    topic = DiscussionTopicFactory(cohort=enrollment.cohort)
    for n in range(2):
        Post.objects.create(
            topic=topic, author=enrollment.learner, enrollment=enrollment, body=f"第{n}条体会。"
        )


def pass_essay(enrollment):
    Essay.objects.create(
        enrollment=enrollment, title="心得", body="体会" * 400, status=EssayStatus.PASSED
    )


def test_each_required_part_is_listed_with_what_is_left(world, program):
    progress = enrollment_progress(world.enrollment_a)

    assert [(p.key, p.done, p.needed, p.met) for p in progress.parts] == [
        ("lessons", 0, 2, False),
        ("discussion", 0, 2, False),
        ("essay", 0, 1, False),
    ]
    assert not progress.met
    assert [p.key for p in progress.left] == ["lessons", "discussion", "essay"]


def test_a_program_that_requires_nothing_is_never_complete(world):
    program = world.study_cohort.program
    program.require_all_lessons = False
    program.save()

    assert not enrollment_progress(world.enrollment_a).met
    assert not enrollment_complete_if_met(enrollment_id=world.enrollment_a.pk)


def test_meeting_every_part_completes_once_with_its_hours_and_theory_hours(
    world, program, django_capture_on_commit_callbacks
):
    enrollment = world.enrollment_a
    sent = []

    def receiver(sender, enrollment_id, **kwargs):
        sent.append(enrollment_id)

    enrollment_completed.connect(receiver)
    try:
        watch_all(enrollment)
        post_twice(enrollment)
        assert not enrollment_complete_if_met(enrollment_id=enrollment.pk)  # essay missing
        pass_essay(enrollment)
        with django_capture_on_commit_callbacks(execute=True):
            assert enrollment_complete_if_met(enrollment_id=enrollment.pk)
            assert not enrollment_complete_if_met(enrollment_id=enrollment.pk)  # once
    finally:
        enrollment_completed.disconnect(receiver)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.completed_at is not None
    # 1.0 + 0.5 watched, and 2.0 for the discussion and essay (theory here)
    assert enrollment.hours_earned == Decimal("3.5")
    assert enrollment.theory_hours_earned == Decimal("3.0")
    assert sent == [enrollment.pk]


def test_optional_lessons_add_their_hours_without_being_required(world, program):
    program.require_all_lessons = False
    program.save()
    enrollment = world.enrollment_a
    lesson = program.lessons.get(title="业务课")
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lesson, watched_seconds=1800, completed_at=timezone.now()
    )
    post_twice(enrollment)
    pass_essay(enrollment)

    assert enrollment_complete_if_met(enrollment_id=enrollment.pk)
    enrollment.refresh_from_db()
    assert enrollment.hours_earned == Decimal("2.5")


def test_live_hours_count_and_the_live_requirement_is_met_by_attendance(world, program):
    program.min_live_sessions = 1
    program.save()
    enrollment = world.enrollment_a
    session = LiveSessionFactory(cohort=enrollment.cohort, hours=Decimal("1.5"), is_theory=True)
    watch_all(enrollment)
    post_twice(enrollment)
    pass_essay(enrollment)
    assert not enrollment_complete_if_met(enrollment_id=enrollment.pk)

    Attendance.objects.create(
        session=session,
        enrollment=enrollment,
        source=AttendanceSource.COORDINATOR,
        recorded_by=world.users["coord_ug"],
    )
    assert enrollment_complete_if_met(enrollment_id=enrollment.pk)
    enrollment.refresh_from_db()
    assert enrollment.hours_earned == Decimal("5.0")
    assert enrollment.theory_hours_earned == Decimal("4.5")


def test_a_hidden_post_does_not_count(world, program):
    enrollment = world.enrollment_a
    post_twice(enrollment)
    Post.objects.filter(enrollment=enrollment).update(is_hidden=True)

    assert enrollment_progress(enrollment).parts[1].done == 0


def test_the_exam_part_is_met_by_any_passed_attempt(world):
    program = world.study_cohort.program
    program.require_all_lessons = False
    program.require_exam = True
    program.save()
    enrollment = world.enrollment_a
    now = timezone.now()
    for number, (score, passed) in enumerate([(40, False), (80, True)], start=1):
        ExamAttempt.objects.create(
            enrollment=enrollment,
            number=number,
            started_at=now,
            deadline=now,
            submitted_at=now,
            score=score,
            passed=passed,
        )

    part = enrollment_progress(enrollment).parts[0]
    assert part.key == "exam"
    assert part.met
    assert "80" in part.detail


@pytest.mark.parametrize(
    ("start", "end"),
    [(-90, -31), (1, 30)],
    ids=["after the end date and its grading grace", "before the start date"],
)
def test_nothing_completes_outside_the_cohorts_dates(world, program, start, end):
    """(Learners earn nothing after the end — each study service refuses it; a coordinator's
    judgement of work handed in on time may complete a place for COMPLETION_GRACE_DAYS more.)"""
    today = timezone.localdate()
    cohort = world.study_cohort
    cohort.start_date = today + datetime.timedelta(days=start)
    cohort.end_date = today + datetime.timedelta(days=end)
    cohort.save()
    enrollment = Enrollment.objects.get(pk=world.enrollment_a.pk)
    watch_all(enrollment)
    post_twice(enrollment)
    pass_essay(enrollment)

    assert not enrollment_complete_if_met(enrollment_id=enrollment.pk)
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.IN_PROGRESS


def test_the_database_refuses_a_completion_without_its_hours(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.filter(pk=world.enrollment_a.pk).update(
            status=EnrollmentStatus.COMPLETED, completed_at=timezone.now()
        )


def test_hour_bands_are_listed_by_threshold(world):
    program = world.study_cohort.program
    HourBand.objects.create(program=program, min_minutes=30, hours=Decimal("1.0"))
    HourBand.objects.create(program=program, min_minutes=15, hours=Decimal("0.5"))
    assert [str(band) for band in program.hour_bands.all()] == [
        "≥15 分钟计 0.5 学时",
        "≥30 分钟计 1.0 学时",
    ]


# ---- the learner's pages ----


def test_my_study_shows_each_place_its_deadline_hours_and_what_is_left(world, program, client_for):
    page = client_for(world.users["learner_a"]).get("/study/")
    text = page.content.decode()

    assert page.status_code == 200
    assert program.name in text
    assert world.study_cohort.name in text
    assert "距截止还有" in text
    assert "还需完成" in text
    assert "视频课程 0/2" in text
    assert "主题研讨 0/2" in text


def test_my_study_costs_the_same_queries_for_one_place_or_five(
    world, program, client_for, django_assert_max_num_queries
):
    learner = world.users["learner_a"]
    client = client_for(learner)
    with django_assert_max_num_queries(20) as one:
        client.get("/study/")
    for _ in range(4):
        EnrollmentFactory(learner=learner, cohort__program=program)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/study/").content.decode().count("继续学习") == 5


def test_the_study_page_names_the_parts_and_links_to_them(world, program, client_for):
    page = client_for(world.users["learner_a"]).get(f"/study/{world.enrollment_a.pk}/")
    text = page.content.decode()

    assert page.status_code == 200
    assert "考核要求与进度" in text
    assert "完成以下标注“未达标”的各项要求后即可结业" in text


def test_another_learners_place_is_not_found(world, client_for):
    other = EnrollmentFactory(cohort=world.study_cohort)

    assert client_for(world.users["learner_a"]).get(f"/study/{other.pk}/").status_code == 404
    assert client_for(other.learner).get(f"/study/{world.enrollment_a.pk}/").status_code == 404


def test_a_completed_place_shows_its_hours(world, program, client_for):
    enrollment = world.enrollment_a
    watch_all(enrollment)
    post_twice(enrollment)
    pass_essay(enrollment)
    enrollment_complete_if_met(enrollment_id=enrollment.pk)

    text = client_for(world.users["learner_a"]).get(f"/study/{enrollment.pk}/").content.decode()
    assert "已完成本班次全部考核要求" in text
    assert "3.5" in text


# ---- the coordinator's progress page ----


def test_the_coordinator_sees_who_finished_which_part(world, program, client_for):
    other = EnrollmentFactory(cohort=world.study_cohort, learner__full_name="李四")
    watch_all(other)

    page = client_for(world.users["coord_ug"]).get(f"/cohorts/{world.study_cohort.pk}/progress/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "李四" in text
    assert "2/2" in text
    assert "0/2" in text


def test_the_progress_page_costs_the_same_queries_for_2_or_20_learners(
    world, program, client_for, django_assert_max_num_queries
):
    client = client_for(world.users["coord_ug"])
    url = f"/cohorts/{world.study_cohort.pk}/progress/"
    EnrollmentFactory(cohort=world.study_cohort)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(18):
        watch_all(EnrollmentFactory(cohort=world.study_cohort))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# ---- the satisfaction survey ----


def completed_place(world, program):
    enrollment = world.enrollment_a
    watch_all(enrollment)
    post_twice(enrollment)
    pass_essay(enrollment)
    assert enrollment_complete_if_met(enrollment_id=enrollment.pk)
    enrollment.refresh_from_db()
    return enrollment


def ratings(value=5):
    return {"overall": value, "content": value, "organisation": value, "platform": value}


def test_the_survey_opens_only_at_the_end(world, program):
    with pytest.raises(StateConflict):
        evaluation_submit(enrollment=world.enrollment_a, ratings=ratings(), lesson_ratings={})


def test_the_survey_rates_the_program_and_every_lesson_once(world, program):
    enrollment = completed_place(world, program)
    lessons = {lesson.pk: 4 for lesson in program.lessons.all()}

    with pytest.raises(ApplicationError, match="每门课程"):
        evaluation_submit(enrollment=enrollment, ratings=ratings(), lesson_ratings={})
    with pytest.raises(ApplicationError):
        evaluation_submit(enrollment=enrollment, ratings=ratings(6), lesson_ratings=lessons)
    evaluation_submit(
        enrollment=enrollment, ratings=ratings(), lesson_ratings=lessons, comment="好"
    )
    with pytest.raises(StateConflict):
        evaluation_submit(enrollment=enrollment, ratings=ratings(), lesson_ratings=lessons)
    assert Evaluation.objects.get().lesson_ratings.count() == 2


def test_the_learner_fills_in_the_survey_on_its_page(world, program, client_for):
    enrollment = completed_place(world, program)
    client = client_for(world.users["learner_a"])
    url = f"/study/{enrollment.pk}/evaluation/"
    form = {**ratings(5), "comment": "课程很实用"}
    form.update({f"lesson_{lesson.pk}": 4 for lesson in program.lessons.all()})

    assert client.get(url).status_code == 200
    incomplete = client.post(url, {**form, "overall": ""})
    assert incomplete.status_code == 200
    assert not Evaluation.objects.exists()
    assert client.post(url, form).status_code == 302
    assert Evaluation.objects.get(enrollment=enrollment).comment == "课程很实用"
    assert client.get(url).status_code == 302  # once


def test_the_coordinator_sees_the_surveys_results_per_cohort_and_program(
    world, program, client_for
):
    enrollment = completed_place(world, program)
    lessons = {lesson.pk: 3 for lesson in program.lessons.all()}
    evaluation_submit(
        enrollment=enrollment, ratings=ratings(4), lesson_ratings=lessons, comment="<b>好</b>"
    )
    other = EnrollmentFactory(cohort=world.study_cohort, learner=LearnerFactory())
    completed_other = completed_place(type("W", (), {"enrollment_a": other})(), program)
    evaluation_submit(
        enrollment=completed_other, ratings=ratings(2), lesson_ratings=lessons, comment=""
    )
    client = client_for(world.users["coord_ug"])

    cohort_page = client.get(f"/cohorts/{world.study_cohort.pk}/evaluation/").content.decode()
    assert "50.0%" in cohort_page  # one of two satisfied or better
    assert "3.0 / 5" in cohort_page  # the average of 4 and 2
    assert "&lt;b&gt;好&lt;/b&gt;" in cohort_page
    assert 'id="chart-data"' in cohort_page
    program_page = client.get(f"/programs/{program.pk}/evaluation/").content.decode()
    assert "全部期次" in program_page
    assert "理论课" in program_page
