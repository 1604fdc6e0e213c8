import calendar
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import av
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, SheetTypeEnum

from courses import catalog_2026, simulation_2026
from courses.models import (
    Choice,
    Cohort,
    HourBand,
    Lesson,
    Program,
    Question,
    QuestionKind,
    SimulationOption,
    SimulationStage,
    SimulationStep,
)
from enrollment.rosters import RosterFileError
from enrollment.rosters.guards import _check_ole, _check_zip
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record


@transaction.atomic
def catalog_load() -> int:
    """Load the 2026 catalog where it is missing; returns how many programs were created."""
    created = catalog_2026.load_into(Program, SimulationStage, SimulationStep)
    simulation_2026.load_into(Program, SimulationStep, SimulationOption)
    return created


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


MAX_STUDY_MONTHS = 2
ERROR_STUDY_TOO_LONG = _("学习时长原则上不超过2个月：结束日期最晚为 %(latest)s。")
ERROR_OVER_PROGRAM_LIMIT = _("该班次每期最多 %(max)s 人，容量不能超过此数。")
ERROR_CAPACITY_BELOW_ENROLLED = _("该期次已有 %(enrolled)s 名学员，容量不能少于此数。")
ERROR_PROGRAM_LOCKED = _("该期次已有学员，不能更换培训班次。")
ERROR_PROGRAM_CLOSED = _("班次「%(name)s」暂不接受报名，不能新建期次。")

COHORT_FIELDS = ("program", "name", "start_date", "end_date", "capacity", "coordinator")


def cohort_validate(cohort: Cohort) -> None:
    """Every rule a cohort must keep, whoever writes it (page, API, admin).

    The model's own rules first (bounded dates, capacity, a coordinator of the academy, a unique
    name), so that the date arithmetic below only ever sees dates near today; then the notice's
    scheduling rules: at most two months of study, a workshop at most its program's limit; then
    what its enrollments require: room for them all, and the program they were placed into.
    """
    validate_instance(cohort)  # includes the end not before the start (cohort_end_after_start)
    latest = add_months(cohort.start_date, MAX_STUDY_MONTHS)
    if cohort.end_date > latest:
        message = str(ERROR_STUDY_TOO_LONG % {"latest": latest.isoformat()})
        raise ApplicationError(message, fields={"end_date": [message]})
    program = cohort.program
    if program.max_participants is not None and cohort.capacity > program.max_participants:
        message = str(ERROR_OVER_PROGRAM_LIMIT % {"max": program.max_participants})
        raise ApplicationError(message, fields={"capacity": [message]})
    if cohort.pk is None:
        if not program.is_active:
            message = str(ERROR_PROGRAM_CLOSED % {"name": program.name})
            raise ApplicationError(message, fields={"program": [message]})
        return
    enrolled = cohort.enrollments.count()
    if cohort.capacity < enrolled:
        message = str(ERROR_CAPACITY_BELOW_ENROLLED % {"enrolled": enrolled})
        raise StateConflict(message, fields={"capacity": [message]})
    if enrolled:
        current = Cohort.objects.filter(pk=cohort.pk).values_list("program_id", flat=True).get()
        if current != cohort.program_id:
            message = str(ERROR_PROGRAM_LOCKED)
            raise StateConflict(message, fields={"program": [message]})


def _lock_program(program_id: int) -> None:
    """Cohorts and their program's limit change one at a time: each write locks the program."""
    list(Program.objects.select_for_update().filter(pk=program_id).values_list("pk"))


def _check_academy(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))


ERROR_NOT_ACADEMY = _("只有学院项目负责人可以安排期次。")


@transaction.atomic
def cohort_create(
    *,
    program: Program,
    name: str,
    start_date: date,
    end_date: date,
    capacity: int,
    coordinator: User | None,
    by: User,
) -> Cohort:
    _check_academy(by)
    cohort = Cohort(
        program=program,
        name=name,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        coordinator=coordinator,
    )
    _lock_program(program.pk)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.create", target=cohort)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by: User, data: dict) -> Cohort:
    """Change a cohort's schedule, capacity, name or coordinator; locked, so that a placement
    running at the same time cannot slip under a capacity being lowered."""
    _check_academy(by)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    changed = [
        name for name in COHORT_FIELDS if name in data and getattr(cohort, name) != data[name]
    ]
    for name in changed:
        setattr(cohort, name, data[name])
    _lock_program(cohort.program_id)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.change", target=cohort, details={"changed": changed})
    return cohort


