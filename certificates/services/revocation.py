"""Revoking and reinstating: the academy's, with a reason, audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from certificates.models import Certificate, CertificateStatus
from certificates.services.issuing import ERROR_NOT_ACADEMY
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record

ERROR_ALREADY_REVOKED = gettext_lazy("该证书已经撤销。")
ERROR_NOT_REVOKED = gettext_lazy("该证书有效，无需恢复。")
ERROR_REASON_REQUIRED = gettext_lazy("请填写撤销原因。")


def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revoke a valid certificate with a reason; the verification page says so from now on."""
    if not access.can(by, access.CHANGE, certificate):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            str(ERROR_REASON_REQUIRED), fields={"revoked_reason": [str(ERROR_REASON_REQUIRED)]}
        )
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == CertificateStatus.REVOKED:
            raise StateConflict(str(ERROR_ALREADY_REVOKED))
        locked.status = CertificateStatus.REVOKED
        locked.revoked_reason = reason
        locked.revoked_by = by
        locked.revoked_at = timezone.now()
        validate_instance(locked)
        locked.save(
            update_fields=["status", "revoked_reason", "revoked_by", "revoked_at", "updated_at"]
        )
        audit_record(actor=by, action="certificate.revoke", target=locked, comment=reason)
    return locked


def certificate_reinstate(*, certificate: Certificate, by: User) -> Certificate:
    """Make a revoked certificate valid again (the revocation stays in the audit log)."""
    if not access.can(by, access.CHANGE, certificate):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != CertificateStatus.REVOKED:
            raise StateConflict(str(ERROR_NOT_REVOKED))
        previous = locked.revoked_reason
        locked.status = CertificateStatus.VALID
        locked.revoked_reason = ""
        locked.revoked_by = None
        locked.revoked_at = None
        locked.save(
            update_fields=["status", "revoked_reason", "revoked_by", "revoked_at", "updated_at"]
        )
        audit_record(
            actor=by,
            action="certificate.reinstate",
            target=locked,
            details={"revoked_reason": previous},
        )
    return locked
