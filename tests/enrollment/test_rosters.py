import datetime
import io
import struct
import zipfile

import pytest
from django.utils import translation
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from enrollment import rosters
from enrollment.models import Gender, PartyStatus
from enrollment.rosters import (
    COLUMNS,
    MAX_FILE_BYTES,
    CellError,
    RosterFileError,
    RosterMessage,
    RosterRow,
    build_template,
    clean_rows,
    error_workbook,
    read_roster,
)
from portal.pii import IdNumberError
from tests.conftest import require_tool
from tests.enrollment.roster_files import (
    HEADERS,
    PROGRAM,
    biff_cell,
    biff_record,
    convert_with_soffice,
    encrypted_ooxml_bytes,
    line,
    ods_bytes,
    ole2_bytes,
    person,
    valid_id,
    with_sheet_data,
    workbook_stream,
    xls_bytes,
    xlsx_bytes,
    zip_bytes,
    zip_entries,
)


def refusal(data: bytes) -> str:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data)
    return caught.value.message


def row(number: int, **values) -> RosterRow:
    """A roster row as read_roster returns it, from person() values as text."""
    return RosterRow(number, {key: str(value) for key, value in person(number, **values).items()})


def messages(errors: list[CellError]) -> list[str]:
    return [str(error) for error in errors]


# --- reading ---------------------------------------------------------------------------------


def test_a_valid_xlsx_is_read_and_cleaned():
    # given
    data = xlsx_bytes([line(person(1)), line(person(2, party_status="预备党员"))])

    # when
    rows = read_roster(data)
    people, errors = clean_rows(rows)

    # then
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].values == {key: str(value) for key, value in person(1).items()}
    assert not rows[0].numeric_id
    assert errors == []
    first, second = people
    assert first.row_number == 2
    assert first.name == "李1"
    assert first.gender == Gender.FEMALE
    assert first.id_number == valid_id(1)
    assert first.mobile == "13900000001"
    assert first.department == "党委组织部"
    assert first.post == "组织员"
    assert first.party_status == PartyStatus.MEMBER
    assert first.program_name == PROGRAM
    assert first.area_known
    assert second.gender == Gender.MALE
    assert second.party_status == PartyStatus.PROBATIONARY


def test_an_ods_is_read():
    rows = read_roster(ods_bytes([line(person(1)), line(person(2))]))

    assert [r.row_number for r in rows] == [2, 3]
    assert rows[1].values["id_number"] == valid_id(2)
    assert clean_rows(rows)[1] == []


def test_an_xls_is_read():
    rows = read_roster(xls_bytes([line(person(1)), line(person(2))]))

    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].values["name"] == "李1"
    assert clean_rows(rows)[1] == []


@pytest.mark.parametrize("target", ["xls", "ods", "xlsx"])
def test_files_saved_by_libreoffice_are_read(tmp_path, target):
    require_tool("soffice")
    data = convert_with_soffice(
        xlsx_bytes([line(person(1)), line(person(2))]), "xlsx", target, tmp_path
    )

    rows = read_roster(data)

    assert [r.values["name"] for r in rows] == ["李1", "李2"]
    assert clean_rows(rows)[1] == []


def test_the_type_is_judged_by_content_not_by_name():
    # an xlsx's bytes are read whatever the upload was called; a renamed CSV is not
    csv = "姓名,性别,身份证号\n张三,男,11010519491231002X\n".encode()

    assert refusal(csv) == RosterMessage.UNSUPPORTED
    assert refusal(b"PK\x03\x04 not really a zip") == RosterMessage.CORRUPT
    assert refusal(zip_bytes({"word/document.xml": b"<w/>"})) == RosterMessage.UNSUPPORTED
    assert refusal(ole2_bytes({"WordDocument": b"\0" * 10})) == RosterMessage.UNSUPPORTED


def test_headers_may_come_in_any_order_with_extra_columns():
    # given
    order = [6, 0, 7, 3, 1, 5, 2, 4]
    headers = ["序号", *[HEADERS[n] for n in order], "备注"]
    values = line(person(1))

    # when
    rows = read_roster(xlsx_bytes([[1, *[values[n] for n in order], "无"]], headers))

    # then
    assert rows[0].values == {key: str(value) for key, value in person(1).items()}


