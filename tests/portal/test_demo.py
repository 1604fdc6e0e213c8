import pytest
from django.core.management import call_command

from courses.models import Cohort
from enrollment.models import Institution, InstitutionType
from learners.dashboard_selectors import hours_dashboard
from learners.hour_selectors import Standing, transcript
from learners.models import Enrollment, HourEntry, HourReminder, HourSource, Learner
from portal.demo import DEMO_PASSWORD
from portal.models import AuditEvent, Desk, Role, User

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Institution.objects.count(),
        Cohort.objects.count(),
        Enrollment.objects.count(),
        HourEntry.objects.count(),
        HourReminder.objects.count(),
        AuditEvent.objects.count(),
        list(Learner.objects.values_list("pk", "period_hours", "hour_category", "hour_exempt")),
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


def test_the_demo_school_has_an_hour_ledger_with_people_in_every_standing():
    call_command("load_demo")

    # the school's dashboard, as its contact sees it: people met, on track, behind and exempt
    board = hours_dashboard(User.objects.get(username="school-1"))
    standings = {standing for standing, n in board.counts.items() if n}
    assert {Standing.MET, Standing.ON_TRACK, Standing.BEHIND, Standing.EXEMPT} <= standings
    exempt = Learner.objects.get(hour_exempt=True)
    assert exempt.hour_exempt_reason == "年老体弱"
    assert set(HourEntry.objects.values_list("source", flat=True)) >= {
        HourSource.RECOGNISED,
        HourSource.OFF_JOB,
    }
    assert {"全国党员干部现代远程教育平台", "中国教育干部网络学院"} <= set(
        HourEntry.objects.values_list("platform", flat=True)
    )
    # the secretary's transcript spans the years, with her off-job training
    secretary = transcript(Learner.objects.get(user__username="learner-2"))
    assert secretary.required == 280
    assert len([year for year in secretary.years if year.hours]) >= 3
    assert any(year.off_job_hours for year in secretary.years)
    # and the province sees the school among its schools
    province = hours_dashboard(User.objects.get(username="prov-bj"))
    assert "北京示范大学" in [row.name for row in province.schools if row.people]
