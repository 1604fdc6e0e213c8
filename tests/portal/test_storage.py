"""Files through Django's storage API: local files by default, an S3-compatible object store when
S3_BUCKET is set. The object-store tests run against moto's S3 server over real HTTP
(tests/storage.py), never a mock of the storage API."""

import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from courses.models import Lesson
from courses.services import lesson_save, video_duration_seconds
from enrollment.models import Receipt
from tests.enrollment.test_journey import receipt_form
from tests.learners.test_lessons import learner_row
from tests.media import real_video

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the test's server
            return answer.status, answer.read()
    except urllib.error.HTTPError as refusal:
        return refusal.code, refusal.read()


# ---- the object store ----


def test_the_object_store_keeps_files_private_and_never_overwrites(s3_storage):
    assert isinstance(default_storage, S3Storage)
    assert default_storage.bucket_name == s3_storage.bucket
    assert default_storage.default_acl is None
    assert default_storage.querystring_auth is True
    assert default_storage.file_overwrite is False


def test_a_file_is_written_read_measured_and_deleted_in_the_bucket(s3_storage):
    data = "学时证明 — certificate bytes".encode()

    name = default_storage.save("certificates/2026/proof.pdf", ContentFile(data))

    assert name == "certificates/2026/proof.pdf"
    assert s3_storage.object_keys() == ["media/certificates/2026/proof.pdf"]
    assert default_storage.exists(name)
    assert default_storage.size(name) == len(data)
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data
    assert default_storage.get_modified_time(name).tzinfo is not None

    again = default_storage.save(name, ContentFile(b"other"))
    assert again != name  # never overwritten
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == data

    default_storage.delete(name)
    default_storage.delete(again)
    assert not default_storage.exists(name)
    assert s3_storage.object_keys() == []


def test_a_short_lived_signed_url_fetches_the_file_over_http(s3_storage):
    name = default_storage.save("receipts/signed.pdf", ContentFile(b"%PDF-1.7 signed"))

    url = default_storage.url(name)

    assert url.startswith(s3_storage.endpoint_url)
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url
    assert fetch(url) == (200, b"%PDF-1.7 signed")


def test_another_process_configured_by_the_environment_reads_the_same_bucket(s3_storage):
    """What a worker host does: S3_* variables alone make its default storage the shared bucket."""
    name = default_storage.save("shared/from-web.txt", ContentFile("写于 web".encode()))
    script = (
        "import django, json; django.setup();"
        "from django.core.files.storage import default_storage as s;"
        f"data = s.open({name!r}, 'rb').read().decode();"
        "n = s.save('shared/from-worker.txt', __import__('io').BytesIO(b'worker'));"
        "print(json.dumps([type(s._wrapped).__name__, data, n]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **s3_storage.env()}

    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    backend, data, written = json.loads(done.stdout.strip().splitlines()[-1])
    assert (backend, data) == ("S3Storage", "写于 web")
    with default_storage.open(written, "rb") as handle:
        assert handle.read() == b"worker"


# ---- model files on the object store ----


def test_a_seal_scan_is_stored_in_the_bucket_and_downloaded_through_the_portal(
    s3_storage, world, client_for
):
    client = client_for(world.users["staff_a"])
    scan = io.BytesIO(b"%PDF-1.7 stamped on S3")
    scan.name = "回执.pdf"

    response = client.post("/receipts/new/", {**receipt_form(), "seal_scan": scan})

    assert response.status_code == 302
    receipt = Receipt.objects.exclude(pk=world.receipt_a.pk).get(institution=world.school_a)
    assert f"media/{receipt.seal_scan.name}" in s3_storage.object_keys()
    receipt.refresh_from_db()
    with receipt.seal_scan.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7 stamped on S3"
    download = client.get(f"/receipts/{receipt.pk}/seal/")
    assert b"".join(download.streaming_content) == b"%PDF-1.7 stamped on S3"


def test_a_lesson_video_in_the_bucket_is_measured_and_streamed_by_ranges(
    s3_storage, world, client_for
):
    data = real_video(3)
    lesson = lesson_save(
        lesson=Lesson(
            program=world.study_cohort.program,
            title="对象存储中的视频课程",
            video=SimpleUploadedFile("lesson.webm", data, "video/webm"),
        ),
        by=None,
    )
    learner_row(world.users["learner_a"])
    url = reverse(
        "learners:lesson-video", kwargs={"pk": world.enrollment_a.pk, "lesson": lesson.pk}
    )
    client = client_for(world.users["learner_a"])

    assert f"media/{lesson.video.name}" in s3_storage.object_keys()
    assert lesson.duration_seconds == 3
    stored = Lesson.objects.get(pk=lesson.pk)
    assert video_duration_seconds(stored.video) == 3  # a stored file has no local path here

    whole = client.get(url)
    part = client.get(url, HTTP_RANGE="bytes=100-1099")
    tail = client.get(url, HTTP_RANGE="bytes=-50")

    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == data
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:1100]
    assert b"".join(tail.streaming_content) == data[-50:]
    assert client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304


# ---- without the object store ----


@pytest.mark.skipif(bool(os.environ.get("S3_BUCKET")), reason="S3_BUCKET is set for this run")
def test_without_s3_variables_files_are_local_under_media_root(settings):
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert isinstance(default_storage, FileSystemStorage)

    name = default_storage.save("local/plain.txt", ContentFile(b"on disk"))

    assert (settings.MEDIA_ROOT / name).read_bytes() == b"on disk"
    default_storage.delete(name)
