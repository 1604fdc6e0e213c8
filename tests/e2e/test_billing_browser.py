"""Issue 10's "done when" in a real browser (Debian's Chromium, driven by Playwright).

A school's staff, on her draft receipt's form, sees the estimated fee follow the headcounts she
types (a second workshop from the 51st person), then submits the receipt. The academy coordinator
approves it on its page, which then shows the fixed quote to the fen. The school downloads its
payment notice: ``pdftotext`` gives back the amount in figures and in Chinese capitals, the
academy's account and the reference code. The coordinator imports the bank's .xlsx statement whose
line carries that code: it is booked, and the receivables page goes from owing (and overdue) to
nothing outstanding. The school then sees "已付清", requests its invoice, the coordinator records
the invoice's number and date, and the school sees the number. Every page is checked for console
errors and CSP violations (``Journey``), and a screenshot of every step is saved (under
$E2E_SCREENSHOTS, or the test's tmp_path).
"""

import datetime
import io
import re
import time
from decimal import Decimal

from django.utils import timezone

from tests.e2e.test_certificate_browser import poppler
from tests.e2e.test_study_journey import journey  # noqa: F401 - the browser fixture
from tests.factories import AcademyCoordinatorFactory, InstitutionFactory, StaffFactory

SCHOOL = "北京缴费测试大学"
PEOPLE = 3  # on 高校基层党务工作者培训, 200 元 per person
WORKSHOP_PEOPLE = 2  # on the 双创 workshop, 98,000 元 per workshop of at most 50
TOTAL = Decimal("98600.00")  # 3 × 200 + 1 × 98,000
CAPITALS = "玖万捌仟陆佰元整"
ACCOUNT = "0200053009008801215"
INVOICE_NUMBER = "26112000000004215678"  # a fully digital invoice's 20 digits


def statement_xlsx(rows: list[list[object]]) -> bytes:
    """A statement as the bank's online banking exports it: title lines, then the table."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["账户明细查询"])
    sheet.append([f"账号：{ACCOUNT}", None, "户名：国家教育行政学院"])
    sheet.append([])
    sheet.append(["交易日期", "对方户名", "对方账号", "借方发生额", "贷方发生额", "摘要", "附言"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain(text: str) -> str:
    """A page's text with thousands separators left out: 98,600.00 and 98600.00 read alike."""
    return text.replace(",", "")


def figures(page, selector: str) -> list[str]:
    """The texts of the cells under ``selector``, stripped, without thousands separators."""
    return [plain(text).strip() for text in page.locator(selector).all_inner_texts()]


