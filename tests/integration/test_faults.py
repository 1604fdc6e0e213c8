"""Faults, with a real PostgreSQL, a real Celery worker and a Redis of this module's own (started
here, so that it can be stopped and started again without touching the machine's shared one):

- a worker killed (SIGKILL) in the middle of a certificate batch: Redis delivers the batch again to
  the next worker, which finishes it; every certificate exists once, with one whole PDF;
- Redis stopped while a coordinator approves a receipt: the approval answers at once and stands;
  its email is sent, once, by the sweep when Redis is back;
- the database connection dropped inside an approval's transaction: nothing of it is kept, the
  coordinator gets a page saying to try again (503), and trying again approves it once;
- the disk full while a certificate's PDF is written: no file and no row pointing at one is left,
  the learner reads that her certificate is being prepared, and the retry stores one PDF.

(``test_certificate_races.py`` has the batch finished by hand after a kill, and a completion whose
task could not be sent issued by the sweep.)
"""

import errno
import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from billing.models import Quote
from certificates.models import BatchKind, BatchStatus, Certificate, CertificateBatch
from certificates.services import certificate_batch_start, certificate_issue_with_pdf
from certificates.tasks import certificate_issue_task
from config.celery import app as celery_app
from enrollment.models import ReceiptStatus, ReceiptTransition
from enrollment.tasks import receipt_notifications_sweep_task
from learners.models import Enrollment, EnrollmentStatus
from portal.models import AuditEvent
from tests.certificates.places import pass_essay, watch_all
from tests.conftest import build_world
from tests.integration.conftest import (
    database_url_of_test_database,
    unavailable,
    worker_start,
    worker_stop,
)
from tests.integration.test_certificate_races import (
    quietly_completed_places,
    study_world,
    wait_for,
)

# ---- this module's own Redis ----


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throw-away redis-server (no persistence: a restart loses what was queued, as a crash of
    a Redis without persistence would)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        assert wait_for(lambda: self._answers(client), timeout=10), "redis-server did not start"

    @staticmethod
    def _answers(client) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def point_celery_at(url: str) -> None:
    """This process sends tasks and reads results through ``url`` from now on."""
    celery_app.conf.broker_url = url
    celery_app.conf.result_backend = url
    celery_app._pool = None  # not closed: kombu's registry shares it with later users of its URL
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    vars(celery_app._local).pop("backend", None)