ERROR_LIMIT_BELOW_COHORT = _("该班次已有容量为 %(capacity)s 的期次，人数上限不能低于此数。")


def program_validate(program: Program) -> None:
    """A program keeps the model's rules, and its limit holds every cohort already scheduled."""
    validate_instance(program)
    if program.pk is None or program.max_participants is None:
        return
    largest = program.cohorts.aggregate(largest=Max("capacity"))["largest"]
    if largest is not None and largest > program.max_participants:
        message = str(ERROR_LIMIT_BELOW_COHORT % {"capacity": largest})
        raise StateConflict(message, fields={"max_participants": [message]})


@transaction.atomic
def program_save(*, program: Program, by: User, changed: list[str]) -> Program:
    """Create or change a program of the catalog (the academy edits it in the admin)."""
    _check_academy(by)
    created = program.pk is None
    if not created:  # cohorts being scheduled wait (_lock_program), so the limit holds them all
        _lock_program(program.pk)
    program_validate(program)
    program.save()
    audit_record(
        actor=by,
        action=f"program.{'create' if created else 'change'}",
        target=program,
        details={"changed": changed},
    )
    return program


# ---- exam question bank ----

MIN_CHOICES, MAX_CHOICES = 2, 8
MIN_MULTIPLE_CHOICES = 3
TRUE_FALSE_TEXTS = ("正确", "错误")
ERROR_CHOICE_COUNT = _("每道题须有 2 至 8 个选项。")
ERROR_CHOICE_EMPTY = _("选项内容不能为空。")
ERROR_CHOICE_DUPLICATE = _("同一道题的选项不能重复：「%(text)s」出现了不止一次。")
ERROR_SINGLE_ONE_CORRECT = _("单选题须有且只有一个正确答案。")
ERROR_TRUE_FALSE_CHOICES = _("判断题的选项须恰好为“正确”和“错误”两项，并标出其中一项为正确答案。")
ERROR_MULTIPLE_CHOICES = _("多选题须有 3 至 8 个选项，其中至少两个正确答案。")
ERROR_NOT_ACADEMY_BANK = _("只有学院项目负责人可以编辑题库。")


@dataclass(frozen=True)
class ChoiceData:
    text: str
    is_correct: bool


def question_validate(question: Question, choices: Sequence[Choice | ChoiceData]) -> None:
    """Every rule a question of the bank keeps, whoever writes it (admin, import, demo).

    Every question has 2–8 choices with distinct texts; a single-choice question exactly one right
    choice; a true/false question exactly the two choices 正确/错误, one of them right; a
    multiple-choice question 3–8 choices, at least two of them right.
    """
    validate_instance(question, exclude=["program"] if question.program_id is None else None)
    question_choices_validate(question.kind, choices)


def question_choices_validate(kind: str, choices: Sequence[Choice | ChoiceData]) -> None:
    """The rules on a question's choices alone (the admin's inline checks them on its own)."""
    texts = [choice.text.strip() for choice in choices]
    if any(not text for text in texts):
        raise ApplicationError(str(ERROR_CHOICE_EMPTY))
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES:
        raise ApplicationError(str(ERROR_CHOICE_COUNT))
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            raise ApplicationError(str(ERROR_CHOICE_DUPLICATE % {"text": text}))
        seen.add(text)
    right = sum(1 for choice in choices if choice.is_correct)
    if kind == QuestionKind.TRUE_FALSE:
        if sorted(texts) != sorted(TRUE_FALSE_TEXTS) or right != 1:
            raise ApplicationError(str(ERROR_TRUE_FALSE_CHOICES))
    elif kind == QuestionKind.SINGLE:
        if right != 1:
            raise ApplicationError(str(ERROR_SINGLE_ONE_CORRECT))
    elif len(texts) < MIN_MULTIPLE_CHOICES or right < 2:
        raise ApplicationError(str(ERROR_MULTIPLE_CHOICES))


