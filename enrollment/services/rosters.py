"""Rosters (名单): importing a spreadsheet all or nothing, adding and removing one person."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment import rosters
from enrollment.models import OPEN_STATUSES, Receipt, ReceiptLine, ReceiptStatus, RosterEntry
from enrollment.services.receipts import EDITABLE, _check_owner, _lock, _refuse_state
from learners.models import Enrollment
from portal import access, pii
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import User
from portal.services import audit_record


@dataclass
class RosterImportResult:
    created: int = 0
    errors: list[rosters.CellError] = field(default_factory=list)
    rows: list[rosters.RosterRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_HEADERS = {column.key: column.header for column in rosters.COLUMNS}
PROGRAM_HEADER = _HEADERS["program"]
ID_HEADER = _HEADERS["id_number"]


def _already_enrolled(receipt: Receipt, program_ids: set[int]) -> set[tuple[int, str]]:
    """(program id, id hash) of the people this school has already enrolled in these programs:
    on another of its open receipts, or placed by it in a cohort.

    Only the school's own: whether another school enrolled somebody is none of its business (the
    academy desk sees those duplicates when it reviews, ``cross_school_duplicates``). The school's
    whole set is read rather than looked up by the upload's hashes, which keeps the query small
    and its cost independent of the upload's size.

    This receipt is left out among the receipts (a subquery), not among the roster rows: filtered
    on the rows, PostgreSQL walks this receipt's own current roster (and the dead rows of earlier
    uploads) only to drop every one. Neither query is ordered: the result is a set.
    """
    other_receipts = Receipt.objects.filter(
        institution_id=receipt.institution_id, status__in=OPEN_STATUSES
    ).exclude(pk=receipt.pk)
    on_receipts = (
        RosterEntry.objects.filter(receipt__in=other_receipts, program_id__in=program_ids)
        .order_by()
        .values_list("program_id", "id_hash")
    )
    in_cohorts = (
        Enrollment.objects.filter(
            institution_id=receipt.institution_id, cohort__program_id__in=program_ids
        )
        .order_by()
        .values_list("cohort__program_id", "learner__learner__id_hash")
    )
    return set(on_receipts) | set(in_cohorts)


ROSTER_COLUMNS = (
    "receipt_id",
    "line_id",
    "program_id",
    "row_number",
    "name",
    "gender",
    "id_encrypted",
    "id_hash",
    "id_masked",
    "mobile",
    "department",
    "post",
    "party_status",
    "needs_review",
    "review_note",
)


def _receipt_lines(receipt: Receipt) -> dict[str, ReceiptLine]:
    """The receipt's lines by the name of their program, as the roster's 培训班次 column names them."""
    return {line.program.name: line for line in receipt.lines.select_related("program")}


def _entry_values(
    receipt: Receipt,
    people: Iterable[rosters.CleanPerson],
    *,
    lines: dict[str, ReceiptLine],
    taken: set[tuple[int, str]],
    placed: dict[int, list[int]],
    errors: list[rosters.CellError],
) -> Iterator[tuple]:
    """The checks that need the database, against what was read from it beforehand (``lines``,
    ``_already_enrolled``), and the values to insert (in ROSTER_COLUMNS order) of each person who
    passes them: so that an import writes each person while the next rows are being checked.

    Each refused person adds a CellError to ``errors``. Once ``errors`` holds any problem, of this
    check or of the cells' (``clean_each`` appends to the same list), the people who follow are
    still checked, so that every problem is reported at once, but neither encrypted nor yielded:
    nothing will be written. ``placed`` collects the row numbers of each line's people (line id →
    row numbers) for ``_headcount_errors``.
    """
    unknown_area = _("身份证号地区码未知，请核实")
    # Per line, the first values of its rows: model attributes cost more than a tuple, per row.
    starts = {name: (receipt.pk, line.pk, line.program_id) for name, line in lines.items()}
    for person in people:
        start = starts.get(person.program_name)
        if start is None:
            errors.append(
                rosters.CellError(person.row_number, PROGRAM_HEADER, _("不在本回执的报名班次中"))
            )
            continue
        _receipt_id, line_id, program_id = start
        id_hash = pii.keyed_hash(person.id_number)
        if (program_id, id_hash) in taken:
            errors.append(
                rosters.CellError(
                    person.row_number, ID_HEADER, _("本单位已为此人报名该班次（其他回执或期次）")
                )
            )
            continue
        placed.setdefault(line_id, []).append(person.row_number)
        if errors:
            continue
        yield (
            *start,
            person.row_number,
            person.name,
            person.gender,
            pii.encrypt(person.id_number),
            id_hash,
            pii.mask_id_number(person.id_number),
            person.mobile,
            person.department,
            person.post,
            person.party_status,
            not person.area_known,
            "" if person.area_known else unknown_area,
        )


def _headcount_errors(
    lines: dict[str, ReceiptLine], placed: dict[int, list[int]]
) -> list[rosters.CellError]:
    """A roster must hold, for each line of the receipt, as many people as the line reports."""
    errors = []
    for name, line in lines.items():
        rows = placed.get(line.pk, [])
        if len(rows) != line.participants:
            errors.append(
                rosters.CellError(
                    rows[-1] if rows else 1,
                    PROGRAM_HEADER,
                    _("「%(program)s」回执填报 %(expected)s 人，名单中有 %(actual)s 人")
                    % {"program": name, "expected": line.participants, "actual": len(rows)},
                )
            )
    return errors


def _check_people(
    receipt: Receipt, people: list[rosters.CleanPerson]
) -> tuple[list[tuple], list[rosters.CellError]]:
    """The checks that need the database, in three queries whatever the number of people.

    Returns the rows to insert (values in ROSTER_COLUMNS order) and the errors; the rows are
    complete only when there are no errors.
    """
    lines = _receipt_lines(receipt)
    taken = _already_enrolled(receipt, {line.program_id for line in lines.values()})
    errors: list[rosters.CellError] = []
    values = _entry_values(receipt, people, lines=lines, taken=taken, placed={}, errors=errors)
    return list(values), errors


def _insert_roster(values: Iterable[tuple]) -> None:
    """Insert many roster rows at once: COPY on PostgreSQL, one executemany elsewhere.

    The ORM's bulk_create spends most of an import building model instances and SQL; the values
    here are already checked and prepared, so they go straight to the database. ``values`` may be
    a generator: the rows are sent as they come, and PostgreSQL stores and indexes the first ones
    (in its own process) while the next are still being checked and encrypted. No other query may
    run on the connection until it is exhausted.
    """
    table = connection.ops.quote_name(RosterEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ROSTER_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            # SQLite works inside this process: there is nothing to overlap, the rows go at once.
            placeholders = ", ".join(["%s"] * len(ROSTER_COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
            cursor.executemany(sql, list(values))


# After approval, the academy desk of the receipt may still amend its roster (a school's late
# change, phoned in) on lines not yet placed in a cohort: the line's headcount follows the roster
# and the quote is fixed again, as a new version (billing.services.quotes).
AMENDABLE = (ReceiptStatus.APPROVED,)


def _amending(receipt: Receipt, by: User) -> bool:
    return receipt.status in AMENDABLE and access.is_academy(by)


def _check_roster_editable(receipt: Receipt, by: User) -> None:
    if _amending(receipt, by):
        if not access.can(by, access.VIEW, receipt):
            raise PermissionRefused(_("只有受理该回执的学院项目负责人可以修改已通过回执的名单。"))
        return
    _check_owner(receipt, by)
    if receipt.status not in EDITABLE:
        raise _refuse_state(receipt, _("修改名单"))


def _check_unplaced(line: ReceiptLine) -> None:
    if line.cohort_id is not None:
        raise StateConflict(
            _("「%(program)s」已编入期次，名单不能再修改。") % {"program": line.program.name}
        )


def _after_amendment(receipt: Receipt, by: User, lines: Iterable[ReceiptLine]) -> None:
    """A roster changed: on an approved receipt, its lines' headcounts follow their roster and the
    quote is fixed again (a new version only when the fee changed)."""
    from billing.models import QuoteReason
    from billing.services.quotes import QUOTED_STATUSES, quote_fix

    if receipt.status not in QUOTED_STATUSES:
        return
    for line in lines:
        count = line.roster.count()
        if count and count != line.participants:
            line.participants = count
            line.save(update_fields=["participants"])
    quote_fix(receipt=receipt, by=by, reason=QuoteReason.ROSTER)


def _record_consent(receipt: Receipt, by: User, consent: bool) -> None:
    if not consent:
        raise ApplicationError(
            _(
                "请确认已告知名单中的人员：其姓名、身份证号、手机号等信息将用于本次培训的报名与学时管理。"
            )
        )
    receipt.roster_consent_by = by
    receipt.roster_consent_at = timezone.now()
    receipt.save(update_fields=["roster_consent_by", "roster_consent_at", "updated_at"])


@transaction.atomic
def roster_import(*, receipt: Receipt, data: bytes, by: User, consent: bool) -> RosterImportResult:
    """Replace the receipt's roster with an uploaded spreadsheet: every row valid, or nothing.

    Raises ApplicationError for an unreadable file; returns the row errors otherwise (and then has
    changed nothing). Costs a fixed number of queries whatever the number of rows.

    The rows are checked and written in one pass (``clean_each`` → ``_entry_values`` →
    ``_insert_roster``), so that the database stores the first people while Python checks and
    encrypts the next; at the first problem the writing stops, the checking goes on, and the whole
    transaction (this function's savepoint when nested) is rolled back: the old roster comes back
    and none of the new one stays.
    """
    receipt = _lock(receipt)
    _check_roster_editable(receipt, by)
    if _amending(receipt, by):
        for line in receipt.lines.select_related("program"):
            _check_unplaced(line)
    try:
        rows = rosters.read_roster(data)
    except rosters.RosterFileError as error:
        raise ApplicationError(error.message) from error
    lines = _receipt_lines(receipt)
    taken = _already_enrolled(receipt, {line.program_id for line in lines.values()})
    errors: list[rosters.CellError] = []
    placed: dict[int, list[int]] = {}
    receipt.roster.all().delete()
    people = rosters.clean_each(rows, errors)
    _insert_roster(
        _entry_values(receipt, people, lines=lines, taken=taken, placed=placed, errors=errors)
    )
    if not errors:
        errors = _headcount_errors(lines, placed)
    if errors:
        transaction.set_rollback(True)  # undoes the deletion and the rows written before the error
        return RosterImportResult(errors=sorted(errors, key=lambda e: e.row_number), rows=rows)
    _record_consent(receipt, by, consent)
    created = sum(len(line_rows) for line_rows in placed.values())
    audit_record(actor=by, action="roster.import", target=receipt, details={"rows": created})
    _after_amendment(receipt, by, [])  # an import keeps every line's headcount
    return RosterImportResult(created=created, rows=rows)


@transaction.atomic
def roster_add_person(
    *, receipt: Receipt, by: User, values: dict[str, str], consent: bool
) -> RosterEntry:
    """Add one person typed into the web form, with the same checks as an upload."""
    receipt = _lock(receipt)
    _check_roster_editable(receipt, by)
    row_number = (receipt.roster.aggregate(last=Max("row_number"))["last"] or 1) + 1
    row = rosters.RosterRow(row_number=row_number, values=values, numeric_id=False)
    people, errors = rosters.clean_rows([row])
    prepared, db_errors = _check_people(receipt, people)
    if errors or db_errors:
        raise ApplicationError("；".join(f"「{e.header}」{e.message}" for e in errors + db_errors))
    entry = RosterEntry(**dict(zip(ROSTER_COLUMNS, prepared[0], strict=True)))
    if RosterEntry.objects.filter(
        receipt=receipt, program_id=entry.program_id, id_hash=entry.id_hash
    ).exists():
        raise ApplicationError(_("此人已在本回执的该班次名单中。"))
    line = ReceiptLine.objects.select_related("program").get(pk=entry.line_id)
    if _amending(receipt, by):
        _check_unplaced(line)
    _record_consent(receipt, by, consent)
    entry.save()
    audit_record(actor=by, action="roster.add", target=receipt, details={"id": entry.id_masked})
    _after_amendment(receipt, by, [line])
    return entry


@transaction.atomic
def roster_remove_person(*, entry: RosterEntry, by: User) -> None:
    receipt = _lock(entry.receipt)
    _check_roster_editable(receipt, by)
    line = ReceiptLine.objects.select_related("program").get(pk=entry.line_id)
    if _amending(receipt, by):
        _check_unplaced(line)
        if line.roster.count() <= 1:
            raise ApplicationError(
                _("「%(program)s」只剩此 1 人，不能删除。") % {"program": line.program.name}
            )
    audit_record(actor=by, action="roster.remove", target=receipt, details={"id": entry.id_masked})
    entry.delete()
    _after_amendment(receipt, by, [line])