@pytest.fixture
def redis_server(tmp_path):
    if not django_settings.REDIS_URL:
        unavailable("needs REDIS_URL")
    if shutil.which("redis-server") is None:
        unavailable("needs redis-server, to start a Redis this test may stop")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_broker(redis_server, settings):
    """Overrides the shared broker: the worker, the tasks sent and the cache use our own Redis."""
    previous = (celery_app.conf.broker_url, celery_app.conf.result_backend)
    eager = celery_app.conf.task_always_eager
    point_celery_at(redis_server.url)
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "LOCATION": redis_server.url}
    }
    celery_app.conf.task_always_eager = False
    yield redis_server.url
    celery_app.conf.task_always_eager = eager
    point_celery_at(previous[0])
    celery_app.conf.result_backend = previous[1]


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """A storage of the test's own (the worker is given it), so that files are counted exactly."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


# A killed worker's task comes back after seconds, not the production hour.
REDELIVERY = {"CELERY_BROKER_VISIBILITY_TIMEOUT": "3", "CELERY_BROKER_RESTORE_INTERVAL": "1"}


@pytest.fixture
def worker_env():
    return REDELIVERY


def certificate_files() -> tuple[set[str], set[str]]:
    """The whole PDFs stored under certificates/ (storage names) and any other file there."""
    root = Path(django_settings.MEDIA_ROOT)
    pdfs, others = set(), set()
    for path in (root / "certificates").rglob("*"):
        if path.is_file() and "archives" not in path.parts:
            name = path.relative_to(root).as_posix()
            whole = path.suffix == ".pdf" and path.read_bytes().rstrip().endswith(b"%%EOF")
            (pdfs if whole else others).add(name)
    return pdfs, others


# ---- 1. a worker killed mid-batch ----


def test_a_batch_whose_worker_is_killed_is_delivered_again_and_finished_by_the_next_worker(
    celery_worker_process, tmp_path
):
    world = study_world()
    places = quietly_completed_places(world, 12)
    with_pdf = Certificate.objects.exclude(pdf="")
    batch = certificate_batch_start(
        cohort=world.study_cohort, by=world.users["coord_ug"], kind=BatchKind.ISSUE
    )
    assert wait_for(lambda: with_pdf.count() >= 2, timeout=60)

    celery_worker_process.kill()  # SIGKILL: the batch's message was never acknowledged
    celery_worker_process.wait(timeout=10)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING
    assert with_pdf.count() < len(places)

    # when another worker starts (no sweep, nobody runs the batch by hand)
    second = worker_start(
        broker=celery_app.conf.broker_url,
        log=tmp_path / "second-worker.log",
        extra_env=REDELIVERY,
        name="second-worker",
    )
    try:
        finished = wait_for(
            lambda: CertificateBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE,
            timeout=60,
        )
    finally:
        worker_stop(second)
    assert finished, (tmp_path / "second-worker.log").read_text()[-3000:]

    # then every place has one certificate, with one whole PDF, and the serials run on
    batch.refresh_from_db()
    assert (batch.total, batch.done, batch.issued) == (12, 12, 12)
    certificates = list(Certificate.objects.all())
    assert sorted(c.enrollment_id for c in certificates) == sorted(p.pk for p in places)
    numbers = sorted(int(c.serial.split("-")[1]) for c in certificates)
    assert numbers == list(range(numbers[0], numbers[0] + 12))
    pdfs, others = certificate_files()
    assert {c.pdf.name for c in certificates} <= pdfs
    # at most the one file being written at the instant of the kill is left over, never a copy
    # any certificate points at
    assert len(pdfs - {c.pdf.name for c in certificates}) + len(others) <= 1


# ---- 2. Redis stopped during an approval ----


def test_an_approval_while_redis_is_down_stands_and_its_email_is_sent_once_redis_is_back(
    redis_server, celery_worker_process, client_for
):
    world = build_world()
    receipt = world.receipt_a
    coordinator = client_for(world.users["coord_ug"])
    url = reverse("enrollment:receipt-transition", args=[receipt.pk, "approve"])

    # given Redis stops just before the coordinator approves
    redis_server.stop()
    started = time.monotonic()
    response = coordinator.post(url, {"comment": "同意"}, follow=True)
    elapsed = time.monotonic() - started

    # then she is answered at once, told it is approved, and the approval is kept
    assert elapsed < 10, elapsed
    assert response.status_code == 200
    assert "回执状态已更新为「已通过」" in response.content.decode()
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.APPROVED
    assert Quote.objects.filter(receipt=receipt).count() == 1
    (transition,) = ReceiptTransition.objects.filter(receipt=receipt, to_status="approved")
    assert transition.notified_at is None  # the email task could not be sent

    # when Redis is back (empty) and, a few minutes later, beat sends the sweep
    redis_server.start()
    ReceiptTransition.objects.filter(pk=transition.pk).update(at=F("at") - timedelta(minutes=5))
    sent = receipt_notifications_sweep_task.delay().get(timeout=45)
    again = receipt_notifications_sweep_task.delay().get(timeout=20)

    # then the worker, reconnected, sent the liaison's email once
    assert (sent, again) == (1, 0)
    transition.refresh_from_db()
    assert transition.notified_at is not None
    assert ReceiptTransition.objects.filter(receipt=receipt, to_status="approved").count() == 1


# ---- 3. the database connection dropped inside an approval ----


def approval_traces(receipt) -> tuple[str, int, int, int]:
    receipt.refresh_from_db()
    return (
        receipt.status,
        Quote.objects.filter(receipt=receipt).count(),
        ReceiptTransition.objects.filter(receipt=receipt, to_status="approved").count(),
        AuditEvent.objects.filter(action="receipt.approved", object_id=str(receipt.pk)).count(),
    )


def test_an_approval_whose_database_connection_drops_keeps_nothing_and_succeeds_when_retried(
    postgres, client_for, monkeypatch
):
    from billing.services import quotes

    world = build_world()
    receipt = world.receipt_a
    coordinator = client_for(world.users["coord_ug"])
    url = reverse("enrollment:receipt-transition", args=[receipt.pk, "approve"])
    fix_quote = quotes.quote_fix

    def connection_dropped_then_fix_quote(**kwargs):
        # the status, its transition and its audit entry are written; the quote is next
        pid = connection.connection.info.backend_pid
        with psycopg.connect(database_url_of_test_database(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return fix_quote(**kwargs)

    # given the database connection drops in the middle of the approval
    monkeypatch.setattr(quotes, "quote_fix", connection_dropped_then_fix_quote)
    response = coordinator.post(url, {"comment": "同意"})

    # then she reads that nothing was done and to try again, and nothing of it was kept
    assert response.status_code == 503
    page = response.content.decode()
    assert "请稍后重试" in page
    assert "Traceback" not in page
    assert approval_traces(receipt) == (ReceiptStatus.SUBMITTED, 0, 0, 0)

    # when she tries again, twice
    monkeypatch.undo()
    first = coordinator.post(url, {"comment": "同意"}, follow=True)
    second = coordinator.post(url, {"comment": "同意"}, follow=True)

    # then it is approved once
    assert "回执状态已更新为「已通过」" in first.content.decode()
    assert "回执状态已更新为" not in second.content.decode()
    assert approval_traces(receipt) == (ReceiptStatus.APPROVED, 1, 1, 1)


# ---- 4. the disk full while a PDF is written ----


@pytest.fixture
def disk_full(monkeypatch):
    """Writes of files under MEDIA_ROOT put half their bytes on disk, then fail with ENOSPC (as a
    full disk does), while ``disk_full.on`` is true."""
    root = os.path.realpath(django_settings.MEDIA_ROOT)
    fdopen = os.fdopen

    class HalfWritten:
        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            self.file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    class DiskFull:
        on = False

    def full_fdopen(fd, *args, **kwargs):
        file = fdopen(fd, *args, **kwargs)
        target = os.path.realpath(f"/proc/self/fd/{fd}")
        if DiskFull.on and target.startswith(root + os.sep):
            return HalfWritten(file)
        return file

    monkeypatch.setattr(os, "fdopen", full_fdopen)
    return DiskFull


def test_a_certificate_pdf_written_to_a_full_disk_leaves_nothing_and_the_retry_stores_one(
    postgres, client_for, disk_full
):
    world = study_world()
    place = world.enrollment_a
    watch_all(place)
    pass_essay(place)
    Enrollment.objects.filter(pk=place.pk).update(  # quietly: issuing is this test's business
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        hours_earned=Decimal("1.0"),
        theory_hours_earned=Decimal("1.0"),
    )

    # given the disk is full as her certificate's PDF is written
    disk_full.on = True
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)) as failure:
        certificate_issue_with_pdf(enrollment_id=place.pk)
    assert failure.value.errno == errno.ENOSPC
    assert OSError in certificate_issue_task.autoretry_for  # the worker tries again later

    # then her certificate is issued without a PDF, and no file, whole or partial, is left
    certificate = Certificate.objects.get(enrollment=place)
    assert certificate.pdf.name == ""
    assert certificate_files() == (set(), set())

    # and she reads that it is being prepared
    page = client_for(world.users["learner_a"]).get(reverse("learners:my-study"))
    assert 'data-certificate-state="preparing"' in page.content.decode()
    assert "学时证明生成中" in page.content.decode()

    # when there is room again and the task runs again (twice: a retry and the sweep, say)
    disk_full.on = False
    certificate_issue_task.apply(args=[place.pk]).get()
    certificate_issue_task.apply(args=[place.pk]).get()

    # then one whole PDF is stored, under the same serial
    stored = Certificate.objects.get(enrollment=place)
    assert stored.serial == certificate.serial
    assert certificate_files() == ({stored.pdf.name}, set())
