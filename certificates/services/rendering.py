"""The signed PDF of a certificate, stored through Django's storage (local files or an object
store). Rendering again keeps the serial and the token; many render together, sharing one font
cut (``portal.pdf.render_pdfs``), which is what makes a cohort cheap."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation

from certificates.models import Certificate, certificate_pdf_path
from certificates.selectors import (
    certificate_document,
    certificate_pdf_metadata,
    program_lesson_titles,
)
from certificates.services.enqueue import enqueue
from certificates.services.issuing import ERROR_NOT_ACADEMY
from portal import access
from portal.errors import PermissionRefused
from portal.models import User
from portal.services import audit_record

TEMPLATE = "certificates/certificate.pdf.html"


def _sign(pdf: bytes, certificate: Certificate) -> bytes:
    """The academy's PAdES signature, with the certificate's facts in the signed Info dictionary.
    Raises ``portal.signing.SigningUnavailable`` when the key cannot be read: nothing is stored
    unsigned."""
    from portal.signing import sign_pdf

    return sign_pdf(pdf, metadata=certificate_pdf_metadata(certificate))


def _with_facts(certificates: Iterable[Certificate]) -> list[Certificate]:
    return list(
        Certificate.objects.select_related("learner__learner", "cohort", "program")
        .filter(pk__in=[certificate.pk for certificate in certificates])
        .order_by("pk")
    )


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The signed PDF of ``certificate``, rendered now (nothing is stored). Always in the
    portal's language (Chinese), whoever's request happens to render it."""
    from portal.pdf import render_pdf  # WeasyPrint loads on first use, not at start-up

    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(TEMPLATE, certificate_document(certificate))
    return _sign(pdf, certificate)


def _store(certificate: Certificate, pdf: bytes, *, force: bool) -> Certificate:
    """Write the PDF and point the certificate at it. With ``force=False`` a PDF that another
    worker stored meanwhile stands, and ours is removed; a replaced file goes after commit."""
    name = default_storage.save(certificate_pdf_path(certificate, ""), ContentFile(pdf))
    stale: str | None
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not force and locked.pdf:
            stale = name
        else:
            stale = locked.pdf.name
            locked.pdf.name = name
            locked.pdf_rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "pdf_rendered_at", "updated_at"])
        if stale and stale != locked.pdf.name:
            transaction.on_commit(lambda: default_storage.delete(stale))
    return locked


def certificate_render(*, certificate: Certificate, force: bool = True) -> Certificate:
    """Render, sign and store the PDF of one certificate; the serial and token stay."""
    (certificate,) = _with_facts([certificate])
    return _store(certificate, certificate_pdf_bytes(certificate), force=force)


def certificates_render(
    *, certificates: Iterable[Certificate], force: bool = False
) -> Iterator[Certificate]:
    """Render, sign and store the PDFs of many certificates together, yielding each once stored
    (so a caller counts progress, and a crash loses at most the one in hand)."""
    from portal.pdf import render_pdfs

    rows = _with_facts(certificates)
    titles: dict[int, list[str]] = {}
    for certificate in rows:
        if certificate.program_id not in titles:
            titles[certificate.program_id] = program_lesson_titles(certificate.program_id)
    with translation.override(settings.LANGUAGE_CODE):
        contexts = [
            certificate_document(certificate, lesson_titles=titles[certificate.program_id])
            for certificate in rows
        ]
        pdfs = render_pdfs(TEMPLATE, contexts)
        for certificate, pdf in zip(rows, pdfs, strict=True):
            yield _store(certificate, _sign(pdf, certificate), force=force)


def certificate_ensure_pdf(*, certificate: Certificate) -> Certificate:
    """The certificate with its PDF, rendered only when it has none."""
    if certificate.pdf:
        return certificate
    return certificate_render(certificate=certificate, force=False)


def certificate_regenerate(*, certificate: Certificate, by: User) -> None:
    """A coordinator asks for the PDF again (a template or seal changed): a task renders it, with
    the same serial and token."""
    if not access.can(by, access.CHANGE, certificate):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))
    from certificates.tasks import certificate_render_task

    audit_record(actor=by, action="certificate.regenerate", target=certificate)
    transaction.on_commit(lambda: enqueue(certificate_render_task, certificate.pk))
