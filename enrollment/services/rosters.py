"""Rosters (名单): importing a spreadsheet all or nothing, adding and removing one person."""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment import rosters
from enrollment.models import OPEN_STATUSES, Receipt, RosterEntry
from enrollment.services.receipts import EDITABLE, _check_owner, _lock, _refuse_state
from learners.models import Enrollment
from portal import pii
from portal.errors import ApplicationError
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
    """
    on_receipts = (
        RosterEntry.objects.filter(
            receipt__institution_id=receipt.institution_id,
            receipt__status__in=OPEN_STATUSES,
            program_id__in=program_ids,
        )
        .exclude(receipt=receipt)
        .values_list("program_id", "id_hash")
    )
    in_cohorts = Enrollment.objects.filter(
        institution_id=receipt.institution_id, cohort__program_id__in=program_ids
    ).values_list("cohort__program_id", "learner__learner__id_hash")
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


def _check_people(
    receipt: Receipt, people: list[rosters.CleanPerson], *, check_headcounts: bool
) -> tuple[list[tuple], list[rosters.CellError]]:
    """The checks that need the database, in two queries whatever the number of people.

    Returns the rows to insert (values in ROSTER_COLUMNS order) and the errors.
    """
    lines = {line.program.name: line for line in receipt.lines.select_related("program")}
    errors: list[rosters.CellError] = []
    hashes = {person.row_number: pii.keyed_hash(person.id_number) for person in people}
    taken = _already_enrolled(receipt, {line.program_id for line in lines.values()})
    unknown_area = _("身份证号地区码未知，请核实")
    counts: dict[int, int] = {}
    last_rows: dict[int, int] = {}
    rows = []
    for person in people:
        line = lines.get(person.program_name)
        if line is None:
            errors.append(
                rosters.CellError(person.row_number, PROGRAM_HEADER, _("不在本回执的报名班次中"))
            )
            continue
        id_hash = hashes[person.row_number]
        if (line.program_id, id_hash) in taken:
            errors.append(
                rosters.CellError(
                    person.row_number, ID_HEADER, _("本单位已为此人报名该班次（其他回执或期次）")
                )
            )
            continue
        counts[line.pk] = counts.get(line.pk, 0) + 1
        last_rows[line.pk] = person.row_number
        rows.append(
            (
                receipt.pk,
                line.pk,
                line.program_id,
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
        )
    if check_headcounts and not errors:
        for name, line in lines.items():
            if counts.get(line.pk, 0) != line.participants:
                errors.append(
                    rosters.CellError(
                        last_rows.get(line.pk, 1),
                        PROGRAM_HEADER,
                        _("「%(program)s」回执填报 %(expected)s 人，名单中有 %(actual)s 人")
                        % {
                            "program": name,
                            "expected": line.participants,
                            "actual": counts.get(line.pk, 0),
                        },
                    )
                )
    return rows, errors


def _insert_roster(rows: list[tuple]) -> None:
    """Insert many roster rows at once: COPY on PostgreSQL, one executemany elsewhere.

    The ORM's bulk_create spends most of an import building model instances and SQL; the values
    here are already checked and prepared, so they go straight to the database.
    """
    table = connection.ops.quote_name(RosterEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ROSTER_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(ROSTER_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 - names from the model


def _check_roster_editable(receipt: Receipt, by: User) -> None:
    _check_owner(receipt, by)
    if receipt.status not in EDITABLE:
        raise _refuse_state(receipt, _("修改名单"))


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
    """
    receipt = _lock(receipt)
    _check_roster_editable(receipt, by)
    try:
        rows = rosters.read_roster(data)
    except rosters.RosterFileError as error:
        raise ApplicationError(error.message) from error
    people, errors = rosters.clean_rows(rows)
    values, db_errors = _check_people(receipt, people, check_headcounts=not errors)
    errors = sorted(errors + db_errors, key=lambda e: e.row_number)
    if errors:
        return RosterImportResult(errors=errors, rows=rows)
    _record_consent(receipt, by, consent)
    receipt.roster.all().delete()
    _insert_roster(values)
    audit_record(actor=by, action="roster.import", target=receipt, details={"rows": len(values)})
    return RosterImportResult(created=len(values), rows=rows)


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
    prepared, db_errors = _check_people(receipt, people, check_headcounts=False)
    if errors or db_errors:
        raise ApplicationError("；".join(f"「{e.header}」{e.message}" for e in errors + db_errors))
    entry = RosterEntry(**dict(zip(ROSTER_COLUMNS, prepared[0], strict=True)))
    if RosterEntry.objects.filter(
        receipt=receipt, program_id=entry.program_id, id_hash=entry.id_hash
    ).exists():
        raise ApplicationError(_("此人已在本回执的该班次名单中。"))
    _record_consent(receipt, by, consent)
    entry.save()
    audit_record(actor=by, action="roster.add", target=receipt, details={"id": entry.id_masked})
    return entry


@transaction.atomic
def roster_remove_person(*, entry: RosterEntry, by: User) -> None:
    receipt = _lock(entry.receipt)
    _check_roster_editable(receipt, by)
    audit_record(actor=by, action="roster.remove", target=receipt, details={"id": entry.id_masked})
    entry.delete()
