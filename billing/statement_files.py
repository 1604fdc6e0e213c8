"""Reading a bank statement (.xlsx or .xls as the bank exports it): plain functions, no database.

The file passes the roster's guards first (size, type by content, macros, encryption, zip, XML and
OLE bombs, grids too large for calamine: enrollment.rosters.guards), then calamine reads its first
worksheet. The header row is looked for below the bank's title lines, by the names banks use;
every cell is checked and every problem reported at once (第N行「列」：…), as the roster does.

Only incoming transfers are kept: a line whose credit amount is empty, zero or negative (money
going out), and the totals rows banks add (合计, 本页小计…), are passed over and counted.
"""

import datetime
import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing.models import MAX_AMOUNT, LedgerEntry, StatementLine
from enrollment.rosters.columns import MAX_FILE_BYTES, MB, RosterFileError, RosterMessage
from enrollment.rosters.guards import _check_ole, _check_zip
from enrollment.rosters.reading import OLE_MAGIC, _first_sheet, _text
from portal.validators import is_single_line_text

MAX_LINES = 20_000
HEADER_SEARCH_ROWS = 30  # banks put the account, the period and more above the table


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the name used in messages
    aliases: tuple[str, ...]  # as banks name it, in order of preference
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("booked_on", "交易日期", ("交易日期", "日期", "记账日期", "入账日期", "交易时间")),
    Column(
        "payer_name",
        "付款人名称",
        ("付款人名称", "对方户名", "付款人", "对方账户名称", "对方名称", "付款方名称", "付款户名"),
    ),
    Column(
        "payer_account",
        "付款人账号",
        ("付款人账号", "对方账号", "付款账号", "对方账户", "付款方账号"),
        required=False,
    ),
    Column(
        "amount",
        "金额",
        ("贷方发生额", "收入金额", "贷方金额", "收入", "金额", "交易金额", "发生额"),
    ),
)
# Every one of these present is read, and their texts joined: the code may be in any of them.
REMARK_HEADERS = ("附言", "用途", "备注", "摘要", "交易附言", "附加信息")
REMARK = "附言"
SUMMARY_ROW = re.compile(r"^(本页|本期|累计)?(合计|总计|小计)")


class StatementFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class LineError:
    row_number: int
    header: str
    message: str

    def __str__(self):
        return f"第{self.row_number}行「{self.header}」：{self.message}"


@dataclass(frozen=True, slots=True)
class CleanLine:
    row_number: int
    booked_on: datetime.date
    payer_name: str
    payer_account: str
    amount: Decimal
    remark: str
    line_key: str = ""


@dataclass
class ReadStatement:
    lines: list[CleanLine]
    errors: list[LineError]
    skipped: int  # outgoing transfers and totals rows


def read_statement(data: bytes) -> ReadStatement:
    """The incoming lines of the first worksheet, or every problem found in it.

    Raises StatementFileError (a sentence for the user) when the file cannot be read at all."""
    if len(data) > MAX_FILE_BYTES:
        raise StatementFileError(
            _("文件超过 %(limit)s MB，请拆分后分批导入。") % {"limit": MAX_FILE_BYTES // MB}
        )
    if not data:
        raise StatementFileError(_("文件为空，请选择银行导出的流水文件。"))
    try:
        if data.startswith(OLE_MAGIC):
            _check_ole(data)
            failure = RosterMessage.ENCRYPTED_OR_CORRUPT
        elif data.startswith(b"PK"):
            _check_zip(data)
            failure = RosterMessage.CORRUPT
        else:
            raise StatementFileError(_("请上传银行导出的 .xlsx 或 .xls 格式的流水文件。"))
        grid, first_row_number = _first_sheet(data, failure)
    except RosterFileError as error:
        if error.message == RosterMessage.EMPTY_SHEET:
            raise StatementFileError(_("第一个工作表是空的，请上传银行导出的流水文件。")) from None
        if error.message == RosterMessage.UNSUPPORTED:
            raise StatementFileError(_("请上传银行导出的 .xlsx 或 .xls 格式的流水文件。")) from None
        raise StatementFileError(error.message) from None
    return _lines_from_grid(grid, first_row_number)


def _header_text(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\(.*?\)", "", text)  # 金额(元), 贷方发生额（元） after NFKC
    return re.sub(r"[\s*:：]+", "", text)


def _find_header(grid: list[list]) -> tuple[int, dict[str, int], list[int]]:
    """The header row's index, where each column is, and where the remark columns are."""
    seen = 0
    for index, cells in enumerate(grid):
        texts = [_header_text(cell) for cell in cells]
        if not any(texts):
            continue
        seen += 1
        found: dict[str, int] = {}
        for column in COLUMNS:
            for alias in column.aliases:
                if alias in texts:
                    found[column.key] = texts.index(alias)
                    break
        remarks = [texts.index(name) for name in REMARK_HEADERS if name in texts]
        if "booked_on" in found and "amount" in found:
            missing = [c.header for c in COLUMNS if c.required and c.key not in found]
            if missing:
                raise StatementFileError(
                    _("流水表头缺少以下列：%(columns)s。") % {"columns": "、".join(missing)}
                )
            return index, found, remarks
        if seen == HEADER_SEARCH_ROWS:
            break
    names = "、".join(f"{c.header}（{'/'.join(c.aliases[:3])}）" for c in COLUMNS if c.required)
    raise StatementFileError(_("没有找到流水的表头：应有 %(columns)s 等列。") % {"columns": names})


def _lines_from_grid(grid: list[list], first_row_number: int) -> ReadStatement:
    header_index, positions, remark_positions = _find_header(grid)
    lines: list[CleanLine] = []
    errors: list[LineError] = []
    skipped = 0
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        raw = {key: cells[position] for key, position in positions.items()}
        remark_cells = [cells[position] for position in remark_positions]
        texts = {key: _text(value) for key, value in raw.items()}
        if not any(texts.values()) and not any(_text(v) for v in remark_cells):
            continue
        if SUMMARY_ROW.match(texts["booked_on"]) or SUMMARY_ROW.match(texts.get("payer_name", "")):
            skipped += 1
            continue
        row_number = first_row_number + index
        row_errors: list[LineError] = []
        amount = _amount(raw["amount"], row_number, row_errors)
        if amount is None and not row_errors:
            skipped += 1  # money going out, or nothing in the credit column
            continue
        booked_on = _date(raw["booked_on"], row_number, row_errors)
        payer_name = _name(texts.get("payer_name", ""), row_number, row_errors)
        payer_account = _account(texts.get("payer_account", ""), row_number, row_errors)
        remark = _remark(remark_cells)
        if row_errors or booked_on is None or amount is None:
            errors.extend(row_errors)
            continue
        if len(lines) == MAX_LINES:
            raise StatementFileError(
                _("流水超过 %(limit)s 笔，请拆分后分批导入。") % {"limit": MAX_LINES}
            )
        lines.append(CleanLine(row_number, booked_on, payer_name, payer_account, amount, remark))
    if not lines and not errors:
        raise StatementFileError(_("流水中没有收入（贷方）记录，没有可导入的内容。"))
    return ReadStatement(lines=with_keys(lines), errors=errors, skipped=skipped)


def with_keys(lines: list[CleanLine]) -> list[CleanLine]:
    """Each line's key: the SHA-256 of its facts and its place among identical lines of the file,
    so the same statement imported again (or one that overlaps it) adds nothing."""
    seen: Counter = Counter()
    keyed = []
    for line in lines:
        facts = (
            line.booked_on.isoformat(),
            line.payer_name,
            line.payer_account,
            str(line.amount),
            line.remark,
        )
        occurrence = seen[facts]
        seen[facts] += 1
        digest = hashlib.sha256(
            json.dumps([*facts, occurrence], ensure_ascii=False).encode()
        ).hexdigest()
        keyed.append(
            CleanLine(
                line.row_number,
                line.booked_on,
                line.payer_name,
                line.payer_account,
                line.amount,
                line.remark,
                digest,
            )
        )
    return keyed


def _field_max(name: str) -> int:
    return getattr(StatementLine._meta.get_field(name), "max_length", None) or 0


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*\d{1,2}:?\d{2}:?\d{2})?$"),
)


