import io
import subprocess
from pathlib import Path

import openpyxl
import pytest

from enrollment.exports import xlsx_response
from portal.models import AuditEvent
from tests.conftest import require_tool
from tests.receipts import id_number

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']


def workbook_of(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_cells_that_look_like_formulas_are_written_as_text():
    response = xlsx_response(
        filename="t.xlsx", title="t", headers=["值"], rows=[[v] for v in DANGEROUS]
    )

    sheet = workbook_of(response).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == DANGEROUS
    assert {c.data_type for c in cells} == {"s"}


def test_an_export_opens_in_libreoffice_with_formulas_kept_as_text(tmp_path):
    soffice = require_tool("soffice")
    response = xlsx_response(
        filename="t.xlsx",
        title="名单",
        headers=["姓名", "值"],
        rows=[["张三", v] for v in DANGEROUS],
    )
    source = tmp_path / "export.xlsx"
    source.write_bytes(b"".join(response.streaming_content))

    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    lines = Path(tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "姓名,值"
    assert [line.split(",", 1)[1].strip('"') for line in lines[1:]][:4] == DANGEROUS[:4]
    assert "2" not in lines[1]  # =1+1 was not evaluated


def test_the_roster_export_masks_resident_ids(world, client_for):
    response = client_for(world.users["staff_a"]).get(f"/receipts/{world.receipt_a.pk}/roster.xlsx")

    sheet = workbook_of(response).active
    row = [c.value for c in next(sheet.iter_rows(min_row=2))]
    assert id_number(1) not in row
    assert id_number(1)[:6] + "********" + id_number(1)[-4:] in row


def test_the_coordinators_full_export_shows_ids_and_is_audited(world, client_for):
    response = client_for(world.users["coord_ug"]).get(
        f"/receipts/{world.receipt_a.pk}/roster-full.xlsx"
    )

    sheet = workbook_of(response).active
    assert id_number(1) in [c.value for c in next(sheet.iter_rows(min_row=2))]
    event = AuditEvent.objects.get(action="roster.export_full")
    assert event.actor == world.users["coord_ug"]
    assert event.object_id == str(world.receipt_a.pk)


def test_the_inbox_export_lists_the_filtered_receipts(world, client_for):
    response = client_for(world.users["coord_ug"]).get("/receipts/export.xlsx?status=submitted")

    sheet = workbook_of(response).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [(world.receipt_a.pk, "北京测试大学")]
