"""The hour ledger (电子培训档案): entries of a person's training hours, and her requirement.

A completed enrollment of this portal becomes one entry, once (``hour_entry_record_completion``,
run when ``enrollment_completed`` is sent). Who must reach what is derived from the roster when she
is enrolled (``hour_category_for``) until her school corrects it
(``learner_hour_profile_update``), after which the school's word stands.
"""

import datetime
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from enrollment.models import PartyStatus
from enrollment.rosters import RosterFileError
from enrollment.rosters.guards import _check_ole, _check_zip
from learners.hour_selectors import HOURS_FIELD, plan_period
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    HourCategory,
    HourEntry,
    HourSource,
    Learner,
)
from portal import access, pii
from portal.errors import (
    ApplicationError,
    PermissionRefused,
    StateConflict,
    validate_instance,
    validation_message,
)
from portal.models import Role, User
from portal.services import audit_record

PORTAL_PLATFORM = "高校党建网络培训平台"
MEMBERS = {PartyStatus.MEMBER, PartyStatus.PROBATIONARY}


def hour_category_for(*, post: str, party_status: str) -> str:
    """The requirement a roster line implies: a party member who is a branch (or other grassroots
    organisation) secretary has the secretaries' 280 h; another member the members' 160 h;
    activists and candidates, not yet members, have none."""
    if party_status not in MEMBERS:
        return HourCategory.NONE
    if "书记" in post:
        return HourCategory.SECRETARY
    return HourCategory.MEMBER


def hour_totals_refresh(learner_ids: Iterable[int] | None = None) -> int:
    """Sum the plan-period hours of these people (everyone when None) from their ledger into
    ``Learner.period_hours``/``period_theory_hours``, in one UPDATE; returns how many. Called in the
    same transaction as every write of entries, so the dashboards never see a total its entries
    do not add up to."""
    people = (
        Learner.objects.all()
        if learner_ids is None
        else Learner.objects.filter(pk__in=set(learner_ids))
    )
    return people.update(
        period_hours=_period_sum("hours"), period_theory_hours=_period_sum("theory_hours")
    )


def _period_sum(column: str) -> Coalesce:
    start, end = plan_period()
    sums = (
        HourEntry.objects.filter(
            learner=OuterRef("pk"),
            completed_on__gte=datetime.date(start, 1, 1),
            completed_on__lte=datetime.date(end, 12, 31),
        )
        .order_by()
        .values("learner")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(
        Subquery(sums, output_field=HOURS_FIELD), Value(Decimal(0)), output_field=HOURS_FIELD
    )


def learners_categorised(pairs: list[tuple[Learner, str, str]]) -> None:
    """Set each (learner, post, party status)'s derived category, unless her school corrected it."""
    changed = []
    for learner, post, party_status in pairs:
        if learner.hour_category_corrected:
            continue
        category = hour_category_for(post=post, party_status=party_status)
        if learner.hour_category != category:
            learner.hour_category = category
            changed.append(learner)
    Learner.objects.bulk_update(changed, ["hour_category"])


def hour_entry_record_completion(*, enrollment_id: int) -> HourEntry | None:
    """The ledger entry of a completed enrollment: made once, however often this runs (two
    workers at once included); None when the place is not complete or has no person behind it."""
    enrollment = (
        Enrollment.objects.select_related("cohort__program", "learner__learner")
        .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED)
        .first()
    )
    person = getattr(enrollment.learner, "learner", None) if enrollment else None
    if (
        enrollment is None
        or person is None
        or enrollment.hours_earned is None
        or enrollment.theory_hours_earned is None
        or enrollment.hours_earned <= 0  # a program that earns no hours has nothing to record
    ):
        return None
    existing = HourEntry.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    completed_at = enrollment.completed_at or timezone.now()
    entry = HourEntry(
        learner=person,
        source=HourSource.PORTAL,
        enrollment=enrollment,
        title=f"{enrollment.cohort.program.name}（{enrollment.cohort.name}）"[:120],
        platform=PORTAL_PLATFORM,
        completed_on=timezone.localdate(completed_at),
        hours=enrollment.hours_earned,
        theory_hours=enrollment.theory_hours_earned,
    )
    try:
        with transaction.atomic():
            entry.save()
            hour_totals_refresh([person.pk])
    except IntegrityError:
        return HourEntry.objects.get(enrollment=enrollment)
    return entry


