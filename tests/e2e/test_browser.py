"""In a real browser (Debian's Chromium, driven by Playwright): what a person sees."""

import os
import shutil

import pytest

from tests.factories import PASSWORD, StaffFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def page(live_server):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail("browser tests need Debian's chromium (scripts/system-packages test)")
        pytest.skip("chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.console_messages_seen = []
        page.on("console", lambda message: page.console_messages_seen.append(message.text))
        page.base = live_server.url
        yield page
        browser.close()


def test_a_school_contact_signs_in_and_finds_her_school_with_no_csp_violation(
    page, transactional_db
):
    # given a school contact, in a browser set to English
    from enrollment.services import provinces_load

    provinces_load()
    staff = StaffFactory(username="school-contact", institution__name="北京浏览器测试大学")

    # when she opens the portal and signs in
    page.goto(page.base + "/")
    assert "2026年高校基层党组织书记和教职工党员网络培训" in page.content()  # Chinese by default
    page.click("text=登录报名")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> text=登录")

    # then she is on her dashboard, sees her school, and the page broke no policy
    page.wait_for_url("**/dashboard/")
    assert "北京浏览器测试大学" in page.content()
    assert not [m for m in page.console_messages_seen if "Content Security Policy" in m]


def test_the_language_can_be_switched_to_english(page, transactional_db):
    from courses.services import catalog_load

    catalog_load()
    page.goto(page.base + "/catalog/")

    page.click("button[name=language][value=en]")

    page.wait_for_load_state()
    assert "How to enroll" in page.content()


def test_a_coordinators_pages_and_the_admin_break_no_content_security_policy(
    page, transactional_db
):
    from courses.models import Program
    from courses.services import catalog_load
    from enrollment.services import provinces_load
    from tests.factories import AcademyCoordinatorFactory, InstitutionFactory

    provinces_load()
    catalog_load()
    school = InstitutionFactory()
    coordinator = AcademyCoordinatorFactory(username="coordinator")
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", coordinator.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> text=登录")
    page.wait_for_url("**/dashboard/")

    for path in [
        "/",
        "/catalog/",
        "/catalog/development-workflow-simulation/",
        "/dashboard/",
        f"/institutions/{school.pk}/",
        "/admin/",
        "/admin/courses/program/",
        f"/admin/courses/program/{Program.objects.get(code='activists').pk}/change/",
        "/admin/courses/cohort/add/",
        "/admin/enrollment/institution/",
        "/api/v1/programs/",
    ]:
        page.console_messages_seen.clear()
        response = page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        violations = [m for m in page.console_messages_seen if "Content Security Policy" in m]
        assert not violations, (path, violations)


def test_a_school_uploads_a_roster_fixes_its_errors_and_submits(page, transactional_db, tmp_path):
    from courses.services import catalog_load
    from enrollment.services import provinces_load
    from tests.enrollment.roster_files import line, person, xlsx_bytes
    from tests.factories import StaffFactory
    from tests.receipts import draft_receipt

    provinces_load()
    catalog_load()
    staff = StaffFactory(username="uploader")
    receipt = draft_receipt(staff.institution, staff, people=2, fill_roster=False)
    program = receipt.lines.get().program.name
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(
        xlsx_bytes(
            [line(person(1, program=program)), line(person(2, program=program, mobile="123"))]
        )
    )
    good = tmp_path / "名单-修改后.xlsx"
    good.write_bytes(
        xlsx_bytes([line(person(1, program=program)), line(person(2, program=program))])
    )
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> text=登录")
    page.wait_for_url("**/dashboard/")

    # an upload with a mistake is refused, saying where
    page.goto(page.base + f"/receipts/{receipt.pk}/")
    page.set_input_files("input[name=file]", str(bad))
    page.check("input[name=consent]")
    page.click("text=上传名单")
    page.wait_for_load_state()
    assert "第3行「手机号码」应为 11 位手机号码" in page.content()

    # the corrected file goes in, and the receipt is submitted
    page.set_input_files("input[name=file]", str(good))
    page.check("input[name=consent]")
    page.click("text=上传名单")
    page.wait_for_load_state()
    assert "名单已导入，共 2 人" in page.content()
    page.click("text=提交回执")
    page.wait_for_load_state()
    assert "已提交" in page.content()
    assert not [m for m in page.console_messages_seen if "Content Security Policy" in m]