@transaction.atomic
def question_save(
    *, question: Question, choices: Sequence[ChoiceData], by: User | None
) -> Question:
    """Create or change a question with its choices (in the given order), all or nothing.

    ``by`` is None only for the system's own loads (demo data). Existing choices are kept by
    position, so that past attempts keep pointing at the rows their learners chose.
    """
    if by is not None and not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_BANK))
    question_validate(question, choices)
    created = question.pk is None
    question.save()
    existing = {choice.position: choice for choice in question.choices.all()}
    for position, data in enumerate(choices):
        choice = existing.pop(position, None) or Choice(question=question, position=position)
        choice.text, choice.is_correct = data.text.strip(), data.is_correct
        validate_instance(choice, exclude=["question"])
        choice.save()
    Choice.objects.filter(pk__in=[choice.pk for choice in existing.values()]).delete()
    if by is not None:
        audit_record(
            actor=by,
            action=f"question.{'create' if created else 'change'}",
            target=question,
        )
    return question


# ---- lessons ----

ERROR_VIDEO_UNREADABLE = _("无法读取该视频文件，请上传 MP4（H.264）或 WebM 视频。")
ERROR_VIDEO_TOO_LARGE = _("视频文件不能超过 %(limit)s MB（该文件约 %(size)s MB）。")
ERROR_VIDEO_MISSING = _("请上传视频文件。")
ERROR_NOT_ACADEMY_LESSON = _("只有学院项目负责人可以编辑视频课程。")


def video_duration_seconds(video) -> int:
    """The length in whole seconds of a video file (an upload or a stored file), read by PyAV.

    Refuses, on the field "video", a file that is not a readable video: no video stream, no frame
    that decodes, or no length. Only the container's header and the first frame are read.
    """
    message = str(ERROR_VIDEO_UNREADABLE)
    try:
        source = _probe_source(video)
        with av.open(source, mode="r") as container:
            if not container.streams.video:
                raise ApplicationError(message, fields={"video": [message]})
            stream = container.streams.video[0]
            seconds = None
            if container.duration:
                seconds = container.duration / av.time_base
            elif stream.duration and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            next(container.decode(stream))  # at least one frame decodes
    except (av.FFmpegError, OSError, ValueError, EOFError, StopIteration, IndexError):
        raise ApplicationError(message, fields={"video": [message]}) from None
    finally:
        if hasattr(video, "seek"):
            video.seek(0)
    if seconds is None or not math.isfinite(seconds) or seconds < 0.5:
        raise ApplicationError(message, fields={"video": [message]})
    return round(seconds)


def _probe_source(video):
    """A path when the file is on disk (a large upload, a stored file), else the file object."""
    inner = getattr(video, "file", None) if not getattr(video, "_committed", True) else None
    upload = inner if inner is not None else video
    if hasattr(upload, "temporary_file_path"):
        return upload.temporary_file_path()
    if getattr(video, "_committed", False):
        try:
            return video.path
        except NotImplementedError:  # a storage without local paths
            video.open("rb")
            return video.file
    upload.seek(0)
    return upload


def lesson_hours(program: Program, duration_seconds: int, bands=None) -> Decimal:
    """The hours a lesson of this length earns in ``program``: the band with the highest
    threshold it reaches (at least ``min_minutes`` minutes); below every band, or no band, 0."""
    if bands is None:
        bands = list(HourBand.objects.filter(program=program).values_list("min_minutes", "hours"))
    reached = [(minutes, hours) for minutes, hours in bands if duration_seconds >= minutes * 60]
    return max(reached)[1] if reached else Decimal("0")


