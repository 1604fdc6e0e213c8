"""The hour ledger: a completed enrollment is one entry, once; a person's requirement comes from
her roster line until her school corrects it; her transcript sums her hours per year and for the
plan period against that requirement."""

import datetime
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from enrollment.models import PartyStatus
from learners.hour_selectors import Standing, transcript
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    HourCategory,
    HourEntry,
    HourSource,
    Learner,
)
from learners.services.hours import (
    hour_category_for,
    hour_entry_record_completion,
    learner_hour_profile_update,
)
from learners.signals import enrollment_completed
from portal import pii
from portal.errors import PermissionRefused

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def person(world):
    """learner_a's person record (the roster makes it; here it is written directly)."""
    return Learner.objects.create(
        user=world.users["learner_a"],
        name="张三",
        id_encrypted=pii.encrypt(ID_NUMBER),
        id_hash=pii.keyed_hash(ID_NUMBER),
        id_masked=pii.mask_id_number(ID_NUMBER),
        issued_by=world.school_a,
        hour_category=HourCategory.MEMBER,
    )


def complete(enrollment, hours="6.0", theory="4.0"):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        hours_earned=Decimal(hours),
        theory_hours_earned=Decimal(theory),
    )


def entry(person, on, hours, theory="0", source=HourSource.RECOGNISED):
    return HourEntry.objects.create(
        learner=person,
        source=source,
        title="网络专题培训",
        platform="中国教育干部网络学院",
        completed_on=on,
        hours=Decimal(hours),
        theory_hours=Decimal(theory),
    )


@pytest.mark.parametrize(
    ("post", "status", "category"),
    [
        ("教工第一党支部书记", PartyStatus.MEMBER, HourCategory.SECRETARY),
        ("组织员", PartyStatus.MEMBER, HourCategory.MEMBER),
        ("辅导员", PartyStatus.PROBATIONARY, HourCategory.MEMBER),
        ("党支部书记", PartyStatus.ACTIVIST, HourCategory.NONE),
        ("教师", PartyStatus.CANDIDATE, HourCategory.NONE),
    ],
)
def test_the_roster_line_implies_the_requirement(post, status, category):
    assert hour_category_for(post=post, party_status=status) == category


def test_a_completed_enrollment_becomes_one_entry_once(
    world, person, django_capture_on_commit_callbacks
):
    complete(world.enrollment_a)

    enrollment_completed.send(sender=Enrollment, enrollment_id=world.enrollment_a.pk)
    enrollment_completed.send(sender=Enrollment, enrollment_id=world.enrollment_a.pk)
    hour_entry_record_completion(enrollment_id=world.enrollment_a.pk)

    recorded = HourEntry.objects.get()
    assert (recorded.source, recorded.hours, recorded.theory_hours) == (
        HourSource.PORTAL,
        Decimal("6.0"),
        Decimal("4.0"),
    )
    assert recorded.completed_on == timezone.localdate()
    assert world.study_cohort.program.name in recorded.title
    person.refresh_from_db()  # her plan-period totals, as the dashboards read them
    assert (person.period_hours, person.period_theory_hours) == (Decimal("6"), Decimal("4"))


def test_an_unfinished_or_hourless_place_records_nothing(world, person):
    assert hour_entry_record_completion(enrollment_id=world.enrollment_a.pk) is None
    complete(world.enrollment_a, hours="0", theory="0")
    assert hour_entry_record_completion(enrollment_id=world.enrollment_a.pk) is None
    assert not HourEntry.objects.exists()


def test_the_transcript_sums_years_and_the_period_against_the_requirement(world, person):
    today = datetime.date(2026, 6, 1)
    entry(person, datetime.date(2024, 5, 1), "40", "30")
    entry(person, datetime.date(2025, 5, 1), "30", "10")
    entry(person, datetime.date(2026, 3, 1), "26", "8")
    entry(person, datetime.date(2023, 3, 1), "99", "99")  # before the plan period

    report = transcript(person, today=today)

    assert [(y.year, y.hours) for y in report.years] == [
        (2024, Decimal("40")),
        (2025, Decimal("30")),
        (2026, Decimal("26")),
    ]
    assert report.total == Decimal("96")
    assert report.required == Decimal("160")
    assert report.expected_by_now == Decimal("96")  # three of five years begun
    assert report.standing == Standing.ON_TRACK
    assert report.theory_share == 50
    assert not report.theory_short


def test_behind_met_exempt_and_no_requirement(world, person):
    today = datetime.date(2026, 6, 1)
    entry(person, datetime.date(2026, 3, 1), "20", "5")
    assert transcript(person, today=today).standing == Standing.BEHIND
    assert transcript(person, today=today).theory_short

    entry(person, datetime.date(2026, 4, 1), "150", "100")
    assert transcript(person, today=today).standing == Standing.MET

    person.hour_exempt = True
    assert transcript(person, today=today).standing == Standing.EXEMPT
    person.hour_exempt = False
    person.hour_category = HourCategory.NONE
    assert transcript(person, today=today).standing == Standing.NONE


def test_a_secretary_is_told_which_years_lack_40_hours_of_off_job_training(world, person):
    person.hour_category = HourCategory.SECRETARY
    entry(person, datetime.date(2024, 5, 1), "40", source=HourSource.OFF_JOB)
    entry(person, datetime.date(2025, 5, 1), "40", source=HourSource.RECOGNISED)

    report = transcript(person, today=datetime.date(2025, 12, 1))

    assert report.required == Decimal("280")
    assert report.off_job_short_years == [2025]