def test_headers_match_whatever_their_spacing_and_a_title_row_is_skipped():
    headers = [
        "姓 名",
        "性别*",
        " 身份证号 ",
        "手机号码",
        "所在部门",
        "岗位／人员类别",
        "政治面貌",
        "培训班次",
    ]
    data = xlsx_bytes([headers, line(person(1))], ["某某大学参训人员名单"])

    rows = read_roster(data)

    assert [(r.row_number, r.values["name"]) for r in rows] == [(3, "李1")]


def test_missing_headers_are_all_named_at_once():
    headers = [h for h in HEADERS if h not in ("性别", "政治面貌")]

    message = refusal(xlsx_bytes([["张三"]], headers))

    assert message == "表头缺少以下列：性别、政治面貌；请使用下载的名单模板填写"


@pytest.mark.parametrize(
    "change",
    [
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
        {
            "[Content_Types].xml": b'<Types><Override ContentType="application/'
            b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
        },
    ],
    ids=["vba-project", "macro-enabled-type"],
)
def test_a_macro_enabled_workbook_is_refused(change):
    entries = zip_entries(xlsx_bytes([line(person(1))]))

    assert refusal(zip_bytes(entries | change)) == RosterMessage.MACROS


def test_a_password_protected_xlsx_is_refused():
    assert refusal(encrypted_ooxml_bytes()) == RosterMessage.ENCRYPTED


def test_an_encrypted_xls_is_refused():
    file_pass = biff_record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    data = ole2_bytes({"Workbook": workbook_stream(b"", globals_extra=file_pass)})

    assert refusal(data) == RosterMessage.ENCRYPTED