def lesson_validate(lesson: Lesson) -> None:
    """Every rule a lesson keeps: the model's, a file within the size limit that is a readable
    video. Sets ``duration_seconds`` when the file is new (or was never measured). A lesson of a
    program being created in the same form is judged without its program (not saved yet)."""
    exclude = [] if lesson.video else ["video"]
    if lesson.program_id is None:
        exclude.append("program")
    validate_instance(lesson, exclude=exclude or None)
    if not lesson.video:
        message = str(ERROR_VIDEO_MISSING)
        raise ApplicationError(message, fields={"video": [message]})
    if not getattr(lesson.video, "_committed", True) or not lesson.duration_seconds:
        limit = settings.LESSON_VIDEO_MAX_BYTES
        size = lesson.video.size
        if size > limit:
            message = str(
                ERROR_VIDEO_TOO_LARGE
                % {"limit": limit // (1024 * 1024), "size": -(-size // (1024 * 1024))}
            )
            raise ApplicationError(message, fields={"video": [message]})
        lesson.duration_seconds = video_duration_seconds(lesson.video)


@transaction.atomic
def lesson_save(*, lesson: Lesson, by: User | None) -> Lesson:
    """Create or change a lesson: its length is read from the file, its hours from the program's
    hour bands. ``by`` is None only for the system's own loads (demo data)."""
    if by is not None and not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_LESSON))
    _lock_program(lesson.program_id)  # hour bands change one at a time with their lessons
    lesson_validate(lesson)
    lesson.hours = lesson_hours(lesson.program, lesson.duration_seconds)
    created = lesson.pk is None
    lesson.save()
    if by is not None:
        audit_record(
            actor=by,
            action=f"lesson.{'create' if created else 'change'}",
            target=lesson,
            details={"duration_seconds": lesson.duration_seconds, "hours": str(lesson.hours)},
        )
    return lesson


@transaction.atomic
def program_hour_bands_changed(program: Program) -> int:
    """Recompute every lesson's hours after the program's bands changed; returns how many changed.

    Completed enrollments keep the hours fixed on them when they completed."""
    _lock_program(program.pk)
    bands = list(HourBand.objects.filter(program=program).values_list("min_minutes", "hours"))
    changed = []
    for lesson in Lesson.objects.filter(program=program):
        hours = lesson_hours(program, lesson.duration_seconds, bands)
        if lesson.hours != hours:
            lesson.hours = hours
            changed.append(lesson)
    if changed:
        Lesson.objects.bulk_update(changed, ["hours"])
    return len(changed)


# ---- question bank import ----
#
# A coordinator fills a spreadsheet, one question a row, and imports it all or nothing: every row
# is judged by the bank's own rules (question_validate, the choices' model validators) before
# anything is written. A row whose question is already in the program's bank (the same text, kind,
# options and answer) is skipped and counted, so importing a file twice adds nothing; a question
# whose text is in the bank with other options or another answer is an error, not an update.

QUESTION_IMPORT_MAX_BYTES = 2 * 1024 * 1024
QUESTION_IMPORT_MAX_ROWS = 2_000
HEADER_KIND = "题型"
HEADER_TEXT = "题干"
OPTION_LETTERS = "ABCDEFGH"
HEADER_OPTIONS = tuple(f"选项{letter}" for letter in OPTION_LETTERS)
HEADER_ANSWER = "正确答案"
HEADER_EXPLANATION = "解析"
HEADER_OPTION_ANY = "选项"
QUESTION_IMPORT_HEADERS = (
    HEADER_KIND,
    HEADER_TEXT,
    *HEADER_OPTIONS,
    HEADER_ANSWER,
    HEADER_EXPLANATION,
)
QUESTION_IMPORT_REQUIRED = (HEADER_KIND, HEADER_TEXT, HEADER_ANSWER)
KIND_BY_LABEL = {
    "单选题": QuestionKind.SINGLE,
    "多选题": QuestionKind.MULTIPLE,
    "判断题": QuestionKind.TRUE_FALSE,
}
TRUE_FALSE_ANSWERS = {"正确": True, "对": True, "错误": False, "错": False}
QUESTION_TEMPLATE_EXAMPLES = (
    (
        "单选题",
        "中国共产党的根本宗旨是什么？",
        ["全心全意为人民服务", "实现共产主义", "发展生产力", "", "", "", "", ""],
        "A",
        "党章总纲：党的根本宗旨是全心全意为人民服务。",
    ),
    (
        "多选题",
        "党的思想路线包括以下哪些内容？",
        ["一切从实际出发", "理论联系实际", "实事求是", "照搬书本", "", "", "", ""],
        "ABC",
        "",
    ),
    ("判断题", "预备党员的预备期为一年。", [""] * 8, "正确", ""),
)

