"""A certificate for a completed enrollment: made once, numbered from a per-year counter."""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import Certificate, SerialCounter
from certificates.selectors import MAX_PK
from certificates.services.enqueue import enqueue
from learners.models import Enrollment
from learners.selectors import completed, enrollment_progress
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)

ERROR_NO_ENROLLMENT = gettext_lazy("没有这条选课记录。")
ERROR_NOT_COMPLETED = gettext_lazy("该学员尚未结业，不能发放学时证明。")
ERROR_REQUIREMENTS_LEFT = gettext_lazy(
    "该学员尚未完成本班次的全部考核要求（%(left)s），不能发放学时证明。"
)
ERROR_NOT_ACADEMY = gettext_lazy("只有学院项目负责人可以发放、撤销或恢复学时证明。")


def _next_serial(year: int) -> str:
    """The next serial of ``year`` (2026-000123). The counter row stays locked until the caller's
    transaction ends, so two issuers never take the same number; a rolled-back issue gives its
    number back."""
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(year=year)
    SerialCounter.objects.filter(year=year).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{year}-{counter.last:06d}"


def certificate_requirements_check(enrollment: Enrollment) -> None:
    """Refuse unless the place is completed and every requirement of its program is met, by the
    learners' own rule (``learners.selectors.enrollment_progress``)."""
    if not completed(enrollment) or enrollment.hours_earned is None:
        raise StateConflict(str(ERROR_NOT_COMPLETED))
    progress = enrollment_progress(enrollment)
    if not progress.met:
        left = "、".join(part.label for part in progress.left) or _("无考核要求")
        raise StateConflict(str(ERROR_REQUIREMENTS_LEFT) % {"left": left})


def _learner_name(user: User) -> str:
    person = getattr(user, "learner", None)
    return (person.name if person is not None else "") or user.full_name or user.username


def _study_end(enrollment: Enrollment) -> datetime.date:
    """She studied until she completed, or until the cohort's end if she completed in the grading
    grace after it: a certificate never speaks of days still to come."""
    end = enrollment.cohort.end_date
    if enrollment.completed_at is None:
        return end
    return max(enrollment.cohort.start_date, min(end, timezone.localdate(enrollment.completed_at)))


def certificate_issue(*, enrollment_id: int, by: User | None = None) -> Certificate:
    """The certificate of a completed enrollment, made the first time and returned ever after.

    ``by`` is the coordinator who asks (None: the system, after completion). Run twice, or by two
    workers at once, it makes one certificate: the enrollment row is locked while it looks, and
    the database refuses a second certificate of one enrollment. No PDF yet (``rendering``).
    """
    if by is not None and not access.can(by, access.ADD, Certificate):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))
    if not 0 < enrollment_id <= MAX_PK:
        raise ApplicationError(str(ERROR_NO_ENROLLMENT))
    existing = Certificate.objects.filter(enrollment_id=enrollment_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update(of=("self",))
                .select_related("cohort__program", "learner__learner", "institution")
                .filter(pk=enrollment_id)
                .first()
            )
            if enrollment is None:
                raise ApplicationError(str(ERROR_NO_ENROLLMENT))
            existing = Certificate.objects.filter(enrollment_id=enrollment_id).first()
            if existing is not None:
                return existing
            certificate_requirements_check(enrollment)
            hours, theory_hours = enrollment.hours_earned, enrollment.theory_hours_earned
            if hours is None or theory_hours is None:  # held by the completion's constraint
                raise StateConflict(str(ERROR_NOT_COMPLETED))
            cohort = enrollment.cohort
            issued_on = timezone.localdate()
            certificate = Certificate(
                enrollment=enrollment,
                learner=enrollment.learner,
                program=cohort.program,
                cohort=cohort,
                learner_name=_learner_name(enrollment.learner)[:50],
                institution_name=enrollment.institution.name[:100],
                program_name=cohort.program.name[:100],
                period_start=cohort.start_date,
                period_end=_study_end(enrollment),
                hours=hours,
                theory_hours=theory_hours,
                issued_on=issued_on,
                issuer=settings.CERTIFICATE_ISSUER[:100],
            )
            certificate.serial = _next_serial(issued_on.year)
            certificate.save()
            audit_record(
                actor=by,
                action="certificate.issue",
                target=certificate,
                details={"serial": certificate.serial, "enrollment": enrollment.pk},
            )
    except IntegrityError:
        # Another worker issued it between our look and our write: theirs is the one.
        return Certificate.objects.get(enrollment_id=enrollment_id)
    return certificate


def certificate_issue_enqueue(*, enrollment_id: int) -> None:
    """Issue the certificate of a place that just completed, by a task sent after commit; a
    broker that is down is logged (the sweep issues it later), never raised into the request."""
    from certificates.tasks import certificate_issue_task

    transaction.on_commit(lambda: enqueue(certificate_issue_task, enrollment_id))


def certificate_issue_with_pdf(*, enrollment_id: int) -> Certificate | None:
    """Issue (once) and render (once); None when the place may not be certified (logged)."""
    from certificates.services.rendering import certificate_ensure_pdf

    try:
        certificate = certificate_issue(enrollment_id=enrollment_id)
    except ApplicationError as refusal:
        logger.info("no certificate for enrollment %s: %s", enrollment_id, refusal.message)
        return None
    return certificate_ensure_pdf(certificate=certificate)
