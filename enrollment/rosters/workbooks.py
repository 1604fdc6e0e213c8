"""Writing: the template to fill in, and the annotated copy of a refused roster."""

import io
from collections import defaultdict
from itertools import chain

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from enrollment.models import Gender, PartyStatus
from enrollment.rosters.cleaning import _choices
from enrollment.rosters.columns import (
    COLUMNS,
    MAX_ROWS,
    TEMPLATE_EXAMPLE_ID,
    TEMPLATE_EXAMPLE_NAME,
    CellError,
    RosterRow,
)
from portal.pii import mask_id_number, mask_mobile, normalise_id_number

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
    Resident ID numbers and mobile numbers are masked (an ID keeps its area code and last four
    characters, a mobile its first three and last four): the file lives a while in the cache, and
    the user corrects her own spreadsheet, by row number, not this copy.
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
            value = row.values.get(column.key, "")
            if column.key == "id_number":
                value = mask_id_number(normalise_id_number(value))
            elif column.key == "mobile":
                value = mask_mobile(value.strip())
            cell = sheet.cell(line, n, _clean_text(value))
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
