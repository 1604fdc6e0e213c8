"""The hour dashboards: a school sees where its people stand against their requirement, who is
behind and how its cohorts go; a province sees its schools, a desk the schools of the desk; all in
a fixed number of queries whatever the number of people. The school corrects a person's
requirement from her transcript."""

import datetime
import io
from decimal import Decimal
from itertools import count

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learners.dashboard_selectors import (
    cohort_rows,
    dashboard_people,
    dashboard_people_hours,
    hours_dashboard,
)
from learners.hour_selectors import Standing, behind_condition, standing_for, with_standing
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    HourCategory,
    HourEntry,
    HourSource,
    Learner,
)
from learners.services.hours import hour_totals_refresh
from portal import pii
from tests.factories import CohortFactory, EnrollmentFactory, LearnerFactory

TODAY = datetime.date(2026, 6, 1)  # three of the five years begun: 96 h due of 160, 168 of 280
_numbers = count(1)


def person(school, name, category=HourCategory.MEMBER, hours=(), exempt=False, user=None):
    """A person record of ``school`` (her current school) with entries of (hours, theory)."""
    number = f"110105199001{next(_numbers):06d}"
    record = Learner.objects.create(
        user=user or LearnerFactory(institution=school),
        name=name,
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=school,
        hour_category=category,
        hour_exempt=exempt,
    )
    for total, theory in hours:
        HourEntry.objects.create(
            learner=record,
            source=HourSource.RECOGNISED,
            title="网络专题培训",
            completed_on=datetime.date(2025, 5, 1),
            hours=Decimal(total),
            theory_hours=Decimal(theory),
        )
    hour_totals_refresh([record.pk])  # as every service that writes entries does
    return record


@pytest.fixture
def people(world):
    """school_a: one of each standing; school_b: one person behind."""
    a, b = world.school_a, world.school_b
    return {
        "met": person(a, "甲", hours=[("100", "60"), ("70", "30")]),
        "on_track": person(a, "乙", category=HourCategory.SECRETARY, hours=[("170", "90")]),
        "behind": person(a, "丙", hours=[("10", "5")], user=world.users["learner_a"]),
        "exempt": person(a, "丁", exempt=True),
        "none": person(a, "戊", category=HourCategory.NONE, hours=[("8", "8")]),
        "other_school": person(b, "己", hours=[("1", "1")]),
    }


def test_one_rule_says_where_a_person_stands():
    def rule(category, total, exempt=False):
        return standing_for(category=category, exempt=exempt, total=Decimal(total), today=TODAY)

    assert rule(HourCategory.MEMBER, "160") == (Standing.MET, Decimal("160"), Decimal("96"))
    assert rule(HourCategory.MEMBER, "96")[0] == Standing.ON_TRACK
    assert rule(HourCategory.MEMBER, "95.9")[0] == Standing.BEHIND
    assert rule(HourCategory.SECRETARY, "168")[0] == Standing.ON_TRACK
    assert rule(HourCategory.SECRETARY, "200", exempt=True) == (Standing.EXEMPT, None, None)
    assert rule(HourCategory.NONE, "0") == (Standing.NONE, None, None)


@pytest.mark.parametrize(
    "today",
    [datetime.date(2023, 6, 1), TODAY, datetime.date(2028, 12, 31), datetime.date(2031, 1, 1)],
)
def test_the_database_applies_the_same_rule(world, today):
    """The dashboards count in SQL; on every side of every threshold, for every category, exempt
    or not, SQL and ``standing_for`` agree."""
    totals = {Decimal("0"), Decimal("0.1"), Decimal("999.9")}
    for category in HourCategory.values:
        _, required, due = standing_for(
            category=category, exempt=False, total=Decimal(0), today=today
        )
        for edge in (required, due):
            if edge is not None:
                totals |= {edge - Decimal("0.1"), edge, edge + Decimal("0.1")}
    expected = {}
    for category in HourCategory.values:
        for exempt in (False, True):
            for total in sorted(t for t in totals if t >= 0):
                name = f"{category}-{exempt}-{total}"
                person(
                    world.school_a,
                    name,
                    category=category,
                    exempt=exempt,
                    hours=[(total, "0")] if total else [],
                )
                expected[name] = standing_for(
                    category=category, exempt=exempt, total=total, today=today
                )[0]
    people = with_standing(Learner.objects.filter(name__in=expected), today=today)
    assert dict(people.values_list("name", "standing")) == expected
    behind = Learner.objects.filter(name__in=expected).filter(
        behind_condition(total="period_hours", today=today)
    )
    assert set(behind.values_list("name", flat=True)) == {
        name for name, standing in expected.items() if standing == Standing.BEHIND
    }


