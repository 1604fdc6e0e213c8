"""A school's journey through the pages, as a new user would take it, and the same through the API."""

import io

import openpyxl
import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Cohort, Program
from enrollment.models import Receipt, ReceiptStatus
from learners.models import Enrollment
from tests.enrollment.roster_files import valid_id
from tests.receipts import RECEIPT_DATA, receipt_form

pytestmark = pytest.mark.django_db

PROGRAM = "高校基层党务工作者培训"
JSON = "application/json"


def filled_template(template: bytes, rows: list[list]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)  # the example row
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=2 + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, receipt, data: bytes, consent=True):
    file = io.BytesIO(data)
    file.name = "名单.xlsx"
    payload = {"file": file}
    if consent:
        payload["consent"] = "on"
    return client.post(f"/receipts/{receipt.pk}/roster/upload/", payload)


def test_a_school_enrolls_and_the_academy_schedules(
    world, client_for, django_capture_on_commit_callbacks
):
    staff = world.users["staff_a"]
    client = client_for(staff)

    # the school fills in the receipt
    response = client.post("/receipts/new/", receipt_form())
    assert response.status_code == 302, response.context["form"].errors
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)

    # downloads the template and fills it, with a mistake in row 3's ID number
    template = client.get("/receipts/roster-template.xlsx").content
    good = ["王一", "男", valid_id(11), "13900000011", "组织部", "党务工作者", "正式党员", PROGRAM]
    bad = [
        "王二",
        "女",
        valid_id(12)[:-1] + "0",
        "13900000012",
        "组织部",
        "党务工作者",
        "正式党员",
        PROGRAM,
    ]
    if valid_id(12).endswith("0"):
        bad[2] = valid_id(12)[:-1] + "1"
    response = upload(client, receipt, filled_template(template, [good, bad]))

    # the portal says what is wrong, where, and keeps nothing
    assert response.status_code == 400
    page = response.content.decode()
    assert "第3行「身份证号」校验位错误" in page
    assert not receipt.roster.exists()
    errors_file = client.get(
        f"/receipts/{receipt.pk}/roster/errors/{response.context['error_token']}/"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(errors_file.content)).active
    assert sheet.cell(row=1, column=sheet.max_column).value == "错误"
    assert "校验位错误" in sheet.cell(row=3, column=sheet.max_column).value

    # she fixes it and uploads again, then submits
    bad[2] = valid_id(12)
    assert upload(client, receipt, filled_template(template, [good, bad])).status_code == 302
    assert receipt.roster.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/receipts/{receipt.pk}/transition/submit/", {"comment": ""})
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SUBMITTED

    # the 本科 coordinator finds it in the inbox and approves it
    coordinator = client_for(world.users["coord_ug"])
    assert (
        f"/receipts/{receipt.pk}/"
        in coordinator.get("/receipts/?status=submitted").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(f"/receipts/{receipt.pk}/transition/approve/", {"comment": "同意"})
    # creates a cohort and places the school's line into it
    response = coordinator.post(
        "/cohorts/new/",
        {
            "program": Program.objects.get(name=PROGRAM).pk,
            "name": "2026年春季班",
            "start_date": "2026-03-01",
            "end_date": "2026-04-30",
            "capacity": "100",
            "coordinator": world.users["coord_ug"].pk,
        },
    )
    cohort = Cohort.objects.get(name="2026年春季班")
    assert response.status_code == 302
    line = receipt.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(f"/cohorts/{cohort.pk}/place/", {"line": line.pk})
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SCHEDULED
    assert Enrollment.objects.filter(cohort=cohort).count() == 2

    # the school saw every decision by mail and on the page, and hands over the accounts
    subjects = [m.subject for m in mail.outbox]
    assert any("已通过" in s for s in subjects)
    assert any("已编班" in s for s in subjects)
    assert "同意" in client.get(f"/receipts/{receipt.pk}/").content.decode()
    accounts = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(client.get(f"/receipts/{receipt.pk}/credentials.xlsx").streaming_content)
        )
    ).active
    username, password = [c.value for c in accounts[2]][4:6]

    # and the learner signs in
    learner = client_for(world.users["anonymous"])
    assert (
        learner.post("/accounts/login/", {"username": username, "password": password}).status_code
        == 302
    )
    learner.post(
        "/accounts/password/",
        {"new_password1": "Xuexi-2026-dangjian", "new_password2": "Xuexi-2026-dangjian"},
    )
    assert "2026年春季班" in learner.get("/dashboard/").content.decode()


