"""Read and check an uploaded roster (名单) spreadsheet: plain functions, no database.

``read_roster`` judges the file by its content (xlsx, xls or ods), refuses what is unsafe or
unreadable with a Chinese sentence (``RosterFileError.message``) and returns the rows of the first
worksheet; ``clean_rows`` checks every cell and reports all problems at once. Checks that need the
database (the programs on the receipt, headcounts, people already enrolled) are the caller's.

calamine expands a sheet into a dense grid as large as its farthest cell, and when Rust cannot
allocate it aborts the whole process: a 5 KB xlsx with cells at A1 and XFD1048576 would kill the
worker. So before calamine sees a file, the ``_guard_*`` functions bound the grids it would build,
from the raw parts and in bounded memory, and refuse the file when they would be too large.
"""

import datetime
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from xml.parsers import expat

import olefile
from django.db import models
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from enrollment.models import Gender, PartyStatus
from portal import pii

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_ROWS = 20_000
# Zip and XML bombs, judged from the zip directory before anything is decompressed.
MAX_ZIP_ENTRIES = 1_000
MAX_ZIP_DIRECTORY_BYTES = 1 * MB
MAX_UNZIPPED_BYTES = 200 * MB
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1 * MB
XML_SNIFF_BYTES = 4096
# Cells of the dense grids calamine may build for one file (some 32 bytes each).
MAX_GRID_CELLS = 2_000_000
SCAN_CHUNK_BYTES = 1 * MB
MAX_TAG_BYTES = 1 * MB

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class RosterMessage:
    """What the user is told: the values are the Chinese sentences."""

    EMPTY_FILE = "文件为空，请选择填好的名单文件"
    TOO_LARGE = "文件超过 {limit} MB，请删除多余内容或拆分后分批上传"
    UNSUPPORTED = "请上传 .xlsx、.xls 或 .ods 格式的表格文件"
    MACROS = "不接受含宏的工作簿，请在 Excel 中另存为“Excel 工作簿（.xlsx）”后重新上传"
    ENCRYPTED = "文件已加密，请取消密码保护后重新上传"
    ENCRYPTED_OR_CORRUPT = "文件已加密或已损坏，无法读取；请取消密码保护或重新保存后上传"
    CORRUPT = "文件已损坏，无法读取；请用 Excel 或 WPS 打开并另存为 .xlsx 后重新上传"
    BOMB = "文件解压后过大或压缩比异常，已拒绝处理"
    XML_DECLARATIONS = "文件包含不允许的 XML 声明（DOCTYPE 或 ENTITY），已拒绝处理"
    GRID_TOO_BIG = "表格的使用范围过大，请删除名单以外的行和列（或把名单复制到新文件）后重新上传"
    EMPTY_SHEET = "第一个工作表是空的，请把名单填写在第一个工作表中"
    MISSING_COLUMNS = "表头缺少以下列：{columns}；请使用下载的名单模板填写"
    TOO_MANY_ROWS = "名单超过 {limit} 行，请拆分后分批上传"
    NO_DATA = "名单中没有人员，请在表头下方逐行填写"
    # Cell problems, shown as 第N行「列名」….
    REQUIRED = pii.IdNumberError.EMPTY
    TOO_LONG = "不能超过 {limit} 个字"
    GENDER = "应为“男”或“女”"
    MOBILE = "应为 11 位手机号码"
    PARTY_STATUS = "应为以下之一：{choices}"
    DUPLICATE = "与第{row}行重复"


class RosterFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名"),
    Column("gender", "性别"),
    Column("id_number", "身份证号"),
    Column("mobile", "手机号码"),
    Column("department", "所在部门"),
    Column("post", "岗位/人员类别"),
    Column("party_status", "政治面貌"),
    Column("program", "培训班次"),
)
# As long as RosterEntry stores them.
MAX_LENGTHS = {"name": 50, "department": 100, "post": 100}
# A title above the table (“某某大学参训人员名单”) is skipped: the header is looked for this far.
HEADER_SEARCH_ROWS = 10
TEMPLATE_EXAMPLE_NAME = "张三（示例，请删除）"
TEMPLATE_EXAMPLE_ID = "11010519491231002X"


@dataclass(frozen=True, slots=True)
class RosterRow:
    row_number: int
    values: dict[str, str]
    numeric_id: bool = False


