"""Live sessions (同步直播): scheduling them within a cohort's dates, and their attendance.

Attendance is recorded by the academy, one by one on the sheet or imported from a spreadsheet
(all rows or none). It can be recorded once a session has started and until the cohort's last
day: after the end nothing more is earned (``require_study_open``), so nothing is added or taken
away either; a completed learner's attendance is part of her fixed hours and is not taken away.
Recording twice adds nothing.
"""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from courses.models import Cohort, LiveSession
from enrollment.rosters import RosterFileError
from enrollment.rosters.guards import _check_ole, _check_zip
from learners.models import Attendance, AttendanceSource, Enrollment, EnrollmentStatus, Learner
from learners.services.completion import enrollment_complete_if_met
from portal import access, pii
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record

ERROR_NOT_ACADEMY = gettext_lazy("只有学院项目负责人可以安排直播和登记出席。")
ERROR_OUTSIDE_COHORT = gettext_lazy("直播时间须在本期次的学习时间内（%(start)s 至 %(end)s）。")
ERROR_NOT_STARTED = gettext_lazy("直播「%(title)s」尚未开始，开始后才能登记出席。")
ERROR_COHORT_ENDED = gettext_lazy(
    "本期次已于 %(end)s 结束，结束后学习记录不再计入，出席不能再登记或撤销。"
)
ERROR_NOT_IN_COHORT = gettext_lazy("所选学员不在本期次中。")
ERROR_COMPLETED = gettext_lazy("学员「%(name)s」已结业，其出席记录不能撤销。")
# The import's file and cell problems.
MB = 1024 * 1024
MAX_IMPORT_BYTES = 2 * MB
MAX_IMPORT_ROWS = 5_000
HEADER_USERNAME = "账号"
HEADER_ID = "身份证号"
HEADER_NAME = "姓名"
ERROR_FILE_EMPTY = gettext_lazy("文件为空，请选择出席名单文件。")
ERROR_FILE_TOO_LARGE = gettext_lazy("文件超过 %(mb)s MB，请删除多余内容后重新上传。")
ERROR_FILE_TYPE = gettext_lazy("请上传 .xlsx 格式的表格文件。")
ERROR_FILE_UNREADABLE = gettext_lazy(
    "文件无法读取，请用 Excel 或 WPS 打开并另存为 .xlsx 后重新上传。"
)
ERROR_FILE_NO_HEADER = gettext_lazy(
    "第一个工作表没有找到「账号」或「身份证号」列；请在第一行写表头：账号（或身份证号）、姓名。"
)
ERROR_FILE_NO_ROWS = gettext_lazy("出席名单中没有人员。")
ERROR_FILE_TOO_MANY_ROWS = gettext_lazy("出席名单超过 %(n)s 行，请拆分后分批导入。")
CELL_MISSING = gettext_lazy("账号和身份证号至少填写一项。")
CELL_NOT_IN_COHORT = gettext_lazy("该学员不在本期次中。")
CELL_NAME_MISMATCH = gettext_lazy("与该学员的姓名「%(name)s」不一致。")
CELL_ID_FORMAT = gettext_lazy("身份证号%(problem)s。")
LIVE_FIELDS = ("title", "speaker", "starts_at", "duration_minutes", "link", "hours", "is_theory")


def _check_academy(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))


def live_session_validate(session: LiveSession) -> None:
    """Every rule a live session keeps, whoever writes it: the model's, and a start within the
    cohort's study dates (in local time)."""
    validate_instance(session)
    cohort = session.cohort
    day = timezone.localtime(session.starts_at).date()
    if not cohort.start_date <= day <= cohort.end_date:
        message = str(
            ERROR_OUTSIDE_COHORT
            % {"start": cohort.start_date.isoformat(), "end": cohort.end_date.isoformat()}
        )
        raise ApplicationError(message, fields={"starts_at": [message]})


@transaction.atomic
def live_session_create(*, cohort: Cohort, by: User, data: dict) -> LiveSession:
    _check_academy(by)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    session = LiveSession(cohort=cohort, **{k: v for k, v in data.items() if k in LIVE_FIELDS})
    live_session_validate(session)
    session.save()
    audit_record(actor=by, action="live.create", target=session, details={"cohort": cohort.pk})
    return session


@transaction.atomic
def live_session_update(*, session: LiveSession, by: User, data: dict) -> LiveSession:
    _check_academy(by)
    session = LiveSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)
    changed = [k for k, v in data.items() if k in LIVE_FIELDS and getattr(session, k) != v]
    for name in changed:
        setattr(session, name, data[name])
    live_session_validate(session)
    session.save()
    audit_record(actor=by, action="live.change", target=session, details={"fields": changed})
    return session


def _lock_session(session: LiveSession) -> LiveSession:
    """The session, locked (writes of one session's attendance go one at a time), if its
    attendance may change now: it has started and its cohort has not ended."""
    session = (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("cohort__program")
        .get(pk=session.pk)
    )
    now = timezone.now()
    if session.starts_at > now:
        raise StateConflict(str(ERROR_NOT_STARTED % {"title": session.title}))
    if timezone.localdate(now) > session.cohort.end_date:
        raise StateConflict(str(ERROR_COHORT_ENDED % {"end": session.cohort.end_date.isoformat()}))
    return session


