"""Certificates on PostgreSQL's locks and a real Celery worker on Redis: issued once however many
ask at once, serials never repeated, a batch whose worker is killed finished by running it again,
and a completion while Redis is unreachable issued by the sweep once it is back."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from certificates.models import BatchKind, BatchStatus, Certificate, CertificateBatch
from certificates.services import certificate_batch_run, certificate_batch_start, certificate_issue
from learners.models import Enrollment, EnrollmentStatus
from learners.services.completion import enrollment_complete_if_met
from tests.certificates.places import complete, pass_essay, watch_all
from tests.factories import EnrollmentFactory, LessonFactory


def at_once(action, arguments):
    """Run ``action`` once per argument, in threads released together."""
    start = threading.Barrier(len(arguments))
    outcomes, errors = [], []

    def run(argument):
        try:
            start.wait()
            outcomes.append(action(argument))
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return outcomes


def study_world():
    from tests.conftest import build_world

    world = build_world()
    program = world.study_cohort.program
    program.require_all_lessons = True
    program.require_essay = True
    program.save()
    LessonFactory(program=program, title="理论课")
    return world


def completed_places(world, count):
    return [complete(EnrollmentFactory(cohort=world.study_cohort)) for _ in range(count)]


def test_six_workers_issuing_one_place_at_once_make_one_certificate(postgres):
    world = study_world()
    (place,) = completed_places(world, 1)

    issued = at_once(lambda _: certificate_issue(enrollment_id=place.pk).pk, range(6))

    assert len(set(issued)) == 1
    assert Certificate.objects.count() == 1


def test_places_issued_at_once_get_distinct_consecutive_serials(postgres):
    world = study_world()
    places = completed_places(world, 8)

    serials = at_once(lambda place: certificate_issue(enrollment_id=place.pk).serial, places)

    numbers = sorted(int(serial.split("-")[1]) for serial in serials)
    assert numbers == list(range(numbers[0], numbers[0] + 8))  # no repeat, no gap
    assert Certificate.objects.count() == 8


# ---- with a real worker ----


@pytest.fixture
def worker_signs(signing_pair, settings, monkeypatch):
    """The worker (started after this) and this process sign with the same development pair."""
    names = ("PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CERT_FILE", "PDF_SIGNING_CHAIN_FILE")
    for name, path in zip(names, signing_pair, strict=True):
        monkeypatch.setenv(name, str(path))
        setattr(settings, name, str(path))


@pytest.fixture
def signing_pair(tmp_path_factory):
    from portal.signing import write_development_pair

    directory = tmp_path_factory.mktemp("signing")
    paths = (directory / "key.pem", directory / "cert.pem", directory / "ca.pem")
    write_development_pair(*paths, organization="中国教育干部网络学院")
    return paths


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_completion_is_certified_by_the_worker_after_commit(worker_signs, celery_worker_process):
    world = study_world()
    place = world.enrollment_a
    watch_all(place)
    pass_essay(place)

    assert enrollment_complete_if_met(enrollment_id=place.pk)  # commits, then sends the task

    assert wait_for(lambda: Certificate.objects.filter(enrollment=place).exclude(pdf="").exists())
    assert Certificate.objects.filter(enrollment=place).count() == 1


def test_redis_unreachable_at_completion_then_the_sweep_issues_it(
    worker_signs, celery_worker_process, monkeypatch
):
    from certificates.tasks import certificate_issue_task, certificates_sweep_task
    from config.celery import app as celery_app

    world = study_world()
    place = world.enrollment_a
    watch_all(place)
    pass_essay(place)
    publish = certificate_issue_task.apply_async

    # given Redis cannot be reached when she completes
    with celery_app.connection_for_write("redis://127.0.0.1:1/0") as dead:
        monkeypatch.setattr(
            certificate_issue_task,
            "apply_async",
            lambda *args, **kwargs: publish(*args, connection=dead, **kwargs),
        )
        started = time.monotonic()
        assert enrollment_complete_if_met(enrollment_id=place.pk)
        assert time.monotonic() - started < 10  # the request does not hang on the broker

    # then her completion is saved, and no certificate was made
    place.refresh_from_db()
    assert place.status == EnrollmentStatus.COMPLETED
    time.sleep(1)
    assert not Certificate.objects.exists()

    # when the broker is back and beat sends the sweep
    monkeypatch.undo()
    result = certificates_sweep_task.delay().get(timeout=60)

    # then the worker issued it, once, with its PDF
    assert result["issued"] == 1
    assert Certificate.objects.filter(enrollment=place).exclude(pdf="").count() == 1


def quietly_completed_places(world, count):
    """Places that meet every requirement, marked completed without sending the completion
    signal (so no single-issue task competes with the batch for the worker)."""
    places = []
    for _n in range(count):
        place = EnrollmentFactory(cohort=world.study_cohort)
        watch_all(place)
        pass_essay(place)
        places.append(place)
    Enrollment.objects.filter(pk__in=[place.pk for place in places]).update(
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        hours_earned=Decimal("1.0"),
        theory_hours_earned=Decimal("1.0"),
    )
    return places


def test_a_batch_whose_worker_is_killed_is_finished_by_running_it_again(
    worker_signs, celery_worker_process
):
    world = study_world()
    places = quietly_completed_places(world, 40)

    with_pdf = Certificate.objects.exclude(pdf="")
    batch = certificate_batch_start(
        cohort=world.study_cohort, by=world.users["coord_ug"], kind=BatchKind.ISSUE
    )
    assert wait_for(lambda: with_pdf.count() >= 3, timeout=120)

    celery_worker_process.kill()  # SIGKILL, in the middle of the batch
    celery_worker_process.wait(timeout=10)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING
    assert with_pdf.count() < len(places)

    finished = certificate_batch_run(batch_id=batch.pk)

    assert finished.status == BatchStatus.DONE
    assert (finished.total, finished.done, finished.issued) == (40, 40, 40)
    for place in places:
        assert Certificate.objects.filter(enrollment=place).exclude(pdf="").count() == 1
    assert len(set(Certificate.objects.values_list("serial", flat=True))) == 40
    assert CertificateBatch.objects.count() == 1