@dataclass(frozen=True, slots=True)
class CleanPerson:
    row_number: int
    name: str
    gender: str
    id_number: str
    mobile: str
    department: str
    post: str
    party_status: str
    program_name: str
    area_known: bool


@dataclass(frozen=True, slots=True)
class CellError:
    row_number: int
    header: str
    message: str

    def __str__(self):
        return f"第{self.row_number}行「{self.header}」{self.message}"


# ---------------------------------------------------------------------------------------------
# Reading


def read_roster(data: bytes) -> list[RosterRow]:
    """The data rows of the first worksheet; raises RosterFileError with a message for the user."""
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(RosterMessage.TOO_LARGE.format(limit=MAX_FILE_BYTES // MB))
    if not data:
        raise RosterFileError(RosterMessage.EMPTY_FILE)
    if data.startswith(OLE_MAGIC):
        _check_ole(data)
        failure = RosterMessage.ENCRYPTED_OR_CORRUPT
    elif data.startswith(b"PK"):
        _check_zip(data)
        failure = RosterMessage.CORRUPT
    else:
        raise RosterFileError(RosterMessage.UNSUPPORTED)
    grid, first_row_number = _first_sheet(data, failure)
    return _rows_from_grid(grid, first_row_number)


def _first_sheet(data: bytes, failure: str) -> tuple[list[list], int]:
    """The first worksheet as calamine's rows, and the spreadsheet row number of the first."""
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            kinds = [meta.typ for meta in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise RosterFileError(RosterMessage.EMPTY_SHEET)
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            start = sheet.start
            grid = sheet.to_python() if start is not None else []
    except RosterFileError:
        raise
    except PasswordError as exc:
        raise RosterFileError(RosterMessage.ENCRYPTED) from exc
    except Exception as exc:
        raise RosterFileError(failure) from exc
    except BaseException as exc:
        # pyo3 turns a Rust panic into PanicException, which derives from BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        raise RosterFileError(failure) from exc
    if start is None or not grid:
        raise RosterFileError(RosterMessage.EMPTY_SHEET)
    return grid, start[0] + 1


def _rows_from_grid(grid: list[list], first_row_number: int) -> list[RosterRow]:
    header_index, positions = _find_header(grid)
    keys = [column.key for column in COLUMNS]
    pick = itemgetter(*positions)  # calamine's rows all have the sheet's width
    id_at = keys.index("id_number")
    rows: list[RosterRow] = []
    for index in range(header_index + 1, len(grid)):
        raw = pick(grid[index])
        texts = [v.strip() if v.__class__ is str else _text(v) for v in raw]
        if not any(texts):
            continue  # a row empty in every roster column, whatever its other columns hold
        if len(rows) == MAX_ROWS:
            raise RosterFileError(RosterMessage.TOO_MANY_ROWS.format(limit=MAX_ROWS))
        rows.append(
            RosterRow(
                first_row_number + index,
                dict(zip(keys, texts, strict=False)),
                raw[id_at].__class__ in (int, float),
            )
        )
    if not rows:
        raise RosterFileError(RosterMessage.NO_DATA)
    return rows


def _find_header(grid: list[list]) -> tuple[int, list[int]]:
    """The index of the header row, and where each of COLUMNS is in it.

    The header is the first non-empty row, unless that one names none of the columns (a title
    above the table): then the first of the next few non-empty rows that names one.
    """
    wanted = {column.header: n for n, column in enumerate(COLUMNS)}
    candidates: list[tuple[int, dict[int, int]]] = []  # (row index, column → position)
    for index, cells in enumerate(grid):
        texts = [_header_text(cell) for cell in cells]
        if not any(texts):
            continue
        found: dict[int, int] = {}
        for position, text in enumerate(texts):
            if text in wanted:
                found.setdefault(wanted[text], position)
        candidates.append((index, found))
        if found or len(candidates) == HEADER_SEARCH_ROWS:
            break
    if not candidates:
        raise RosterFileError(RosterMessage.EMPTY_SHEET)
    index, found = next(((i, f) for i, f in candidates if f), candidates[0])
    missing = [column.header for n, column in enumerate(COLUMNS) if n not in found]
    if missing:
        raise RosterFileError(RosterMessage.MISSING_COLUMNS.format(columns="、".join(missing)))
    return index, [found[n] for n in range(len(COLUMNS))]


def _header_text(value) -> str:
    """Headers match whatever their spacing, full-width forms or “*” marks of required columns."""
    return re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", _text(value)))


def _text(value) -> str:
    """A cell as the text the user sees: integral numbers without “.0”, dates in ISO form."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# Zip containers (xlsx, ods): type by content, macros, encryption, bombs


def _check_zip(data: bytes) -> None:
    _check_zip_directory_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise RosterFileError(RosterMessage.CORRUPT) from exc
    with archive:
        _check_zip_sizes(infos)
        names = {info.filename for info in infos}
        if "mimetype" in names:
            if _read_head(archive, "mimetype", 100).strip() != ODS_MIMETYPE:
                raise RosterFileError(RosterMessage.UNSUPPORTED)
            if b"encryption-data" in _read_head(archive, "META-INF/manifest.xml", MB):
                raise RosterFileError(RosterMessage.ENCRYPTED)
        elif "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            content_types = _read_head(archive, "[Content_Types].xml", MB).lower()
            if "xl/vbaProject.bin" in names or b"macroenabled" in content_types:
                raise RosterFileError(RosterMessage.MACROS)
        else:
            raise RosterFileError(RosterMessage.UNSUPPORTED)
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")):
                _check_xml_head(archive, info)
        if "mimetype" in names:
            _guard_ods(archive, infos)
        else:
            _guard_xlsx(archive, infos)


def _check_zip_directory_size(data: bytes) -> None:
    """A central directory big enough to cost memory is refused before its entries are read."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise RosterFileError(RosterMessage.CORRUPT)
    (directory_size,) = struct.unpack_from("<I", data, end + 12)
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise RosterFileError(RosterMessage.BOMB)


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise RosterFileError(RosterMessage.BOMB)
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise RosterFileError(RosterMessage.BOMB)
    for info in infos:
        ratio_limit = MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > ratio_limit:
            raise RosterFileError(RosterMessage.BOMB)
        if info.flag_bits & 0x1:  # zip-level encryption: not how Office protects a file
            raise RosterFileError(RosterMessage.ENCRYPTED_OR_CORRUPT)


def _read_head(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, size: int) -> bytes:
    try:
        with archive.open(member) as stream:
            return stream.read(size)
    except KeyError:
        return b""
    except ZIP_READ_ERRORS as exc:
        raise RosterFileError(RosterMessage.CORRUPT) from exc


def _check_xml_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    probe = _read_head(archive, info, XML_SNIFF_BYTES).replace(b"\x00", b"").upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        raise RosterFileError(RosterMessage.XML_DECLARATIONS)


def _refuse_grid() -> None:
    raise RosterFileError(RosterMessage.GRID_TOO_BIG)


def _refuse_declaration(*_args) -> None:
    raise RosterFileError(RosterMessage.XML_DECLARATIONS)


def _parse_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, start, end=None) -> None:
    """Stream a part through expat; not well-formed XML is refused, never guessed at."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(SCAN_CHUNK_BYTES):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, *ZIP_READ_ERRORS) as exc:
        raise RosterFileError(RosterMessage.CORRUPT) from exc


def _pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The decompressed part in pieces cut before a ``<``, so a tag's start is never split."""
    carry = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(SCAN_CHUNK_BYTES):
                buffer = carry + chunk
                cut = buffer.rfind(b"<")
                carry = buffer[cut:] if cut > 0 else buffer
                if cut > 0:
                    yield buffer[:cut]
                if len(carry) > MAX_TAG_BYTES:
                    raise RosterFileError(RosterMessage.CORRUPT)
    except ZIP_READ_ERRORS as exc:
        raise RosterFileError(RosterMessage.CORRUPT) from exc
    if carry:
        yield carry


# A part whose cell tags are all as Excel, WPS, LibreOffice and openpyxl write them
# (<c r="B123" s="1" t="s">, with no second r) and lie within 52 columns and 39,999 rows passes on
# two regex searches; any other cell tag, or a prefixed one, sends it through the exact walk.
XLSX_UNUSUAL_CELL = re.compile(
    rb'<c(?=[\s/>])(?! r="A?[A-Z][1-3]?\d{1,4}"(?: (?!r[\s=])[\w:.-]+="[^"<]*")*/?>)'
)
XLSX_PREFIXED_CELL = re.compile(rb":c[\s/>]")
XLSX_CELL_REF = re.compile(r"([A-Za-z]+)(\d+)")
XLSX_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"


def _guard_xlsx(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Bound the grid of every part the workbook's relationships could point calamine to."""
    targets: set[str] = set()

    def relationship(name, attrs):
        if name.rpartition(":")[2] == "Relationship" and "Target" in attrs:
            targets.add(re.split(r"[/\\]", attrs["Target"])[-1].lower())

    relationship_parts = [info for info in infos if info.filename == XLSX_RELATIONSHIPS]
    if not relationship_parts:
        raise RosterFileError(RosterMessage.CORRUPT)
    for info in relationship_parts:
        _parse_xml(archive, info, relationship)
    for info in infos:
        if info.filename.rpartition("/")[2].lower() in targets and not _xlsx_plain(archive, info):
            _walk_xlsx_sheet(archive, info)


def _xlsx_plain(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    for n, piece in enumerate(_pieces(archive, info)):
        if n == 0 and b"\x00" in piece[:XML_SNIFF_BYTES]:
            raise RosterFileError(RosterMessage.CORRUPT)  # UTF-16 would hide tags from the regexes
        if XLSX_UNUSUAL_CELL.search(piece) or XLSX_PREFIXED_CELL.search(piece):
            return False
    return True


def _walk_xlsx_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Follow calamine's cell positions (it expands <c/> and <row/> into start and end) exactly.

    The walk also counts what lies outside <sheetData>, and a cell with any child element as
    holding a value: both can only make the bound larger than calamine's grid.
    """
    row_index = col_index = rows = cols = 0
    cell: tuple[int, int] | None = None
    valued = False

    def start(name, attrs):
        nonlocal row_index, cell, valued
        local = name.rpartition(":")[2]
        if cell is not None:
            if local == "c":
                raise RosterFileError(RosterMessage.CORRUPT)
            valued = True
        elif local == "c":
            ref = XLSX_CELL_REF.fullmatch(attrs.get("r", ""))
            cell = (int(ref[2]) - 1, _column_index(ref[1])) if ref else (row_index, col_index)
            valued = False
        elif local == "row" and attrs.get("r", "").isascii() and attrs.get("r", "").isdigit():
            row_index = int(attrs["r"]) - 1

    def end(name):
        nonlocal row_index, col_index, rows, cols, cell
        local = name.rpartition(":")[2]
        if local == "c" and cell is not None:
            row, col = cell
            col_index, cell = col + 1, None
            if valued:
                rows, cols = max(rows, row + 1), max(cols, col + 1)
                if rows * cols > MAX_GRID_CELLS:
                    _refuse_grid()
        elif local == "row" and cell is None:
            row_index, col_index = row_index + 1, 0

    _parse_xml(archive, info, start, end)


def _column_index(letters: str) -> int:
    n = 0
    for letter in letters.upper():
        n = n * 26 + ord(letter) - 64
    return n - 1


ODS_CELLS = frozenset({"table:table-cell", "table:covered-table-cell"})
ODS_VALUES = frozenset(
    {
        "office:value",
        "office:string-value",
        "office:date-value",
        "office:time-value",
        "office:boolean-value",
        "table:formula",
    }
)


def _guard_ods(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """calamine reads every table of content.xml, expanding repeated cells and rows; follow it.

    A row pushes the repeats of each cell, except that empty cells wait for a later cell of the
    row; a table then spans its rows (with their repeats) down to the last with a value. Tables
    or rows nested in one another are refused rather than modelled.
    """
    total = height = valued_height = width = 0
    tables = rows = 0  # how deep in table:table and table:table-row elements
    row_repeats = pushed = pending = 0
    row_valued = False

    def start(name, attrs):
        nonlocal tables, rows, row_repeats, pushed, pending, row_valued
        if name == "table:table":
            tables += 1
            if tables > 1:
                raise RosterFileError(RosterMessage.CORRUPT)
        elif name == "table:table-row":
            rows += 1
            if rows > 1:
                raise RosterFileError(RosterMessage.CORRUPT)
            row_repeats = _repeats(attrs.get("table:number-rows-repeated"))
            pushed = pending = 0
            row_valued = False
        elif name in ODS_CELLS and rows:
            repeats = _repeats(attrs.get("table:number-columns-repeated"))
            pushed, pending = pushed + pending, 0
            if attrs.get("office:value-type") == "string" or not ODS_VALUES.isdisjoint(attrs):
                pushed += repeats
                row_valued = True
            else:
                pending = repeats
            if total + pushed > MAX_GRID_CELLS:
                _refuse_grid()

    def end(name):
        nonlocal tables, rows, total, height, valued_height, width
        if name == "table:table":
            tables -= 1
            total += valued_height * width
            height = valued_height = width = 0
        elif name == "table:table-row":
            rows -= 1
            total += pushed  # the row as read, before its repeats are expanded
            height += row_repeats
            if row_valued:
                valued_height, width = height, max(width, pushed)
        if total + valued_height * width > MAX_GRID_CELLS:
            _refuse_grid()

    for info in infos:
        if info.filename == "content.xml":
            _parse_xml(archive, info, start, end)


def _repeats(value: str | None) -> int:
    if not value:
        return 1
    try:
        return max(int(value), 1)  # expat has already replaced any character references
    except ValueError:
        return 1


# ---------------------------------------------------------------------------------------------
# OLE2 containers (xls, encrypted OOXML)


def _check_ole(data: bytes) -> None:
    _check_ole_header(data)
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except Exception as exc:
        raise RosterFileError(RosterMessage.CORRUPT) from exc
    with ole:
        if ole.exists("EncryptedPackage"):
            raise RosterFileError(RosterMessage.ENCRYPTED)
        if ole.exists("_VBA_PROJECT_CUR"):
            raise RosterFileError(RosterMessage.MACROS)
        _check_ole_directory(ole, data)
        books = [
            path
            for path in ole.listdir(streams=True, storages=False)
            if path[-1].lower() in ("workbook", "book")
        ]
        if not books:
            raise RosterFileError(RosterMessage.UNSUPPORTED)
        for path in books:  # calamine takes the first by name, wherever it is: check them all
            try:
                stream = ole.openstream(path).read()
            except Exception as exc:
                raise RosterFileError(RosterMessage.CORRUPT) from exc
            _guard_xls(stream)


def _check_ole_header(data: bytes) -> None:
    """calamine sizes some buffers from these counts before reading anything: keep them real."""
    if len(data) < 512:
        raise RosterFileError(RosterMessage.CORRUPT)
    sector_size = 4096 if struct.unpack_from("<H", data, 30)[0] == 12 else 512
    sectors = len(data) // sector_size + 1
    directory, fat, _, _, _, _, minifat, _, difat = struct.unpack_from("<9I", data, 40)
    if max(directory, fat, minifat, difat) > sectors:
        raise RosterFileError(RosterMessage.CORRUPT)


def _check_ole_directory(ole: olefile.OleFileIO, data: bytes) -> None:
    """calamine reads every directory entry, reachable or not, and trusts its stream size."""
    raw = ole.directory_fp.getvalue()
    wide = ole.sectorsize != 512
    for index in range(len(raw) // 128):
        entry = raw[index * 128 : (index + 1) * 128]
        if entry[66] == 0:  # unused
            continue
        size = struct.unpack_from("<Q" if wide else "<I", entry, 120)[0]
        if size > len(data) or index >= len(ole.direntries) or ole.direntries[index] is None:
            raise RosterFileError(RosterMessage.CORRUPT)


XLS_RECORD = struct.Struct("<HH")
XLS_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})


def _guard_xls(stream: bytes) -> None:
    """Walk the BIFF records as calamine does: encryption, shared strings, every sheet's extent."""
    size = len(stream)
    sheet_offsets = []
    for typ, body in _xls_records(stream, 0):
        if typ == 0x002F:  # FilePass
            raise RosterFileError(RosterMessage.ENCRYPTED)
        if typ == 0x00FC and len(body) >= 8:  # SST: calamine reserves room for its count
            (count,) = struct.unpack_from("<i", body, 4)
            if not 0 <= count <= size // 3:
                raise RosterFileError(RosterMessage.CORRUPT)
        elif typ == 0x0085 and len(body) >= 4:  # BoundSheet8: where a sheet's records start
            (offset,) = struct.unpack_from("<I", body)
            if offset >= size:
                raise RosterFileError(RosterMessage.CORRUPT)
            sheet_offsets.append(offset)
        elif typ == 0x000A:  # EOF
            break
    total = 0
    for offset in sheet_offsets:
        rows = cols = 0
        for typ, body in _xls_records(stream, offset):
            if typ in XLS_CELL_RECORDS and len(body) >= 4:
                row, col = XLS_RECORD.unpack_from(body)
                rows, cols = max(rows, row + 1), max(cols, col + 1)
            elif typ == 0x00BD and len(body) >= 6:  # MulRk: a run of cells in one row
                row, first = XLS_RECORD.unpack_from(body)
                rows, cols = max(rows, row + 1), max(cols, first + (len(body) - 6) // 6)
            elif typ == 0x0200:  # Dimensions: calamine reserves rows × columns up front
                total += _xls_dimensions_cells(body)
            elif typ == 0x000A:
                break
        total += rows * cols
        if total > MAX_GRID_CELLS:
            _refuse_grid()


def _xls_records(stream: bytes, offset: int):
    size = len(stream)
    while offset + 4 <= size:
        typ, length = XLS_RECORD.unpack_from(stream, offset)
        yield typ, stream[offset + 4 : offset + 4 + length]
        offset += 4 + length


def _xls_dimensions_cells(body: bytes) -> int:
    if len(body) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
    else:
        return 0
    if last_row < 1 or last_col < 1:
        return 1
    # calamine subtracts in u32: a first beyond the last wraps round to some four billion.
    return ((last_row - first_row) % 2**32) * ((last_col - first_col) % 2**32)


# ---------------------------------------------------------------------------------------------
# Checking the cells


MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")
MOBILE_SEPARATORS = re.compile(r"[\s\-]+")


@cache
def _choices(choices: type[models.TextChoices]) -> dict[str, str]:
    """Chinese label → value, whatever language is active: the spreadsheet is always Chinese."""
    with translation.override(None):
        return {str(label): value for value, label in choices.choices}


def clean_rows(rows: list[RosterRow]) -> tuple[list[CleanPerson], list[CellError]]:
    """Every row checked, all problems reported, one CellError each; a faulty row yields no one."""
    genders = _choices(Gender)
    party_statuses = _choices(PartyStatus)
    party_message = RosterMessage.PARTY_STATUS.format(choices="、".join(party_statuses))
    keys = [column.key for column in COLUMNS]
    required = [column.required for column in COLUMNS]
    limits = [(n, MAX_LENGTHS[key]) for n, key in enumerate(keys) if key in MAX_LENGTHS]
    people: list[CleanPerson] = []
    errors: list[CellError] = []
    first_seen: dict[tuple[str, str], int] = {}

    for row in rows:
        values, number = row.values, row.row_number
        fields = [values.get(key, "") for key in keys]
        name, gender_text, raw_id, raw_mobile, department, post, party_text, program = fields
        problems: list[tuple[int, str]] = []  # (column index, message)
        if not all(fields):
            problems += [
                (n, RosterMessage.REQUIRED)
                for n, text in enumerate(fields)
                if required[n] and not text
            ]
        for n, limit in limits:
            if len(fields[n]) > limit:
                problems.append((n, RosterMessage.TOO_LONG.format(limit=limit)))

        gender = genders.get(gender_text)
        if gender is None and gender_text:
            problems.append((1, RosterMessage.GENDER))

        # ASCII letters and digits are already what normalise_id_number would make of them.
        if raw_id.isascii() and raw_id.isalnum():
            id_number = raw_id.upper()
        else:
            id_number = pii.normalise_id_number(raw_id)
        if row.numeric_id:
            problems.append((2, pii.IdNumberError.NUMERIC_CELL))
        elif id_number and (why := pii.id_number_problem(id_number)):
            problems.append((2, why))
        elif id_number:
            seen = first_seen.setdefault((id_number, program), number)
            if seen != number:
                problems.append((2, RosterMessage.DUPLICATE.format(row=seen)))

        if raw_mobile.isascii() and raw_mobile.isdigit():
            mobile = raw_mobile
        else:
            mobile = MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw_mobile))
        if raw_mobile and not MOBILE_PATTERN.fullmatch(mobile):
            problems.append((3, RosterMessage.MOBILE))

        party_status = party_statuses.get(party_text)
        if party_status is None and party_text:
            problems.append((6, party_message))

        if problems:
            problems.sort(key=lambda problem: problem[0])
            errors += [CellError(number, COLUMNS[n].header, message) for n, message in problems]
            continue
        assert gender is not None  # noqa: S101 - a row without one has a problem and was skipped
        assert party_status is not None  # noqa: S101
        people.append(
            CleanPerson(
                number,
                name,
                gender,
                id_number,
                mobile,
                department,
                post,
                party_status,
                program,
                pii.area_is_known(id_number),
            )
        )
    return people, errors


# ---------------------------------------------------------------------------------------------
# Writing: the template, and the annotated copy of a refused roster


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")
ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")
ERROR_FONT = Font(color="FF9C0006")
COLUMN_WIDTHS = {
    "name": 16,
    "gender": 8,
    "id_number": 22,
    "mobile": 15,
    "department": 24,
    "post": 18,
    "party_status": 14,
    "program": 36,
}
TEXT_COLUMNS = ("id_number", "mobile")
ERROR_HEADER = "错误"
PROGRAMS_SHEET = "班次"
INLINE_LIST_LIMIT = 255


def build_template(program_names: list[str]) -> bytes:
    """An .xlsx to fill in: headers, drop-downs, text-formatted ID and mobile columns, an example."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    _write_header(sheet, [column.header for column in COLUMNS])
    letters = {column.key: get_column_letter(n) for n, column in enumerate(COLUMNS, start=1)}
    for key, width in COLUMN_WIDTHS.items():
        sheet.column_dimensions[letters[key]].width = width
    for key in TEXT_COLUMNS:  # so Excel keeps all 18 digits of an ID number typed in later
        sheet.column_dimensions[letters[key]].number_format = "@"
    sheet.freeze_panes = "A2"

    genders, party_labels = list(_choices(Gender)), list(_choices(PartyStatus))
    _add_list(sheet, letters["gender"], '"' + ",".join(genders) + '"')
    _add_list(sheet, letters["party_status"], '"' + ",".join(party_labels) + '"')
    names = [_clean_text(name) for name in program_names if name]
    if names:
        listed = ",".join(names)
        if len(listed) > INLINE_LIST_LIMIT or any("," in n or '"' in n for n in names):
            options = workbook.create_sheet(PROGRAMS_SHEET)
            options.sheet_state = "hidden"
            for n, name in enumerate(names, start=1):
                options.cell(n, 1, name).data_type = "s"
            formula = f"{quote_sheetname(PROGRAMS_SHEET)}!$A$1:$A${len(names)}"
        else:
            formula = f'"{listed}"'
        _add_list(sheet, letters["program"], formula)

    example = {
        "name": TEMPLATE_EXAMPLE_NAME,
        "gender": genders[0],
        "id_number": TEMPLATE_EXAMPLE_ID,
        "mobile": "13800138000",
        "department": "党委组织部",
        "post": "组织员",
        "party_status": party_labels[-1],
        "program": names[0] if names else "",
    }
    for n, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(2, n, example[column.key])
        cell.data_type = "s"
        if column.key in TEXT_COLUMNS:
            cell.number_format = "@"
    return _save(workbook)


def _add_list(sheet, letter: str, formula: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error="请从下拉列表中选择",
    )
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def error_workbook(rows: list[RosterRow], errors: list[CellError]) -> bytes:
    """The roster as read, each row's problems in a last column 错误, the faulty cells marked.

    Errors that belong to no row read (a headcount reported on the header, say) follow the rows.
    """
    by_row: dict[int, list[CellError]] = defaultdict(list)
    for error in errors:
        by_row[error.row_number].append(error)
    headers = [column.header for column in COLUMNS]
    position = {header: n for n, header in enumerate(headers, start=1)}
    error_column = len(headers) + 1

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    _write_header(sheet, [*headers, ERROR_HEADER])
    for n, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = COLUMN_WIDTHS[column.key]
    sheet.column_dimensions[get_column_letter(error_column)].width = 60
    sheet.freeze_panes = "A2"
    for line, row in enumerate(rows, start=2):
        for n, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(line, n, _clean_text(row.values.get(column.key, "")))
            cell.data_type = "s"  # text, never a formula, whatever it starts with
        row_errors = by_row.pop(row.row_number, [])
        if row_errors:
            text = "；".join(f"「{error.header}」{error.message}" for error in row_errors)
            _write_error(sheet.cell(line, error_column), text)
        for error in row_errors:
            if error.header in position:
                sheet.cell(line, position[error.header]).fill = ERROR_FILL
    for line, error in enumerate(chain.from_iterable(by_row.values()), start=len(rows) + 2):
        _write_error(sheet.cell(line, error_column), str(error))
    return _save(workbook)


def _write_error(cell, text: str) -> None:
    cell.value = _clean_text(text)
    cell.data_type = "s"
    cell.font = ERROR_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_header(sheet, headers: list[str]) -> None:
    for n, header in enumerate(headers, start=1):
        cell = sheet.cell(1, n, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")


def _clean_text(value: str) -> str:
    """Control characters XML cannot hold are dropped rather than fail the whole workbook."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
