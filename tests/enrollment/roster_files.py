"""Roster spreadsheets built in code for the tests: xlsx (openpyxl), ods, xls and OLE2 by hand.

Nothing binary is committed. The xls and OLE2 writers produce just enough of the formats (a
version-3 compound file whose streams all live in regular sectors; BIFF8 records) for calamine and
olefile to read them.
"""

import io
import math
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook

from enrollment.rosters import COLUMNS
from portal.pii import check_digit

HEADERS = [column.header for column in COLUMNS]
PROGRAM = "党务干部示范培训班"


def valid_id(seed: int = 0, *, area: str = "110105", birth: str = "19900101") -> str:
    first17 = f"{area}{birth}{seed % 1000:03d}"
    return first17 + check_digit(first17)


def person(seed: int = 0, **values) -> dict[str, object]:
    """A valid roster line by column key; keyword arguments replace single values."""
    line = {
        "name": f"李{seed}",
        "gender": "女" if seed % 2 else "男",
        "id_number": valid_id(seed),
        "mobile": f"139{seed:08d}",
        "department": "党委组织部",
        "post": "组织员",
        "party_status": "正式党员",
        "program": PROGRAM,
    }
    line.update(values)
    return line


def line(values: dict[str, object]) -> list[object]:
    return [values[column.key] for column in COLUMNS]


def xlsx_bytes(rows: list[list[object]], headers: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS if headers is None else headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def with_sheet_data(data: bytes, sheet_data: bytes) -> bytes:
    """The xlsx with the <sheetData> of its first sheet replaced."""
    entries = zip_entries(data)
    xml = entries["xl/worksheets/sheet1.xml"]
    head, _, rest = xml.partition(b"<sheetData>")
    _, _, tail = rest.partition(b"</sheetData>")
    entries["xl/worksheets/sheet1.xml"] = (
        head + b"<sheetData>" + sheet_data + b"</sheetData>" + tail
    )
    return zip_bytes(entries)


# --- ods -----------------------------------------------------------------------------------

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">\
<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>\
</office:document-content>"""


def ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods_table(rows: list[list[object]], name: str = "名单") -> str:
    body = "".join(
        "<table:table-row>" + "".join(ods_cell(value) for value in row) + "</table:table-row>"
        for row in rows
    )
    return f"<table:table table:name={quoteattr(name)}>{body}</table:table>"


def ods_bytes(
    rows: list[list[object]], headers: list[str] | None = None, *, tables: str | None = None
) -> bytes:
    """An .ods: ``mimetype`` first and stored, then the manifest and content.xml."""
    if tables is None:
        tables = ods_table([HEADERS if headers is None else headers, *rows])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "content.xml", ODS_CONTENT.format(tables=tables), compress_type=zipfile.ZIP_DEFLATED
        )
    return buffer.getvalue()


# --- OLE2 compound files and xls ------------------------------------------------------------

SECTOR = 512
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole2_bytes(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` at its root.

    Each stream is padded to 4096 bytes at least, so none belongs in the mini stream.
    """
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    body, fat, placed = b"", [], []
    for name in names:
        content = streams[name].ljust(4096, b"\0")
        count = math.ceil(len(content) / SECTOR)
        start = len(fat)
        fat += [*range(start + 1, start + count), ENDOFCHAIN]
        placed.append((name, start, len(content)))
        body += content.ljust(count * SECTOR, b"\0")

    entries = [_direntry("Root Entry", 5, child=1 if names else NOSTREAM, start=ENDOFCHAIN)]
    for n, (name, start, size) in enumerate(placed, start=1):
        right = n + 1 if n < len(placed) else NOSTREAM
        entries.append(_direntry(name, 2, right=right, start=start, size=size))
    while len(entries) % (SECTOR // 128):
        entries.append(_direntry("", 0, start=0))
    directory_start, directory_count = len(fat), len(entries) * 128 // SECTOR
    fat += [*range(directory_start + 1, directory_start + directory_count), ENDOFCHAIN]
    body += b"".join(entries)

    fat_count = 1
    while len(fat) + fat_count > fat_count * (SECTOR // 4):
        fat_count += 1
    fat_start = len(fat)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    difat = [*range(fat_start, fat_start + fat_count)] + [FREESECT] * (109 - fat_count)
    header = (
        OLE_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack(
            "<IIIIIIIII", 0, fat_count, directory_start, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0
        )
        + struct.pack("<109I", *difat)
    )
    return header + body + struct.pack(f"<{len(fat)}I", *fat)


def _direntry(
    name: str,
    kind: int,
    *,
    right: int = NOSTREAM,
    child: int = NOSTREAM,
    start: int,
    size: int = 0,
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,
        NOSTREAM,
        right,
        child,
        bytes(16),
        0,
        0,
        0,
        start,
        size,
    )


def biff_record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _biff_string(text: str) -> bytes:
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def _bof(kind: int) -> bytes:
    return biff_record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def biff_cell(row: int, col: int, value: object) -> bytes:
    if isinstance(value, int | float):
        return biff_record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))
    return biff_record(0x0204, struct.pack("<HHH", row, col, 0) + _biff_string(str(value)))


def workbook_stream(sheet_records: bytes, *, globals_extra: bytes = b"") -> bytes:
    """A BIFF8 Workbook stream with one sheet “名单” whose records (after BOF) are given."""

    def globals_part(offset: int) -> bytes:
        name = "名单"
        sheet = struct.pack("<IBB", offset, 0, 0) + struct.pack("<BB", len(name), 1)
        return (
            _bof(0x0005)
            + biff_record(0x0042, struct.pack("<H", 1200))
            + globals_extra
            + biff_record(0x0085, sheet + name.encode("utf-16-le"))
            + biff_record(0x000A)
        )

    offset = len(globals_part(0))
    return globals_part(offset) + _bof(0x0010) + sheet_records + biff_record(0x000A)


def xls_bytes(rows: list[list[object]], headers: list[str] | None = None) -> bytes:
    table = [HEADERS if headers is None else headers, *rows]
    width = max(len(row) for row in table)
    records = biff_record(0x0200, struct.pack("<IIHHH", 0, len(table), 0, width, 0))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if value not in (None, ""):
                records += biff_cell(r, c, value)
    return ole2_bytes({"Workbook": workbook_stream(records)})


def encrypted_ooxml_bytes() -> bytes:
    """What Office writes for a password-protected .xlsx: an OLE2 file with EncryptedPackage."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    return ole2_bytes({"EncryptionInfo": info, "EncryptedPackage": bytes(range(256)) * 32})


# --- LibreOffice, where installed -----------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_soffice(data: bytes, suffix: str, target: str, directory: Path) -> bytes:
    source = directory / f"roster.{suffix}"
    source.write_bytes(data)
    profile = (directory / "profile").as_uri()
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(directory / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (directory / "out" / f"roster.{target}").read_bytes()
