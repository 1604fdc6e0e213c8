"""The whole mission in a real browser (Debian's Chromium, driven by Playwright), as its people
live it, through the pages only.

A vocational school's staff fills in a receipt, downloads the roster template, fills it (with
openpyxl) with two people, one of whose resident ID numbers is wrong: the upload is refused naming
the row and the column; the corrected file goes in, she submits, and the page shows the estimated
fee. The academy coordinator of the vocational desk approves it, creates a cohort on the portal,
places the receipt's people into it and opens a discussion topic. The school downloads its payment
notice (``pdftotext`` gives back the amount) and its learners' logins. A learner signs in with the
initial password from that file, sets her own, watches the lesson, posts, writes her essay (which
the coordinator passes), passes the exam and downloads her certificate; the QR code's link opens
the public verification page: valid. The coordinator records the school's payment and the receipt
shows it paid. Every page is checked for console errors and CSP violations (``Journey``), and a
screenshot of every step is saved under $E2E_SCREENSHOTS/mission-journey/ (or the test's
tmp_path).

Only the world the mission starts from is made through services: the catalog, the provinces, the
school's staff account, the coordinator, and a short program (one real video lesson of a few
seconds, one post, an essay, a two-question exam).
"""

import datetime
import io
import os
import re
import time
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from tests.e2e.test_certificate_browser import poppler, qr_links
from tests.e2e.test_study_journey import (
    ESSAY_BODY,
    QUESTIONS,
    Journey,
    journey,  # noqa: F401 - the browser fixture
    play,
)
from tests.factories import AcademyCoordinatorFactory, InstitutionFactory, StaffFactory
from tests.media import real_video
from tests.receipts import RECEIPT_DATA, id_number

SCHOOL = "江苏旅程职业技术学院"
HER = "李晓红"
COLLEAGUE = "王建军"
NEW_PASSWORD = "Mission-Journey-2026-pw"
VIDEO_SECONDS = 4
FEE = "400.00"  # 2 people × 200 元 on 高校基层党务工作者培训
POST = "我们支部坚持每月固定主题党日，会前征求党员意见，会后跟踪落实。"
TOPIC = "如何把“三会一课”开出实效"
BUDGET_SECONDS = 90


def screenshots_folder(tmp_path: Path) -> Path:
    base = os.environ.get("E2E_SCREENSHOTS")
    folder = (Path(base) if base else tmp_path) / "mission-journey"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nmission screenshots: {folder}")
    return folder


def roster_rows(template: Path, people: list[dict[str, str]]) -> bytes:
    """The downloaded template filled in as a school does: the example row replaced by its
    people, typed into the template's own (text-formatted) columns."""
    from openpyxl import load_workbook

    workbook = load_workbook(template)
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2, sheet.max_row)
    for number, values in enumerate(people, start=2):
        for column, header in enumerate(headers, start=1):
            cell = sheet.cell(number, column, values[header])
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(name: str, serial: int, program: str, **overrides: str) -> dict[str, str]:
    return {
        "姓名": name,
        "性别": "女" if serial % 2 else "男",
        "身份证号": id_number(serial, area="320102"),
        "手机号码": f"139{serial:08d}",
        "所在部门": "党委组织部",
        "岗位/人员类别": "党务工作者",
        "政治面貌": "正式党员",
        "培训班次": program,
        **overrides,
    }


def download(page, click: str, folder: Path) -> Path:
    with page.expect_download() as started:
        page.click(click)
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def upload_roster(browser: Journey, page, path: Path, *, status: int) -> None:
    """Upload a roster file; a refused file comes back as the receipt's page with status 400,
    which Chromium reports on the console: that one expected line is taken off the errors."""
    page.set_input_files("#roster input[name=file]", str(path))
    page.check("#roster input[name=consent]")
    with page.expect_navigation() as navigation:
        page.click("#roster button[type=submit] >> text=上传名单")
    assert navigation.value.status == status, page.inner_text("#roster")
    page.wait_for_load_state()
    if status == 400:
        expected = (
            f"{navigation.value.url}: error Failed to load resource: "
            "the server responded with a status of 400 (Bad Request)"
        )
        assert expected in browser.errors, browser.errors
        browser.errors.remove(expected)


