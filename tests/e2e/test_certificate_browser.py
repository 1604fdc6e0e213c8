"""Issue 9's "done when" in a real browser (Debian's Chromium, driven by Playwright).

A learner has watched every lesson and had her essay passed; her last requirement is one post in
the cohort's discussion. She posts it, her place completes, and the certificate task sent after
commit (run in-process here, as Celery's eager mode) issues and renders her certificate. She
downloads it from 我的学习: a signed PDF with her name, the program and embedded fonts, whose QR
code (decoded from the rendered page) opens the public verification page, signed out: valid, her
name masked, no ID number. An academy coordinator finds the certificate under 学时证明 and
revokes it with a reason; the verification page then says revoked, with the reason, and so does
the page where anyone uploads the PDF itself. Every page is checked for console errors and CSP
violations (``Journey``), and a screenshot of every step is saved (under $E2E_SCREENSHOTS, or the
test's tmp_path).
"""

import datetime
import re
import subprocess
import time
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from tests.e2e.test_study_journey import journey  # noqa: F401 - the browser fixture
from tests.factories import (
    AcademyCoordinatorFactory,
    InstitutionFactory,
    LearnerFactory,
    LessonFactory,
)

NAME = "张晓明"
MASKED = "张*明"
POST = "我们支部坚持每月固定主题党日，会前征求党员意见，会后跟踪落实，效果很好。"
REASON = "学时记录有误，经核实予以撤销"
READY_WAIT_SECONDS = 30