def test_the_school_counts_its_people_by_standing(world, people):
    board = hours_dashboard(world.users["staff_a"], today=TODAY)

    assert board.scope == "school"
    assert board.counts == {
        Standing.MET: 1,
        Standing.ON_TRACK: 1,
        Standing.BEHIND: 1,
        Standing.EXEMPT: 1,
        Standing.NONE: 1,
    }
    by_name = {p.name: p for p in dashboard_people_hours(world.users["staff_a"], today=TODAY)}
    assert set(by_name) == {"甲", "乙", "丙", "丁", "戊"}  # never school_b's 己
    assert (by_name["甲"].total, by_name["甲"].theory) == (Decimal("170"), Decimal("90"))
    assert [(p.name, p.total, p.required) for p in board.behind] == [
        ("丙", Decimal("10"), Decimal("160"))
    ]


def test_hours_outside_the_plan_period_do_not_count(world, people):
    HourEntry.objects.create(
        learner=people["behind"],
        source=HourSource.RECOGNISED,
        title="往年培训",
        completed_on=datetime.date(2023, 12, 31),
        hours=Decimal("300"),
    )
    hour_totals_refresh([people["behind"].pk])
    board = hours_dashboard(world.users["staff_a"], today=TODAY)
    assert [p.name for p in board.behind] == ["丙"]


def test_a_person_who_moved_belongs_to_her_new_school(world, people):
    moved = people["met"].user
    moved.institution = world.school_b
    moved.save()

    assert "甲" not in {p.name for p in dashboard_people_hours(world.users["staff_a"])}
    assert "甲" in {p.name for p in dashboard_people_hours(world.users["staff_b"])}


def test_a_province_sees_its_schools_and_a_desk_the_schools_of_the_desk(world, people):
    province = hours_dashboard(world.users["prov_bj"], today=TODAY)
    assert province.scope == "province"
    assert [s.name for s in province.schools] == [world.school_a.name]
    assert province.schools[0].people == 5
    assert province.schools[0].counts[Standing.BEHIND] == 1
    assert "己" not in {p.name for p in dashboard_people_hours(world.users["prov_bj"])}

    vocational = hours_dashboard(world.users["coord_voc"], today=TODAY)
    assert vocational.scope == "desk"
    assert [p.name for p in dashboard_people_hours(world.users["coord_voc"])] == ["己"]
    assert {s.name for s in hours_dashboard(world.users["admin"]).schools} >= {
        world.school_a.name,
        world.school_b.name,
    }


def test_learners_oversee_nobody(world, people):
    assert not dashboard_people(world.users["learner_a"]).exists()


def test_the_cohorts_count_places_and_those_behind_schedule(world, people):
    today = timezone.localdate()
    ending = CohortFactory(
        program=world.study_cohort.program,
        name="即将结束的期次",
        start_date=today - datetime.timedelta(days=20),
        end_date=today + datetime.timedelta(days=3),
    )
    for user in [people["met"].user, people["on_track"].user]:
        EnrollmentFactory(cohort=ending, learner=user, institution=world.school_a)
    Enrollment.objects.filter(cohort=ending, learner=people["met"].user).update(
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        hours_earned=Decimal("6"),
        theory_hours_earned=Decimal("4"),
    )
    EnrollmentFactory(
        cohort=ending, learner=people["other_school"].user, institution=world.school_b
    )

    rows = {row.name: row for row in cohort_rows(world.users["staff_a"], today=today)}

    assert (
        rows["即将结束的期次"].enrolled,
        rows["即将结束的期次"].in_progress,
        rows["即将结束的期次"].completed,
        rows["即将结束的期次"].behind_schedule,
    ) == (2, 1, 1, 1)
    # learner_a's cohort is open for longer than a week: in progress, not behind schedule.
    study = rows[world.study_cohort.name]
    assert (study.enrolled, study.in_progress, study.behind_schedule) == (1, 1, 0)
    assert sum(r.enrolled for r in cohort_rows(world.users["staff_b"], today=today)) == 1


