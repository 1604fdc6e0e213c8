"""Bank statement import: read as the bank exports it (.xlsx, .xls), all or nothing, once per line;
lines whose remark holds a receipt's payment reference code are booked at once, lines whose payer
and amount fit a receipt are proposed for a coordinator to confirm, the rest are listed."""

import datetime
import os
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from billing.models import BankStatement, LedgerEntry, LineStatus, StatementLine
from billing.selectors import BalanceState, payment_reference, receipt_balance
from billing.services.ledger import payment_record
from billing.services.statements import (
    statement_import,
    statement_line_confirm,
    statement_line_ignore,
)
from billing.statement_files import read_statement
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from tests.billing.ledgers import line, owing, statement_xlsx
from tests.conftest import require_tool
from tests.enrollment.roster_files import convert_with_soffice

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def coordinator(world):
    return world.users["coord_ug"]


@pytest.fixture
def receipt(world, coordinator):
    """school_a's receipt (invoice title 北京测试大学), approved, owing 196,000.00 元."""
    return owing(world.receipt_a, coordinator, "196000.00")


def do_import(data, by, filename="流水.xlsx"):
    return statement_import(data=data, filename=filename, by=by)


def test_a_reference_code_in_the_remark_pays_the_receipt(receipt, coordinator):
    code = payment_reference(receipt)
    data = statement_xlsx(
        [line(Decimal("196000.00"), payer="某某代付单位", remark=f"培训费 {code}")]
    )

    result = do_import(data, coordinator)

    assert (result.ok, result.added, result.matched) == (True, 1, 1)
    statement_line = StatementLine.objects.get()
    assert (statement_line.status, statement_line.receipt) == (LineStatus.MATCHED, receipt)
    entry = LedgerEntry.objects.get()
    assert (entry.statement_line, entry.amount, entry.created_by) == (
        statement_line,
        Decimal("196000.00"),
        coordinator,
    )
    balance = receipt_balance(receipt)
    assert (balance.state, balance.label) == (BalanceState.PAID, "已付清")


def test_importing_the_same_statement_twice_adds_nothing(receipt, coordinator):
    code = payment_reference(receipt)
    lines = [line(Decimal("1000.00"), remark=code), line(Decimal("88.00"), payer="无关单位")]
    do_import(statement_xlsx(lines), coordinator)

    again = do_import(statement_xlsx(lines), coordinator)
    overlapping = do_import(statement_xlsx(lines, title="另一次导出"), coordinator)

    assert again.already_imported
    assert (overlapping.added, overlapping.repeated, overlapping.statement) == (0, 2, None)
    assert StatementLine.objects.count() == 2
    assert LedgerEntry.objects.count() == 1
    assert BankStatement.objects.count() == 1


def test_identical_lines_of_one_statement_are_two_payments(receipt, coordinator):
    code = payment_reference(receipt)
    same = line(Decimal("98000.00"), remark=code)

    result = do_import(statement_xlsx([same, list(same)]), coordinator)

    assert result.matched == 2
    assert receipt_balance(receipt).state == BalanceState.PAID


def test_bad_rows_are_all_listed_with_row_and_column_and_nothing_is_written(receipt, coordinator):
    code = payment_reference(receipt)
    data = statement_xlsx(
        [
            line(Decimal("100.00"), remark=code),  # row 5: fine
            ["2026-13-45", "北京测试大学", "", None, "100.00", "", ""],  # row 6
            [YESTERDAY, "", "", None, "十万", "", ""],  # row 7
            [YESTERDAY, "北京测试大学", "", None, "100.001", "", ""],  # row 8
            [
                timezone.localdate() + datetime.timedelta(days=3),
                "北京测试大学",
                "",
                None,
                5,
                "",
                "",
            ],
        ]
    )

    result = do_import(data, coordinator)

    assert not result.ok
    assert [str(error) for error in result.errors] == [
        "第6行「交易日期」：无法识别的日期：2026-13-45",
        "第7行「金额」：应为金额：十万",
        "第7行「付款人名称」：不能为空",
        "第8行「金额」：金额最多两位小数（精确到分）",
        f"第9行「交易日期」：日期须在 {(timezone.localdate() - datetime.timedelta(days=1825)).isoformat()} 至 {timezone.localdate().isoformat()} 之间。",
    ]
    assert not BankStatement.objects.exists()
    assert not StatementLine.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_money_going_out_and_totals_rows_are_passed_over(receipt, coordinator):
    data = statement_xlsx(
        [
            line(Decimal("300.00"), payer="甲单位"),
            [YESTERDAY, "电费", "", Decimal("120.00"), None, "代扣", ""],
            [YESTERDAY, "本页小计", "", None, Decimal("300.00"), "", ""],
        ]
    )

    result = do_import(data, coordinator)

    assert (result.added, result.unmatched, result.skipped) == (1, 1, 3)  # with the totals row