def test_corrupted_files_are_refused():
    xlsx = xlsx_bytes([line(person(1))])
    broken_sheet = zip_entries(xlsx) | {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
    bogus_strings = biff_record(0x00FC, struct.pack("<ii", 1, 2**31 - 1))
    xls_with_bogus_strings = ole2_bytes(
        {"Workbook": workbook_stream(b"", globals_extra=bogus_strings)}
    )

    assert refusal(xlsx[: len(xlsx) // 2]) == RosterMessage.CORRUPT
    assert refusal(zip_bytes(broken_sheet)) == RosterMessage.CORRUPT
    assert refusal(xls_bytes([line(person(1))])[:1500]) == RosterMessage.CORRUPT
    assert refusal(xls_with_bogus_strings) == RosterMessage.CORRUPT


def test_a_highly_compressed_entry_is_refused_as_a_zip_bomb():
    entries = zip_entries(xlsx_bytes([line(person(1))]))
    entries["xl/media/padding.bin"] = bytes(2 * 1024 * 1024)  # ~2 KB deflated: ratio ~1000

    assert refusal(zip_bytes(entries)) == RosterMessage.BOMB


def test_too_many_entries_or_too_much_unzipped_data_is_refused(monkeypatch):
    entries = zip_entries(xlsx_bytes([line(person(1))]))
    many = entries | {f"xl/media/{n}.bin": b"" for n in range(1_000)}

    assert refusal(zip_bytes(many)) == RosterMessage.BOMB
    monkeypatch.setattr(rosters.guards, "MAX_UNZIPPED_BYTES", 10_000)
    assert refusal(zip_bytes(entries | {"xl/media/a.bin": bytes(10_000)})) == RosterMessage.BOMB


def test_xml_with_a_doctype_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    entries = zip_entries(xlsx_bytes([line(person(1))]))

    assert refusal(zip_bytes(entries | {"xl/worksheets/sheet1.xml": laughs})) == (
        RosterMessage.XML_DECLARATIONS
    )


def test_a_file_over_10_mb_or_empty_is_refused_before_parsing():
    assert (
        refusal(b"PK" + bytes(MAX_FILE_BYTES)) == "文件超过 10 MB，请删除多余内容或拆分后分批上传"
    )
    assert refusal(b"") == RosterMessage.EMPTY_FILE


def test_more_than_max_rows_are_refused(monkeypatch):
    monkeypatch.setattr(rosters.reading, "MAX_ROWS", 3)

    assert read_roster(xlsx_bytes([line(person(n)) for n in range(3)]))
    assert refusal(xlsx_bytes([line(person(n)) for n in range(4)])) == (
        "名单超过 3 行，请拆分后分批上传"
    )


def test_a_sheet_without_people_is_refused():
    assert refusal(xlsx_bytes([])) == RosterMessage.NO_DATA
    assert refusal(xlsx_bytes([], headers=[])) == RosterMessage.EMPTY_SHEET


def test_empty_rows_are_skipped_and_row_numbers_are_the_sheets_own():
    # given: an empty row, and a row with only a number in an unknown column
    headers = [*HEADERS, "序号"]
    data = xlsx_bytes(
        [line(person(1)), [], ["", "", "", "", "", "", "", "", 3], line(person(2))], headers
    )

    # when
    rows = read_roster(data)

    # then
    assert [r.row_number for r in rows] == [2, 5]


def test_cell_values_become_the_text_the_user_sees():
    values = person(1, mobile=13800138000.0, department=datetime.date(2025, 3, 1), post=1.5)

    rows = read_roster(xlsx_bytes([line(values)]))

    assert rows[0].values["mobile"] == "13800138000"
    assert rows[0].values["department"] == "2025-03-01"
    assert rows[0].values["post"] == "1.5"
    assert not rows[0].numeric_id


@pytest.mark.parametrize("build", [xlsx_bytes, ods_bytes, xls_bytes], ids=["xlsx", "ods", "xls"])
def test_an_id_number_saved_as_a_number_is_refused_never_coerced(build):
    # given: Excel has kept 15 significant digits of 110105194912310021
    rows = read_roster(build([line(person(1, id_number=110105194912310021))]))

    # when
    people, errors = clean_rows(rows)

    # then
    assert rows[0].numeric_id
    assert people == []
    assert messages(errors) == [f"第2行「身份证号」{IdNumberError.NUMERIC_CELL}"]


# --- sheets whose dense grid would be too large for calamine ---------------------------------
# If one of these guards failed, calamine would abort the test process: no test would pass.


def test_an_xlsx_with_a_far_away_cell_is_refused():
    far = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'

    assert refusal(with_sheet_data(xlsx_bytes([]), far)) == RosterMessage.GRID_TOO_BIG


def test_an_xlsx_whose_cells_have_no_reference_or_a_prefix_is_walked_exactly():
    wide_row = b'<row r="1">' + b"<c><v>1</v></c>" * 100 + b"</row>"
    far_down = b'<row r="1048576"><c><v>1</v></c></row>'
    prefixed = (
        b'<x:row r="1"><x:c r="XFD1048576"><x:v>1</x:v></x:c><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
    )

    assert refusal(with_sheet_data(xlsx_bytes([]), wide_row + far_down)) == (
        RosterMessage.GRID_TOO_BIG
    )
    assert refusal(with_sheet_data(xlsx_bytes([]), prefixed)) == RosterMessage.GRID_TOO_BIG


def test_an_xlsx_with_empty_styled_cells_far_away_is_still_read():
    # given: borders drawn down to row 900000, as Excel stores them
    data = xlsx_bytes([line(person(1))])
    xml = zip_entries(data)["xl/worksheets/sheet1.xml"]
    far = b'<row r="900000"><c r="H900000" s="0"/></row>'
    sheet_data = xml.partition(b"<sheetData>")[2].partition(b"</sheetData>")[0] + far

    rows = read_roster(with_sheet_data(data, sheet_data))

    assert [r.values["name"] for r in rows] == ["李1"]


def test_calamine_expands_empty_elements_as_the_xlsx_guard_assumes():
    # the guard follows calamine's positions: <c r="C1"/> moves the next unreferenced cell to D1
    sheet_data = b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"/><c><v>2</v></c></row><row r="3"/><c><v>3</v></c>'
    data = with_sheet_data(xlsx_bytes([]), sheet_data)

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)

    assert sheet.to_python() == [
        [1.0, "", "", 2.0],
        ["", "", "", ""],
        ["", "", "", ""],
        [3.0, "", "", ""],
    ]


@pytest.mark.parametrize(
    "row",
    [
        '<table:table-row><table:table-cell office:value-type="float" office:value="1" '
        'table:number-columns-repeated="100000000"/></table:table-row>',
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        'office:value-type="float" office:value="1" table:number-columns-repeated="16"/>'
        "</table:table-row>",
        '<table:table-row><table:table-cell table:number-columns-repeated="100000000"/>'
        '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>',
    ],
    ids=["repeated-cell", "repeated-row", "empty-cells-before-a-value"],
)
def test_an_ods_with_huge_repeats_is_refused(row):
    data = ods_bytes([], tables=f'<table:table table:name="名单">{row}</table:table>')

    assert refusal(data) == RosterMessage.GRID_TOO_BIG


def test_an_ods_with_libreoffices_trailing_empty_rows_and_columns_is_read():
    # given: what LibreOffice writes after the data of every sheet
    rows = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
            for value in values
        )
        + '<table:table-cell table:number-columns-repeated="1016"/></table:table-row>'
        for values in [HEADERS, line(person(1))]
    )
    trailing = (
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    sheet = f'<table:table table:name="名单">{rows}{trailing}</table:table>'

    # when
    result = read_roster(ods_bytes([], tables=sheet + sheet.replace("名单", "说明")))

    # then
    assert [r.values["name"] for r in result] == ["李1"]


def test_an_xls_with_a_far_away_cell_or_huge_dimensions_is_refused():
    far = biff_cell(0, 0, "x") + biff_cell(65535, 255, "y")
    dimensions = biff_record(0x0200, struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 0xFFFF, 0))

    assert refusal(ole2_bytes({"Workbook": workbook_stream(far)})) == RosterMessage.GRID_TOO_BIG
    assert refusal(ole2_bytes({"Workbook": workbook_stream(dimensions)})) == (
        RosterMessage.GRID_TOO_BIG
    )


