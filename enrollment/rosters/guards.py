"""The checks a file passes before calamine sees it.

calamine expands a sheet into a dense grid as large as its farthest cell, and when Rust cannot
allocate it aborts the whole process: a 5 KB xlsx with cells at A1 and XFD1048576 would kill the
worker. So before calamine sees a file, the ``_guard_*`` functions bound the grids it would build,
from the raw parts and in bounded memory, and refuse the file when they would be too large. The
other checks refuse what is not a spreadsheet, macros, encryption and zip or XML bombs.
"""

import io
import re
import struct
import zipfile
import zlib
from xml.parsers import expat

import olefile

from enrollment.rosters.columns import MB, RosterFileError, RosterMessage

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

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


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
