"""The online exam (在线考试测评), as the learner and the academy meet it.

An attempt draws the program's number of questions at random from the active questions of its own
bank; the learner's answers are saved while it is open; the server grades it once, when she hands
it in or when its time runs out (whether she comes back or not); a question counts only when the
chosen set is exactly the right set. Right answers never reach the page of an open attempt, and a
closed attempt shows which questions she got wrong, with the right answers only once she can no
longer sit the exam again. A question of the bank keeps its kind's rules in the service and in the
admin alike.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Choice, Program, Question, QuestionKind
from courses.services import (
    ERROR_CHOICE_COUNT,
    ERROR_CHOICE_DUPLICATE,
    ERROR_MULTIPLE_CHOICES,
    ERROR_SINGLE_ONE_CORRECT,
    ERROR_TRUE_FALSE_CHOICES,
    ChoiceData,
    question_save,
    question_validate,
)
from learners.models import AttemptAnswer, EnrollmentStatus, ExamAttempt
from learners.services.exams import (
    ERROR_ALREADY_PASSED,
    ERROR_ALREADY_SUBMITTED,
    ERROR_FOREIGN_CHOICE,
    ERROR_FOREIGN_QUESTION,
    ERROR_NO_ATTEMPTS_LEFT,
    ERROR_NO_EXAM,
    ERROR_NOT_READY,
    ERROR_ONE_CHOICE,
    ERROR_TIME_UP,
    GRACE,
    exam_close_expired,
    exam_save_answers,
    exam_start,
    exam_submit,
)
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent
from tests.factories import EnrollmentFactory, QuestionFactory

pytestmark = pytest.mark.django_db

MULTIPLE = [("甲", True), ("乙", True), ("丙", False), ("丁", False)]


def exam_rules(program: Program, **rules) -> Program:
    """The exam as the only requirement of the program, with these rules."""
    values = {
        "require_exam": True,
        "exam_question_count": 4,
        "exam_time_limit_minutes": 20,
        "exam_pass_score": 60,
        "exam_max_attempts": 3,
        "require_all_lessons": False,
        "min_posts": 0,
        "require_essay": False,
        "min_live_sessions": 0,
        "require_simulation": False,
        **rules,
    }
    Program.objects.filter(pk=program.pk).update(**values)
    program.refresh_from_db()
    return program


@pytest.fixture
def enrollment(world):
    world.enrollment_a.cohort.program = exam_rules(world.study_cohort.program)
    return world.enrollment_a


def bank(n: int, **kwargs) -> list[Question]:
    return [QuestionFactory(**kwargs) for _ in range(n)]


def right_choices(question_id: int) -> list[int]:
    return list(
        Choice.objects.filter(question_id=question_id, is_correct=True).values_list("pk", flat=True)
    )


def wrong_choice(question_id: int) -> list[int]:
    return [Choice.objects.filter(question_id=question_id, is_correct=False).first().pk]


def drawn(attempt: ExamAttempt) -> list[int]:
    return list(attempt.answers.order_by("position").values_list("question_id", flat=True))


def answer_sheet(attempt: ExamAttempt, right: int) -> dict[int, list[int]]:
    """The first ``right`` questions answered right, the others wrong."""
    return {
        qid: right_choices(qid) if index < right else wrong_choice(qid)
        for index, qid in enumerate(drawn(attempt))
    }


def expire(attempt: ExamAttempt, *, ago: timedelta = timedelta(minutes=5)) -> None:
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - ago)
    attempt.refresh_from_db()


# ---- drawing ----


def test_a_start_draws_the_programs_count_of_distinct_active_questions_of_its_own_bank(
    enrollment,
):
    # given a bank of 8 active and 3 retired questions, and another program's bank
    active = {q.pk for q in bank(8)}
    bank(3, is_active=False)
    bank(6, program=Program.objects.get(code="activists"))

    attempt = exam_start(enrollment=enrollment)

    questions = drawn(attempt)
    assert len(questions) == 4 == len(set(questions))
    assert set(questions) <= active
    assert list(attempt.answers.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert attempt.number == 1
    assert attempt.deadline == attempt.started_at + timedelta(minutes=20)
    assert attempt.submitted_at is None


def test_draws_differ_between_attempts(enrollment):
    # given a bank of 40 questions of which each attempt draws 4
    exam_rules(enrollment.cohort.program, exam_max_attempts=10, exam_question_count=4)
    bank(40)
    draws = set()
    for _ in range(5):
        attempt = exam_start(enrollment=enrollment)
        draws.add(tuple(drawn(attempt)))
        exam_submit(attempt=attempt, answers={})

    assert len(draws) > 1


def test_a_bank_smaller_than_the_count_is_an_exam_not_ready_naming_no_internals(enrollment):
    bank(3)
    bank(5, is_active=False)  # retired questions do not count

    with pytest.raises(StateConflict) as refused:
        exam_start(enrollment=enrollment)

    assert refused.value.message == str(ERROR_NOT_READY)
    assert "题库" not in refused.value.message
    assert not ExamAttempt.objects.exists()


def test_a_program_without_an_exam_refuses_to_start(enrollment):
    exam_rules(enrollment.cohort.program, require_exam=False)
    bank(4)

    with pytest.raises(StateConflict, match=str(ERROR_NO_EXAM)):
        exam_start(enrollment=enrollment)
    assert not ExamAttempt.objects.exists()


def test_starting_again_returns_the_open_attempt(enrollment):
    bank(6)
    first = exam_start(enrollment=enrollment)

    second = exam_start(enrollment=enrollment)

    assert second.pk == first.pk
    assert ExamAttempt.objects.count() == 1
    assert AttemptAnswer.objects.count() == 4


def test_the_database_holds_one_open_attempt_per_place(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)

    with pytest.raises(IntegrityError), transaction.atomic():
        ExamAttempt.objects.create(
            enrollment=enrollment,
            number=2,
            started_at=attempt.started_at,
            deadline=attempt.deadline,
        )


def test_a_double_click_on_start_opens_one_attempt(world, enrollment, client_for):
    bank(6)
    client = client_for(world.users["learner_a"])
    url = reverse("learners:exam", args=[enrollment.pk])

    first = client.post(url)
    second = client.post(url)

    attempt = ExamAttempt.objects.get()
    target = reverse("learners:exam-attempt", args=[enrollment.pk, attempt.pk])
    assert first.headers["Location"] == second.headers["Location"] == target


# ---- grading ----


def test_grading_single_multiple_all_or_nothing_and_true_false(enrollment):
    # given exactly four questions, so all are drawn
    single = QuestionFactory()
    multiple = QuestionFactory(kind=QuestionKind.MULTIPLE, choices=MULTIPLE)
    true_false = QuestionFactory(kind=QuestionKind.TRUE_FALSE)
    other_single = QuestionFactory()
    attempt = exam_start(enrollment=enrollment)
    a, b = right_choices(multiple.pk)
    wrong_multiple = wrong_choice(multiple.pk)[0]

    # when: single right, multiple with one right choice missing, true/false right, single wrong
    graded = exam_submit(
        attempt=attempt,
        answers={
            single.pk: right_choices(single.pk),
            multiple.pk: [a],
            true_false.pk: right_choices(true_false.pk),
            other_single.pk: wrong_choice(other_single.pk),
        },
    )

    correct = dict(attempt.answers.values_list("question_id", "is_correct"))
    assert correct == {
        single.pk: True,
        multiple.pk: False,
        true_false.pk: True,
        other_single.pk: False,
    }
    assert graded.score == 50
    assert graded.passed is False
    assert graded.submitted_at is not None
    # a multiple-choice question with a wrong choice added is wrong too; exactly right is right
    for chosen, expected in (([a, b, wrong_multiple], False), ([a, b], True)):
        attempt = exam_start(enrollment=enrollment)
        exam_submit(attempt=attempt, answers={multiple.pk: chosen})
        assert attempt.answers.get(question=multiple).is_correct is expected


def test_an_unanswered_question_is_wrong(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)

    graded = exam_submit(attempt=attempt, answers={})

    assert graded.score == 0
    assert not attempt.answers.filter(is_correct=True).exists()


def test_the_pass_mark_passes_and_the_exam_alone_completes_the_place(enrollment):
    # given 5 questions a sitting, a pass mark of 60: three right is 60 points
    exam_rules(enrollment.cohort.program, exam_question_count=5)
    bank(5)
    attempt = exam_start(enrollment=enrollment)

    graded = exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=3))

    assert (graded.score, graded.passed) == (60, True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_below_the_pass_mark_fails_and_does_not_complete(enrollment):
    exam_rules(enrollment.cohort.program, exam_question_count=5)
    bank(5)
    attempt = exam_start(enrollment=enrollment)

    graded = exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=2))

    assert (graded.score, graded.passed) == (40, False)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS


def test_the_score_is_rounded_half_up(enrollment):
    exam_rules(enrollment.cohort.program, exam_question_count=8)
    bank(8)
    attempt = exam_start(enrollment=enrollment)

    graded = exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=1))

    assert graded.score == 13  # 12.5


def test_attempts_stop_at_the_programs_limit(enrollment):
    exam_rules(enrollment.cohort.program, exam_max_attempts=2)
    bank(4)
    for _ in range(2):
        exam_submit(attempt=exam_start(enrollment=enrollment), answers={})

    with pytest.raises(StateConflict) as refused:
        exam_start(enrollment=enrollment)

    assert refused.value.message == str(ERROR_NO_ATTEMPTS_LEFT % {"max": 2})
    assert ExamAttempt.objects.count() == 2


def test_after_passing_no_further_attempt(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=4))

    with pytest.raises(StateConflict, match=str(ERROR_ALREADY_PASSED)):
        exam_start(enrollment=enrollment)
    assert ExamAttempt.objects.count() == 1


def test_a_second_submission_is_refused_and_grades_nothing(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=1))

    with pytest.raises(StateConflict) as refused:
        exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=4))

    assert refused.value.message == str(ERROR_ALREADY_SUBMITTED)
    attempt.refresh_from_db()
    assert attempt.score == 25
    assert AuditEvent.objects.filter(action="exam.submit").count() == 1
    assert attempt.answers.filter(is_correct=True).count() == 1


def test_a_double_click_on_submit_grades_once(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    client = client_for(world.users["learner_a"])
    url = reverse("learners:exam-attempt", args=[enrollment.pk, attempt.pk])
    form = {f"q{qid}": choices for qid, choices in answer_sheet(attempt, right=4).items()}

    first = client.post(url, form)
    second = client.post(url, form)

    result = reverse("learners:exam-result", args=[enrollment.pk, attempt.pk])
    assert first.headers["Location"] == second.headers["Location"] == result
    assert AuditEvent.objects.filter(action="exam.submit").count() == 1
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)


# ---- saving answers and the clock ----


def test_answers_are_saved_while_open_and_replaced_per_question(enrollment):
    single, multiple, *_ = [
        QuestionFactory(),
        QuestionFactory(kind=QuestionKind.MULTIPLE, choices=MULTIPLE),
        QuestionFactory(),
        QuestionFactory(),
    ]
    attempt = exam_start(enrollment=enrollment)

    exam_save_answers(attempt=attempt, answers={multiple.pk: right_choices(multiple.pk)})
    exam_save_answers(attempt=attempt, answers={single.pk: wrong_choice(single.pk)})
    exam_save_answers(attempt=attempt, answers={single.pk: right_choices(single.pk)})

    chosen = {
        answer.question_id: sorted(c.pk for c in answer.chosen.all())
        for answer in attempt.answers.all()
    }
    assert chosen[single.pk] == right_choices(single.pk)
    assert chosen[multiple.pk] == sorted(right_choices(multiple.pk))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None  # saving grades nothing


def test_answers_naming_foreign_questions_or_choices_are_refused_with_a_sentence(enrollment):
    mine = bank(4)
    foreign = QuestionFactory(program=Program.objects.get(code="activists"))
    attempt = exam_start(enrollment=enrollment)
    first, second = mine[0], mine[1]

    cases = [
        ({foreign.pk: right_choices(foreign.pk)}, str(ERROR_FOREIGN_QUESTION)),
        ({first.pk: right_choices(second.pk)}, str(ERROR_FOREIGN_CHOICE)),
        ({first.pk: [999_999]}, str(ERROR_FOREIGN_CHOICE)),
    ]
    for answers, message in cases:
        with pytest.raises(ApplicationError) as refused:
            exam_save_answers(attempt=attempt, answers=answers)
        assert refused.value.message == message
    with pytest.raises(ApplicationError) as refused:
        exam_submit(attempt=attempt, answers={foreign.pk: right_choices(foreign.pk)})
    assert refused.value.message == str(ERROR_FOREIGN_QUESTION)

    assert not AttemptAnswer.chosen.through.objects.exists()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_single_choice_or_true_false_question_takes_one_answer(enrollment):
    QuestionFactory(kind=QuestionKind.TRUE_FALSE)
    bank(3)
    attempt = exam_start(enrollment=enrollment)
    question = attempt.answers.get(position=1)
    both = list(Choice.objects.filter(question=question.question_id).values_list("pk", flat=True))

    with pytest.raises(ApplicationError) as refused:
        exam_save_answers(attempt=attempt, answers={question.question_id: both[:2]})

    assert refused.value.message == str(ERROR_ONE_CHOICE % {"number": 1})
    assert not question.chosen.exists()


def test_an_attempt_past_its_deadline_is_graded_with_what_was_saved_and_late_answers_refused(
    enrollment,
):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_save_answers(attempt=attempt, answers=answer_sheet(attempt, right=3))
    expire(attempt)

    with pytest.raises(StateConflict) as refused:
        exam_save_answers(attempt=attempt, answers=answer_sheet(attempt, right=4))

    assert refused.value.message == str(ERROR_TIME_UP)
    attempt.refresh_from_db()
    assert attempt.score == 75
    assert attempt.submitted_at == attempt.deadline
    with pytest.raises(StateConflict, match=str(ERROR_TIME_UP)):
        exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=4))
    attempt.refresh_from_db()
    assert attempt.score == 75
    assert AuditEvent.objects.filter(action="exam.expire").count() == 1


def test_answers_within_the_grace_after_the_deadline_still_count(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    expire(attempt, ago=GRACE - timedelta(seconds=10))

    graded = exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=4))

    assert graded.score == 100


def test_an_expired_attempt_is_closed_when_her_exam_is_next_loaded(world, enrollment, client_for):
    # given she saved two right answers and never came back before the deadline
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_save_answers(attempt=attempt, answers=answer_sheet(attempt, right=2))
    expire(attempt)

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:exam", args=[enrollment.pk])
    )

    assert response.status_code == 200
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at) == (50, attempt.deadline)
    assert exam_close_expired(attempt).score == 50  # closing again changes nothing


def test_a_new_start_closes_an_expired_attempt_first(enrollment):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_save_answers(attempt=attempt, answers=answer_sheet(attempt, right=4))
    expire(attempt)

    with pytest.raises(StateConflict, match=str(ERROR_ALREADY_PASSED)):
        exam_start(enrollment=enrollment)
    attempt.refresh_from_db()
    assert attempt.passed is True


def test_autosave_answers_json_and_refuses_once_closed(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    client = client_for(world.users["learner_a"])
    url = reverse("learners:exam-attempt", args=[enrollment.pk, attempt.pk])
    sheet = answer_sheet(attempt, right=4)
    form = {"autosave": "1", **{f"q{qid}": choices for qid, choices in sheet.items()}}

    saved = client.post(url, form)
    expire(attempt)
    late = client.post(url, form)

    assert saved.status_code == 200
    assert saved.json()["saved"] is True
    assert late.status_code == 409
    assert late.json() == {
        "message": str(ERROR_TIME_UP),
        "result": reverse("learners:exam-result", args=[enrollment.pk, attempt.pk]),
    }
    attempt.refresh_from_db()
    assert attempt.score == 100  # graded with what was saved in time


def test_a_malformed_answer_is_a_sentence_not_an_error_page(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    url = reverse("learners:exam-attempt", args=[enrollment.pk, attempt.pk])
    question = drawn(attempt)[0]

    response = client_for(world.users["learner_a"]).post(
        url, {"autosave": "1", f"q{question}": "abc"}
    )

    assert response.status_code == 422
    assert "答案格式不正确" in response.json()["message"]


# ---- the cohort's dates ----


def test_nothing_can_be_started_after_the_cohorts_end(enrollment):
    bank(4)
    cohort = enrollment.cohort
    cohort.end_date = timezone.localdate() - timedelta(days=1)
    cohort.save()

    with pytest.raises(StateConflict, match="不在学习时间内"):
        exam_start(enrollment=enrollment)
    assert not ExamAttempt.objects.exists()


def test_the_deadline_never_passes_the_end_of_the_cohorts_last_day(enrollment, monkeypatch):
    # given the cohort ends today and she starts a 300-minute exam at 23:30
    exam_rules(enrollment.cohort.program, exam_time_limit_minutes=300)
    bank(4)
    cohort = enrollment.cohort
    cohort.end_date = timezone.localdate()
    cohort.save()
    late = timezone.make_aware(datetime.combine(cohort.end_date, time(23, 30)))
    monkeypatch.setattr(timezone, "now", lambda: late)

    attempt = exam_start(enrollment=enrollment)

    midnight = timezone.make_aware(datetime.combine(cohort.end_date + timedelta(days=1), time.min))
    assert attempt.deadline == midnight


# ---- the pages ----


def paper_url(enrollment, attempt):
    return reverse("learners:exam-attempt", args=[enrollment.pk, attempt.pk])


def result_url(enrollment, attempt):
    return reverse("learners:exam-result", args=[enrollment.pk, attempt.pk])


def test_the_exam_page_states_the_rules_and_the_attempts(world, enrollment, client_for):
    bank(4)
    exam_submit(attempt=exam_start(enrollment=enrollment), answers={})
    client = client_for(world.users["learner_a"])

    page = client.get(reverse("learners:exam", args=[enrollment.pk])).content.decode()

    assert "4 题" in page
    assert "20 分钟" in page
    assert "60 分" in page
    assert "已用 1 / 3 次，剩余 2 次" in page
    assert result_url(enrollment, ExamAttempt.objects.get()) in page


def test_the_open_attempt_page_holds_no_right_answers(world, enrollment, client_for):
    QuestionFactory(explanation="解析：党的最高理想是实现共产主义。")
    QuestionFactory(kind=QuestionKind.MULTIPLE, choices=MULTIPLE)
    QuestionFactory(kind=QuestionKind.TRUE_FALSE)
    QuestionFactory()
    attempt = exam_start(enrollment=enrollment)

    response = client_for(world.users["learner_a"]).get(paper_url(enrollment, attempt))

    page = response.content.decode()
    assert response.status_code == 200
    assert "党的最高理想是实现共产主义" not in page  # no explanation
    assert "正确答案" not in page
    assert "correct" not in page.lower()
    for inline in ("<script>", "style=", "onclick"):  # the Content Security Policy's rules
        assert inline not in page
    # every choice input looks alike once its id and value are set aside
    inputs = re.findall(r"<input class=\"form-check-input\"[^>]*>", page)
    assert len(inputs) == Choice.objects.filter(question__in=drawn(attempt)).count()
    shapes = {re.sub(r'(value|id|name)="[^"]*"', "", tag).replace(" checked", "") for tag in inputs}
    assert shapes <= {
        '<input class="form-check-input" type="radio"   >',
        '<input class="form-check-input" type="checkbox"   >',
    }


def test_choices_keep_their_order_within_an_attempt(world, enrollment, client_for):
    bank(4, kind=QuestionKind.MULTIPLE, choices=[*MULTIPLE, ("戊", False), ("己", False)])
    attempt = exam_start(enrollment=enrollment)
    client = client_for(world.users["learner_a"])

    first = client.get(paper_url(enrollment, attempt)).content
    second = client.get(paper_url(enrollment, attempt)).content

    order = re.findall(rb'value="(\d+)" id="c', first)
    assert order == re.findall(rb'value="(\d+)" id="c', second)
    assert len(order) == 24


def test_the_result_shows_her_wrong_questions_only_once_closed(world, enrollment, client_for):
    questions = {q.pk: q for q in bank(4)}
    attempt = exam_start(enrollment=enrollment)
    client = client_for(world.users["learner_a"])

    # while open, the result sends her back to the paper
    early = client.get(result_url(enrollment, attempt))
    assert early.headers["Location"] == paper_url(enrollment, attempt)

    exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=2))  # 50: not passed
    page = client.get(result_url(enrollment, attempt)).content.decode()

    for qid in drawn(attempt)[2:]:
        assert questions[qid].text in page
    for qid in drawn(attempt)[:2]:
        assert questions[qid].text not in page
    assert "您的选择" in page
    # two attempts left: her choice, not the right answer
    assert "正确答案</span>" not in page
    assert "text-success" not in page
    assert "不公布正确答案" in page


def test_right_answers_are_shown_once_she_cannot_sit_again(world, enrollment, client_for):
    exam_rules(enrollment.cohort.program, exam_max_attempts=1)
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=1))

    page = client_for(world.users["learner_a"]).get(result_url(enrollment, attempt))

    assert page.content.decode().count("正确答案</span>") == 3


def test_the_paper_of_a_closed_attempt_sends_her_to_its_result(world, enrollment, client_for):
    bank(4)
    attempt = exam_submit(attempt=exam_start(enrollment=enrollment), answers={})

    response = client_for(world.users["learner_a"]).get(paper_url(enrollment, attempt))

    assert response.headers["Location"] == result_url(enrollment, attempt)


def test_the_attempt_page_and_its_hand_in_cost_the_same_queries_whatever_its_length(
    world, enrollment, client_for, django_assert_max_num_queries
):
    client = client_for(world.users["learner_a"])

    def queries_for(count: int) -> tuple[int, int]:
        ExamAttempt.objects.all().delete()
        exam_rules(enrollment.cohort.program, exam_question_count=count)
        bank(count, kind=QuestionKind.MULTIPLE, choices=MULTIPLE)
        attempt = exam_start(enrollment=enrollment)
        form = {f"q{qid}": choices for qid, choices in answer_sheet(attempt, 0).items()}
        exam_save_answers(attempt=attempt, answers=answer_sheet(attempt, right=count))
        with CaptureQueriesContext(connection) as paper:
            assert client.get(paper_url(enrollment, attempt)).status_code == 200
        with CaptureQueriesContext(connection) as hand_in:
            assert client.post(paper_url(enrollment, attempt), form).status_code == 302
        return len(paper.captured_queries), len(hand_in.captured_queries)

    small = queries_for(3)
    assert queries_for(30) == small
    assert small[0] <= 8
    with django_assert_max_num_queries(8):
        client.get(reverse("learners:exam", args=[enrollment.pk]))


# ---- who may see what ----


def test_another_learners_attempt_is_not_found(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    other = EnrollmentFactory(cohort=enrollment.cohort)
    client = client_for(other.learner)

    for url in (paper_url(enrollment, attempt), result_url(enrollment, attempt)):
        assert client.get(url).status_code == 404
    # nor through her own place's address
    assert client.get(paper_url(other, attempt)).status_code == 404
    assert client.post(paper_url(other, attempt), {"autosave": "1"}).status_code == 404
    assert client.post(reverse("learners:exam", args=[enrollment.pk])).status_code == 404
    assert ExamAttempt.objects.count() == 1


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "coord_ug", "admin"])
def test_nobody_but_the_learner_starts_or_answers_her_exam(world, enrollment, client_for, role):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    client = client_for(world.users[role])
    question = drawn(attempt)[0]

    start = client.post(reverse("learners:exam", args=[enrollment.pk]))
    answer = client.post(paper_url(enrollment, attempt), {f"q{question}": right_choices(question)})

    assert start.status_code == answer.status_code == 404
    assert ExamAttempt.objects.count() == 1
    assert not AttemptAnswer.chosen.through.objects.exists()


def test_anonymous_is_sent_to_log_in(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)

    response = client_for(world.users["anonymous"]).post(paper_url(enrollment, attempt), {})

    assert "/login/" in response.headers["Location"]
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_the_academy_sees_a_cohorts_results(world, enrollment, client_for):
    bank(4)
    attempt = exam_start(enrollment=enrollment)
    exam_submit(attempt=attempt, answers=answer_sheet(attempt, right=3))
    EnrollmentFactory(cohort=enrollment.cohort)  # has not sat the exam

    page = client_for(world.users["coord_voc"]).get(
        reverse("learners:cohort-exam", args=[enrollment.cohort.pk])
    )

    text = page.content.decode()
    assert "参考 1 人" in text
    assert "通过 1 人（50%）" in text
    assert "平均最高分 75" in text


# ---- the question bank's rules ----


def program():
    return Program.objects.get(code="party-affairs-staff")


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        (QuestionKind.SINGLE, [("甲", True)], ERROR_CHOICE_COUNT),
        (QuestionKind.SINGLE, [(str(n), n == 0) for n in range(9)], ERROR_CHOICE_COUNT),
        (
            QuestionKind.SINGLE,
            [("甲", True), ("乙", True), ("丙", False)],
            ERROR_SINGLE_ONE_CORRECT,
        ),
        (QuestionKind.SINGLE, [("甲", False), ("乙", False)], ERROR_SINGLE_ONE_CORRECT),
        (
            QuestionKind.SINGLE,
            [("甲", True), ("甲", False)],
            ERROR_CHOICE_DUPLICATE % {"text": "甲"},
        ),
        (QuestionKind.TRUE_FALSE, [("对", True), ("错", False)], ERROR_TRUE_FALSE_CHOICES),
        (QuestionKind.TRUE_FALSE, [("正确", True), ("错误", True)], ERROR_TRUE_FALSE_CHOICES),
        (
            QuestionKind.TRUE_FALSE,
            [("正确", True), ("错误", False), ("不确定", False)],
            ERROR_TRUE_FALSE_CHOICES,
        ),
        (QuestionKind.MULTIPLE, [("甲", True), ("乙", True)], ERROR_MULTIPLE_CHOICES),
        (
            QuestionKind.MULTIPLE,
            [("甲", True), ("乙", False), ("丙", False)],
            ERROR_MULTIPLE_CHOICES,
        ),
    ],
)
def test_the_service_refuses_a_question_breaking_its_kinds_rules(kind, choices, message):
    question = Question(program=program(), kind=kind, text="题干")
    data = [ChoiceData(text=text, is_correct=right) for text, right in choices]

    with pytest.raises(ApplicationError) as refused:
        question_save(question=question, choices=data, by=None)

    assert refused.value.message == str(message)
    assert not Question.objects.exists()


def test_the_service_saves_a_good_question_and_keeps_its_choices_rows(world):
    coordinator = world.users["coord_ug"]
    question = question_save(
        question=Question(program=program(), kind=QuestionKind.MULTIPLE, text="三会一课包括？"),
        choices=[
            ChoiceData("支部党员大会", True),
            ChoiceData("支部委员会", True),
            ChoiceData("党小组会", True),
            ChoiceData("职工代表大会", False),
        ],
        by=coordinator,
    )
    first = list(question.choices.values_list("pk", flat=True))

    question_save(
        question=question,
        choices=[
            ChoiceData("支部党员大会", True),
            ChoiceData("支部委员会", True),
            ChoiceData("党课", True),
        ],
        by=coordinator,
    )

    assert list(question.choices.values_list("text", flat=True)) == [
        "支部党员大会",
        "支部委员会",
        "党课",
    ]
    assert list(question.choices.values_list("pk", flat=True)) == first[:3]
    question_validate(question, list(question.choices.all()))
    with pytest.raises(PermissionRefused):
        question_save(question=question, choices=[], by=world.users["learner_a"])


def admin_form(kind: str, choices: list[tuple[str, bool]]) -> dict:
    data = {
        "program": program().pk,
        "kind": kind,
        "text": "入党介绍人一般由几名正式党员担任？",
        "explanation": "",
        "is_active": "on",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "8",
    }
    for index, (text, right) in enumerate(choices):
        data[f"choices-{index}-position"] = str(index)
        data[f"choices-{index}-text"] = text
        if right:
            data[f"choices-{index}-is_correct"] = "on"
    return data


def test_the_admin_refuses_a_bad_question_with_the_services_sentence(world, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("admin:courses_question_add")

    response = client.post(url, admin_form(QuestionKind.SINGLE, [("一名", True), ("两名", True)]))

    assert response.status_code == 200
    assert str(ERROR_SINGLE_ONE_CORRECT) in response.content.decode()
    assert not Question.objects.exists()


def test_the_admin_saves_a_good_question(world, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("admin:courses_question_add")

    response = client.post(
        url, admin_form(QuestionKind.SINGLE, [("一名", False), ("两名", True), ("三名", False)])
    )

    assert response.status_code == 302
    question = Question.objects.get()
    assert list(question.choices.values_list("text", "is_correct")) == [
        ("一名", False),
        ("两名", True),
        ("三名", False),
    ]
    assert AuditEvent.objects.filter(action="question.create").exists()


def test_the_admin_refuses_changing_a_questions_kind_against_its_choices(world, client_for):
    # given a single-choice question, turned into a true/false one without changing its choices
    question = QuestionFactory()
    client = client_for(world.users["coord_ug"])
    url = reverse("admin:courses_question_change", args=[question.pk])
    data = admin_form(QuestionKind.TRUE_FALSE, [])
    choices = list(question.choices.all())
    data.update(
        {"choices-TOTAL_FORMS": str(len(choices)), "choices-INITIAL_FORMS": str(len(choices))}
    )
    for index, choice in enumerate(choices):
        data[f"choices-{index}-id"] = str(choice.pk)
        data[f"choices-{index}-question"] = str(question.pk)
        data[f"choices-{index}-position"] = str(choice.position)
        data[f"choices-{index}-text"] = choice.text
        if choice.is_correct:
            data[f"choices-{index}-is_correct"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200
    assert str(ERROR_TRUE_FALSE_CHOICES) in response.content.decode()
    question.refresh_from_db()
    assert question.kind == QuestionKind.SINGLE


# ---- demo ----


def test_the_demo_bank_keeps_the_rules_is_idempotent_and_makes_a_ready_exam(enrollment):
    from portal.demo_exam import BANK, load_exam_demo

    exam_program = enrollment.cohort.program
    assert load_exam_demo(exam_program) == len(BANK)
    assert load_exam_demo(exam_program) == 0

    assert 20 <= Question.objects.filter(program=exam_program).count() == len(BANK) <= 30
    for question in Question.objects.prefetch_related("choices"):
        question_validate(question, list(question.choices.all()))
    exam_program.refresh_from_db()
    assert (exam_program.exam_question_count, exam_program.exam_pass_score) == (10, 60)
    attempt = exam_start(enrollment=enrollment)
    assert attempt.answers.count() == 10