ERROR_NOT_HER_SCHOOL = _("只有学员所在单位或学院可以确认其学时要求。")


def learner_hour_profile_update(
    *, learner: Learner, by: User, category: str, exempt: bool, reason: str = ""
) -> Learner:
    """Her school (or the academy) says which requirement applies, or that she is exempt."""
    school = access.has_role(by, Role.INSTITUTION_STAFF) and (
        by.institution_id == learner.user.institution_id
    )
    if not (school or access.is_academy(by)):
        raise PermissionRefused(ERROR_NOT_HER_SCHOOL)
    learner.hour_category = category
    learner.hour_exempt = exempt
    learner.hour_exempt_reason = reason.strip() if exempt else ""
    validate_instance(learner, exclude=["user", "issued_by"])
    learner.hour_category_corrected = True
    with transaction.atomic():
        learner.save(
            update_fields=[
                "hour_category",
                "hour_exempt",
                "hour_exempt_reason",
                "hour_category_corrected",
                "updated_at",
            ]
        )
        audit_record(
            actor=by,
            action="learner.hours_profile",
            target=learner.user,
            details={"category": category, "exempt": exempt},
        )
    return learner


# ---- recognised hours import ----
#
# Hours from elsewhere (学时互认, ``001_…`` section 六): the academy imports completion records of
# other recognised platforms from a spreadsheet, every row or none; the school (or the academy)
# enters a person's off-job training (脱产培训) by a county-level or higher party committee. Each
# such entry carries a ``record_key``, a digest of who, what, when, how many and where, so the
# same record imported twice is counted once.

MB = 1024 * 1024
HOUR_IMPORT_MAX_BYTES = 2 * MB
HOUR_IMPORT_MAX_ROWS = 5_000
HEADER_ID = "身份证号"
HEADER_NAME = "姓名"
HEADER_TITLE = "培训项目"
HEADER_DATE = "完成日期"
HEADER_HOURS = "学时"
HEADER_THEORY = "理论学时"
HEADER_PLATFORM = "学习平台"
HOUR_IMPORT_HEADERS = (
    HEADER_ID,
    HEADER_NAME,
    HEADER_TITLE,
    HEADER_DATE,
    HEADER_HOURS,
    HEADER_THEORY,
    HEADER_PLATFORM,
)
HOUR_IMPORT_REQUIRED = (HEADER_ID, HEADER_TITLE, HEADER_DATE, HEADER_HOURS, HEADER_PLATFORM)
# The model's field behind each column, to put its validators' messages on the right cell.
HOUR_FIELD_HEADERS = {
    "title": HEADER_TITLE,
    "platform": HEADER_PLATFORM,
    "completed_on": HEADER_DATE,
    "hours": HEADER_HOURS,
    "theory_hours": HEADER_THEORY,
}
# Fields the system sets (never a row's or a form's): left out of the rules run on a row.
HOUR_SYSTEM_FIELDS = ["learner", "enrollment", "recorded_by", "record_key"]

ERROR_NOT_ACADEMY_IMPORT = gettext_lazy("只有学院项目负责人可以导入互认学时。")
ERROR_NOT_ACADEMY_REMOVE = gettext_lazy("只有学院项目负责人可以删除学时记录。")
ERROR_PORTAL_ENTRY = gettext_lazy(
    "本平台的学时记录对应一次结业，不能删除；如结业有误，请联系平台管理员。"
)
ERROR_ENTRY_GONE = gettext_lazy("该学时记录已被删除。")
ERROR_OFF_JOB_REPEATED = gettext_lazy(
    "该学员已有相同的学时记录（同一培训项目、日期、学时和组织单位），无需重复登记。"
)
ERROR_ORGANISER_MISSING = gettext_lazy("请填写组织培训的县级以上党委或其组织部门。")
ERROR_HOURS_FILE_EMPTY = gettext_lazy("文件为空，请选择学时记录文件。")
ERROR_HOURS_FILE_TOO_LARGE = gettext_lazy("文件超过 %(mb)s MB，请删除多余内容后重新上传。")
ERROR_HOURS_FILE_TYPE = gettext_lazy("请上传 .xlsx 格式的表格文件。")
ERROR_HOURS_FILE_UNREADABLE = gettext_lazy(
    "文件无法读取，请用 Excel 或 WPS 打开并另存为 .xlsx 后重新上传。"
)
ERROR_HOURS_FILE_COLUMNS = gettext_lazy(
    "第一个工作表的表头缺少「%(columns)s」列；请下载模板，按模板的表头填写。"
)
ERROR_HOURS_FILE_NO_ROWS = gettext_lazy("文件中没有学时记录。")
ERROR_HOURS_FILE_TOO_MANY_ROWS = gettext_lazy("学时记录超过 %(n)s 行，请拆分后分批导入。")
CELL_REQUIRED = gettext_lazy("不能为空。")
CELL_ID_NUMERIC = gettext_lazy("%(problem)s。")
CELL_ID_PROBLEM = gettext_lazy("身份证号%(problem)s。")
CELL_PERSON_UNKNOWN = gettext_lazy(
    "未找到身份证号为 %(masked)s 的学员；互认学时只能记入已在本平台开通账号的学员。"
)
CELL_NAME_MISMATCH = gettext_lazy("与该身份证号学员的姓名「%(name)s」不一致。")
CELL_DATE = gettext_lazy("请填写日期，如 2025-06-30（日期格式的单元格，或“年-月-日”文字）。")
CELL_NUMBER = gettext_lazy("请填写数字，如 8 或 2.5。")