def test_a_payer_and_amount_that_fit_are_proposed_and_a_coordinator_confirms(
    world, receipt, coordinator, client_for
):
    payment_record(
        receipt=receipt,
        by=coordinator,
        amount=Decimal("96000.00"),
        booked_on=YESTERDAY,
        payer_unit="北京测试大学",
        bank_reference="B-1",
    )
    data = statement_xlsx([line(Decimal("100000.00"), payer="北京测试大学", remark="培训费")])

    result = do_import(data, coordinator)

    proposed = StatementLine.objects.get()
    assert (result.proposed, proposed.status, proposed.receipt) == (1, LineStatus.PROPOSED, receipt)
    assert receipt_balance(receipt).state == BalanceState.PARTLY_PAID
    client = client_for(coordinator)
    listing = client.get(reverse("billing:statement-lines")).content.decode()
    assert f'id="line-{proposed.pk}"' in listing

    response = client.post(reverse("billing:statement-line-confirm", args=[proposed.pk]))

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == LineStatus.CONFIRMED
    assert proposed.entry.amount == Decimal("100000.00")
    assert receipt_balance(receipt).state == BalanceState.PAID
    with pytest.raises(StateConflict, match="已处理"):
        statement_line_confirm(line=proposed, by=coordinator)


def test_a_full_width_payer_name_is_proposed_too(receipt, coordinator):
    do_import(statement_xlsx([line(Decimal("196000.00"), payer="北京测试大学 ")]), coordinator)

    assert StatementLine.objects.get().status == LineStatus.PROPOSED


def test_lines_that_match_nothing_are_listed_and_may_be_booked_by_receipt_number(
    world, receipt, coordinator, client_for
):
    data = statement_xlsx(
        [
            line(Decimal("500.00"), payer="某某基金会", remark="捐赠"),
            line(Decimal("7.00"), payer="利息"),
        ]
    )
    result = do_import(data, coordinator)
    first, second = StatementLine.objects.order_by("row_number")
    client = client_for(coordinator)

    page = client.get(
        reverse("billing:statement-detail", args=[result.statement.pk])
    ).content.decode()
    client.post(
        reverse("billing:statement-line-confirm", args=[first.pk]), {"receipt": str(receipt.pk)}
    )
    client.post(reverse("billing:statement-line-ignore", args=[second.pk]))

    assert result.unmatched == 2
    assert "未匹配" in page
    assert "某某基金会" in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.receipt, first.entry.amount) == (
        LineStatus.CONFIRMED,
        receipt,
        Decimal("500.00"),
    )
    assert second.status == LineStatus.IGNORED
    assert LedgerEntry.objects.count() == 1


def test_a_code_of_a_receipt_not_yet_approved_is_not_booked(world, coordinator):
    code = payment_reference(world.receipt_a)  # submitted, not approved

    result = do_import(statement_xlsx([line(Decimal("10.00"), remark=code)]), coordinator)

    assert result.unmatched == 1
    assert not LedgerEntry.objects.exists()


def test_a_payment_entered_by_hand_is_not_booked_again_from_the_statement(receipt, coordinator):
    payment_record(
        receipt=receipt,
        by=coordinator,
        amount=Decimal("5000.00"),
        booked_on=YESTERDAY,
        payer_unit="北京测试大学",
        bank_reference="ICBC-77",
    )
    code = payment_reference(receipt)

    result = do_import(statement_xlsx([line(Decimal("5000.00"), remark=code)]), coordinator)

    assert (result.matched, result.proposed) == (0, 1)
    assert LedgerEntry.objects.count() == 1


def test_only_academy_coordinators_import_and_settle(world, receipt, coordinator, client_for):
    data = statement_xlsx([line(Decimal("5.00"), payer="某人")])
    with pytest.raises(PermissionRefused):
        do_import(data, world.users["staff_a"])
    do_import(data, coordinator)
    statement_line = StatementLine.objects.get()
    with pytest.raises(PermissionRefused):
        statement_line_ignore(line=statement_line, by=world.users["staff_a"])

    response = client_for(world.users["staff_a"]).post(
        reverse("billing:statement-line-confirm", args=[statement_line.pk]), {"receipt": receipt.pk}
    )

    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_the_import_page_shows_every_problem_and_writes_nothing(world, coordinator, client_for):
    data = statement_xlsx([["昨天", "北京测试大学", "", None, "1", "", ""]])
    upload = _upload(data)

    response = client_for(coordinator).post(reverse("billing:statement-import"), {"file": upload})

    assert response.status_code == 400
    assert "第5行「交易日期」：无法识别的日期：昨天" in response.content.decode()
    assert not StatementLine.objects.exists()


