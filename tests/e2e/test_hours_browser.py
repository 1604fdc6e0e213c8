"""The hour ledger in a real browser (Debian's Chromium, driven by Playwright), as issue 8's "done
when" puts it: an academy coordinator downloads the template and imports recognised hours (twice:
counted once); a school sees its people by standing, the chart and who is behind, and reminds
them; the reminded learner finds the reminder on her study page, opens her transcript (totals per
year and for the plan period against her requirement, drawn as a chart) and downloads it as PDF
and .xlsx; a province sees its schools only. Every page is checked for console errors and CSP
violations (``Journey``), and a screenshot of every step is saved (under $E2E_SCREENSHOTS, or the
test's tmp_path).
"""

import datetime
import re
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.utils import timezone

from tests.e2e.test_study_journey import journey  # noqa: F401 - the browser fixture
from tests.factories import (
    AcademyCoordinatorFactory,
    InstitutionFactory,
    LearnerFactory,
    ProvincialCoordinatorFactory,
    StaffFactory,
)

PLATFORM = "全国党员干部现代远程教育平台"
IMPORTED_TITLE = "学习贯彻党的二十届四中全会精神网络专题班"


def id_number(serial: int) -> str:
    from portal import pii

    first17 = f"11010819850{serial % 9 + 1}1{serial % 10}{serial % 1000:03d}"
    return first17 + pii.check_digit(first17)


def person(school, serial: int, name: str, category: str, hours=(), **fields):
    """A person record of ``school`` (the roster makes it; written directly here) with recognised
    entries of (date, hours, theory), her plan-period total refreshed as the services do."""
    from learners.models import HourEntry, HourSource, Learner
    from learners.services.hours import hour_totals_refresh
    from portal import pii

    number = id_number(serial)
    user = fields.pop("user", None) or LearnerFactory(institution=school, full_name=name)
    record = Learner.objects.create(
        user=user,
        name=name,
        id_encrypted=pii.encrypt(number),
        id_hash=pii.keyed_hash(number),
        id_masked=pii.mask_id_number(number),
        issued_by=school,
        hour_category=category,
        **fields,
    )
    for on, total, theory in hours:
        HourEntry.objects.create(
            learner=record,
            source=HourSource.RECOGNISED,
            title="党员教育网络专题培训",
            platform="中国教育干部网络学院",
            completed_on=on,
            hours=Decimal(total),
            theory_hours=Decimal(theory),
        )
    hour_totals_refresh([record.pk])
    return record