def test_a_roster_without_the_pipl_confirmation_is_refused_on_the_page(world, client_for):
    client = client_for(world.users["staff_a"])
    client.post("/receipts/new/", receipt_form())
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    template = client.get("/receipts/roster-template.xlsx").content
    rows = [
        ["王一", "男", valid_id(21), "13900000021", "组织部", "党务工作者", "正式党员", PROGRAM],
        ["王二", "女", valid_id(22), "13900000022", "组织部", "党务工作者", "正式党员", PROGRAM],
    ]

    response = upload(client, receipt, filled_template(template, rows), consent=False)

    assert response.status_code == 400
    assert "告知" in response.content.decode()
    assert not receipt.roster.exists()


def test_a_roster_typed_in_the_form_gets_the_same_checks(world, client_for):
    client = client_for(world.users["staff_a"])
    client.post("/receipts/new/", receipt_form())
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    program = Program.objects.get(name=PROGRAM)
    person = {
        "name": "赵六",
        "gender": "male",
        "id_number": "１１０１０５１９４９１２３１００２ｘ",  # full-width, lowercase x
        "mobile": "139 0000 0031",
        "department": "组织部",
        "post": "组织员",
        "party_status": "member",
        "program": program.pk,
        "consent": "on",
    }

    response = client.post(f"/receipts/{receipt.pk}/roster/add/", person)

    assert response.status_code == 302
    assert receipt.roster.get().id_masked == "110105********002X"
    bad = client.post(
        f"/receipts/{receipt.pk}/roster/add/", {**person, "id_number": "110105194912310021"}
    )
    assert bad.status_code == 400
    assert "校验位错误" in bad.content.decode()
    assert receipt.roster.count() == 1


