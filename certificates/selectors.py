"""Reads of certificates: who sees which, a learner's certificate state per place, what the PDF
shows and what the public verification page may say (never an ID number or a phone)."""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import (
    BatchKind,
    Certificate,
    CertificateBatch,
    CertificateStatus,
)
from courses.models import Lesson
from learners.models import Enrollment, EnrollmentStatus
from portal import access, pii
from portal.models import User

MAX_PK = 2**63 - 1
# How many lesson titles the certificate lists before "等 N 讲" (one A4 landscape page).
MAX_LESSONS_SHOWN = 12
SERIAL_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{6,9}\Z")
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}\Z")


def certificates_visible(
    *,
    user: User,
    cohort_id: int | None = None,
    program_id: int | None = None,
    status: str | None = None,
    institution_id: int | None = None,
    search: str = "",
) -> QuerySet[Certificate]:
    """The certificates ``user`` may see (a learner her own, a school those of the places it
    enrolled, a province its schools', the academy all), filtered for a list or an export."""
    rows = access.scope(
        user,
        Certificate.objects.select_related("cohort", "program", "enrollment__institution"),
    )
    if cohort_id is not None:
        rows = rows.filter(cohort_id=cohort_id) if 0 < cohort_id <= MAX_PK else rows.none()
    if program_id is not None:
        rows = rows.filter(program_id=program_id) if 0 < program_id <= MAX_PK else rows.none()
    if institution_id is not None:
        rows = (
            rows.filter(enrollment__institution_id=institution_id)
            if 0 < institution_id <= MAX_PK
            else rows.none()
        )
    if status:
        rows = rows.filter(status=status) if status in CertificateStatus.values else rows.none()
    search = search.strip()[:50]
    if search:
        rows = rows.filter(serial__startswith=search) | rows.filter(learner_name__contains=search)
    return rows


def certificate_get(*, user: User, pk: int) -> Certificate:
    """One certificate ``user`` may see; any other is Certificate.DoesNotExist (404)."""
    if not 0 < pk <= MAX_PK:
        raise Certificate.DoesNotExist
    return certificates_visible(user=user).get(pk=pk)


class CertificateState:
    """Where a place stands on its certificate, for "My study" and a school's lists."""

    NONE = "none"  # not completed: nothing to certify yet
    PREPARING = "preparing"  # completed; the certificate (or its PDF) is being prepared
    READY = "ready"  # valid, PDF ready to download
    REVOKED = "revoked"


STATE_LABELS = {
    CertificateState.NONE: "",
    CertificateState.PREPARING: gettext_lazy("学时证明生成中"),
    CertificateState.READY: gettext_lazy("学时证明可以下载"),
    CertificateState.REVOKED: gettext_lazy("学时证明已撤销"),
}


@dataclass(frozen=True)
class PlaceCertificate:
    state: str
    certificate: Certificate | None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


def certificate_states(*, enrollments: list[Enrollment]) -> dict[int, PlaceCertificate]:
    """Each listed place's certificate state, in one query however many places."""
    certificates = {
        certificate.enrollment_id: certificate
        for certificate in Certificate.objects.filter(
            enrollment_id__in=[enrollment.pk for enrollment in enrollments]
        )
    }
    states = {}
    for enrollment in enrollments:
        certificate = certificates.get(enrollment.pk)
        if certificate is not None and certificate.status == CertificateStatus.REVOKED:
            state = CertificateState.REVOKED
        elif certificate is not None and certificate.pdf:
            state = CertificateState.READY
        elif enrollment.status == EnrollmentStatus.COMPLETED:
            state = CertificateState.PREPARING
        else:
            state = CertificateState.NONE
        states[enrollment.pk] = PlaceCertificate(state=state, certificate=certificate)
    return states


def batches_visible(*, user: User) -> QuerySet[CertificateBatch]:
    return access.scope(
        user, CertificateBatch.objects.select_related("cohort__program", "institution")
    )


def batch_get(*, user: User, pk: int) -> CertificateBatch:
    """A batch ``user`` may follow (its progress, its zip); any other is DoesNotExist (404)."""
    if not 0 < pk <= MAX_PK:
        raise CertificateBatch.DoesNotExist
    return batches_visible(user=user).get(pk=pk)


def batch_certificates(batch: CertificateBatch) -> QuerySet[Certificate]:
    """The valid certificates an archive batch gathers: its cohort's, its school's only."""
    rows = Certificate.objects.filter(cohort_id=batch.cohort_id, status=CertificateStatus.VALID)
    if batch.institution_id is not None:
        rows = rows.filter(enrollment__institution_id=batch.institution_id)
    return rows.order_by("serial")


def batch_enrollments(batch: CertificateBatch) -> QuerySet[Enrollment]:
    """The completed places an issue batch certifies, in a fixed order (so a rerun resumes)."""
    rows = Enrollment.objects.filter(
        cohort_id=batch.cohort_id, status=EnrollmentStatus.COMPLETED
    ).order_by("pk")
    if batch.institution_id is not None:
        rows = rows.filter(institution_id=batch.institution_id)
    return rows


def batch_items(batch: CertificateBatch) -> QuerySet:
    return batch_enrollments(batch) if batch.kind == BatchKind.ISSUE else batch_certificates(batch)


# ---- what the PDF shows ----


def certificate_verification_path(token: str) -> str:
    try:
        return reverse("certificates:verify", args=[token])
    except NoReverseMatch:  # the public page's route (certificates/urls.py) is not wired yet
        return f"/verify/{token}"


def certificate_verification_url(certificate: Certificate) -> str:
    """The absolute address of the public verification page, printed in the QR code."""
    return settings.PORTAL_BASE_URL + certificate_verification_path(certificate.token)


