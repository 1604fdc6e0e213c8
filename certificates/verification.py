"""Checking a certificate PDF someone uploads to the public verification page: is it a genuine,
unaltered certificate of this portal? Its signature must be the academy's, cover the whole file and
be intact; the facts it carries (signed with it) must be those of a certificate on record. The
answer never says more than the public page does (``PublicCertificate``)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from certificates.models import Certificate
from certificates.selectors import (
    TOKEN_PATTERN,
    PublicCertificate,
    _public,
    certificate_pdf_metadata,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a certificate is one page: far below this


@dataclass(frozen=True)
class UploadCheck:
    genuine: bool
    reason: str = ""  # why not, a sentence for the person who uploaded it
    certificate: PublicCertificate | None = None


def certificate_check_upload(pdf: bytes) -> UploadCheck:
    """The verdict on an uploaded file; never raises on what was uploaded."""
    from portal.signing import verify_pdf

    if not pdf.startswith(b"%PDF"):
        return UploadCheck(False, _("这不是 PDF 文件。"))
    check = verify_pdf(pdf)
    if not (check.signed and check.intact and check.trusted):
        return UploadCheck(False, check.reason or _("该文件不是本平台出具的学时证明。"))
    token = check.metadata.get("CertificateToken", "")
    certificate = (
        Certificate.objects.filter(token=token).first() if TOKEN_PATTERN.match(token) else None
    )
    if certificate is None:
        return UploadCheck(False, _("本平台没有该证书的记录。"))
    expected = certificate_pdf_metadata(certificate)
    if any(check.metadata.get(key) != value for key, value in expected.items()):
        return UploadCheck(False, _("该文件记载的内容与本平台的记录不一致。"))
    return UploadCheck(True, certificate=_public(certificate))
