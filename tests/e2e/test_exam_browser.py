"""The exam paper in a real browser: the countdown, the autosave and the hand-in at the deadline."""

from datetime import timedelta

from django.utils import timezone

from tests.e2e.test_browser import page  # noqa: F401 - the browser fixture
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, LearnerFactory


def test_the_paper_counts_down_saves_on_its_own_and_hands_in_at_the_deadline(
    page,  # noqa: F811
    transactional_db,
):
    # given a learner with an open attempt of four questions, 30 seconds before its deadline
    from courses.models import Program, QuestionKind
    from courses.services import catalog_load
    from enrollment.services import provinces_load
    from learners.models import ExamAttempt
    from learners.services.exams import exam_start
    from tests.factories import QuestionFactory
    from tests.learners.test_exams import exam_rules

    provinces_load()
    catalog_load()
    program = exam_rules(Program.objects.get(code="party-affairs-staff"))
    for _ in range(3):
        QuestionFactory(program=program)
    QuestionFactory(program=program, kind=QuestionKind.TRUE_FALSE)
    learner = LearnerFactory(username="exam-taker")
    enrollment = EnrollmentFactory(cohort=CohortFactory(program=program), learner=learner)
    attempt = exam_start(enrollment=enrollment)

    # when she signs in, opens the paper and ticks the first choice of every question
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", learner.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> text=登录")
    page.wait_for_url("**/dashboard/")
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() + timedelta(seconds=30)
    )
    page.goto(page.base + f"/study/{enrollment.pk}/exam/{attempt.pk}/")
    clock = page.text_content("#exam-clock")
    for fieldset in page.query_selector_all(".exam-question"):
        fieldset.query_selector("input").check()

    # then the clock runs from the server's deadline, the answers are saved within 20 seconds,
    # and at the deadline the paper is handed in by itself and graded by the server
    assert clock.startswith("00:2") or clock == "00:30"
    page.wait_for_selector("#exam-saved >> text=已自动保存", timeout=25_000)
    page.wait_for_url(f"**/exam/{attempt.pk}/result/", timeout=20_000)
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert attempt.answers.filter(chosen__isnull=False).distinct().count() == 4
    assert not [m for m in page.console_messages_seen if "Content Security Policy" in m]