def test_the_school_corrects_the_requirement_and_it_stands(world, person):
    learner_hour_profile_update(
        learner=person,
        by=world.users["staff_a"],
        category=HourCategory.SECRETARY,
        exempt=True,
        reason="年老体弱",
    )
    person.refresh_from_db()
    assert (person.hour_category, person.hour_exempt, person.hour_category_corrected) == (
        HourCategory.SECRETARY,
        True,
        True,
    )

    from learners.services.hours import learners_categorised

    learners_categorised([(person, "教师", PartyStatus.ACTIVIST)])
    person.refresh_from_db()
    assert person.hour_category == HourCategory.SECRETARY  # the school's word stands

    with pytest.raises(PermissionRefused):
        learner_hour_profile_update(
            learner=person, by=world.users["staff_b"], category=HourCategory.NONE, exempt=False
        )


def test_placement_derives_the_requirement_from_the_roster(world):
    from enrollment.services import receipt_approve
    from learners.services import cohort_place_line
    from tests.factories import CohortFactory
    from tests.receipts import submitted_receipt

    receipt = receipt_approve(
        receipt=submitted_receipt(
            world.school_a, world.users["staff_a"], people=2, serial_base=700
        ),
        by=world.users["coord_ug"],
    )
    receipt.roster.filter(row_number=2).update(post="教工党支部书记")
    line = receipt.lines.get()
    cohort_place_line(
        cohort=CohortFactory(program=line.program), line=line, by=world.users["coord_ug"]
    )

    categories = dict(
        Learner.objects.filter(id_hash__in=receipt.roster.values("id_hash")).values_list(
            "id_hash", "hour_category"
        )
    )
    by_row = {e.row_number: categories[e.id_hash] for e in receipt.roster.all()}
    assert by_row[2] == HourCategory.SECRETARY
    assert set(by_row.values()) <= {HourCategory.SECRETARY, HourCategory.MEMBER, HourCategory.NONE}


# ---- pages ----


def test_the_learner_reads_and_downloads_her_transcript(world, person, client_for):
    entry(person, timezone.localdate() - datetime.timedelta(days=3), "12", "8")
    client = client_for(world.users["learner_a"])

    response = client.get("/study/hours/")
    page = response.content.decode()
    assert "学时档案" in page
    assert "网络专题培训" in page
    assert "/ 160" in page
    chart = json.loads(
        page.split('<script id="transcript-chart" type="application/json">')[1].split("</script>")[
            0
        ]
    )  # the chart's data, drawn by ECharts
    assert chart["required"] == 160
    assert chart["cumulative"][-1] == 12
    assert "js/transcript_chart.js" in page

    download = client.get("/study/hours/transcript.xlsx")
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(
        ContentFile(b"".join(download.streaming_content)), read_only=True
    )
    rows = list(workbook.worksheets[0].values)
    assert rows[1][1] == "网络专题培训"
    assert rows[1][4] == 12


def test_only_a_person_has_a_transcript(world, client_for):
    # learner_a has no person record here; staff and coordinators never have one
    for role in ("learner_a", "staff_a", "coord_ug"):
        assert client_for(world.users[role]).get("/study/hours/").status_code == 404


def test_the_transcript_costs_the_same_queries_for_1_or_40_entries(
    world, person, client_for, django_assert_max_num_queries
):
    client = client_for(world.users["learner_a"])
    entry(person, timezone.localdate(), "1")
    with django_assert_max_num_queries(10) as few:
        client.get("/study/hours/")
    for n in range(39):
        entry(person, timezone.localdate() - datetime.timedelta(days=n), "1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/study/hours/").status_code == 200


# ---- the transcript as a PDF ----


def pdf_of(client, tmp_path):
    from tests.conftest import require_tool

    response = client.get("/study/hours/transcript.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "transcript.pdf"
    path.write_bytes(response.content)
    import subprocess

    text = subprocess.run(
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(
        [require_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    return text, fonts


def test_the_transcript_pdf_gives_back_her_name_program_and_totals_in_an_embedded_cjk_font(
    world, person, client_for, tmp_path
):
    person.name = "𠮷䶮"  # rare characters (CJK Extension B and A) render as themselves
    person.save(update_fields=["name"])
    entry(person, timezone.localdate(), "12", "8")

    text, fonts = pdf_of(client_for(world.users["learner_a"]), tmp_path)

    assert "学时档案" in text
    assert "𠮷䶮" in text
    assert "网络专题培训" in text
    assert "12.0" in text
    assert person.id_masked in text
    assert ID_NUMBER not in text
    assert "CJK" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


def test_text_in_a_transcript_makes_the_renderer_fetch_nothing(world, person, tmp_path):
    from portal.pdf import ProjectFilesFetcher, render_pdf

    hostile = HourEntry.objects.create(
        learner=person,
        source=HourSource.RECOGNISED,
        title='<img src="file:///etc/passwd"><link rel=stylesheet href="http://127.0.0.1:9/x.css">',
        platform="https://evil.example/",
        completed_on=timezone.localdate(),
        hours=Decimal("1"),
    )
    fetcher = ProjectFilesFetcher()
    from learners.views.hours import year_bars

    report = transcript(person)
    render_pdf(
        "learners/transcript_pdf.html",
        {"report": report, "bars": year_bars(report), "today": timezone.localdate()},
        fetcher=fetcher,
    )

    assert hostile.pk
    assert fetcher.refused == []  # escaped text is text: nothing was even asked for


def test_the_fetcher_refuses_anything_but_the_projects_own_files():
    from portal.pdf import ProjectFilesFetcher

    fetcher = ProjectFilesFetcher()
    assert fetcher.fetch("portal-static:/img/favicon.svg").status == 200
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "portal-static:/../../etc/passwd",
        "data:text/plain,x",
    ):
        with pytest.raises(ValueError, match="."):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4