# --- cleaning --------------------------------------------------------------------------------


def test_id_numbers_and_mobiles_are_normalised():
    full_width = valid_id(7).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    with_x = next(valid_id(n) for n in range(100, 1000) if valid_id(n).endswith("X"))
    spaced = valid_id(45)
    rows = [
        row(2, id_number=full_width),
        row(3, id_number=with_x.lower()),
        row(
            4, id_number=f" {spaced[:6]} {spaced[6:14]}\u3000{spaced[14:]} ", mobile="139-0000 0004"
        ),
    ]

    people, errors = clean_rows(rows)

    assert errors == []
    assert [p.id_number for p in people] == [valid_id(7), with_x, spaced]
    assert people[2].mobile == "13900000004"


def test_a_bad_checksum_is_reported_with_row_and_column():
    number = valid_id(1)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")

    people, errors = clean_rows([row(5, id_number=wrong)])

    assert people == []
    assert messages(errors) == ["第5行「身份证号」校验位错误"]


def test_an_unknown_area_is_accepted_and_flagged():
    people, errors = clean_rows([row(2, id_number=valid_id(1, area="990105"))])

    assert errors == []
    assert not people[0].area_known


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"mobile": "1380013800"}, "第2行「手机号码」应为 11 位手机号码"),
        ({"mobile": "12800138000"}, "第2行「手机号码」应为 11 位手机号码"),
        ({"gender": "M"}, "第2行「性别」应为“男”或“女”"),
        (
            {"party_status": "群众"},
            "第2行「政治面貌」应为以下之一：入党积极分子、发展对象、预备党员、正式党员",
        ),
        ({"id_number": "11010519900101"}, f"第2行「身份证号」{IdNumberError.FORMAT}"),
        (
            {"id_number": valid_id(1, birth="19900230")},
            f"第2行「身份证号」{IdNumberError.BIRTH_DATE}",
        ),
        ({"name": ""}, "第2行「姓名」不能为空"),
        ({"program": ""}, "第2行「培训班次」不能为空"),
        ({"name": "名" * 51}, "第2行「姓名」不能超过 50 个字"),
        # digits of another script look like digits to Python, not to an ID card or a phone
        ({"mobile": "١٣٨٠٠١٣٨٠٠٠"}, "第2行「手机号码」应为 11 位手机号码"),
        (
            {"id_number": "".join(chr(0x660 + int(d)) for d in valid_id(1)[:17]) + valid_id(1)[17]},
            f"第2行「身份证号」{IdNumberError.FORMAT}",
        ),
        (
            {"id_number": valid_id(1, birth="18991231")},
            f"第2行「身份证号」{IdNumberError.BIRTH_DATE}",
        ),
        (
            {"id_number": valid_id(1, birth="20991231")},
            f"第2行「身份证号」{IdNumberError.BIRTH_DATE}",
        ),
        ({"name": "张\u202e三"}, f"第2行「姓名」{RosterMessage.CONTROL_CHARACTERS}"),
        ({"post": "组织员\n"}, f"第2行「岗位/人员类别」{RosterMessage.CONTROL_CHARACTERS}"),
        ({"department": "\x1b[31m组织部"}, f"第2行「所在部门」{RosterMessage.CONTROL_CHARACTERS}"),
    ],
)
def test_a_bad_value_is_reported(values, expected):
    people, errors = clean_rows([row(2, **values)])

    assert people == []
    assert messages(errors) == [expected]


