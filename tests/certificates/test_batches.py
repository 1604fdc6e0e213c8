"""Cohort batches: the academy issues a cohort's certificates in one go, a school downloads its
people's as one zip; both report progress, and a run that died half-way is finished by running
it again, with every certificate there exactly once."""

import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from certificates.models import BatchKind, BatchStatus, Certificate, CertificateBatch
from certificates.selectors import batch_get, batches_visible
from certificates.services import (
    certificate_batch_run,
    certificate_batch_start,
    certificate_issue,
    certificate_revoke,
    certificates_sweep,
)
from learners.models import Enrollment, EnrollmentStatus
from portal.errors import ApplicationError, PermissionRefused
from tests.certificates.places import completed_places


@pytest.fixture
def cohort_done(world, completed):
    """learner_a and three more of school_a completed, one of school_b too, one still studying."""
    places = [completed, *completed_places(world, 3)]
    places.append(completed_places(world, 1, institution=world.school_b)[0])
    from tests.factories import EnrollmentFactory

    EnrollmentFactory(cohort=world.study_cohort)  # in progress: no certificate
    return places


def start(world, kind, role="coord_ug", institution=None, execute=True, capture=None):
    with capture(execute=execute):
        return certificate_batch_start(
            cohort=world.study_cohort, by=world.users[role], kind=kind, institution=institution
        )


def test_the_academy_issues_a_whole_cohort_once_each_with_progress(
    world, cohort_done, django_capture_on_commit_callbacks
):
    batch = start(world, BatchKind.ISSUE, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.total, batch.done, batch.issued, batch.skipped) == (5, 5, 5, 0)
    assert batch.percent == 100
    assert batch.finished_at is not None
    certificates = Certificate.objects.filter(cohort=world.study_cohort)
    assert sorted(c.enrollment_id for c in certificates) == sorted(e.pk for e in cohort_done)
    assert all(c.pdf for c in certificates)
    assert len({c.serial for c in certificates}) == 5


def test_a_batch_run_that_died_half_way_is_finished_by_running_it_again(
    world, cohort_done, django_capture_on_commit_callbacks, monkeypatch
):
    from certificates.services import rendering

    # given a batch whose worker dies after two PDFs (as a killed process: nothing is caught)
    batch = start(world, BatchKind.ISSUE, capture=django_capture_on_commit_callbacks, execute=False)
    real_sign = rendering._sign
    calls = []

    def dying_sign(pdf, certificate):
        if len(calls) == 2:
            raise SystemExit("worker killed")
        calls.append(certificate)
        return real_sign(pdf, certificate)

    monkeypatch.setattr(rendering, "_sign", dying_sign)
    with pytest.raises(SystemExit):
        certificate_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING
    assert batch.done == 2

    # when it runs again
    monkeypatch.setattr(rendering, "_sign", real_sign)
    finished = certificate_batch_run(batch_id=batch.pk)

    # then every completed place has exactly one certificate, with its PDF
    assert finished.status == BatchStatus.DONE
    assert (finished.total, finished.done, finished.issued) == (5, 5, 5)
    for enrollment in cohort_done:
        assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert not Certificate.objects.filter(pdf="").exists()
    assert len(set(Certificate.objects.values_list("serial", flat=True))) == 5

    # and a third run changes nothing
    assert certificate_batch_run(batch_id=batch.pk).issued == 5
    assert Certificate.objects.count() == 5


def test_a_batch_out_of_time_goes_on_in_the_next_run(world, cohort_done):
    batch = CertificateBatch.objects.create(
        kind=BatchKind.ISSUE, cohort=world.study_cohort, requested_by=world.users["coord_ug"]
    )

    assert not certificate_batch_run(batch_id=batch.pk, budget_seconds=0).finished
    assert certificate_batch_run(batch_id=batch.pk).status == BatchStatus.DONE
    assert Certificate.objects.count() == 5


def test_a_place_that_no_longer_meets_its_requirements_is_skipped_and_counted(
    world, cohort_done, django_capture_on_commit_callbacks
):
    world.enrollment_a.essay.delete()  # completed, but its essay is gone

    batch = start(world, BatchKind.ISSUE, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.skipped) == (BatchStatus.DONE, 4, 1)
    assert not Certificate.objects.filter(enrollment=world.enrollment_a).exists()


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_only_the_academy_issues_a_cohort(
    world, cohort_done, role, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionRefused):
        start(world, BatchKind.ISSUE, role=role, capture=django_capture_on_commit_callbacks)

    assert not CertificateBatch.objects.exists()
    assert not Certificate.objects.exists()


def test_a_cohort_without_completed_places_has_nothing_to_issue(world, program):
    with pytest.raises(ApplicationError, match="还没有结业的学员"):
        certificate_batch_start(
            cohort=world.study_cohort, by=world.users["coord_ug"], kind=BatchKind.ISSUE
        )

    assert not CertificateBatch.objects.exists()