ERROR_IMPORT_EMPTY = _("文件为空，请选择题库文件。")
ERROR_IMPORT_TOO_LARGE = _("文件超过 %(mb)s MB，请拆分后分批导入。")
ERROR_IMPORT_TYPE = _("请上传 .xlsx 格式的表格文件（可下载模板填写）。")
ERROR_IMPORT_UNREADABLE = _("文件无法读取，请用 Excel 或 WPS 打开并另存为 .xlsx 后重新上传。")
ERROR_IMPORT_NO_ROWS = _("表格中没有试题。")
ERROR_IMPORT_TOO_MANY_ROWS = _("表格超过 %(n)s 道试题，请拆分后分批导入。")
ERROR_IMPORT_MISSING_COLUMNS = _(
    "第一个工作表的表头缺少「%(columns)s」列；请使用模板的表头：题型、题干、选项A…选项H、正确答案、解析。"
)
CELL_KIND_UNKNOWN = _("题型须为“单选题”“多选题”或“判断题”。")
CELL_TEXT_MISSING = _("请填写题干。")
CELL_TEXT_REPEATED = _("与第%(row)s行的题干相同，同一道题不能导入两次。")
CELL_TEXT_IN_BANK = _(
    "题库中已有题干相同的试题，但题型、选项或答案不同；请在后台修改该题，或修改本行题干。"
)
CELL_ANSWER_MISSING = _("请填写正确答案。")
CELL_ANSWER_LETTERS = _("须为选项字母，如“A”或“ACD”。")
CELL_ANSWER_NO_OPTION = _("答案“%(letter)s”没有对应的选项（选项%(letter)s为空）。")
CELL_ANSWER_TRUE_FALSE = _("判断题的正确答案须为“正确”或“错误”（也可填“对”“错”）。")
CELL_TRUE_FALSE_OPTIONS = _(
    "判断题不填选项（选项固定为“正确”“错误”），请清空选项列，在「正确答案」填写“正确”或“错误”。"
)
# The choice rules whose breach is a matter of the answer rather than of the options.
ANSWER_RULE_MESSAGES = (ERROR_SINGLE_ONE_CORRECT, ERROR_TRUE_FALSE_CHOICES, ERROR_MULTIPLE_CHOICES)
QUESTION_FIELD_HEADERS = {
    "text": HEADER_TEXT,
    "explanation": HEADER_EXPLANATION,
    "kind": HEADER_KIND,
}


@dataclass(frozen=True)
class RowError:
    """A problem of one cell, shown as 第3行「正确答案」：单选题须有且只有一个正确答案。"""

    row_number: int
    header: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row_number}行「{self.header}」：{self.message}"


@dataclass
class QuestionImport:
    added: int = 0
    skipped: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _ImportRow:
    row_number: int
    question: Question
    choices: tuple[ChoiceData, ...]