def test_the_same_person_twice_for_one_program_is_a_duplicate():
    rows = [
        row(2, id_number=valid_id(1)),
        row(3, id_number=valid_id(1), program="另一个班次"),
        row(4, id_number=valid_id(1).lower()),
    ]

    people, errors = clean_rows(rows)

    assert [p.row_number for p in people] == [2, 3]
    assert messages(errors) == ["第4行「身份证号」与第2行重复"]


def test_all_errors_are_reported_at_once():
    rows = [
        row(2, gender="男性", mobile="123"),
        row(3),
        row(4, name="", id_number="110105199001010000", party_status="党员"),
        row(5, department="", post=""),
    ]

    people, errors = clean_rows(rows)

    assert [p.row_number for p in people] == [3]
    assert messages(errors) == [
        "第2行「性别」应为“男”或“女”",
        "第2行「手机号码」应为 11 位手机号码",
        "第4行「姓名」不能为空",
        "第4行「身份证号」校验位错误",
        "第4行「政治面貌」应为以下之一：入党积极分子、发展对象、预备党员、正式党员",
        "第5行「所在部门」不能为空",
        "第5行「岗位/人员类别」不能为空",
    ]


def test_labels_are_matched_in_chinese_whatever_language_is_active():
    with translation.override("en"):
        people, errors = clean_rows([row(2)])

    assert errors == []
    assert people[0].party_status == PartyStatus.MEMBER


# --- writing ---------------------------------------------------------------------------------


def test_the_template_has_headers_drop_downs_text_columns_and_a_valid_example():
    # when
    data = build_template(["党务干部示范培训班", "组织员专题培训班"])

    # then
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "名单"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {
        "B2:B20001": '"男,女"',
        "G2:G20001": '"入党积极分子,发展对象,预备党员,正式党员"',
        "H2:H20001": '"党务干部示范培训班,组织员专题培训班"',
    }
    assert sheet.column_dimensions["C"].number_format == "@"
    assert sheet.column_dimensions["D"].number_format == "@"
    assert sheet["C2"].value == "11010519491231002X"
    assert sheet["A2"].value == rosters.TEMPLATE_EXAMPLE_NAME
    people, errors = clean_rows(read_roster(data))
    assert errors == []
    assert people[0].program_name == "党务干部示范培训班"


def test_a_long_program_list_goes_on_a_hidden_sheet():
    names = [f"第{n}期党务干部示范培训班（线上）" for n in range(30)]

    workbook = load_workbook(io.BytesIO(build_template(names)))

    programs = workbook["班次"]
    assert programs.sheet_state == "hidden"
    assert [row[0].value for row in programs.iter_rows()] == names
    formulas = [v.formula1 for v in workbook["名单"].data_validations.dataValidation]
    assert "'班次'!$A$1:$A$30" in formulas


def test_the_error_workbook_lists_each_rows_problems_and_writes_formulas_as_text():
    # given
    rows = [row(2, name="=1+1", gender="M", mobile="+86"), row(3), row(4, post="@SUM(A1)")]
    people, errors = clean_rows(rows)

    # when
    data = error_workbook(rows, errors)

    # then
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == [*HEADERS, "错误"]
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet["D2"].value == "+86"
    assert sheet["F4"].value == "@SUM(A1)"
    assert sheet["I2"].value == "「性别」应为“男”或“女”；「手机号码」应为 11 位手机号码"
    assert sheet["I3"].value is None
    assert sheet["B2"].fill.fgColor.rgb == rosters.ERROR_FILL.fgColor.rgb
    assert sheet["A3"].fill.fgColor.rgb != rosters.ERROR_FILL.fgColor.rgb
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    assert len(people) == 2


def test_columns_keep_their_published_order():
    assert [(c.key, c.header) for c in COLUMNS] == [
        ("name", "姓名"),
        ("gender", "性别"),
        ("id_number", "身份证号"),
        ("mobile", "手机号码"),
        ("department", "所在部门"),
        ("post", "岗位/人员类别"),
        ("party_status", "政治面貌"),
        ("program", "培训班次"),
    ]
    assert all(column.required for column in COLUMNS)


def test_the_error_workbook_lists_errors_that_belong_to_no_row_after_the_rows():
    # given: the caller reports a headcount on the header row
    rows = [row(2), row(3)]
    headcount = CellError(1, "培训班次", "「党务干部示范培训班」回执填报 3 人，名单中有 2 人")

    # when
    sheet = load_workbook(io.BytesIO(error_workbook(rows, [headcount]))).active

    # then
    assert sheet.max_row == 4
    assert sheet["A4"].value is None
    assert sheet["I4"].value == str(headcount)