def pdf_text(path: Path) -> str:
    from tests.conftest import require_tool

    return subprocess.run(
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_hour_ledger_imported_seen_reminded_and_downloaded(
    journey,  # noqa: F811
    transactional_db,
    tmp_path,
):
    started = time.monotonic()
    from enrollment.models import Province
    from enrollment.services import provinces_load
    from learners.hour_selectors import plan_period
    from learners.models import HourCategory, HourEntry, HourReminder, HourSource
    from learners.services.hours import HOUR_IMPORT_HEADERS, hour_entry_off_job_add

    provinces_load()
    today = timezone.localdate()
    start, _end = plan_period()
    first, second = datetime.date(start, 5, 20), datetime.date(start + 1, 11, 8)
    school = InstitutionFactory(name="北京学时测试大学")
    neighbour = InstitutionFactory(name="北京学时测试学院")
    elsewhere = InstitutionFactory(
        name="上海学时测试大学", province=Province.objects.get(code="31")
    )
    staff = StaffFactory(username="school-hours", full_name="组织部王老师", institution=school)
    coordinator = AcademyCoordinatorFactory(username="academy-hours", full_name="学院老师")
    province = ProvincialCoordinatorFactory(username="beijing-hours", full_name="北京市教工委")

    # Her school's people, one in each standing (the hours of a year begun are due by now).
    wang = person(
        school,
        1,
        "王芳",
        HourCategory.MEMBER,
        hours=[(first, "12", "8"), (second, "16", "10")],
        user=LearnerFactory(username="wangfang", full_name="王芳", institution=school),
    )
    person(
        school, 2, "李明", HourCategory.MEMBER, hours=[(first, "90", "50"), (second, "80", "45")]
    )
    zhao = person(school, 3, "赵强", HourCategory.SECRETARY, hours=[(first, "130", "70")])
    hour_entry_off_job_add(  # a secretary's off-job training, entered by her school
        learner=zhao,
        by=staff,
        title="全省高校党支部书记示范培训班",
        organiser="中共北京市委教育工作委员会",
        completed_on=second,
        hours=Decimal("120"),
        theory_hours=Decimal("60"),
    )
    zhou = person(school, 4, "周丽", HourCategory.SECRETARY, hours=[(second, "60", "30")])
    person(
        school, 5, "孙老师", HourCategory.MEMBER, hour_exempt=True, hour_exempt_reason="年老体弱"
    )
    chen = person(neighbour, 6, "陈刚", HourCategory.MEMBER, hours=[(second, "10", "5")])
    person(elsewhere, 7, "吴敏", HourCategory.MEMBER, hours=[(second, "170", "90")])

    # ---- 1. the academy imports recognised hours from its template, twice ----
    coord = journey.person()
    journey.sign_in(coord, coordinator.username)
    coord.wait_for_url(re.compile(r".*/dashboard/$"))
    journey.go(coord, "/hours/import/")
    with coord.expect_download() as download:
        coord.click("text=下载模板")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == list(HOUR_IMPORT_HEADERS)
    for row, values in enumerate(
        [
            (id_number(1), "王芳", IMPORTED_TITLE, today, 8, 6, PLATFORM),
            (id_number(6), "陈刚", IMPORTED_TITLE, today, 8, 6, PLATFORM),
        ],
        start=2,  # over the template's example row
    ):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    filled = tmp_path / "互认学时.xlsx"
    workbook.save(filled)

    for added, skipped in [(2, 0), (0, 2)]:
        coord.set_input_files("input[name=file]", str(filled))
        coord.click("form button[type=submit] >> text=导入")
        coord.wait_for_url("**/hours/import/")
        coord.wait_for_selector(f"text=已导入 {added} 条学时记录；{skipped} 条此前已导入，已跳过")
        journey.shot(coord, f"import-{added}-added")
    imported = HourEntry.objects.filter(source=HourSource.RECOGNISED, title=IMPORTED_TITLE)
    assert sorted(imported.values_list("learner_id", flat=True)) == sorted([wang.pk, chen.pk])

    # ---- 2. her school sees where its people stand, who is behind, and reminds them ----
    desk = journey.person()
    journey.sign_in(desk, staff.username)
    desk.click("nav >> text=学时统计")
    desk.wait_for_url("**/hours/")
    desk.wait_for_selector("[data-chart='standings'] canvas")
    figures = {
        standing: desk.inner_text(f"[data-standing={standing}]").strip()
        for standing in ["met", "on_track", "behind", "exempt", "none"]
    }
    assert figures == {"met": "1", "on_track": "1", "behind": "2", "exempt": "1", "none": "0"}
    behind = desk.locator(".card:has-text('进度落后人员') tbody tr")
    assert behind.count() == 2
    assert "36.0 / 160" in behind.filter(has_text="王芳").inner_text()
    assert "60.0 / 280" in behind.filter(has_text="周丽").inner_text()
    assert "李明" not in desk.inner_text(".card:has-text('进度落后人员')")
    assert "陈刚" not in desk.content()  # another school's person
    for pk in (wang.pk, zhou.pk):
        desk.check(f"input[name=learner][value='{pk}']")
    journey.shot(desk, "school-dashboard")
    desk.click("text=提醒所选人员")
    desk.wait_for_url("**/hours/")
    desk.wait_for_selector("text=已提醒 2 人")
    journey.shot(desk, "school-reminded")
    assert set(HourReminder.objects.values_list("learner_id", flat=True)) == {wang.pk, zhou.pk}

    # ---- 3. the reminded learner opens her transcript and downloads it ----
    me = journey.person()
    journey.sign_in(me, "wangfang")
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    reminder = me.inner_text(".alert-warning[role=status]")
    assert "北京学时测试大学于" in reminder
    assert "学时进度落后" in reminder
    journey.shot(me, "learner-reminded")
    me.click("a.btn >> text=学时档案")
    me.wait_for_url("**/study/hours/")
    assert me.title() == "学时档案 · 高校党建网络培训报名平台", me.title()
    me.wait_for_selector("[data-chart='transcript'] canvas")
    period = me.locator(".card-body", has_text="年累计").first
    assert f"{start}—{start + 4} 年累计" in period.inner_text()
    assert re.search(r"36\.0\s*/ 160", period.inner_text()), period.inner_text()
    years = me.inner_text(".card:has-text('各年度学时')")
    assert all(str(year) in years for year in range(start, today.year + 1))
    assert "12.0 学时（理论 8.0）" in years
    assert "16.0 学时（理论 10.0）" in years
    assert "8.0 学时（理论 6.0）" in years  # the imported year's
    assert "进度落后" in me.content()
    assert IMPORTED_TITLE in me.inner_text("table")
    journey.shot(me, "learner-transcript")

    with me.expect_download() as download:
        me.click("text=下载 PDF")
    pdf = tmp_path / "transcript.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "王芳" in text
    assert IMPORTED_TITLE in text
    assert "36.0" in text

    with me.expect_download() as download:
        me.click("text=导出 Excel")
    sheet_path = tmp_path / "transcript.xlsx"
    download.value.save_as(sheet_path)
    entries = openpyxl.load_workbook(sheet_path, read_only=True).worksheets[0]
    rows = [list(row) for row in entries.iter_rows(min_row=2, values_only=True)]
    assert [IMPORTED_TITLE, PLATFORM, 8.0, 6.0] in [[r[1], r[3], r[4], r[5]] for r in rows]
    assert len(rows) == 3

    # ---- 4. the province sees its schools, and only them ----
    board = journey.person()
    journey.sign_in(board, province.username)
    board.click("nav >> text=学时统计")
    board.wait_for_url("**/hours/")
    board.wait_for_selector("[data-chart='schools'] canvas")
    schools = board.locator(".card:has-text('各参训单位') tbody tr")
    names = [schools.nth(n).locator("td").first.inner_text() for n in range(schools.count())]
    assert sorted(names) == sorted([school.name, neighbour.name])
    ours = schools.filter(has_text=school.name).locator("td")
    assert [ours.nth(n).inner_text() for n in range(1, 7)] == ["5", "1", "1", "2", "1", "0"]
    assert "上海学时测试大学" not in board.content()
    assert "吴敏" not in board.content()
    journey.shot(board, "province-dashboard")

    assert not journey.errors, journey.errors
    print(f"\nhour ledger journey took {time.monotonic() - started:.1f} s")