def test_a_school_enrolls_its_people_who_study_and_are_certified_and_the_school_pays(
    journey: Journey,  # noqa: F811
    live_server,
    transactional_db,
    settings,
    tmp_path,
):
    started = time.monotonic()
    journey.shots = screenshots_folder(tmp_path)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from certificates.models import Certificate
    from courses.models import Lesson, Program
    from courses.services import catalog_load, lesson_save
    from enrollment.models import InstitutionType, Province, Receipt, ReceiptStatus
    from enrollment.services import provinces_load
    from learners.models import EnrollmentStatus
    from portal.models import Desk
    from tests.factories import QuestionFactory

    provinces_load()
    catalog_load()
    settings.PORTAL_BASE_URL = live_server.url  # the QR code's address: the server opened here
    today = timezone.localdate()
    files = tmp_path / "files"
    files.mkdir()

    # ---- the world the mission starts from ----
    program = Program.objects.get(code="party-affairs-staff")
    program.require_all_lessons = True
    program.min_posts = 1
    program.require_essay = True
    program.essay_min_chars = 50
    program.require_exam = True
    program.exam_question_count = len(QUESTIONS)
    program.exam_pass_score = 60
    program.exam_max_attempts = 2
    program.min_live_sessions = 0
    program.require_simulation = False
    program.activity_hours = Decimal("2.0")
    program.save()
    lesson = lesson_save(
        lesson=Lesson(
            program=program,
            title="第一讲 党支部“三会一课”规范",
            speaker="王老师",
            video=SimpleUploadedFile("lesson.webm", real_video(VIDEO_SECONDS), "video/webm"),
        ),
        by=None,
    )
    assert lesson.duration_seconds == VIDEO_SECONDS
    for text, choices, right in QUESTIONS:
        QuestionFactory(
            program=program,
            text=text,
            choices=[(choice, n == right) for n, choice in enumerate(choices)],
        )
    school = InstitutionFactory(
        name=SCHOOL,
        type=InstitutionType.VOCATIONAL,
        province=Province.objects.get(code="32"),
    )
    staff = StaffFactory(username="school-liaison", full_name="吴敏", institution=school)
    coordinator = AcademyCoordinatorFactory(
        username="vocational-desk", full_name="学院老师", desk=Desk.VOCATIONAL
    )

    # ---- 1. the school fills in a receipt, uploads its roster, fixes it and submits ----
    school_page = journey.person()
    journey.sign_in(school_page, staff.username)
    school_page.wait_for_url("**/dashboard/")
    school_page.click("nav >> text=参训回执")
    school_page.click("text=填写参训回执")
    school_page.wait_for_url("**/receipts/new/")
    for field in (
        "department",
        "trainee_categories",
        "leader_name",
        "leader_title",
        "leader_mobile",
        "liaison_name",
        "liaison_phone",
        "liaison_mobile",
        "liaison_email",
        "postcode",
        "postal_address",
        "taxpayer_id",
    ):
        school_page.fill(f"#id_{field}", str(RECEIPT_DATA[field]))
    school_page.fill("#id_preferred_start_date", today.isoformat())
    school_page.fill("#id_study_length_days", "30")
    assert school_page.input_value("#id_invoice_title") == SCHOOL
    assert school_page.input_value("#id_filled_on") == today.isoformat()  # today, in a date box
    school_page.fill(f"#id_program_{program.pk}", "2")
    school_page.wait_for_function(
        "() => document.getElementById('fee-estimate').dataset.estimateTotal === '400.00'"
    )
    journey.shot(school_page, "school-receipt-form")
    school_page.click("form button[type=submit] >> text=保存草稿")
    school_page.wait_for_url(re.compile(r".*/receipts/\d+/$"))
    assert "回执草稿已保存。请上传名单后提交。" in school_page.content()
    receipt = Receipt.objects.get(institution=school)
    receipt_path = f"/receipts/{receipt.pk}/"

    template = download(school_page, "#roster >> text=下载名单模板", files)
    assert template.suffix == ".xlsx"
    her_id = id_number(7, area="320102")
    wrong_id = her_id[:-1] + ("1" if her_id[-1] != "1" else "2")  # a wrong check digit
    bad = files / "名单.xlsx"
    bad.write_bytes(
        roster_rows(
            template,
            [
                person(COLLEAGUE, 8, program.name),
                person(HER, 7, program.name, **{"身份证号": wrong_id}),
            ],
        )
    )
    upload_roster(journey, school_page, bad, status=400)
    errors = school_page.locator("#roster .roster-errors li").all_inner_texts()
    assert errors == ["第3行「身份证号」校验位错误"], errors
    assert wrong_id not in school_page.content()  # never shown back in the clear
    assert receipt.roster.count() == 0
    journey.shot(school_page, "school-roster-refused")
    good = files / "名单-修改后.xlsx"
    good.write_bytes(
        roster_rows(template, [person(COLLEAGUE, 8, program.name), person(HER, 7, program.name)])
    )
    upload_roster(journey, school_page, good, status=200)
    school_page.wait_for_selector("text=名单已导入，共 2 人。")
    assert her_id not in school_page.content()
    journey.shot(school_page, "school-roster-imported")
    school_page.click("form button[type=submit] >> text=提交回执")
    school_page.wait_for_selector("text=回执状态已更新为「已提交」")
    estimate = school_page.inner_text("#quote")
    assert "预计费用" in estimate
    assert f"{FEE} 元" in estimate, estimate
    journey.shot(school_page, "school-submitted-estimate")

    # ---- 2. the vocational desk approves it, creates a cohort, places the school's people ----
    coord = journey.person()
    journey.sign_in(coord, coordinator.username)
    coord.click("nav >> text=参训回执")
    coord.wait_for_url("**/receipts/")
    coord.click(f"a[href='{receipt_path}']")
    coord.wait_for_url(f"**{receipt_path}")
    coord.click("form button[type=submit]:text-is('通过')")
    coord.wait_for_selector("text=回执状态已更新为「已通过」")
    quote = coord.locator("#quote table[data-quote-version='1']")
    assert quote.locator("[data-quote-total]").get_attribute("data-quote-total") == FEE
    journey.shot(coord, "coordinator-approved")

    coord.click("nav >> text=期次")
    coord.wait_for_url("**/cohorts/")
    coord.click("text=新建期次")
    coord.wait_for_url("**/cohorts/new/")
    coord.select_option("#id_program", str(program.pk))
    coord.fill("#id_name", "2026年职业院校第一期")
    coord.fill("#id_start_date", today.isoformat())
    coord.fill("#id_end_date", (today + datetime.timedelta(days=30)).isoformat())
    coord.fill("#id_capacity", "30")
    coord.click("form button[type=submit] >> text=创建")
    coord.wait_for_url(re.compile(r".*/cohorts/\d+/$"))
    cohort_path = coord.url.removeprefix(live_server.url)
    waiting = coord.locator("tbody tr", has_text=SCHOOL)
    assert f"#{receipt.pk}" in waiting.inner_text()
    journey.shot(coord, "coordinator-cohort-created")
    waiting.locator("button[type=submit] >> text=编入本期").click()
    coord.wait_for_selector(f"text=已将 {SCHOOL} 的 2 人编入本期次。")
    placed = coord.locator("tbody tr", has_text=HER)
    assert placed.count() == 1
    assert her_id not in coord.content()  # masked on the cohort page
    journey.shot(coord, "coordinator-placed")
    coord.click("text=主题研讨")
    coord.wait_for_url(f"**{cohort_path}discussion/")
    coord.fill("#id_title", TOPIC)
    coord.fill("#id_prompt", "结合本支部实际谈谈做法。")
    coord.click("form button[type=submit] >> text=创建")
    coord.wait_for_url(re.compile(r".*/discussion/\d+/$"))
    journey.shot(coord, "coordinator-topic")
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SCHEDULED

    # ---- 3. the school downloads its payment notice and its learners' logins ----
    journey.go(school_page, receipt_path)
    assert school_page.inner_text("#balance [data-balance-state]").strip() == "未付款"
    reference = school_page.inner_text("#invoices strong.font-monospace").strip()
    journey.shot(school_page, "school-scheduled")
    notice = download(school_page, "#invoices >> text=下载缴费通知单", files)
    assert notice.read_bytes().startswith(b"%PDF")
    text = re.sub(r"\s+", "", poppler("pdftotext", notice))
    assert FEE in text
    assert reference in text
    assert SCHOOL in text
    logins = download(school_page, "text=导出学员账号", files)
    sheet = load_workbook(logins).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    ours = {row[headers.index("姓名")]: row for row in rows[1:] if row and row[0]}
    assert set(ours) == {HER, COLLEAGUE}
    username = str(ours[HER][headers.index("登录名")] or "")
    initial_password = str(ours[HER][headers.index("初始密码")] or "")
    assert username
    assert initial_password
    assert ours[HER][headers.index("身份证号")] != her_id  # masked in the hand-over file too

    # ---- 4. she signs in with it, sets her own password and studies the program ----
    me = journey.person()
    journey.sign_in(me, username, initial_password)
    me.wait_for_url("**/accounts/password/**")
    assert "首次登录" in me.content()
    me.fill("#id_new_password1", NEW_PASSWORD)
    me.fill("#id_new_password2", NEW_PASSWORD)
    journey.shot(me, "learner-set-password")
    me.click("form button[type=submit] >> text=保存新密码")
    me.wait_for_url(re.compile(r".*/dashboard/$"))
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    card = me.locator(".card", has_text=program.name)
    assert "还需完成" in card.inner_text()
    card.locator("text=继续学习").click()
    me.wait_for_url(re.compile(r".*/study/\d+/$"))
    study_path = me.url.removeprefix(live_server.url)
    journey.shot(me, "learner-program")

    me.click(".part-card:has-text('视频课程') a")
    me.wait_for_url(f"**{study_path}lessons/")
    me.click(f"text={lesson.title}")
    me.wait_for_url(f"**/lessons/{lesson.pk}/")
    play(me)
    me.wait_for_selector("#lesson-done:not(.d-none)", timeout=20_000)
    journey.shot(me, "learner-lesson-watched")

    journey.go(me, study_path)
    me.click(".part-card:has-text('主题研讨') a")
    me.click(f"text={TOPIC}")
    me.fill("#new-post", POST)
    me.click("form button[type=submit] >> text=发表")
    me.wait_for_selector("text=已发表。")
    journey.shot(me, "learner-posted")

    journey.go(me, study_path)
    me.click(".part-card:has-text('心得') a")
    me.wait_for_url(f"**{study_path}essay/")
    me.fill("#id_title", "参加高校基层党务工作者培训的体会")
    me.fill("#id_body", ESSAY_BODY)
    me.click("button[name=action][value=submit]")
    me.wait_for_selector("text=心得已提交，请等待老师批阅。")
    journey.shot(me, "learner-essay-submitted")

    coord.click("nav >> text=心得批阅")
    coord.wait_for_url("**/essays/")
    coord.locator("tr", has_text=HER).locator("text=批阅").click()
    coord.click("button[name=decision][value=pass]")
    coord.wait_for_selector("text=心得已通过。")
    journey.shot(coord, "coordinator-essay-passed")

    journey.go(me, f"{study_path}exam/")
    me.click("form button[type=submit] >> text=开始考试")
    me.wait_for_url(re.compile(r".*/exam/\d+/$"))
    for text, choices, right in QUESTIONS:
        me.locator(".exam-question", has_text=text).locator(
            "label", has_text=choices[right]
        ).click()
    me.click("#exam-form button[type=submit]")
    me.wait_for_url("**/result/")
    assert me.inner_text("#exam-score").strip() == "100"
    journey.shot(me, "learner-exam-passed")

    # her certificate (rendered by the Celery task, eager here) waits on 我的学习
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    card = me.locator(".card", has_text=program.name)
    assert "已结业" in card.inner_text()
    certificate = Certificate.objects.get(enrollment__learner__username=username)
    assert certificate.enrollment.status == EnrollmentStatus.COMPLETED
    assert f"证书编号 {certificate.serial}" in card.inner_text()
    journey.shot(me, "learner-certificate-ready")
    pdf = download(me, "[data-certificate-download]", files)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = poppler("pdftotext", pdf)
    assert HER in text
    assert certificate.serial in text
    assert her_id not in text

    # ---- 5. the QR code's link: the public verification page says valid ----
    links = qr_links(pdf, tmp_path)
    assert links == [f"{live_server.url}/verify/{certificate.token}"], links
    anyone = journey.person()
    journey.go(anyone, links[0].removeprefix(live_server.url))
    result = anyone.inner_text("[data-verify-result]")
    assert "该学时证明真实有效。" in result
    assert certificate.serial in result
    assert HER not in anyone.content()  # her name masked for the public
    journey.shot(anyone, "public-verified")

    # ---- 6. the coordinator records the school's payment; the receipt shows it paid ----
    journey.go(coord, receipt_path)
    coord.click("#balance >> text=登记收付款")
    coord.wait_for_url(f"**/billing/receipts/{receipt.pk}/ledger/add/")
    assert coord.input_value("#id_booked_on") == today.isoformat()
    coord.fill("#id_amount", FEE)
    coord.fill("#id_bank_reference", "20260301-0001")
    coord.fill("#id_note", f"附言 {reference}")
    journey.shot(coord, "coordinator-recording-payment")
    coord.click("form button[type=submit] >> text=登记")
    coord.wait_for_url(f"**{receipt_path}")
    coord.wait_for_selector("text=已登记。")
    assert coord.inner_text("#balance [data-balance-state]").strip() == "已付清"
    journey.shot(coord, "coordinator-paid")
    school_page.reload()
    assert school_page.inner_text("#balance [data-balance-state]").strip() == "已付清"
    assert FEE in school_page.inner_text("#balance").replace(",", "")
    journey.shot(school_page, "school-paid")

    assert not journey.errors, journey.errors
    elapsed = time.monotonic() - started
    print(f"\nmission journey took {elapsed:.1f} s")
    assert elapsed < BUDGET_SECONDS