def test_a_receipt_is_approved_its_notice_paid_by_bank_statement_and_invoiced(
    journey,  # noqa: F811
    transactional_db,
    tmp_path,
):
    started = time.monotonic()
    from billing.models import Invoice, InvoiceStatus, LedgerEntry, Quote
    from courses.models import Program
    from courses.services import catalog_load
    from enrollment.models import Receipt, ReceiptStatus, ReceiptTransition
    from enrollment.services import LineRequest, provinces_load, receipt_create, roster_add_person
    from tests.receipts import RECEIPT_DATA, person

    provinces_load()
    catalog_load()
    today = timezone.localdate()
    staff_program = Program.objects.get(code="party-affairs-staff")
    workshop = Program.objects.get(code="double-creation-workshop")
    school = InstitutionFactory(name=SCHOOL)
    staff = StaffFactory(username="school-payer", full_name="吴敏", institution=school)
    coordinator = AcademyCoordinatorFactory(username="academy-billing", full_name="学院老师")
    # Her draft receipt with its roster (the roster upload is tested in tests/e2e/test_browser.py).
    receipt = receipt_create(
        institution=school,
        by=staff,
        data={**RECEIPT_DATA, "invoice_title": SCHOOL},
        lines=[
            LineRequest(program=staff_program, participants=PEOPLE),
            LineRequest(program=workshop, participants=WORKSHOP_PEOPLE),
        ],
    )
    for serial, program in enumerate([staff_program] * PEOPLE + [workshop] * WORKSHOP_PEOPLE, 1):
        roster_add_person(receipt=receipt, by=staff, values=person(serial, program), consent=True)

    # ---- 1. the school's staff sees the estimate follow the headcounts, then submits ----
    me = journey.person()
    journey.sign_in(me, staff.username)
    journey.go(me, f"/receipts/{receipt.pk}/")
    me.click("text=修改回执")
    me.wait_for_url(f"**/receipts/{receipt.pk}/edit/")
    estimate = me.locator("#fee-estimate")
    total = estimate.locator("[data-estimate-total]")
    me.wait_for_function("() => document.getElementById('fee-estimate').dataset.estimateTotal")
    assert estimate.get_attribute("data-estimate-total") == "98600.00"
    assert "98,600.00 元" in total.inner_text()
    headcount = me.locator(f"#id_program_{staff_program.pk}")
    headcount.fill("5")
    me.wait_for_function(
        "() => document.getElementById('fee-estimate').dataset.estimateTotal === '99000.00'"
    )
    assert "99,000.00 元" in total.inner_text()
    assert "1,000.00 元" in estimate.locator("tr", has_text=staff_program.name).inner_text()
    # the 51st person of a workshop needs a second one: the estimate says so
    me.fill(f"#id_program_{workshop.pk}", "51")
    me.wait_for_function(
        "() => document.getElementById('fee-estimate').dataset.estimateTotal === '197000.00'"
    )
    row = estimate.locator("tr", has_text=workshop.name).inner_text()
    assert "196,000.00 元" in row
    assert "需 2 个工作坊" in row
    journey.shot(me, "school-estimate")
    # she leaves the form without saving: the receipt keeps its 3 + 2, and she submits it
    me.click("a.btn-link >> text=取消")
    me.wait_for_url(f"**/receipts/{receipt.pk}/")
    me.click("form button[type=submit] >> text=提交回执")
    me.wait_for_selector("text=回执状态已更新为「已提交」")
    journey.shot(me, "school-submitted")
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.SUBMITTED
    assert me.locator("#invoices").count() == 0  # nothing to pay before approval

    # ---- 2. the coordinator approves it on its page; the page shows the quote ----
    coord = journey.person()
    journey.sign_in(coord, coordinator.username)
    journey.go(coord, "/receipts/")
    coord.click(f"a[href='/receipts/{receipt.pk}/']")
    coord.wait_for_url(f"**/receipts/{receipt.pk}/")
    coord.click("form button[type=submit]:text-is('通过')")
    coord.wait_for_selector("text=回执状态已更新为「已通过」")
    quote_table = coord.locator("#quote table[data-quote-version='1']")
    lines = quote_table.locator("tbody tr")
    assert lines.count() == 2
    staff_line = lines.filter(has_text=staff_program.name).inner_text().split("\t")
    assert [cell.strip() for cell in staff_line[1:5]] == ["3", "200.00", "3", "600.00"]
    workshop_line = lines.filter(has_text=workshop.name).inner_text()
    assert "98,000.00" in workshop_line
    assert "1 个工作坊（每坊不超过 50 人）" in workshop_line
    assert quote_table.locator("[data-quote-total]").get_attribute("data-quote-total") == str(TOTAL)
    assert "98,600.00 元" in quote_table.locator("tfoot").inner_text()
    journey.shot(coord, "coordinator-approved-quote")
    quote = Quote.objects.get(receipt=receipt)
    assert (quote.version, quote.total) == (1, TOTAL)

    # ---- 3. the school downloads its payment notice from the receipt page ----
    me.reload()
    reference = me.inner_text("#invoices strong.font-monospace").strip()
    assert re.fullmatch(r"JX\d{7,}", reference), reference
    assert me.inner_text("#balance [data-balance-state]").strip() == "未付款"
    journey.shot(me, "school-approved")
    with me.expect_download() as download:
        me.click("#invoices >> text=下载缴费通知单")
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = poppler("pdftotext", pdf)
    flat = re.sub(r"\s+", "", text)  # the page's letter spacing may split a number
    assert "98,600.00" in flat
    assert CAPITALS in flat
    assert ACCOUNT in flat
    assert reference in flat
    assert SCHOOL in flat

    # ---- 4. the coordinator sees it owed, imports the bank statement that pays it ----
    # Approved 40 days ago, as far as the receivables know: past the 30-day term, so overdue.
    ReceiptTransition.objects.filter(receipt=receipt, to_status="approved").update(
        at=timezone.now() - datetime.timedelta(days=40)
    )
    coord.click("nav >> text=收款对账")
    coord.wait_for_url("**/billing/receivables/")
    totals = coord.locator("table tfoot tr").first
    assert figures(totals, "td") == ["1", "98600.00", "0.00", "98600.00", "98600.00"]
    overdue = coord.locator("#overdue tbody tr", has_text=SCHOOL)
    assert overdue.count() == 1
    assert figures(overdue, "td")[4:7] == ["98600.00", "0.00", "98600.00"]
    journey.shot(coord, "coordinator-receivables-owed")

    statement = tmp_path / "工行流水.xlsx"
    yesterday = today - datetime.timedelta(days=1)
    statement.write_bytes(
        statement_xlsx(
            [
                [yesterday, SCHOOL, "0200001234567890123", None, TOTAL, "汇入", f"培训费{reference}"],
                [yesterday, "某某科技有限公司", "6222000011112222", None, Decimal("350.00"), "汇入", "货款"],
            ]
        )
    )  # fmt: skip
    coord.click("text=导入银行流水")
    coord.wait_for_url("**/billing/statements/")
    coord.set_input_files("#id_file", str(statement))
    journey.shot(coord, "coordinator-statement-chosen")
    coord.click("form button[type=submit] >> text=导入")
    coord.wait_for_url(re.compile(r".*/billing/statements/\d+/$"))
    message = coord.inner_text(".alert-success")
    assert "已导入 2 笔：按附言自动入账 1 笔，待确认 0 笔，未匹配 1 笔。" in message, message
    booked = coord.locator("tr[data-status=matched]")
    assert booked.count() == 1
    assert "98600.00" in plain(booked.inner_text())
    assert f"#{receipt.pk}" in booked.inner_text()
    assert coord.locator("tr[data-status=unmatched]", has_text="某某科技有限公司").count() == 1
    journey.shot(coord, "coordinator-statement-imported")
    entry = LedgerEntry.objects.get(receipt=receipt)
    assert (entry.amount, entry.created_by) == (TOTAL, coordinator)

    coord.click("text=应收账款")
    coord.wait_for_url("**/billing/receivables/")
    totals = coord.locator("table tfoot tr").first
    assert figures(totals, "td") == ["1", "98600.00", "98600.00", "0.00", "0.00"]
    assert coord.locator("#overdue tbody tr", has_text=SCHOOL).count() == 0
    assert "没有逾期未缴的回执。" in coord.inner_text("#overdue")
    journey.shot(coord, "coordinator-receivables-paid")

    # ---- 5. the school sees it paid, requests its invoice; the coordinator records it ----
    me.reload()
    assert me.inner_text("#balance [data-balance-state]").strip() == "已付清"
    assert "98600.00" in plain(me.inner_text("#balance"))
    me.click("#invoices >> text=申请开票")
    me.wait_for_selector("text=已提交开票申请：98,600.00 元。")
    requested = me.locator("#invoices tbody tr", has_text=SCHOOL)
    assert "待开票" in requested.inner_text()
    journey.shot(me, "school-invoice-requested")
    invoice = Invoice.objects.get(receipt=receipt)
    assert (invoice.amount, invoice.title, invoice.status) == (
        TOTAL,
        SCHOOL,
        InvoiceStatus.REQUESTED,
    )

    coord.click("nav >> text=开票申请")
    coord.wait_for_url("**/billing/invoices/")
    row = coord.locator("tbody tr", has_text=SCHOOL)
    assert "98600.00" in plain(row.inner_text())
    row.locator("text=登记开票").click()
    coord.wait_for_url(f"**/billing/invoices/{invoice.pk}/record/")
    coord.fill("#id_number", INVOICE_NUMBER)
    coord.fill("#id_issued_on", today.isoformat())
    journey.shot(coord, "coordinator-invoice-recording")
    coord.click("form button[type=submit] >> text=保存")
    coord.wait_for_selector("text=已登记发票号码。")
    assert INVOICE_NUMBER in coord.inner_text("tbody")
    journey.shot(coord, "coordinator-invoice-recorded")

    me.reload()
    issued = me.locator("#invoices tbody tr", has_text=INVOICE_NUMBER)
    assert issued.count() == 1
    assert today.isoformat() in issued.inner_text()
    assert me.locator("#invoices form[action$='/invoices/']").count() == 0  # nothing left to ask
    journey.shot(me, "school-invoice-issued")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.issued_on) == (
        InvoiceStatus.ISSUED,
        INVOICE_NUMBER,
        today,
    )
    assert Receipt.objects.get(pk=receipt.pk).status == ReceiptStatus.APPROVED

    assert not journey.errors, journey.errors
    elapsed = time.monotonic() - started
    print(f"\nbilling journey took {elapsed:.1f} s")
    assert elapsed < 90
