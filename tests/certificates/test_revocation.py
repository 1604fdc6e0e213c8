"""Revoking and reinstating: the academy's, with a reason, audited; the wrong transition and the
wrong person are refused with a sentence and change nothing."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue, certificate_reinstate, certificate_revoke
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import AuditEvent

REASON = "学员所在单位来函：该学员的学习记录由他人代学。"


@pytest.fixture
def certificate(completed):
    return certificate_issue(enrollment_id=completed.pk)


def unchanged(certificate):
    fresh = Certificate.objects.get(pk=certificate.pk)
    return (fresh.status, fresh.revoked_reason, fresh.revoked_by_id, fresh.revoked_at) == (
        certificate.status,
        certificate.revoked_reason,
        certificate.revoked_by_id,
        certificate.revoked_at,
    )


def test_a_coordinator_revokes_with_a_reason_and_reinstates(world, certificate):
    coordinator = world.users["coord_ug"]

    revoked = certificate_revoke(certificate=certificate, by=coordinator, reason=f"  {REASON} ")

    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revoked_reason == REASON
    assert revoked.revoked_by == coordinator
    assert revoked.revoked_at is not None
    assert AuditEvent.objects.get(action="certificate.revoke").comment == REASON

    reinstated = certificate_reinstate(certificate=revoked, by=world.users["admin"])

    assert reinstated.status == CertificateStatus.VALID
    assert (reinstated.revoked_reason, reinstated.revoked_by, reinstated.revoked_at) == (
        "",
        None,
        None,
    )
    assert reinstated.serial == certificate.serial
    assert reinstated.token == certificate.token
    event = AuditEvent.objects.get(action="certificate.reinstate")
    assert event.details["revoked_reason"] == REASON


def test_revoking_twice_and_reinstating_a_valid_one_are_refused(world, certificate):
    coordinator = world.users["coord_ug"]
    with pytest.raises(StateConflict, match="该证书有效，无需恢复"):
        certificate_reinstate(certificate=certificate, by=coordinator)
    assert unchanged(certificate)

    revoked = certificate_revoke(certificate=certificate, by=coordinator, reason=REASON)
    with pytest.raises(StateConflict, match="已经撤销"):
        certificate_revoke(certificate=revoked, by=coordinator, reason="再撤一次")

    assert Certificate.objects.get(pk=certificate.pk).revoked_reason == REASON


@pytest.mark.parametrize("reason", ["", "   ", "原因\x07", "原因\u202e反向", "长" * 201])
def test_a_revocation_needs_a_plain_reason(world, certificate, reason):
    with pytest.raises(ApplicationError):
        certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason=reason)

    assert unchanged(certificate)


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a", "staff_b"])
def test_only_the_academy_revokes_or_reinstates(world, certificate, role):
    with pytest.raises(PermissionRefused, match="只有学院项目负责人"):
        certificate_revoke(certificate=certificate, by=world.users[role], reason=REASON)
    assert unchanged(certificate)

    revoked = certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason=REASON)
    with pytest.raises(PermissionRefused):
        certificate_reinstate(certificate=revoked, by=world.users[role])
    assert unchanged(revoked)


def test_the_database_refuses_a_revocation_without_reason_or_time(certificate):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.REVOKED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
