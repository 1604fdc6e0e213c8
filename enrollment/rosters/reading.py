"""Reading an uploaded roster: the file judged by its content, the first worksheet's rows."""

import datetime
import io
import re
import unicodedata
from operator import itemgetter

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from enrollment.rosters.columns import (
    COLUMNS,
    HEADER_SEARCH_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MB,
    RosterFileError,
    RosterMessage,
    RosterRow,
)
from enrollment.rosters.guards import _check_ole, _check_zip

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