def test_the_import_page_reports_matched_proposed_and_unmatched(
    world, receipt, coordinator, client_for
):
    code = payment_reference(receipt)
    data = statement_xlsx(
        [
            line(Decimal("1000.00"), remark=code),
            line(Decimal("195000.00")),
            line(Decimal("1.00"), payer="某人"),
        ]
    )
    client = client_for(coordinator)

    response = client.post(
        reverse("billing:statement-import"), {"file": _upload(data)}, follow=True
    )
    again = client.post(reverse("billing:statement-import"), {"file": _upload(data)}, follow=True)

    text = response.content.decode()
    assert "按附言自动入账 1 笔，待确认 1 笔，未匹配 1 笔" in text
    assert "已入账" in text
    assert "待确认" in text
    assert "没有新增任何记录" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空"),
        (b"date,payer,amount\n", "请上传银行导出的 .xlsx 或 .xls"),
        (b"PK\x03\x04 not a zip", "文件已损坏"),
    ],
)
def test_files_that_are_not_statements_are_refused_with_a_sentence(coordinator, data, message):
    with pytest.raises(ApplicationError, match=message):
        do_import(data, coordinator)


def test_a_sheet_without_the_columns_says_which_are_missing(coordinator):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["交易日期", "金额", "摘要"])
    workbook.active.append([YESTERDAY, 5, "x"])
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(ApplicationError, match="流水表头缺少以下列：付款人名称"):
        do_import(buffer.getvalue(), coordinator)


def test_common_chinese_header_names_and_text_cells_are_read():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "付款人", "付款人账号", "金额（元）", "用途", "备注"])
    sheet.append(
        ["2026年3月5日", "北京测试大学", "6222 0202 0000 1234", "¥1,234.50", "培训费", "JX0000421"]
    )
    sheet.append(["20260306", "北京测试大学", "", 98000, "", ""])
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)

    read = read_statement(buffer.getvalue())

    first, second = read.lines
    assert (first.booked_on, first.amount, first.payer_account, first.remark) == (
        datetime.date(2026, 3, 5),
        Decimal("1234.50"),
        "6222020200001234",
        "培训费 JX0000421",
    )
    assert (second.booked_on, second.amount) == (datetime.date(2026, 3, 6), Decimal("98000.00"))
    assert first.line_key != second.line_key


def test_an_xls_statement_as_a_bank_exports_it(receipt, coordinator, tmp_path):
    require_tool("soffice")
    code = payment_reference(receipt)
    xlsx = statement_xlsx(
        [line(Decimal("196000.00"), remark=f"{code} 培训费"), line(Decimal("3.00"), payer="某人")]
    )
    data = convert_with_soffice(xlsx, "xlsx", "xls", tmp_path)
    assert data.startswith(b"\xd0\xcf\x11\xe0")

    result = do_import(data, coordinator, filename="流水.xls")
    again = do_import(
        statement_xlsx([line(Decimal("196000.00"), remark=f"{code} 培训费")]), coordinator
    )

    assert (result.matched, result.unmatched) == (1, 1)
    assert receipt_balance(receipt).state == BalanceState.PAID
    assert again.added == 0  # the same line from the .xlsx export of it


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("流水.xlsx", data, content_type="application/octet-stream")


HOSTILE = ["\x07", "\x1b[31m", "\u202e", "名\n", '=HYPERLINK("x")', "\ufeff", "\u2028", "JX"]
hostile_text = st.one_of(
    st.text(max_size=250),
    st.builds(
        lambda a, bad, b: a + bad + b,
        st.text(max_size=20),
        st.sampled_from(HOSTILE),
        st.text(max_size=20),
    ),
)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(hostile_text, min_size=5, max_size=5))
def test_a_statement_of_hostile_cells_is_imported_whole_or_not_at_all(world, receipt, cells):
    # as Excel stores the characters XML cannot hold: _x0007_, which calamine turns back
    stored = [ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", c) for c in cells]
    day, payer, account, amount, remark = stored
    data = statement_xlsx(
        [line(Decimal("1.00"), payer="甲"), [day, payer, account, None, amount, "", remark]]
    )
    before = (StatementLine.objects.count(), LedgerEntry.objects.count())

    result, refusal = _attempt(lambda: do_import(data, world.users["coord_ug"]))

    if refusal:
        assert (StatementLine.objects.count(), LedgerEntry.objects.count()) == before
    elif result.ok:
        for statement_line in StatementLine.objects.all():
            statement_line.full_clean()
    else:
        assert all(str(e).startswith("第") for e in result.errors)
        assert (StatementLine.objects.count(), LedgerEntry.objects.count()) == before


def _attempt(action):
    """What the action returned, or the sentence it was refused with."""
    try:
        return action(), ""
    except ApplicationError as error:
        return None, error.message or "?"