def test_the_dashboard_page_shows_counts_chart_data_and_who_is_behind(world, people, client_for):
    response = client_for(world.users["staff_a"]).get(reverse("learners:hours-dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "丙" in html
    assert "己" not in html
    assert 'id="chart-data"' in html
    assert "js/hours_dashboard.js" in html
    assert reverse("learners:person-hours", args=[people["behind"].pk]) in html
    assert "学时统计" in html  # in the navigation


def test_a_name_on_the_dashboard_is_text_never_markup(world, client_for):
    person(world.school_a, '<img src=x onerror="alert(1)">', hours=[("1", "1")])
    secretary = person(world.school_a, "<b>书记</b>", category=HourCategory.SECRETARY)

    html = client_for(world.users["staff_a"]).get(reverse("learners:hours-dashboard")).content
    html = html.decode()

    assert "<img src=x" not in html
    assert "<b>书记" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;b&gt;书记&lt;/b&gt;" in html
    # her row links to her archive and, a secretary, to entering off-job training
    assert reverse("learners:off-job-add", args=[secretary.pk]) in html
    assert f'name="learner" value="{secretary.pk}"' in html


def test_the_academy_finds_the_hour_import_on_its_dashboard(world, people, client_for):
    academy = client_for(world.users["coord_ug"]).get(reverse("learners:hours-dashboard"))
    school = client_for(world.users["staff_a"]).get(reverse("learners:hours-dashboard"))

    assert reverse("learners:hour-import") in academy.content.decode()
    assert reverse("learners:hour-import") not in school.content.decode()


def test_the_province_page_lists_its_schools(world, people, client_for):
    response = client_for(world.users["prov_bj"]).get(reverse("learners:hours-dashboard"))
    html = response.content.decode()
    assert world.school_a.name in html
    assert world.school_b.name not in html


def read_export(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_the_export_lists_the_schools_people_only(world, people, client_for):
    response = client_for(world.users["staff_a"]).get(reverse("learners:hours-dashboard-xlsx"))

    assert response.status_code == 200
    rows = read_export(response)
    assert rows[0][:4] == ("单位", "姓名", "身份证号", "学时要求类别")
    names = {row[1] for row in rows[1:]}
    assert names == {"甲", "乙", "丙", "丁", "戊"}
    gap = next(row for row in rows[1:] if row[1] == "丙")
    assert gap[4:6] == (10.0, 5.0)
    assert "*" in gap[2]


@pytest.mark.parametrize("role", ["learner_a"])
def test_learners_are_refused_the_dashboards(world, people, client_for, role):
    client = client_for(world.users[role])
    assert client.get(reverse("learners:hours-dashboard")).status_code == 403
    assert client.get(reverse("learners:hours-dashboard-xlsx")).status_code == 403


def add_people(school, n):
    for i in range(n):
        person(school, f"批量{i}", hours=[("5", "2"), ("7", "3")])


@pytest.mark.parametrize("route", ["learners:hours-dashboard", "learners:hours-dashboard-xlsx"])
@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "coord_ug"])
def test_the_dashboard_costs_the_same_for_3_or_30_people(
    world, client_for, django_assert_max_num_queries, route, role
):
    """Measured on 3 people, then held for 30: the count does not grow with the people."""
    client = client_for(world.users[role])
    add_people(world.school_a, 3)
    client.get(reverse(route))  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(route)).status_code == 200
    add_people(world.school_a, 27)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse(route))
    assert response.status_code == 200
    assert len(small) <= 6  # session, user, standings per school, schools, cohorts, a page behind


def test_her_school_corrects_her_requirement(world, people, client_for):
    url = reverse("learners:person-hours", args=[people["behind"].pk])
    client = client_for(world.users["staff_a"])

    page = client.get(url)
    assert page.status_code == 200
    assert "丙" in page.content.decode()
    assert 'name="category"' in page.content.decode()

    response = client.post(
        url, {"category": HourCategory.MEMBER, "exempt": "on", "reason": "年老体弱"}
    )

    assert response.status_code == 302
    people["behind"].refresh_from_db()
    assert people["behind"].hour_exempt
    assert people["behind"].hour_exempt_reason == "年老体弱"
    assert people["behind"].hour_category_corrected
    board = hours_dashboard(world.users["staff_a"], today=TODAY)
    assert board.counts[Standing.EXEMPT] == 2
    assert not board.behind


def test_a_bad_correction_is_shown_on_the_form(world, people, client_for):
    url = reverse("learners:person-hours", args=[people["behind"].pk])
    response = client_for(world.users["staff_a"]).post(url, {"category": "chief", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    people["behind"].refresh_from_db()
    assert people["behind"].hour_category == HourCategory.MEMBER


def test_the_province_reads_but_does_not_correct(world, people, client_for):
    url = reverse("learners:person-hours", args=[people["behind"].pk])
    client = client_for(world.users["prov_bj"])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="category"' not in page.content.decode()
    assert client.post(url, {"category": HourCategory.NONE}).status_code == 403
    people["behind"].refresh_from_db()
    assert people["behind"].hour_category == HourCategory.MEMBER


def test_the_academy_corrects_too(world, people, client_for):
    url = reverse("learners:person-hours", args=[people["behind"].pk])
    response = client_for(world.users["coord_ug"]).post(url, {"category": HourCategory.SECRETARY})
    assert response.status_code == 302
    people["behind"].refresh_from_db()
    assert people["behind"].hour_category == HourCategory.SECRETARY


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff_a", 200),
        ("prov_bj", 200),
        ("coord_ug", 200),
        ("admin", 200),
        ("staff_b", 404),
        ("coord_voc", 404),
        ("learner_a", 404),  # her own page is her transcript, not this one
    ],
)
def test_who_sees_a_persons_hours(world, people, client_for, role, status):
    url = reverse("learners:person-hours", args=[people["behind"].pk])
    assert client_for(world.users[role]).get(url).status_code == status


def test_another_schools_person_is_not_found_nor_corrected(world, people, client_for):
    url = reverse("learners:person-hours", args=[people["other_school"].pk])
    client = client_for(world.users["staff_a"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"category": HourCategory.NONE}).status_code == 404
    people["other_school"].refresh_from_db()
    assert people["other_school"].hour_category == HourCategory.MEMBER


def test_anonymous_is_sent_to_log_in(world, people, client_for):
    client = client_for(world.users["anonymous"])
    for url in [
        reverse("learners:hours-dashboard"),
        reverse("learners:hours-dashboard-xlsx"),
        reverse("learners:person-hours", args=[people["behind"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