def _date(value, row: int, errors: list[LineError]) -> datetime.date | None:
    header = COLUMNS[0].header
    day: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", _text(value)).strip()
        if not text:
            errors.append(LineError(row, header, _("不能为空")))
            return None
        for pattern in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    day = datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    day = None
                break
        if day is None:
            errors.append(
                LineError(row, header, _("无法识别的日期：%(text)s") % {"text": text[:30]})
            )
            return None
    for validator in LedgerEntry._meta.get_field("booked_on").validators:
        try:
            validator(day)
        except ValidationError as error:
            errors.append(LineError(row, header, "".join(error.messages)))
            return None
    return day


def _amount(value, row: int, errors: list[LineError]) -> Decimal | None:
    """A positive amount; None for an empty, zero or negative one (not money coming in)."""
    header = COLUMNS[3].header
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append(LineError(row, header, _("应为金额")))
        return None
    if isinstance(value, int | float):
        text = repr(float(value)) if isinstance(value, float) else str(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"[\s,¥￥元]|RMB|CNY", "", text)
    if not text or text in ("-", "--"):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(LineError(row, header, _("应为金额：%(text)s") % {"text": str(value)[:30]}))
        return None
    if not amount.is_finite():
        errors.append(LineError(row, header, _("应为金额")))
        return None
    if amount <= 0:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(LineError(row, header, _("金额最多两位小数（精确到分）")))
        return None
    if amount > MAX_AMOUNT:
        errors.append(LineError(row, header, _("金额超出范围")))
        return None
    return amount.quantize(Decimal("0.01"))


def _name(text: str, row: int, errors: list[LineError]) -> str:
    header = COLUMNS[1].header
    text = text.strip()
    if not text:
        errors.append(LineError(row, header, _("不能为空")))
    elif len(text) > _field_max("payer_name"):
        errors.append(
            LineError(row, header, _("不能超过 %(n)s 个字") % {"n": _field_max("payer_name")})
        )
    elif not is_single_line_text(text):
        errors.append(LineError(row, header, _("含有换行、控制字符或不可见的格式字符")))
    return text


def _account(text: str, row: int, errors: list[LineError]) -> str:
    header = COLUMNS[2].header
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if len(text) > _field_max("payer_account"):
        errors.append(
            LineError(row, header, _("不能超过 %(n)s 个字符") % {"n": _field_max("payer_account")})
        )
    elif text and not is_single_line_text(text):
        errors.append(LineError(row, header, _("含有控制字符或不可见的格式字符")))
    return text


def _remark(cells: list) -> str:
    """The remark columns' texts joined (each once), control characters made spaces, cut to fit."""
    parts: list[str] = []
    for cell in cells:
        text = _text(cell)
        text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
        text = re.sub(r"\s+", " ", text).strip()
        if text and text not in parts:
            parts.append(text)
    return " ".join(parts)[: _field_max("remark")]