def _pks(enrollments: Iterable[Enrollment | int]) -> set[int]:
    return {e if isinstance(e, int) else e.pk for e in enrollments}


def _in_cohort(session: LiveSession, pks: set[int]) -> None:
    if any(not 0 < pk < 2**63 for pk in pks):  # no place has such an id
        raise ApplicationError(str(ERROR_NOT_IN_COHORT))
    found = Enrollment.objects.filter(pk__in=pks, cohort_id=session.cohort_id).count()
    if found != len(pks):
        raise ApplicationError(str(ERROR_NOT_IN_COHORT))


def _complete_those_who_now_qualify(session: LiveSession, added: list[int]) -> None:
    """Attendance meets only the live-session requirement: ask about completion only for the
    places it may have completed (in progress, now attending enough sessions)."""
    needed = session.cohort.program.min_live_sessions
    if not added or not needed:
        return
    candidates = (
        Enrollment.objects.filter(pk__in=added, status=EnrollmentStatus.IN_PROGRESS)
        .annotate(attended=Count("attendances"))
        .filter(attended__gte=needed)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        enrollment_complete_if_met(enrollment_id=pk)


def _record(session: LiveSession, pks: set[int], by: User, source: str) -> int:
    present = set(
        Attendance.objects.filter(session=session, enrollment_id__in=pks).values_list(
            "enrollment_id", flat=True
        )
    )
    added = sorted(pks - present)
    Attendance.objects.bulk_create(
        [
            Attendance(session=session, enrollment_id=pk, source=source, recorded_by=by)
            for pk in added
        ],
        ignore_conflicts=True,
    )
    _complete_those_who_now_qualify(session, added)
    if added:
        audit_record(
            actor=by,
            action="attendance.record",
            target=session,
            details={"source": source, "added": len(added)},
        )
    return len(added)


@transaction.atomic
def attendance_record(
    *, session: LiveSession, enrollments: Iterable[Enrollment | int], by: User
) -> int:
    """Record that these places attended ``session``; returns how many were new."""
    _check_academy(by)
    session = _lock_session(session)
    pks = _pks(enrollments)
    _in_cohort(session, pks)
    return _record(session, pks, by, AttendanceSource.COORDINATOR)


@transaction.atomic
def attendance_remove(
    *, session: LiveSession, enrollments: Iterable[Enrollment | int], by: User
) -> int:
    """Take back attendance recorded by mistake; returns how many records went."""
    _check_academy(by)
    session = _lock_session(session)
    pks = _pks(enrollments)
    _in_cohort(session, pks)
    records = Attendance.objects.filter(session=session, enrollment_id__in=pks)
    completed = (
        records.filter(enrollment__status=EnrollmentStatus.COMPLETED)
        .values_list("enrollment__learner__full_name", flat=True)
        .first()
    )
    if completed is not None:
        raise StateConflict(str(ERROR_COMPLETED % {"name": completed}))
    removed, _by_model = records.delete()
    if removed:
        audit_record(
            actor=by, action="attendance.remove", target=session, details={"removed": removed}
        )
    return removed


@transaction.atomic
def attendance_save(
    *, session: LiveSession, shown: Iterable[int], present: Iterable[int], by: User
) -> tuple[int, int]:
    """The sheet's save: of the places ``shown``, those ``present`` attended and the others did
    not. Returns (added, removed)."""
    shown_set, present_set = set(shown), set(present)
    added = attendance_record(session=session, enrollments=present_set & shown_set, by=by)
    absent = shown_set - present_set
    removed = attendance_remove(session=session, enrollments=absent, by=by) if absent else 0
    return added, removed


# ---- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """A problem of one cell, shown as 第3行「账号」：该学员不在本期次中。"""

    row_number: int
    header: str
    message: str

    def __str__(self):
        return f"第{self.row_number}行「{self.header}」：{self.message}"


@dataclass
class AttendanceImport:
    added: int = 0
    matched: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes):
        data = file
    else:
        if getattr(file, "size", 0) > MAX_IMPORT_BYTES:
            raise ApplicationError(str(ERROR_FILE_TOO_LARGE % {"mb": MAX_IMPORT_BYTES // MB}))
        data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ApplicationError(str(ERROR_FILE_TOO_LARGE % {"mb": MAX_IMPORT_BYTES // MB}))
    if not data:
        raise ApplicationError(str(ERROR_FILE_EMPTY))
    return data


def _sheet_rows(data: bytes) -> tuple[list[list], int]:
    """The first worksheet's cells and the row number of its first row. The roster's guards
    (zip and XML bombs, oversized grids, macros, encryption) run before calamine sees the file."""
    try:
        if data.startswith(b"PK"):
            _check_zip(data)
        elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            _check_ole(data)
        else:
            raise ApplicationError(str(ERROR_FILE_TYPE))
    except RosterFileError as error:
        raise ApplicationError(error.message) from error
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            kinds = [meta.typ for meta in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise ApplicationError(str(ERROR_FILE_NO_ROWS))
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            start = sheet.start
            grid = sheet.to_python() if start is not None else []
    except ApplicationError:
        raise
    except PasswordError as exc:
        raise ApplicationError(str(ERROR_FILE_UNREADABLE)) from exc
    except Exception as exc:
        raise ApplicationError(str(ERROR_FILE_UNREADABLE)) from exc
    except BaseException as exc:  # pyo3 turns a Rust panic into PanicException (BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise ApplicationError(str(ERROR_FILE_UNREADABLE)) from exc
    if start is None or not grid:
        raise ApplicationError(str(ERROR_FILE_NO_ROWS))
    return grid, start[0] + 1


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _header(grid: list[list]) -> tuple[int, dict[str, int]]:
    """The header row (the first non-empty one) and where its known columns are."""
    for index, cells in enumerate(grid):
        texts = ["".join(_text(cell).split()) for cell in cells]
        if not any(texts):
            continue
        columns = {
            header: texts.index(header)
            for header in (HEADER_USERNAME, HEADER_ID, HEADER_NAME)
            if header in texts
        }
        if HEADER_USERNAME not in columns and HEADER_ID not in columns:
            raise ApplicationError(str(ERROR_FILE_NO_HEADER))
        return index, columns
    raise ApplicationError(str(ERROR_FILE_NO_ROWS))


@dataclass(frozen=True)
class _Member:
    pk: int
    name: str


def _cohort_members(cohort_id: int) -> tuple[dict[str, _Member], dict[str, _Member]]:
    """The cohort's places by username and by ID hash: two queries, whatever the cohort's size."""
    by_username: dict[str, _Member] = {}
    by_user: dict[int, _Member] = {}
    for pk, user_id, username, full_name in Enrollment.objects.filter(
        cohort_id=cohort_id
    ).values_list("pk", "learner_id", "learner__username", "learner__full_name"):
        member = _Member(pk, full_name)
        by_username[username.casefold()] = member
        by_user[user_id] = member
    by_hash = {
        id_hash: by_user[user_id]
        for user_id, id_hash in Learner.objects.filter(user_id__in=by_user).values_list(
            "user_id", "id_hash"
        )
    }
    return by_username, by_hash


def _match_rows(
    grid: list[list], first_row: int, cohort_id: int, errors: list[CellError]
) -> set[int]:
    header_index, columns = _header(grid)
    by_username, by_hash = _cohort_members(cohort_id)
    today = timezone.localdate()
    found: set[int] = set()
    count = 0
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        values = {h: _text(cells[p]) if p < len(cells) else "" for h, p in columns.items()}
        if not any(values.values()):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise ApplicationError(str(ERROR_FILE_TOO_MANY_ROWS % {"n": MAX_IMPORT_ROWS}))
        row = first_row + index
        username = values.get(HEADER_USERNAME, "")
        number = pii.normalise_id_number(values.get(HEADER_ID, ""))
        if username:
            header, member = HEADER_USERNAME, by_username.get(username.casefold())
        elif number:
            problem = pii.id_number_problem(number, today=today)
            if problem:
                errors.append(CellError(row, HEADER_ID, str(CELL_ID_FORMAT % {"problem": problem})))
                continue
            header, member = HEADER_ID, by_hash.get(pii.keyed_hash(number))
        else:
            errors.append(
                CellError(
                    row,
                    HEADER_USERNAME if HEADER_USERNAME in columns else HEADER_ID,
                    str(CELL_MISSING),
                )
            )
            continue
        if member is None:
            errors.append(CellError(row, header, str(CELL_NOT_IN_COHORT)))
            continue
        name = "".join(values.get(HEADER_NAME, "").split())
        if name and name != "".join(member.name.split()):
            errors.append(
                CellError(row, HEADER_NAME, str(CELL_NAME_MISMATCH % {"name": member.name}))
            )
            continue
        found.add(member.pk)
    if not count:
        raise ApplicationError(str(ERROR_FILE_NO_ROWS))
    return found


@transaction.atomic
def attendance_import(*, session: LiveSession, file, by: User) -> AttendanceImport:
    """Record attendance from a spreadsheet (columns 账号 or 身份证号, and optionally 姓名):
    every row names a learner of the session's cohort, or nothing is recorded.

    Raises ApplicationError for a file that cannot be read; returns the row errors otherwise
    (「第3行「账号」该学员不在本期次中。」), having then recorded nothing. A fixed number of queries.
    """
    _check_academy(by)
    session = _lock_session(session)
    grid, first_row = _sheet_rows(_read_bytes(file))
    errors: list[CellError] = []
    found = _match_rows(grid, first_row, session.cohort_id, errors)
    if errors:
        return AttendanceImport(errors=errors)
    added = _record(session, found, by, AttendanceSource.IMPORT)
    return AttendanceImport(added=added, matched=len(found))
