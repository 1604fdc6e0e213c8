"""Retention: files holding personal data are deleted when their period is over — roster files
(uploads, error files) under rosters/ after ROSTER_FILE_RETENTION_DAYS, certificate archives after
CERTIFICATE_ARCHIVE_RETENTION_DAYS — by a daily task, a command, safely twice; and a refused
roster's error file, cached for the user to download, never holds a full ID number."""

import datetime
import io
import os

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from certificates.models import BatchKind, BatchStatus, CertificateBatch
from learners.services.privacy import personal_files_purge
from portal.pii import mask_id_number
from portal.tasks import personal_files_purge_task
from tests.enrollment.roster_files import line, person, valid_id, xlsx_bytes
from tests.receipts import draft_receipt

pytestmark = pytest.mark.django_db


def _age(name: str, days: int) -> None:
    stamp = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (stamp, stamp))


def _batch(world, *, finished_days_ago: int) -> CertificateBatch:
    batch = CertificateBatch.objects.create(
        kind=BatchKind.ARCHIVE,
        cohort=world.study_cohort,
        institution=world.school_a,
        requested_by=world.users["staff_a"],
        status=BatchStatus.DONE,
        finished_at=timezone.now() - datetime.timedelta(days=finished_days_ago),
    )
    batch.archive.save("a.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=True)
    return batch


def test_roster_files_and_archives_past_their_period_are_deleted_and_a_second_run_is_harmless(
    world, settings
):
    settings.ROSTER_FILE_RETENTION_DAYS = 7
    settings.CERTIFICATE_ARCHIVE_RETENTION_DAYS = 30
    old_upload = default_storage.save("rosters/uploads/old.xlsx", ContentFile(b"old"))
    old_errors = default_storage.save("rosters/errors/2026/old.xlsx", ContentFile(b"old"))
    fresh = default_storage.save("rosters/errors/fresh.xlsx", ContentFile(b"fresh"))
    _age(old_upload, 8)
    _age(old_errors, 30)
    _age(fresh, 6)
    old_batch, new_batch = _batch(world, finished_days_ago=31), _batch(world, finished_days_ago=2)
    old_archive = old_batch.archive.name

    result = personal_files_purge()

    assert (result.roster_files, result.archives) == (2, 1)
    assert not default_storage.exists(old_upload)
    assert not default_storage.exists(old_errors)
    assert default_storage.exists(fresh)
    old_batch.refresh_from_db()
    new_batch.refresh_from_db()
    assert old_batch.archive.name == ""
    assert not default_storage.exists(old_archive)
    assert default_storage.exists(new_batch.archive.name)
    again = personal_files_purge()
    assert (again.roster_files, again.archives) == (0, 0)


def test_the_purge_runs_daily_from_beat_and_as_a_command(world):
    schedule = settings.CELERY_BEAT_SCHEDULE["personal-files-purge"]
    assert schedule["task"] == "portal.tasks.personal_files_purge_task"
    assert personal_files_purge_task.delay().get() == {"roster_files": 0, "archives": 0}
    out = io.StringIO()
    call_command("purge_personal_files", stdout=out)
    assert "roster files deleted: 0" in out.getvalue()


def test_a_refused_rosters_error_file_holds_masked_id_numbers_only(world, client_for, settings):
    settings.ROSTER_ERROR_FILE_SECONDS = 120
    staff = world.users["staff_a"]
    receipt = draft_receipt(world.school_a, staff, people=2, fill_roster=False)
    good = valid_id(41)
    wrong_checksum = valid_id(42)[:-1] + ("0" if valid_id(42)[-1] != "0" else "1")
    program = receipt.lines.get().program.name
    rows = [
        line(person(41, id_number=good, program=program)),
        line(person(42, id_number=wrong_checksum, program=program)),
    ]
    upload = io.BytesIO(xlsx_bytes(rows))
    upload.name = "名单.xlsx"
    client = client_for(staff)
    response = client.post(
        f"/receipts/{receipt.pk}/roster/upload/", {"file": upload, "consent": "on"}
    )
    assert response.status_code == 400
    token = response.context["error_token"]
    stored = cache.get(f"roster-errors:{token}")
    workbook = openpyxl.load_workbook(io.BytesIO(stored["data"]))
    cells = [str(c.value) for row in workbook.active.iter_rows() for c in row if c.value]
    assert good not in cells
    assert wrong_checksum not in cells
    assert mask_id_number(good) in cells
    assert mask_id_number(wrong_checksum) in cells
    assert any("第3行" in c or "校验位错误" in c for c in cells)  # fixed by its row number
    downloaded = client.get(f"/receipts/{receipt.pk}/roster/errors/{token}/")
    assert good.encode() not in downloaded.content
