"""Importing a program's exam question bank from a spreadsheet: every row or none.

Every row is judged by the bank's own rules (the admin's); every problem is named by row and
column, all at once; a question already in the bank is skipped, so importing twice adds nothing.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from courses.models import Choice, Program, Question, QuestionKind
from courses.services import (
    QUESTION_IMPORT_HEADERS,
    QUESTION_IMPORT_MAX_ROWS,
    question_bank_import,
    question_template_xlsx,
)
from portal.errors import ApplicationError, PermissionRefused
from portal.models import AuditEvent
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

HEADER = list(QUESTION_IMPORT_HEADERS)  # 题型 题干 选项A…选项H 正确答案 解析


def line(kind, text, options=(), answer="", explanation=""):
    return [kind, text, *options, *[""] * (8 - len(options)), answer, explanation]


GOOD = [
    HEADER,
    line(
        "单选题", "党的根本宗旨是什么？", ["全心全意为人民服务", "发展生产力"], "A", "见党章总纲。"
    ),
    line("多选题", "党的思想路线包括？", ["一切从实际出发", "理论联系实际", "照搬书本"], "A B"),
    line("判断题", "预备党员的预备期为一年。", answer="对"),
    line("判断题", "入党申请人即为党员。", answer="错误"),
]


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(rows: list[list], name="questions.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx(rows))


@pytest.fixture
def coord(world):
    return world.users["coord_ug"]


@pytest.fixture
def program(world):
    return Program.objects.get(code="party-affairs-staff")


def bank(program):
    return {
        q.text: (q.kind, [(c.text, c.is_correct) for c in q.choices.all()], q.explanation)
        for q in Question.objects.filter(program=program).prefetch_related("choices")
    }


def errors_of(program, coord, rows):
    before = (Question.objects.count(), Choice.objects.count())
    result = question_bank_import(program=program, file=upload(rows), by=coord)
    assert not result.ok
    assert (Question.objects.count(), Choice.objects.count()) == before  # nothing written
    return [str(e) for e in result.errors]


# ---- a good file ------------------------------------------------------------------------------


def test_a_good_file_imports_every_kind(program, coord):
    result = question_bank_import(program=program, file=upload(GOOD), by=coord)

    assert result.ok
    assert (result.added, result.skipped) == (4, 0)
    assert bank(program) == {
        "党的根本宗旨是什么？": (
            QuestionKind.SINGLE,
            [("全心全意为人民服务", True), ("发展生产力", False)],
            "见党章总纲。",
        ),
        "党的思想路线包括？": (
            QuestionKind.MULTIPLE,
            [("一切从实际出发", True), ("理论联系实际", True), ("照搬书本", False)],
            "",
        ),
        "预备党员的预备期为一年。": (
            QuestionKind.TRUE_FALSE,
            [("正确", True), ("错误", False)],
            "",
        ),
        "入党申请人即为党员。": (QuestionKind.TRUE_FALSE, [("正确", False), ("错误", True)], ""),
    }
    event = AuditEvent.objects.get(action="question.import")
    assert event.actor == coord
    assert event.details == {"added": 4, "skipped": 0}


def test_importing_twice_adds_nothing(program, coord):
    question_bank_import(program=program, file=upload(GOOD), by=coord)

    again = question_bank_import(program=program, file=upload(GOOD), by=coord)

    assert again.ok
    assert (again.added, again.skipped, again.skipped_rows) == (0, 4, [2, 3, 4, 5])
    assert Question.objects.filter(program=program).count() == 4


def test_a_question_already_typed_in_the_admin_is_skipped_whatever_its_spacing(program, coord):
    QuestionFactory(
        program=program,
        text="党的 根本宗旨是什么？",
        choices=[("全心全意为人民服务", True), ("发展生产力", False)],
    )

    result = question_bank_import(program=program, file=upload(GOOD), by=coord)

    assert (result.added, result.skipped, result.skipped_rows) == (3, 1, [2])


def test_the_same_text_with_another_answer_in_the_bank_is_an_error(program, coord):
    QuestionFactory(
        program=program, text="党的根本宗旨是什么？", choices=[("甲", True), ("乙", False)]
    )

    errors = errors_of(program, coord, GOOD)

    assert errors == [
        "第2行「题干」：题库中已有题干相同的试题，但题型、选项或答案不同；"
        "请在后台修改该题，或修改本行题干。"
    ]


def test_the_template_documents_the_format_and_imports_as_it_is(program, coord):
    data = question_template_xlsx()
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sorted(sheet.cell(row=r, column=1).value for r in (2, 3, 4)) == [
        "判断题",
        "单选题",
        "多选题",
    ]
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"单选题,多选题,判断题"'
    assert "A2" in validation.sqref

    result = question_bank_import(program=program, file=data, by=coord)

    assert (result.ok, result.added) == (True, 3)


def test_headers_are_found_whatever_their_spacing_and_blank_rows_are_ignored(program, coord):
    rows = [
        [" 题 型 ", "题干", "选项Ａ", "选项B", "正确答案*"],
        [],
        ["单选题", "第一题", "甲", "乙", "b"],
    ]

    result = question_bank_import(program=program, file=upload(rows), by=coord)

    assert result.added == 1
    assert bank(program)["第一题"][1] == [("甲", False), ("乙", True)]


# ---- bad rows: named by row and column, all at once, nothing written -------------------------


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_written(program, coord):
    rows = [
        HEADER,
        line("单选题", "好题", ["甲", "乙"], "A"),  # row 2 is fine
        line("填空题", "题型不对", ["甲", "乙"], "A"),
        line("单选题", "两个答案", ["甲", "乙", "丙"], "AB"),
        line("单选题", "答案无选项", ["甲", "乙"], "D"),
        line("单选题", "答案不是字母", ["甲", "乙"], "甲"),
        line("多选题", "多选只有一个答案", ["甲", "乙", "丙"], "A"),
        line("单选题", "只有一个选项", ["甲"], "A"),
        line("单选题", "选项重复", ["甲", "甲"], "A"),
        line("判断题", "判断题填了选项", ["正确", "错误"], "正确"),
        line("判断题", "判断题答案不对", answer="A"),
        line("单选题", "好题", ["甲", "乙"], "A"),
        line("单选题", "", ["甲", "乙"], "A"),
        line("单选题", "没有答案", ["甲", "乙"]),
        line("单选题", "题" * 1001, ["甲", "乙"], "A"),
        line("单选题", "选项太长", ["甲" * 301, "乙"], "A"),
    ]

    errors = errors_of(program, coord, rows)

    assert errors[:11] == [
        "第3行「题型」：题型须为“单选题”“多选题”或“判断题”。",
        "第4行「正确答案」：单选题须有且只有一个正确答案。",
        "第5行「正确答案」：答案“D”没有对应的选项（选项D为空）。",
        "第6行「正确答案」：须为选项字母，如“A”或“ACD”。",
        "第7行「正确答案」：多选题须有 3 至 8 个选项，其中至少两个正确答案。",
        "第8行「选项」：每道题须有 2 至 8 个选项。",
        "第9行「选项」：同一道题的选项不能重复：「甲」出现了不止一次。",
        "第10行「选项A」：判断题不填选项（选项固定为“正确”“错误”），"
        "请清空选项列，在「正确答案」填写“正确”或“错误”。",
        "第11行「正确答案」：判断题的正确答案须为“正确”或“错误”（也可填“对”“错”）。",
        "第12行「题干」：与第2行的题干相同，同一道题不能导入两次。",
        "第13行「题干」：请填写题干。",
    ]
    assert errors[11] == "第14行「正确答案」：请填写正确答案。"
    assert errors[12].startswith("第15行「题干」：")
    assert errors[13].startswith("第16行「选项A」：")
    assert len(errors) == 14


def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(program, coord):
    with pytest.raises(ApplicationError, match=r"请上传 \.xlsx"):
        question_bank_import(
            program=program, file=SimpleUploadedFile("q.csv", "题型,题干\n".encode()), by=coord
        )
    with pytest.raises(ApplicationError, match="文件为空"):
        question_bank_import(program=program, file=SimpleUploadedFile("q.xlsx", b""), by=coord)
    with pytest.raises(ApplicationError, match="无法读取"):
        question_bank_import(program=program, file=b"PK\x03\x04" + b"\0" * 100, by=coord)
    with pytest.raises(ApplicationError, match="缺少「题型」「正确答案」列"):
        question_bank_import(program=program, file=upload([["题干"], ["一题"]]), by=coord)
    with pytest.raises(ApplicationError, match="没有试题"):
        question_bank_import(program=program, file=upload([HEADER]), by=coord)
    assert not Question.objects.filter(program=program).exists()


def test_a_file_over_2_mb_is_refused(program, coord):
    big = SimpleUploadedFile("q.xlsx", b"PK" + b"\0" * (2 * 1024 * 1024))
    with pytest.raises(ApplicationError, match="文件超过 2 MB"):
        question_bank_import(program=program, file=big, by=coord)


def test_more_than_2000_rows_are_refused(program, coord):
    rows = [HEADER] + [
        line("判断题", f"第{n}题", answer="对") for n in range(QUESTION_IMPORT_MAX_ROWS + 1)
    ]
    with pytest.raises(ApplicationError, match="超过 2000 道试题"):
        question_bank_import(program=program, file=upload(rows), by=coord)


def test_the_number_of_queries_does_not_grow_with_the_rows(
    program, coord, django_assert_max_num_queries
):
    rows = [HEADER] + [line("单选题", f"第{n}题", ["甲", "乙", "丙"], "B") for n in range(300)]
    with django_assert_max_num_queries(12):
        result = question_bank_import(program=program, file=upload(rows), by=coord)
    assert result.added == 300
    assert Choice.objects.filter(question__program=program).count() == 900


def test_only_the_academy_imports(world, program):
    for role in ("learner_a", "staff_a", "prov_bj"):
        with pytest.raises(PermissionRefused):
            question_bank_import(program=program, file=upload(GOOD), by=world.users[role])
    assert not Question.objects.exists()


# ---- the pages ------------------------------------------------------------------------------


def test_the_page_imports_and_tells_how_many(world, program, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("courses:question-import", kwargs={"code": program.code})

    page = client.get(url)
    assert page.status_code == 200
    assert reverse("courses:question-template", kwargs={"code": program.code}) in page.text

    response = client.post(url, {"file": upload(GOOD)}, follow=True)
    assert "已导入 4 道试题；0 道题库中已有，已跳过。" in response.text
    assert Question.objects.filter(program=program).count() == 4


def test_the_page_lists_every_row_error(world, program, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("courses:question-import", kwargs={"code": program.code})
    rows = [HEADER, line("单选题", "两个答案", ["甲", "乙"], "AB"), line("某题", "x", [], "A")]

    response = client.post(url, {"file": upload(rows)})

    assert response.status_code == 400
    assert "第2行「正确答案」：单选题须有且只有一个正确答案。" in response.text
    assert "第3行「题型」" in response.text
    assert not Question.objects.exists()


def test_the_page_shows_a_file_problem_on_the_field(world, program, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("courses:question-import", kwargs={"code": program.code})

    response = client.post(url, {"file": SimpleUploadedFile("q.txt", b"hello")})

    assert response.status_code == 400
    assert "请上传 .xlsx 格式的表格文件" in response.text


def test_the_template_downloads(world, program, client_for):
    client = client_for(world.users["admin"])
    response = client.get(reverse("courses:question-template", kwargs={"code": program.code}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "题型"


@pytest.mark.parametrize("role", ["learner_a", "staff_a", "prov_bj"])
@pytest.mark.parametrize("name", ["courses:question-import", "courses:question-template"])
def test_others_are_refused(world, program, client_for, role, name):
    client = client_for(world.users[role])
    url = reverse(name, kwargs={"code": program.code})
    assert client.get(url).status_code == 403
    if name == "courses:question-import":
        assert client.post(url, {"file": upload(GOOD)}).status_code == 403
        assert not Question.objects.exists()


@pytest.mark.parametrize("name", ["courses:question-import", "courses:question-template"])
def test_anonymous_is_sent_to_log_in(world, program, client_for, name):
    response = client_for(world.users["anonymous"]).get(
        reverse(name, kwargs={"code": program.code})
    )
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_admin_list_of_one_program_links_to_its_import(world, program, client_for):
    client = client_for(world.users["coord_ug"])
    url = reverse("admin:courses_question_changelist")
    link = reverse("courses:question-import", kwargs={"code": program.code})

    assert link in client.get(url, {"program__id__exact": program.pk}).text
    assert link not in client.get(url).text
