import pytest
from django.core.management import call_command

from courses.models import Cohort
from enrollment.models import Institution, InstitutionType
from learners.models import Enrollment
from portal.demo import DEMO_PASSWORD
from portal.models import Desk, Role, User

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Institution.objects.count(),
        Cohort.objects.count(),
        Enrollment.objects.count(),
    )


def test_the_demo_data_set_has_every_role_and_a_cohort_in_progress(capsys):
    call_command("load_demo")

    assert set(Institution.objects.values_list("type", flat=True)) == set(InstitutionType.values)
    assert Institution.objects.values("province").distinct().count() == 2
    assert User.objects.filter(role=Role.PROVINCIAL_COORDINATOR).exists()
    desks = set(User.objects.filter(role=Role.ACADEMY_COORDINATOR).values_list("desk", flat=True))
    assert desks == set(Desk.values)
    cohort = Cohort.objects.get(name="2026年第1期")
    assert cohort.start_date <= cohort.created_at.date() <= cohort.end_date
    assert Enrollment.objects.filter(cohort=cohort).count() == 5
    # and something to study: every part of the program, learners partway through
    program = cohort.program
    assert program.lessons.exists() or not program.require_all_lessons
    assert program.questions.filter(is_active=True).count() >= program.exam_question_count
    assert cohort.topics.exists()
    assert cohort.live_sessions.exists()
    assert Cohort.objects.filter(program__require_simulation=True).exists()
    assert User.objects.get(username="school-1").check_password(DEMO_PASSWORD)
    assert "coord-ug" in capsys.readouterr().out


def test_loading_the_demo_twice_changes_nothing():
    call_command("load_demo")
    before = counts()

    call_command("load_demo")

    assert counts() == before