def _squash(text: str) -> str:
    """One line, single spaces: how a title or a platform is kept and compared."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def hour_record_key(
    *,
    id_hash: str,
    title: str,
    completed_on: datetime.date,
    hours: Decimal,
    theory_hours: Decimal,
    platform: str,
) -> str:
    """The digest that makes one record one entry however often it comes (import or form)."""
    parts = [
        id_hash,
        _squash(title),
        completed_on.isoformat(),
        f"{Decimal(hours):.1f}",
        f"{Decimal(theory_hours):.1f}",
        _squash(platform),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


THEORY_FIELD = HourEntry._meta.get_field("theory_hours")
THEORY_RULE = next(
    constraint
    for constraint in HourEntry._meta.constraints
    if constraint.name == "hour_entry_theory_within_hours"
)


def _entry_problems(entry: HourEntry, skip: set[str]) -> dict[str, list[str]]:
    """The model's rules for one row, without a query: its fields' validators (``validate_instance``)
    and its theory-within-hours constraint, checked here because the constraint's own check asks
    the database, once a row. ``skip`` names the fields whose cells could not be read."""
    fields: dict[str, list[str]] = {}
    try:
        validate_instance(entry, exclude=[*HOUR_SYSTEM_FIELDS, "theory_hours", *skip])
    except ApplicationError as error:
        fields.update(error.fields)
    if "theory_hours" not in skip:
        try:
            entry.theory_hours = THEORY_FIELD.clean(entry.theory_hours, entry)
        except ValidationError as error:
            fields["theory_hours"] = list(error.messages)
    if not fields and not skip and entry.theory_hours > entry.hours:
        fields["theory_hours"] = [str(THEORY_RULE.violation_error_message)]
    return fields


@dataclass(frozen=True)
class HourCellError:
    """A problem of one cell, shown as 第3行「学时」：……"""

    row_number: int
    header: str
    message: str

    def __str__(self):
        return f"第{self.row_number}行「{self.header}」：{self.message}"


@dataclass
class HourImport:
    """What an import did: entries added, rows already in the ledger (skipped), rows repeating an
    earlier row of the file (counted once); or, when any row is wrong, only the errors."""

    added: int = 0
    skipped: int = 0
    repeated: int = 0
    errors: list[HourCellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _HourRow:
    row: int
    id_hash: str
    masked: str
    name: str
    entry: HourEntry
    key: str


def _hours_file_bytes(file) -> bytes:
    too_large = ApplicationError(
        str(ERROR_HOURS_FILE_TOO_LARGE % {"mb": HOUR_IMPORT_MAX_BYTES // MB})
    )
    if isinstance(file, bytes):
        data = file
    else:
        if (getattr(file, "size", 0) or 0) > HOUR_IMPORT_MAX_BYTES:
            raise too_large
        data = file.read(HOUR_IMPORT_MAX_BYTES + 1)
    if len(data) > HOUR_IMPORT_MAX_BYTES:
        raise too_large
    if not data:
        raise ApplicationError(str(ERROR_HOURS_FILE_EMPTY))
    return data


def _hours_grid(data: bytes) -> tuple[list[list], int]:
    """The first worksheet's cells and the row number of its first row. The roster's guards
    (zip and XML bombs, oversized grids, macros, encryption) run before calamine sees the file."""
    try:
        if data.startswith(b"PK"):
            _check_zip(data)
        elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            _check_ole(data)
        else:
            raise ApplicationError(str(ERROR_HOURS_FILE_TYPE))
    except RosterFileError as error:
        raise ApplicationError(error.message) from error
    unreadable = ApplicationError(str(ERROR_HOURS_FILE_UNREADABLE))
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            kinds = [meta.typ for meta in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise ApplicationError(str(ERROR_HOURS_FILE_NO_ROWS))
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            start = sheet.start
            grid = sheet.to_python() if start is not None else []
    except ApplicationError:
        raise
    except (PasswordError, Exception) as exc:
        raise unreadable from exc
    except BaseException as exc:  # pyo3 turns a Rust panic into PanicException (BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise unreadable from exc
    if start is None or not grid:
        raise ApplicationError(str(ERROR_HOURS_FILE_NO_ROWS))
    return grid, start[0] + 1


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _header_key(value) -> str:
    return re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", _cell_text(value)))


def _hours_header(grid: list[list]) -> tuple[int, dict[str, int]]:
    """The header row (the first non-empty one) and where each known column is in it."""
    for index, cells in enumerate(grid):
        keys = [_header_key(cell) for cell in cells]
        if not any(keys):
            continue
        columns: dict[str, int] = {}
        for position, key in enumerate(keys):
            if key in HOUR_IMPORT_HEADERS:
                columns.setdefault(key, position)
        missing = [header for header in HOUR_IMPORT_REQUIRED if header not in columns]
        if missing:
            raise ApplicationError(
                str(ERROR_HOURS_FILE_COLUMNS % {"columns": "」「".join(missing)})
            )
        return index, columns
    raise ApplicationError(str(ERROR_HOURS_FILE_NO_ROWS))


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _cell_date(value) -> datetime.date | None:
    """A date cell, or text written 2025-06-30; anything else (a serial number, 2025/6/30) None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if ISO_DATE.fullmatch(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                return None
    return None


def _cell_decimal(value) -> Decimal | None:
    """A number cell, or a number written as text; binary fractions of a formula are rounded
    away (0.30000000000000004 is 0.3), the model's validators judge the rest."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        try:
            return Decimal(str(round(value, 6)))
        except (InvalidOperation, ValueError, OverflowError):
            return None  # inf, nan
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if PLAIN_NUMBER.fullmatch(text):
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return Decimal(text)
    return None


def _read_hour_row(
    row: int, raw: dict[str, object], today: datetime.date, errors: list[HourCellError]
) -> _HourRow | None:
    """One row as an entry (without its person yet), or None with its errors appended."""
    before = len(errors)
    text = {header: _cell_text(value) for header, value in raw.items()}
    id_hash = masked = ""
    raw_id = raw[HEADER_ID]
    number = pii.normalise_id_number(text[HEADER_ID])
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        numeric = str(CELL_ID_NUMERIC % {"problem": pii.IdNumberError.NUMERIC_CELL})
        errors.append(HourCellError(row, HEADER_ID, numeric))
    elif not number:
        errors.append(HourCellError(row, HEADER_ID, str(CELL_REQUIRED)))
    elif problem := pii.id_number_problem(number, today=today):
        errors.append(HourCellError(row, HEADER_ID, str(CELL_ID_PROBLEM % {"problem": problem})))
    else:
        id_hash, masked = pii.keyed_hash(number), pii.mask_id_number(number)

    skip: set[str] = set()
    completed_on = _cell_date(raw[HEADER_DATE])
    if completed_on is None:
        message = CELL_REQUIRED if not text[HEADER_DATE] else CELL_DATE
        errors.append(HourCellError(row, HEADER_DATE, str(message)))
        skip.add("completed_on")
    hours = _cell_decimal(raw[HEADER_HOURS])
    if hours is None:
        message = CELL_REQUIRED if not text[HEADER_HOURS] else CELL_NUMBER
        errors.append(HourCellError(row, HEADER_HOURS, str(message)))
        skip.add("hours")
    theory = _cell_decimal(raw.get(HEADER_THEORY)) if text.get(HEADER_THEORY) else Decimal("0")
    if theory is None:
        errors.append(HourCellError(row, HEADER_THEORY, str(CELL_NUMBER)))
        skip.add("theory_hours")
    platform = _squash(text[HEADER_PLATFORM])
    if not platform:
        errors.append(HourCellError(row, HEADER_PLATFORM, str(CELL_REQUIRED)))
    values: dict[str, Any] = {"completed_on": completed_on, "hours": hours, "theory_hours": theory}
    entry = HourEntry(
        source=HourSource.RECOGNISED, title=_squash(text[HEADER_TITLE]), platform=platform, **values
    )
    for name, messages in _entry_problems(entry, skip).items():
        header = HOUR_FIELD_HEADERS.get(name, HEADER_HOURS)
        errors.append(HourCellError(row, header, "".join(messages)))
    if len(errors) > before:
        return None
    key = hour_record_key(
        id_hash=id_hash,
        title=entry.title,
        completed_on=entry.completed_on,
        hours=entry.hours,
        theory_hours=entry.theory_hours,
        platform=entry.platform,
    )
    name = "".join(text.get(HEADER_NAME, "").split())
    return _HourRow(row, id_hash, masked, name, entry, key)


def _read_hour_rows(
    grid: list[list], first_row: int, errors: list[HourCellError]
) -> list[_HourRow]:
    header_index, columns = _hours_header(grid)
    today = timezone.localdate()
    rows: list[_HourRow] = []
    count = 0
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        raw = {h: cells[p] if p < len(cells) else None for h, p in columns.items()}
        if not any(_cell_text(value) for value in raw.values()):
            continue
        count += 1
        if count > HOUR_IMPORT_MAX_ROWS:
            raise ApplicationError(
                str(ERROR_HOURS_FILE_TOO_MANY_ROWS % {"n": HOUR_IMPORT_MAX_ROWS})
            )
        read = _read_hour_row(first_row + index, raw, today, errors)
        if read is not None:
            rows.append(read)
    if not count:
        raise ApplicationError(str(ERROR_HOURS_FILE_NO_ROWS))
    return rows


@transaction.atomic
def hour_entries_import(*, file, by: User) -> HourImport:
    """Record hours earned on other recognised platforms from a spreadsheet, every row or none.

    Columns 身份证号, 姓名 (optional, checked against her record), 培训项目, 完成日期, 学时, 理论学时
    (optional, 0 when empty), 学习平台. Every row names a person of the portal. Raises
    ApplicationError for a file that cannot be read; returns every row's errors otherwise
    (「第3行「学时」：……」), having then written nothing. A record already in the ledger is skipped
    and counted, one repeated within the file counted once. A fixed number of queries.
    """
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_IMPORT))
    grid, first_row = _hours_grid(_hours_file_bytes(file))
    errors: list[HourCellError] = []
    rows = _read_hour_rows(grid, first_row, errors)
    # Her record locked, so that two imports (or a form) adding her hours go one after the other.
    people = {
        id_hash: (pk, name)
        for pk, id_hash, name in Learner.objects.select_for_update()
        .filter(id_hash__in={row.id_hash for row in rows})
        .order_by("pk")
        .values_list("pk", "id_hash", "name")
    }
    present = set(
        HourEntry.objects.filter(record_key__in={row.key for row in rows}).values_list(
            "record_key", flat=True
        )
    )
    seen: set[str] = set()
    new: list[HourEntry] = []
    skipped = repeated = 0
    for row in rows:
        person = people.get(row.id_hash)
        if person is None:
            message = str(CELL_PERSON_UNKNOWN % {"masked": row.masked})
            errors.append(HourCellError(row.row, HEADER_ID, message))
            continue
        pk, name = person
        if row.name and row.name != "".join(name.split()):
            message = str(CELL_NAME_MISMATCH % {"name": name})
            errors.append(HourCellError(row.row, HEADER_NAME, message))
            continue
        if row.key in present:
            skipped += 1
        elif row.key in seen:
            repeated += 1
        else:
            seen.add(row.key)
            row.entry.learner_id = pk
            row.entry.record_key = row.key
            row.entry.recorded_by = by
            new.append(row.entry)
    if errors:
        errors.sort(key=lambda error: error.row_number)
        return HourImport(errors=errors)
    HourEntry.objects.bulk_create(new, batch_size=1000)
    hour_totals_refresh({entry.learner_id for entry in new})
    audit_record(
        actor=by,
        action="hours.import",
        details={"added": len(new), "skipped": skipped, "repeated": repeated},
    )
    return HourImport(added=len(new), skipped=skipped, repeated=repeated)


HOUR_TEMPLATE_EXAMPLE = (
    "11010519491231002X",
    "张三",
    "2025年度党员教育网络专题培训",
    datetime.date(2025, 6, 30),
    8,
    6,
    "全国党员干部现代远程教育平台",
)


def hour_import_template_xlsx() -> bytes:
    """The import's template: the header row and one example row (to replace)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "互认学时"
    sheet.append(list(HOUR_IMPORT_HEADERS))
    sheet.append(list(HOUR_TEMPLATE_EXAMPLE))
    for row in range(2, HOUR_IMPORT_MAX_ROWS + 2):
        sheet.cell(row=row, column=1).number_format = "@"  # an ID number is text, never a number
    sheet.cell(row=2, column=4).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    for column, width in {"A": 22, "B": 10, "C": 36, "D": 14, "E": 8, "F": 10, "G": 32}.items():
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def may_enter_hours_for(by: User, person: Learner) -> bool:
    """The academy, or the staff of the school she belongs to today."""
    if access.is_academy(by):
        return True
    return access.has_role(by, Role.INSTITUTION_STAFF) and (
        by.institution_id == person.user.institution_id
    )


ERROR_NOT_HER_SCHOOL_OFF_JOB = gettext_lazy("只有学员所在单位或学院可以登记其脱产培训学时。")


@transaction.atomic
def hour_entry_off_job_add(
    *,
    learner: Learner,
    by: User,
    title: str,
    organiser: str,
    completed_on: datetime.date,
    hours: Decimal,
    theory_hours: Decimal,
) -> HourEntry:
    """Enter off-job training (脱产培训) run by a county-level or higher party committee for a
    person (secretaries need 40 h of it a year). The same entry twice is refused (StateConflict),
    so a double submission adds one."""
    person = Learner.objects.select_for_update().select_related("user").get(pk=learner.pk)
    if not may_enter_hours_for(by, person):
        raise PermissionRefused(str(ERROR_NOT_HER_SCHOOL_OFF_JOB))
    entry = HourEntry(
        learner=person,
        source=HourSource.OFF_JOB,
        title=_squash(title or ""),
        platform=_squash(organiser or ""),
        completed_on=completed_on,
        hours=hours,
        theory_hours=Decimal("0") if theory_hours is None else theory_hours,
        recorded_by=by,
    )
    validate_instance(entry, exclude=HOUR_SYSTEM_FIELDS)  # the constraints included
    if not entry.platform:
        fields = {"platform": [str(ERROR_ORGANISER_MISSING)]}
        raise ApplicationError(validation_message(fields, HourEntry), fields=fields)
    entry.record_key = hour_record_key(
        id_hash=person.id_hash,
        title=entry.title,
        completed_on=entry.completed_on,
        hours=entry.hours,
        theory_hours=entry.theory_hours,
        platform=entry.platform,
    )
    if HourEntry.objects.filter(record_key=entry.record_key).exists():
        raise StateConflict(str(ERROR_OFF_JOB_REPEATED))
    try:
        with transaction.atomic():
            entry.save()
            hour_totals_refresh([person.pk])
    except IntegrityError as exc:
        raise StateConflict(str(ERROR_OFF_JOB_REPEATED)) from exc
    audit_record(
        actor=by,
        action="hours.off_job_add",
        target=person.user,
        details={
            "entry": entry.pk,
            "hours": str(entry.hours),
            "on": entry.completed_on.isoformat(),
        },
    )
    return entry


@transaction.atomic
def hour_entry_remove(*, entry: HourEntry, by: User) -> None:
    """Take away a wrong recognised or off-job entry (entries are never edited: removed and
    entered again). Only the academy; never an entry of this portal, which is a completion's."""
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_REMOVE))
    locked = (
        HourEntry.objects.select_for_update(of=("self",))
        .select_related("learner__user")
        .filter(pk=entry.pk)
        .first()
    )
    if locked is None:
        raise StateConflict(str(ERROR_ENTRY_GONE))
    if locked.source == HourSource.PORTAL:
        raise StateConflict(str(ERROR_PORTAL_ENTRY))
    audit_record(
        actor=by,
        action="hours.remove",
        target=locked.learner.user,
        details={
            "entry": locked.pk,
            "source": locked.source,
            "title": locked.title,
            "on": locked.completed_on.isoformat(),
            "hours": str(locked.hours),
            "theory_hours": str(locked.theory_hours),
        },
    )
    locked.delete()
    hour_totals_refresh([locked.learner_id])