def qr_svg(url: str) -> SafeString:
    """The QR code of ``url`` as inline SVG markup. Marked safe because segno writes every byte
    of it (the URL is encoded into modules, never copied into the markup)."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=4, border=2, omitsize=True, dark="#000"))  # noqa: S308


def _id_number(certificate: Certificate) -> str:
    """The learner's ID number as the PDF shows it: masked, unless the province wants it whole
    (CERTIFICATE_SHOW_FULL_ID; the PDF only). Empty when no person is recorded behind the user."""
    person = getattr(certificate.learner, "learner", None)
    if person is None:
        return ""
    if settings.CERTIFICATE_SHOW_FULL_ID and person.id_encrypted:
        return pii.decrypt(person.id_encrypted)
    return person.id_masked


def program_parts(program) -> list[str]:
    """The kinds of study the program asked for, as the notice names them."""
    parts = []
    if program.require_all_lessons:
        parts.append(_("视频课程学习"))
    if program.min_posts:
        parts.append(_("主题研讨"))
    if program.require_essay:
        parts.append(_("心得撰写"))
    if program.require_exam:
        parts.append(_("在线考试测评"))
    if program.min_live_sessions:
        parts.append(_("同步直播"))
    if program.require_simulation:
        parts.append(_("党务情景模拟"))
    return parts


def program_lesson_titles(program_id: int) -> list[str]:
    """The program's main content as the certificate lists it: its lessons in order."""
    return list(
        Lesson.objects.filter(program_id=program_id)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


def certificate_document(
    certificate: Certificate, *, lesson_titles: list[str] | None = None
) -> dict[str, Any]:
    """The template context of ``certificates/certificate.pdf.html`` (``lesson_titles`` read
    once per program by a caller rendering many)."""
    titles = (
        program_lesson_titles(certificate.program_id) if lesson_titles is None else lesson_titles
    )
    url = certificate_verification_url(certificate)
    seal = settings.CERTIFICATE_SEAL_IMAGE.lstrip("/")
    return {
        "certificate": certificate,
        "learner_name": certificate.learner_name,
        "id_number": _id_number(certificate),
        "institution_name": certificate.institution_name,
        "program_name": certificate.program_name,
        "cohort_name": certificate.cohort.name,
        "period_start": certificate.period_start,
        "period_end": certificate.period_end,
        "hours": certificate.hours,
        "theory_hours": certificate.theory_hours,
        "lessons": titles[:MAX_LESSONS_SHOWN],
        "lessons_more": max(0, len(titles) - MAX_LESSONS_SHOWN),
        "lessons_total": len(titles),
        "parts": program_parts(certificate.program),
        "issuer": certificate.issuer,
        "seal_src": f"portal-static:/{seal}",
        "serial": certificate.serial,
        "issued_on": certificate.issued_on,
        "verification_url": url,
        "qr_svg": qr_svg(url),
    }


def certificate_pdf_metadata(certificate: Certificate) -> dict[str, str]:
    """What the signed PDF carries about itself in its Info dictionary (covered by the signature),
    to be compared with the database when someone uploads a PDF for verification. No ID number.
    Keys are letters and digits (``portal.signing``)."""
    return {
        "CertificateSerial": certificate.serial,
        "CertificateToken": certificate.token,
        "LearnerName": certificate.learner_name,
        "ProgramName": certificate.program_name,
        "Hours": str(certificate.hours),
        "TheoryHours": str(certificate.theory_hours),
        "PeriodStart": certificate.period_start.isoformat(),
        "PeriodEnd": certificate.period_end.isoformat(),
        "IssuedOn": certificate.issued_on.isoformat(),
        "Issuer": certificate.issuer,
    }


# ---- the public verification page ----


@dataclass(frozen=True)
class PublicCertificate:
    """Everything the public verification page may show: no ID number, phone or unit."""

    serial: str
    status: str
    status_label: str
    masked_name: str
    program_name: str
    period_start: datetime.date
    period_end: datetime.date
    hours: Decimal
    theory_hours: Decimal
    issuer: str
    issued_on: datetime.date
    revoked_reason: str
    revoked_at: datetime.datetime | None

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def _public(certificate: Certificate | None) -> PublicCertificate | None:
    if certificate is None:
        return None
    revoked = certificate.status == CertificateStatus.REVOKED
    return PublicCertificate(
        serial=certificate.serial,
        status=certificate.status,
        status_label=str(certificate.get_status_display()),
        masked_name=pii.mask_name(certificate.learner_name),
        program_name=certificate.program_name,
        period_start=certificate.period_start,
        period_end=certificate.period_end,
        hours=certificate.hours,
        theory_hours=certificate.theory_hours,
        issuer=certificate.issuer,
        issued_on=certificate.issued_on,
        revoked_reason=certificate.revoked_reason if revoked else "",
        revoked_at=certificate.revoked_at if revoked else None,
    )


def normalise_serial(raw: str) -> str:
    """Full-width digits and dashes typed on a phone become ASCII; spaces go."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = text.replace("－", "-").replace("—", "-").replace("–", "-")
    return re.sub(r"\s+", "", text)[:32]


def certificate_public_by_token(token: str) -> PublicCertificate | None:
    """The public facts of the certificate with ``token``; None for anything unknown or malformed
    (the page shows the same shape either way)."""
    token = (token or "").strip()
    if not TOKEN_PATTERN.match(token):
        return None
    return _public(Certificate.objects.filter(token=token).first())


def certificate_public_by_serial(serial: str) -> PublicCertificate | None:
    serial = normalise_serial(serial)
    if not SERIAL_PATTERN.match(serial):
        return None
    return _public(Certificate.objects.filter(serial=serial).first())