def test_starting_again_while_a_batch_is_unfinished_resumes_it(
    world, cohort_done, django_capture_on_commit_callbacks
):
    first = start(world, BatchKind.ISSUE, capture=django_capture_on_commit_callbacks, execute=False)
    second = start(
        world, BatchKind.ISSUE, role="coord_voc", capture=django_capture_on_commit_callbacks
    )

    assert first.pk == second.pk
    assert CertificateBatch.objects.count() == 1


# ---- a school's zip ----


def archive_of(batch) -> zipfile.ZipFile:
    batch.refresh_from_db()
    return zipfile.ZipFile(io.BytesIO(batch.archive.read()))


def test_a_school_downloads_its_peoples_valid_certificates_as_one_zip(
    world, cohort_done, django_capture_on_commit_callbacks
):
    issued = [certificate_issue(enrollment_id=e.pk) for e in cohort_done]
    certificate_revoke(certificate=issued[1], by=world.users["coord_ug"], reason="信息有误")

    batch = start(
        world, BatchKind.ARCHIVE, role="staff_a", capture=django_capture_on_commit_callbacks
    )

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.institution == world.school_a
    assert (batch.total, batch.done) == (3, 3)  # school_a's four, less the revoked one
    names = archive_of(batch).namelist()
    expected = {issued[0].serial, issued[2].serial, issued[3].serial}
    assert {name.split("_")[0] for name in names} == expected
    assert f"{issued[0].serial}_张晓明.pdf" in names
    for name in names:
        assert archive_of(batch).read(name).startswith(b"%PDF-")
    assert batch_get(user=world.users["staff_a"], pk=batch.pk) == batch
    assert list(batches_visible(user=world.users["staff_b"])) == []
    assert list(batches_visible(user=world.users["learner_a"])) == []


def test_a_school_may_not_pack_another_schools_certificates(
    world, cohort_done, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionRefused):
        start(
            world,
            BatchKind.ARCHIVE,
            role="staff_a",
            institution=world.school_b,
            capture=django_capture_on_commit_callbacks,
        )
    with pytest.raises(PermissionRefused):
        start(
            world,
            BatchKind.ARCHIVE,
            role="prov_bj",
            institution=world.school_b,
            capture=django_capture_on_commit_callbacks,
        )
    with pytest.raises(PermissionRefused):
        start(
            world, BatchKind.ARCHIVE, role="learner_a", capture=django_capture_on_commit_callbacks
        )

    assert not CertificateBatch.objects.exists()


def test_a_province_packs_one_of_its_schools(
    world, cohort_done, django_capture_on_commit_callbacks
):
    for enrollment in cohort_done:
        certificate_issue(enrollment_id=enrollment.pk)

    batch = start(
        world,
        BatchKind.ARCHIVE,
        role="prov_bj",
        institution=world.school_a,
        capture=django_capture_on_commit_callbacks,
    )

    assert len(archive_of(batch).namelist()) == 4
    assert list(batches_visible(user=world.users["staff_a"])) == [batch]


def test_nothing_to_pack_is_said_before_any_work(world, cohort_done):
    with pytest.raises(ApplicationError, match="没有可下载的有效学时证明"):
        certificate_batch_start(
            cohort=world.study_cohort, by=world.users["staff_a"], kind=BatchKind.ARCHIVE
        )


def test_the_sweep_resumes_a_batch_no_worker_has_touched_for_a_while(world, cohort_done):
    batch = CertificateBatch.objects.create(
        kind=BatchKind.ISSUE,
        cohort=world.study_cohort,
        requested_by=world.users["coord_ug"],
        status=BatchStatus.RUNNING,
    )
    CertificateBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    result = certificates_sweep()

    assert result.batches_resumed == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert Certificate.objects.count() == 5


def test_a_fresh_batch_is_left_to_its_worker(world, cohort_done):
    CertificateBatch.objects.create(
        kind=BatchKind.ISSUE,
        cohort=world.study_cohort,
        requested_by=world.users["coord_ug"],
        status=BatchStatus.RUNNING,
    )
    Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).update(
        completed_at=timezone.now() - datetime.timedelta(days=60)
    )

    assert certificates_sweep().batches_resumed == 0
    assert not Certificate.objects.exists()


def test_a_pdf_lost_from_the_storage_is_made_again_for_the_zip(
    world, cohort_done, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from certificates.services import certificate_render

    first = certificate_render(certificate=certificate_issue(enrollment_id=cohort_done[0].pk))
    default_storage.delete(first.pdf.name)

    batch = start(
        world, BatchKind.ARCHIVE, role="staff_a", capture=django_capture_on_commit_callbacks
    )

    assert f"{first.serial}_张晓明.pdf" in archive_of(batch).namelist()