def poppler(tool: str, path: Path, *args: str) -> str:
    from tests.conftest import require_tool

    return subprocess.run(
        [require_tool(tool), *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def qr_links(pdf: Path, tmp_path: Path) -> list[str]:
    """What the QR codes on the PDF's first page say, read from the page as a reader draws it."""
    import zxingcpp
    from PIL import Image

    from tests.conftest import require_tool

    subprocess.run(
        [require_tool("pdftoppm"), "-r", "150", "-png", "-singlefile", "-f", "1", str(pdf)]
        + [str(tmp_path / "page")],
        check=True,
    )
    with Image.open(tmp_path / "page.png") as page:
        return [code.text for code in zxingcpp.read_barcodes(page.convert("L"))]


def test_a_learner_completes_downloads_a_signed_certificate_that_is_verified_then_revoked(
    journey,  # noqa: F811
    live_server,
    transactional_db,
    settings,
    tmp_path,
):
    started = time.monotonic()
    from certificates.models import Certificate, CertificateStatus
    from certificates.selectors import certificate_verification_path
    from courses.models import Cohort, DiscussionTopic, Program
    from courses.services import catalog_load
    from enrollment.services import provinces_load
    from learners.models import EnrollmentStatus
    from portal.signing import read_pdf_metadata, verify_pdf
    from tests.certificates.places import ID_NUMBER, pass_essay, person_of, watch_all
    from tests.factories import EnrollmentFactory

    provinces_load()
    catalog_load()
    # The QR code prints the portal's public address: here, the live server the browser opens.
    settings.PORTAL_BASE_URL = live_server.url
    today = timezone.localdate()
    program = Program.objects.get(code="party-affairs-staff")
    program.require_all_lessons = True
    program.require_essay = True
    program.min_posts = 1
    program.require_exam = False
    program.require_simulation = False
    program.min_live_sessions = 0
    program.activity_hours = Decimal("2.0")
    program.activity_hours_theory = True
    program.save()
    LessonFactory(program=program, title="习近平新时代中国特色社会主义思想概论", is_theory=True)
    LessonFactory(
        program=program, title="高校基层党组织工作实务", hours=Decimal("0.5"), is_theory=False
    )
    cohort = Cohort.objects.create(
        program=program,
        name="2026年证书测试期",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=20),
        capacity=30,
    )
    topic = DiscussionTopic.objects.create(
        cohort=cohort, title="如何把“三会一课”开出实效", prompt="结合本支部实际谈谈做法。"
    )
    school = InstitutionFactory(name="北京证书测试大学")
    coordinator = AcademyCoordinatorFactory(username="academy-certs", full_name="学院老师")
    learner = LearnerFactory(username="zhangxm", full_name=NAME, institution=school)
    person_of(learner, school, NAME)  # her person record: the name and ID number a PDF shows
    enrollment = EnrollmentFactory(cohort=cohort, learner=learner)
    watch_all(enrollment)
    pass_essay(enrollment)

    # ---- 1. her last requirement, one post, in the browser: the place completes ----
    me = journey.person()
    journey.sign_in(me, learner.username)
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    card = me.locator(".card", has_text=program.name)
    assert "还需完成" in card.inner_text()
    assert "主题研讨" in card.inner_text()
    assert me.locator("[data-certificate-download]").count() == 0
    journey.shot(me, "learner-one-post-left")
    card.locator("text=继续学习").click()
    me.wait_for_url(f"**/study/{enrollment.pk}/")
    me.click(".part-card:has-text('主题研讨') a")
    me.click(f"text={topic.title}")
    me.fill("#new-post", POST)
    me.click("form button[type=submit] >> text=发表")
    me.wait_for_selector("text=已发表。")
    journey.shot(me, "learner-posted")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED

    # ---- 2. 我的学习: the download button once the PDF is ready; the PDF itself ----
    me.click("nav >> text=我的学习")
    me.wait_for_url("**/study/")
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while me.locator("[data-certificate-download]").count() == 0:
        assert me.locator("[data-certificate-state=preparing]").count() == 1, me.content()
        assert "学时证明生成中" in me.inner_text("[data-certificate-state=preparing]")
        assert time.monotonic() < deadline, "the certificate was never ready"
        time.sleep(1)
        me.reload()
    certificate = Certificate.objects.get(enrollment=enrollment)
    card = me.locator(".card", has_text=program.name)
    assert "已结业" in card.inner_text()
    assert f"证书编号 {certificate.serial}" in card.inner_text()
    journey.shot(me, "learner-certificate-ready")
    with me.expect_download() as download:
        me.click("[data-certificate-download]")
    assert download.value.suggested_filename == f"{certificate.serial}.pdf"
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    text = poppler("pdftotext", pdf)
    assert NAME in text
    assert program.name in text
    assert certificate.serial in text
    assert ID_NUMBER not in text  # masked on the PDF unless a province asks for it whole
    fonts = poppler("pdffonts", pdf).splitlines()[2:]
    assert fonts, "the PDF has no fonts"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    check = verify_pdf(data)
    assert (check.signed, check.intact, check.trusted) == (True, True, True), check.reason

    # ---- 3. the QR code's link opens the verification page, signed out: valid, masked ----
    token = read_pdf_metadata(data)["CertificateToken"]
    assert token == certificate.token
    link = live_server.url + certificate_verification_path(token)
    assert qr_links(pdf, tmp_path) == [link]
    anyone = journey.person()
    journey.go(anyone, link.removeprefix(live_server.url))
    result = anyone.inner_text("[data-verify-result]")
    assert "该学时证明真实有效。" in result
    assert MASKED in result
    assert certificate.serial in result
    assert program.name in result
    page = anyone.content()
    assert NAME not in page
    assert ID_NUMBER not in page
    assert learner.username not in page
    journey.shot(anyone, "verify-valid")

    # ---- 4. the academy finds the certificate under 学时证明 and revokes it ----
    coord = journey.person()
    journey.sign_in(coord, coordinator.username)
    coord.click("nav >> text=学时证明")
    coord.wait_for_url("**/certificates/")
    coord.fill("#filter-q", NAME)
    coord.click("form button[type=submit] >> text=筛选")
    coord.wait_for_url(re.compile(r".*/certificates/\?.*q="))
    rows = coord.locator("tbody tr", has_text=NAME)
    assert rows.count() == 1
    assert "有效" in rows.inner_text()
    journey.shot(coord, "coordinator-list")
    rows.locator(f"text={certificate.serial}").click()
    coord.wait_for_url(f"**/certificates/{certificate.pk}/")
    coord.fill("#id_reason", REASON)
    journey.shot(coord, "coordinator-revoking")
    coord.click("form button[type=submit] >> text=撤销证书")
    coord.wait_for_selector("text=已撤销该学时证明。")
    assert REASON in coord.content()
    journey.shot(coord, "coordinator-revoked")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_reason == REASON

    # ---- 5. the verification page now says revoked, with the reason; so does her study page ----
    anyone.reload()
    result = anyone.inner_text("[data-verify-result]")
    assert "该学时证明已被撤销。" in result
    assert REASON in result
    assert "真实有效" not in result
    journey.shot(anyone, "verify-revoked")
    me.reload()
    assert me.locator("[data-certificate-download]").count() == 0
    assert me.locator("[data-certificate-state=revoked]").count() == 1
    journey.shot(me, "learner-revoked")

    # ---- 6. anyone uploads the PDF: genuine and unaltered, but revoked ----
    journey.go(anyone, "/verify/")
    anyone.set_input_files("#id_pdf", str(pdf))
    anyone.click("form button[type=submit] >> text=核验文件")
    anyone.wait_for_selector("[data-upload-result]")
    upload = anyone.inner_text("[data-upload-result]")
    assert "签名有效，内容未被改动" in upload
    assert f"但证书 {certificate.serial} 已被撤销" in upload
    assert REASON in upload
    journey.shot(anyone, "verify-upload")

    assert not journey.errors, journey.errors
    print(f"\ncertificate journey took {time.monotonic() - started:.1f} s")