def _import_bytes(file) -> bytes:
    too_large = str(ERROR_IMPORT_TOO_LARGE % {"mb": QUESTION_IMPORT_MAX_BYTES // (1024 * 1024)})
    if isinstance(file, bytes):
        data = file
    else:
        if (getattr(file, "size", 0) or 0) > QUESTION_IMPORT_MAX_BYTES:
            raise ApplicationError(too_large)
        data = file.read(QUESTION_IMPORT_MAX_BYTES + 1)
    if len(data) > QUESTION_IMPORT_MAX_BYTES:
        raise ApplicationError(too_large)
    if not data:
        raise ApplicationError(str(ERROR_IMPORT_EMPTY))
    return data


def _import_grid(data: bytes) -> tuple[list[list], int]:
    """The first worksheet's cells and the row number of its first row. The roster's guards
    (zip and XML bombs, oversized grids, macros, encryption) run before calamine sees the file."""
    try:
        if data.startswith(b"PK"):
            _check_zip(data)
        elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            _check_ole(data)
        else:
            raise ApplicationError(str(ERROR_IMPORT_TYPE))
    except RosterFileError as error:
        raise ApplicationError(error.message) from error
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            kinds = [meta.typ for meta in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise ApplicationError(str(ERROR_IMPORT_NO_ROWS))
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            start = sheet.start
            grid = sheet.to_python() if start is not None else []
    except ApplicationError:
        raise
    except Exception as exc:  # PasswordError included
        raise ApplicationError(str(ERROR_IMPORT_UNREADABLE)) from exc
    except BaseException as exc:  # pyo3 turns a Rust panic into PanicException (BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise ApplicationError(str(ERROR_IMPORT_UNREADABLE)) from exc
    if start is None or not grid:
        raise ApplicationError(str(ERROR_IMPORT_NO_ROWS))
    return grid, start[0] + 1


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value).strip()


def _header_key(value) -> str:
    return re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", _cell_text(value))).upper()


def _import_header(grid: list[list]) -> tuple[int, dict[str, int]]:
    """The header row (the first non-empty one) and where each known column is in it."""
    wanted = {_header_key(header): header for header in QUESTION_IMPORT_HEADERS}
    for index, cells in enumerate(grid):
        keys = [_header_key(cell) for cell in cells]
        if not any(keys):
            continue
        columns: dict[str, int] = {}
        for position, key in enumerate(keys):
            if key in wanted:
                columns.setdefault(wanted[key], position)
        missing = [header for header in QUESTION_IMPORT_REQUIRED if header not in columns]
        if missing:
            raise ApplicationError(
                str(ERROR_IMPORT_MISSING_COLUMNS % {"columns": "」「".join(missing)})
            )
        return index, columns
    raise ApplicationError(str(ERROR_IMPORT_NO_ROWS))


def _text_key(text: str) -> str:
    """Two question texts are the same whatever their spacing."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _signature(kind: str, choices: Sequence[Choice | ChoiceData]) -> tuple:
    return (kind, tuple((choice.text.strip(), choice.is_correct) for choice in choices))


def _answer_choices(
    kind: str, options: list[tuple[str, str]], answer: str, row: int, errors: list[RowError]
) -> list[ChoiceData] | None:
    """The row's choices with their right answers marked, or None (its errors appended)."""
    if kind == QuestionKind.TRUE_FALSE:
        if options:
            errors.append(RowError(row, f"选项{options[0][0]}", str(CELL_TRUE_FALSE_OPTIONS)))
            return None
        right = TRUE_FALSE_ANSWERS.get("".join(answer.split()))
        if right is None:
            errors.append(RowError(row, HEADER_ANSWER, str(CELL_ANSWER_TRUE_FALSE)))
            return None
        return [
            ChoiceData(text, (text == TRUE_FALSE_TEXTS[0]) == right) for text in TRUE_FALSE_TEXTS
        ]
    letters = re.sub(r"[\s,，、;；/]+", "", unicodedata.normalize("NFKC", answer)).upper()
    if not letters or any(letter not in OPTION_LETTERS for letter in letters):
        errors.append(RowError(row, HEADER_ANSWER, str(CELL_ANSWER_LETTERS)))
        return None
    given = {letter for letter, _text in options}
    for letter in sorted(set(letters)):
        if letter not in given:
            message = str(CELL_ANSWER_NO_OPTION % {"letter": letter})
            errors.append(RowError(row, HEADER_ANSWER, message))
            return None
    return [ChoiceData(text, letter in letters) for letter, text in options]


def _rule_errors(row: int, error: ApplicationError, headers: dict[str, str]) -> list[RowError]:
    """A rule's refusal as cell errors: by field when it names fields, else on the options."""
    named = [
        RowError(row, headers.get(name, HEADER_OPTION_ANY), "".join(messages))
        for name, messages in error.fields.items()
    ]
    return named or [RowError(row, HEADER_OPTION_ANY, error.message)]


def _import_rows(
    grid: list[list], first_row: int, program: Program, errors: list[RowError]
) -> tuple[list[_ImportRow], list[int]]:
    """The rows to add and the row numbers already in the bank; errors appended."""
    header_index, columns = _import_header(grid)
    bank: dict[str, set[tuple]] = {}
    for question in Question.objects.filter(program=program).prefetch_related("choices"):
        bank.setdefault(_text_key(question.text), set()).add(
            _signature(question.kind, list(question.choices.all()))
        )
    seen: dict[str, int] = {}
    rows: list[_ImportRow] = []
    skipped: list[int] = []
    count = 0
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        values = {h: _cell_text(cells[p]) if p < len(cells) else "" for h, p in columns.items()}
        if not any(values.values()):
            continue
        count += 1
        if count > QUESTION_IMPORT_MAX_ROWS:
            raise ApplicationError(
                str(ERROR_IMPORT_TOO_MANY_ROWS % {"n": QUESTION_IMPORT_MAX_ROWS})
            )
        row = first_row + index
        before = len(errors)
        kind = KIND_BY_LABEL.get("".join(values[HEADER_KIND].split()))
        if kind is None:
            errors.append(RowError(row, HEADER_KIND, str(CELL_KIND_UNKNOWN)))
        text = values[HEADER_TEXT]
        key = _text_key(text)
        if not key:
            errors.append(RowError(row, HEADER_TEXT, str(CELL_TEXT_MISSING)))
        elif key in seen:
            errors.append(RowError(row, HEADER_TEXT, str(CELL_TEXT_REPEATED % {"row": seen[key]})))
        else:
            seen[key] = row
        options = [
            (header[-1], values[header])
            for header in HEADER_OPTIONS
            if header in columns and values[header]
        ]
        for letter, option in options:
            try:
                validate_instance(Choice(text=option), exclude=["question"])
            except ApplicationError as error:
                errors.extend(_rule_errors(row, error, {"text": f"选项{letter}"}))
        answer = values[HEADER_ANSWER]
        if not answer:
            errors.append(RowError(row, HEADER_ANSWER, str(CELL_ANSWER_MISSING)))
        if len(errors) > before or kind is None:
            continue
        choices = _answer_choices(kind, options, answer, row, errors)
        if choices is None:
            continue
        question = Question(kind=kind, text=text, explanation=values.get(HEADER_EXPLANATION, ""))
        try:
            question_validate(question, choices)  # without its program: no query a row
        except ApplicationError as error:
            if error.fields:
                errors.extend(_rule_errors(row, error, QUESTION_FIELD_HEADERS))
            else:
                answer_rule = error.message in {str(m) for m in ANSWER_RULE_MESSAGES}
                header = HEADER_ANSWER if answer_rule else HEADER_OPTION_ANY
                errors.append(RowError(row, header, error.message))
            continue
        present = bank.get(key)
        if present is not None:
            if _signature(kind, choices) in present:
                skipped.append(row)
            else:
                errors.append(RowError(row, HEADER_TEXT, str(CELL_TEXT_IN_BANK)))
            continue
        question.program = program
        rows.append(_ImportRow(row, question, tuple(choices)))
    if not count:
        raise ApplicationError(str(ERROR_IMPORT_NO_ROWS))
    return rows, skipped


@transaction.atomic
def question_bank_import(*, program: Program, file, by: User) -> QuestionImport:
    """Add a program's exam questions from a spreadsheet, every row or none.

    Columns 题型, 题干, 选项A…选项H, 正确答案, 解析 (see QUESTION_IMPORT_HEADERS). Raises
    ApplicationError for a file that cannot be read; returns the row errors otherwise, having
    then written nothing. Rows already in the bank are skipped and counted. A fixed number of
    queries, whatever the number of rows.
    """
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_BANK))
    _lock_program(program.pk)  # two imports of one bank go one after the other
    grid, first_row = _import_grid(_import_bytes(file))
    errors: list[RowError] = []
    rows, skipped = _import_rows(grid, first_row, program, errors)
    if errors:
        return QuestionImport(errors=errors)
    questions = Question.objects.bulk_create([row.question for row in rows])
    Choice.objects.bulk_create(
        [
            Choice(
                question=question,
                position=position,
                text=data.text.strip(),
                is_correct=data.is_correct,
            )
            for question, row in zip(questions, rows, strict=True)
            for position, data in enumerate(row.choices)
        ]
    )
    audit_record(
        actor=by,
        action="question.import",
        target=program,
        details={"added": len(rows), "skipped": len(skipped)},
    )
    return QuestionImport(added=len(rows), skipped=len(skipped), skipped_rows=skipped)


def question_template_xlsx() -> bytes:
    """The import's template: the header row, an example row of each kind, and a drop-down of
    the kinds in the 题型 column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append(list(QUESTION_IMPORT_HEADERS))
    for label, text, options, answer, explanation in QUESTION_TEMPLATE_EXAMPLES:
        sheet.append([label, text, *options, answer, explanation])
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(KIND_BY_LABEL) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="题型",
        error=str(CELL_KIND_UNKNOWN),
    )
    sheet.add_data_validation(kinds)
    kinds.add(f"A2:A{QUESTION_IMPORT_MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    for column, width in {"A": 10, "B": 48, "K": 12, "L": 40}.items():
        sheet.column_dimensions[column].width = width
    for letter in "CDEFGHIJ":
        sheet.column_dimensions[letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