def test_the_api_takes_a_receipt_from_draft_to_scheduled(world, client_for):
    from tests.enrollment.roster_files import line, person, xlsx_bytes

    staff = client_for(world.users["staff_a"])
    payload = {
        **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in RECEIPT_DATA.items()},
        "institution": world.school_a.pk,
        "lines": [{"program": "party-affairs-staff", "participants": 2}],
    }
    created = staff.post("/api/v1/receipts/", payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    roster = xlsx_bytes([line(person(31, program=PROGRAM)), line(person(32, program=PROGRAM))])
    file = io.BytesIO(roster)
    file.name = "roster.xlsx"
    uploaded = staff.post(f"/api/v1/receipts/{pk}/roster/", {"file": file, "consent": "true"})
    assert uploaded.status_code == 201, uploaded.json()
    assert (
        staff.post(f"/api/v1/receipts/{pk}/submit/", content_type=JSON).json()["status"]
        == "submitted"
    )

    # another school can neither see nor touch it
    other = client_for(world.users["staff_b"])
    assert other.get(f"/api/v1/receipts/{pk}/").status_code == 404
    assert other.post(f"/api/v1/receipts/{pk}/withdraw/", content_type=JSON).status_code == 404

    coordinator = client_for(world.users["coord_ug"])
    assert (
        coordinator.post(f"/api/v1/receipts/{pk}/approve/", content_type=JSON).json()["status"]
        == "approved"
    )
    line_id = Receipt.objects.get(pk=pk).lines.get().pk
    placed = coordinator.post(
        f"/api/v1/cohorts/{world.cohort.pk}/place/",
        {"line": line_id},
        content_type="application/json",
    )
    assert placed.status_code == 200, placed.json()
    assert placed.json()["enrolled"] == 2
    listed = coordinator.get(f"/api/v1/cohorts/{world.cohort.pk}/enrollments/").json()["results"]
    assert all("********" in row["id_number"] for row in listed)


def test_the_api_reports_roster_errors_by_row_and_column(world, client_for):
    from tests.enrollment.roster_files import line, person, xlsx_bytes

    client = client_for(world.users["staff_a"])
    client.post("/receipts/new/", receipt_form())
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    file = io.BytesIO(xlsx_bytes([line(person(41, program=PROGRAM, mobile="1"))]))
    file.name = "roster.xlsx"

    response = client.post(
        f"/api/v1/receipts/{receipt.pk}/roster/", {"file": file, "consent": "true"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "roster_invalid"
    assert {
        "row": 2,
        "column": "手机号码",
        "message": "应为 11 位手机号码",
        "text": "第2行「手机号码」应为 11 位手机号码",
    } in response.json()["errors"]


def test_an_illegal_transition_through_the_api_is_a_clear_409(world, client_for):
    response = client_for(world.users["staff_a"]).post(
        f"/api/v1/receipts/{world.receipt_a.pk}/submit/", content_type=JSON
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "不能提交" in response.json()["detail"]


def test_a_stamped_receipt_is_attached_and_only_downloaded_through_the_portal(
    world, client_for, settings
):
    client = client_for(world.users["staff_a"])
    scan = io.BytesIO(b"%PDF-1.7 stamped")
    scan.name = "回执.pdf"

    response = client.post("/receipts/new/", {**receipt_form(), "seal_scan": scan})

    assert response.status_code == 302
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    download = client.get(f"/receipts/{receipt.pk}/seal/")
    assert b"".join(download.streaming_content) == b"%PDF-1.7 stamped"
    assert client.get(settings.MEDIA_URL + receipt.seal_scan.name).status_code == 404
    assert (
        client_for(world.users["staff_b"]).get(f"/receipts/{receipt.pk}/seal/").status_code == 404
    )


def test_a_seal_scan_that_is_not_a_pdf_or_image_is_refused(world, client_for):
    client = client_for(world.users["staff_a"])
    fake = io.BytesIO(b"MZ\x90\x00 an executable")
    fake.name = "回执.pdf"

    response = client.post("/receipts/new/", {**receipt_form(), "seal_scan": fake})

    assert response.status_code == 200
    assert "PDF、JPG 或 PNG" in response.content.decode()
    assert not Receipt.objects.exclude(pk=world.receipt_a.pk).exists()


def test_the_api_refuses_an_oversize_roster_before_reading_it(world, client_for, settings):
    from enrollment import rosters

    client = client_for(world.users["staff_a"])
    client.post("/receipts/new/", receipt_form())
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    big = io.BytesIO(b"PK" + b"\0" * (rosters.MAX_FILE_BYTES + 1))
    big.name = "roster.xlsx"

    response = client.post(
        f"/api/v1/receipts/{receipt.pk}/roster/", {"file": big, "consent": "true"}
    )

    assert response.status_code == 400
    assert "10 MB" in str(response.json())
    assert not receipt.roster.exists()


def test_the_api_refuses_a_cohort_longer_than_two_months_or_a_duplicate_name(world, client_for):
    client = client_for(world.users["coord_ug"])
    year = timezone.localdate().year + 1
    cohort = {
        "program": "activists",
        "name": "第一期",
        "start_date": f"{year}-03-01",
        "end_date": f"{year}-05-02",
        "capacity": 40,
    }

    too_long = client.post("/api/v1/cohorts/", cohort, content_type="application/json")
    created = client.post(
        "/api/v1/cohorts/", {**cohort, "end_date": f"{year}-05-01"}, content_type="application/json"
    )
    again = client.post(
        "/api/v1/cohorts/", {**cohort, "end_date": f"{year}-04-01"}, content_type="application/json"
    )

    assert too_long.status_code == 422
    assert "2个月" in too_long.json()["detail"]
    assert too_long.json()["fields"]["end_date"]
    assert created.status_code == 201
    assert again.status_code == 409
    assert again.json()["detail"] == "该班次已有同名的期次，请换一个名称。"
    assert Cohort.objects.filter(name="第一期").count() == 1


def test_the_dashboard_counts_receipts_by_status_for_each_side(world, client_for):
    school = client_for(world.users["staff_a"]).get("/dashboard/").content.decode()
    other = client_for(world.users["staff_b"]).get("/dashboard/").content.decode()
    desk = client_for(world.users["coord_ug"]).get("/dashboard/").content.decode()

    assert "已提交 1" in school
    assert "已提交 1" in desk
    assert "已提交" not in other


def test_a_province_files_for_several_schools_on_the_page(world, client_for):
    from tests.factories import InstitutionFactory

    other = InstitutionFactory(name="北京第二测试学院", province=world.beijing)
    client = client_for(world.users["prov_bj"])

    response = client.post(
        "/receipts/new/", {**receipt_form(), "institutions": [world.school_a.pk, other.pk]}
    )

    assert response.status_code == 302
    drafts = Receipt.objects.filter(status=ReceiptStatus.DRAFT, created_by=world.users["prov_bj"])
    assert {r.institution for r in drafts} == {world.school_a, other}
    assert "北京第二测试学院" in client.get("/receipts/").content.decode()
    assert (
        client_for(world.users["prov_bj"])
        .post("/receipts/new/", {**receipt_form(), "institutions": [world.school_b.pk]})
        .status_code
        == 200
    )  # a school of another province is not even a choice
    assert not Receipt.objects.filter(institution=world.school_b).exists()
