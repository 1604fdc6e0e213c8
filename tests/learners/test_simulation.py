"""The scenario simulation (党务情景模拟): 25 steps done in order, decisions and documents."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import simulation_2026
from courses.models import LiveSession, Program, SimulationOption, SimulationStep, TaskKind
from courses.services import catalog_load
from learners.models import Attendance, EnrollmentStatus, StepProgress
from learners.services.simulation import (
    ERROR_NO_OPTION,
    ERROR_NO_SIMULATION,
    document_problems,
    simulation_answer,
)
from learners.simulation_selectors import simulation_map
from portal.errors import ApplicationError, StateConflict
from tests.factories import CohortFactory, EnrollmentFactory, LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    catalog_load()
    return Program.objects.get(code=simulation_2026.PROGRAM_CODE)


@pytest.fixture
def enrollment(world, program):
    cohort = CohortFactory(program=program)
    return EnrollmentFactory(
        cohort=cohort, learner=world.users["learner_a"], institution=world.school_a
    )


def step(number: int) -> SimulationStep:
    return SimulationStep.objects.get(number=number)


def right(number: int) -> SimulationOption:
    return SimulationOption.objects.get(step__number=number, is_correct=True)


def wrong(number: int) -> SimulationOption:
    return SimulationOption.objects.filter(step__number=number, is_correct=False).first()


def good_document(s: SimulationStep) -> str:
    points = "；".join(simulation_2026_keywords(s))
    filler = "按照发展党员工作细则的要求认真做好这项工作并如实记录。" * 10
    return f"{s.document_template}\n要点：{points}。\n{filler}"


def simulation_2026_keywords(s: SimulationStep) -> list[str]:
    return [k for k in s.document_keywords.split("、") if k]


def do(enrollment, number: int):
    s = step(number)
    if s.task_kind == TaskKind.DOCUMENT:
        return simulation_answer(enrollment=enrollment, step=s, document=good_document(s))
    return simulation_answer(enrollment=enrollment, step=s, choice=right(number))


def do_until(enrollment, last: int) -> None:
    for number in range(1, last + 1):
        assert do(enrollment, number).completed, number


# ---- content --------------------------------------------------------------------------------


def test_every_step_has_its_case_and_task(program):
    steps = list(SimulationStep.objects.prefetch_related("options"))

    assert [s.number for s in steps] == list(range(1, 26))
    for s in steps:
        assert s.case, s.number
        assert s.task, s.number
        options = list(s.options.all())
        if s.task_kind == TaskKind.DECISION:
            assert 3 <= len(options) <= 4, s.number
            assert sum(o.is_correct for o in options) == 1, s.number
            assert all(o.feedback for o in options), s.number
        else:
            assert not options
            assert s.document_template, s.number
            assert s.document_keywords, s.number
            # the template alone does not do the task: the learner has to write
            assert document_problems(s, s.document_template), s.number
    kinds = {s.task_kind for s in steps}
    assert kinds == {TaskKind.DECISION, TaskKind.DOCUMENT}


def test_the_simulation_program_requires_the_simulation(program):
    assert program.require_simulation
    assert program.activity_hours > 0


def test_loading_twice_changes_nothing_and_keeps_a_coordinators_edits(program):
    first = step(1)
    first.case = "学院自己改写的案例。"
    first.save()
    options = SimulationOption.objects.count()

    catalog_load()

    assert step(1).case == "学院自己改写的案例。"
    assert SimulationOption.objects.count() == options


# ---- order, decisions, documents ------------------------------------------------------------


def test_a_step_after_the_first_unfinished_one_is_refused(enrollment):
    with pytest.raises(StateConflict, match="请先完成第 1 步"):
        simulation_answer(enrollment=enrollment, step=step(2), document="任何内容")

    assert not StepProgress.objects.exists()


def test_a_wrong_decision_shows_why_and_counts_a_try(enrollment):
    option = wrong(1)

    answer = simulation_answer(enrollment=enrollment, step=step(1), choice=option)

    assert not answer.completed
    assert answer.feedback == option.feedback
    progress = StepProgress.objects.get(enrollment=enrollment, step=step(1))
    assert (progress.tries, progress.completed_at) == (1, None)


def test_the_right_decision_completes_the_step_and_opens_the_next(enrollment):
    simulation_answer(enrollment=enrollment, step=step(1), choice=wrong(1))

    answer = simulation_answer(enrollment=enrollment, step=step(1), choice=right(1))

    assert answer.completed
    assert answer.next_number == 2
    progress = StepProgress.objects.get(enrollment=enrollment, step=step(1))
    assert progress.tries == 2
    assert progress.completed_at is not None
    assert simulation_map(enrollment).current.step.number == 2


def test_an_option_of_another_step_is_refused(enrollment):
    with pytest.raises(ApplicationError, match=str(ERROR_NO_OPTION)):
        simulation_answer(enrollment=enrollment, step=step(1), choice=right(3))

    assert not StepProgress.objects.exists()


def test_a_completed_step_answered_again_stays_done(enrollment):
    do(enrollment, 1)

    again = simulation_answer(enrollment=enrollment, step=step(1), choice=wrong(1))

    assert again.completed
    assert again.already_done
    progress = StepProgress.objects.get(enrollment=enrollment, step=step(1))
    assert progress.tries == 1
    assert progress.choice == right(1)


def test_a_short_document_is_not_enough(enrollment):
    do(enrollment, 1)
    document_step = step(2)
    short = (
        document_step.document_template + "\n" + "、".join(simulation_2026_keywords(document_step))
    )

    answer = simulation_answer(enrollment=enrollment, step=document_step, document=short)

    assert not answer.completed
    assert "至少要写" in answer.feedback
    progress = StepProgress.objects.get(enrollment=enrollment, step=document_step)
    assert progress.completed_at is None
    assert progress.document == short.strip()  # her draft is kept


def test_a_document_missing_points_names_them(enrollment):
    do(enrollment, 1)
    document_step = step(2)
    long_but_vague = "我们认真同申请人谈了话，了解了情况并做了记录。" * 10

    answer = simulation_answer(enrollment=enrollment, step=document_step, document=long_but_vague)

    assert not answer.completed
    assert answer.feedback.startswith("文书还没有写到以下要点：")
    for point in simulation_2026_keywords(document_step):
        assert point in answer.feedback


def test_a_document_with_every_point_completes_the_step(enrollment):
    do(enrollment, 1)

    answer = do(enrollment, 2)

    assert answer.completed
    assert StepProgress.objects.get(enrollment=enrollment, step=step(2)).completed_at


def test_an_empty_document_is_refused(enrollment):
    do(enrollment, 1)

    with pytest.raises(ApplicationError, match="请先起草文书"):
        simulation_answer(enrollment=enrollment, step=step(2), document="  \n ")


# ---- completion and dates -------------------------------------------------------------------


def test_the_last_step_completes_a_program_that_requires_only_the_simulation(enrollment, program):
    do_until(enrollment, 24)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS

    do(enrollment, 25)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.hours_earned == program.activity_hours
    assert simulation_map(enrollment).finished


def test_nothing_counts_after_the_cohorts_end(world, program):
    today = timezone.localdate()
    ended = CohortFactory(
        program=program,
        start_date=today - datetime.timedelta(days=40),
        end_date=today - datetime.timedelta(days=1),
    )
    place = EnrollmentFactory(cohort=ended)

    with pytest.raises(StateConflict, match="不在学习时间内"):
        simulation_answer(enrollment=place, step=step(1), choice=right(1))

    assert not StepProgress.objects.exists()


def test_a_program_without_the_simulation_refuses_it(world, program):
    with pytest.raises(StateConflict, match=str(ERROR_NO_SIMULATION)):
        simulation_answer(enrollment=world.enrollment_a, step=step(1), choice=right(1))


# ---- pages ----------------------------------------------------------------------------------


def test_the_map_shows_done_current_and_locked_steps(client_for, world, enrollment):
    do_until(enrollment, 3)

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:simulation", args=[enrollment.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "已完成 3 / 25 步" in page
    assert page.count("bi-lock") == 21
    assert reverse("learners:simulation-step", args=[enrollment.pk, 4]) in page
    assert reverse("learners:simulation-step", args=[enrollment.pk, 5]) not in page


def test_the_maps_query_count_does_not_grow_with_progress(
    client_for, world, enrollment, django_assert_max_num_queries
):
    client = client_for(world.users["learner_a"])
    url = reverse("learners:simulation", args=[enrollment.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as fresh:
        client.get(url)
    do_until(enrollment, 20)

    with django_assert_max_num_queries(len(fresh.captured_queries)):
        client.get(url)


def test_a_locked_step_sends_her_to_the_current_one(client_for, world, enrollment):
    do_until(enrollment, 1)

    response = client_for(world.users["learner_a"]).get(
        reverse("learners:simulation-step", args=[enrollment.pk, 9])
    )

    assert response.status_code == 302
    assert response.headers["Location"] == reverse(
        "learners:simulation-step", args=[enrollment.pk, 2]
    )


def test_a_wrong_choice_on_the_page_shows_its_feedback(client_for, world, enrollment):
    option = wrong(1)
    url = reverse("learners:simulation-step", args=[enrollment.pk, 1])

    response = client_for(world.users["learner_a"]).post(url, {"choice": option.pk})

    assert response.status_code == 200
    assert option.feedback in response.content.decode()
    assert not StepProgress.objects.filter(completed_at__isnull=False).exists()


def test_the_right_choice_on_the_page_completes_and_links_the_next_step(
    client_for, world, enrollment
):
    client = client_for(world.users["learner_a"])
    url = reverse("learners:simulation-step", args=[enrollment.pk, 1])

    response = client.post(url, {"choice": right(1).pk}, follow=True)

    page = response.content.decode()
    assert "第 1 步已完成" in page
    assert right(1).feedback in page
    assert reverse("learners:simulation-step", args=[enrollment.pk, 2]) in page


def test_the_page_does_not_reveal_the_right_option(client_for, world, enrollment):
    response = client_for(world.users["learner_a"]).get(
        reverse("learners:simulation-step", args=[enrollment.pk, 1])
    )

    page = response.content.decode()
    assert right(1).text in page
    assert right(1).feedback not in page


def test_a_document_on_the_page_names_the_missing_points(client_for, world, enrollment):
    do_until(enrollment, 1)
    url = reverse("learners:simulation-step", args=[enrollment.pk, 2])

    response = client_for(world.users["learner_a"]).post(url, {"document": "只写了一句。"})

    assert response.status_code == 200
    assert "文书还没有写到以下要点" in response.content.decode()


@pytest.mark.parametrize("name", ["learner_b", "coord_ug", "staff_a", "prov_bj", "admin"])
def test_nobody_else_reaches_her_simulation(client_for, world, enrollment, name):
    user = LearnerFactory() if name == "learner_b" else world.users[name]
    client = client_for(user)

    for url in (
        reverse("learners:simulation", args=[enrollment.pk]),
        reverse("learners:simulation-step", args=[enrollment.pk, 1]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(url, {"choice": right(1).pk}).status_code == 404
    assert not StepProgress.objects.exists()


def test_anonymous_is_sent_to_log_in(client, enrollment):
    response = client.get(reverse("learners:simulation", args=[enrollment.pk]))

    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_a_place_without_the_simulation_has_no_simulation_page(client_for, world):
    response = client_for(world.users["learner_a"]).get(
        reverse("learners:simulation", args=[world.enrollment_a.pk])
    )

    assert response.status_code == 404


# ---- demo -----------------------------------------------------------------------------------


def test_the_demo_takes_learner_1_halfway_and_runs_twice_without_change():
    from portal.demo import demo_load
    from portal.demo_simulation import HALFWAY, load_live_demo, load_simulation_demo

    demo_load()
    cohort = load_simulation_demo()
    main = Program.objects.get(code="party-affairs-staff").cohorts.get(name="2026年第1期")
    load_live_demo(main)
    counts = (StepProgress.objects.count(), Attendance.objects.count(), LiveSession.objects.count())

    assert load_simulation_demo() == cohort
    load_live_demo(main)

    assert (
        StepProgress.objects.count(),
        Attendance.objects.count(),
        LiveSession.objects.count(),
    ) == counts
    places = {e.learner.username: e for e in cohort.enrollments.select_related("learner")}
    assert set(places) == {"learner-1", "learner-2"}
    assert simulation_map(places["learner-1"]).done == HALFWAY
    assert simulation_map(places["learner-2"]).done == 0
    assert counts[1:] == (2, 2)


# ---- admin ----------------------------------------------------------------------------------


def option_form(s: SimulationStep, correct: set[int]) -> dict:
    options = list(s.options.order_by("position"))
    form = {
        "name": s.name,
        "case": s.case,
        "task_kind": s.task_kind,
        "task": s.task,
        "document_template": s.document_template,
        "document_min_chars": s.document_min_chars,
        "document_keywords": s.document_keywords,
        "options-TOTAL_FORMS": len(options),
        "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for n, option in enumerate(options):
        form.update(
            {
                f"options-{n}-id": option.pk,
                f"options-{n}-step": s.pk,
                f"options-{n}-position": option.position,
                f"options-{n}-text": option.text,
                f"options-{n}-feedback": option.feedback,
            }
        )
        if n in correct:
            form[f"options-{n}-is_correct"] = "on"
    return form


def test_the_admin_keeps_exactly_one_right_option(client_for, world, program):
    s = step(1)
    url = reverse("admin:courses_simulationstep_change", args=[s.pk])
    client = client_for(world.users["coord_ug"])

    refused = client.post(url, option_form(s, {0, 1}))

    assert refused.status_code == 200
    assert "有且只有一个正确做法" in refused.content.decode()
    assert s.options.filter(is_correct=True).count() == 1
    assert client.post(url, {**option_form(s, {1}), "case": "改写的案例"}).status_code == 302
    assert step(1).case == "改写的案例"
    assert list(s.options.filter(is_correct=True)) == [s.options.order_by("position")[1]]


def test_a_document_step_offers_its_template_then_shows_the_passed_draft(
    client_for, world, enrollment
):
    do_until(enrollment, 1)
    client = client_for(world.users["learner_a"])
    url = reverse("learners:simulation-step", args=[enrollment.pk, 2])
    first_line = step(2).document_template.splitlines()[0]

    before = client.get(url).content.decode()
    do(enrollment, 2)
    after = client.get(url).content.decode()

    assert "<textarea" in before
    assert first_line in before
    assert "<textarea" not in after
    assert "文书已通过" in after
    assert reverse("learners:simulation-step", args=[enrollment.pk, 3]) in after
