"""Issuing, rendering, revoking and batching study-hour certificates.

- ``certificate_issue``: once per completed enrollment, whoever asks and however often (the
  enrollment row is locked, the database holds one certificate per enrollment, the serial comes
  from a per-year counter row locked while it is taken).
- ``certificate_render`` / ``certificates_render``: the signed PDF(s), written through Django's
  storage; rendering again keeps the serial and the token. Many are rendered together (one font
  cut for the lot), which is what makes a cohort cheap.
- ``certificate_revoke`` / ``certificate_reinstate``: the academy's, with a reason, audited.
- ``certificate_batch_start`` / ``certificate_batch_run``: a cohort's certificates issued, or a
  school's gathered into one zip, by a task that reports progress and finishes what a crashed run
  left (every step is idempotent).
- ``certificates_sweep``: what a lost task left undone (the broker was down when an enrollment
  completed) is issued by the periodic sweep.
"""

from certificates.services.batches import (
    ERROR_BATCH_FAILED,
    ERROR_NO_ARCHIVE_RIGHT,
    ERROR_NOT_YOUR_SCHOOL,
    ERROR_NOTHING_TO_ISSUE,
    ERROR_NOTHING_TO_PACK,
    certificate_archive_build,
    certificate_batch_run,
    certificate_batch_start,
)
from certificates.services.enqueue import enqueue
from certificates.services.issuing import (
    ERROR_NO_ENROLLMENT,
    ERROR_NOT_ACADEMY,
    ERROR_NOT_COMPLETED,
    ERROR_REQUIREMENTS_LEFT,
    certificate_issue,
    certificate_issue_enqueue,
    certificate_issue_with_pdf,
    certificate_requirements_check,
)
from certificates.services.rendering import (
    TEMPLATE,
    certificate_ensure_pdf,
    certificate_pdf_bytes,
    certificate_regenerate,
    certificate_render,
    certificates_render,
)
from certificates.services.revocation import (
    ERROR_ALREADY_REVOKED,
    ERROR_NOT_REVOKED,
    ERROR_REASON_REQUIRED,
    certificate_reinstate,
    certificate_revoke,
)
from certificates.services.sweep import SweepResult, certificates_sweep

__all__ = [
    "ERROR_ALREADY_REVOKED",
    "ERROR_BATCH_FAILED",
    "ERROR_NOTHING_TO_ISSUE",
    "ERROR_NOTHING_TO_PACK",
    "ERROR_NOT_ACADEMY",
    "ERROR_NOT_COMPLETED",
    "ERROR_NOT_REVOKED",
    "ERROR_NOT_YOUR_SCHOOL",
    "ERROR_NO_ARCHIVE_RIGHT",
    "ERROR_NO_ENROLLMENT",
    "ERROR_REASON_REQUIRED",
    "ERROR_REQUIREMENTS_LEFT",
    "TEMPLATE",
    "SweepResult",
    "certificate_archive_build",
    "certificate_batch_run",
    "certificate_batch_start",
    "certificate_ensure_pdf",
    "certificate_issue",
    "certificate_issue_enqueue",
    "certificate_issue_with_pdf",
    "certificate_pdf_bytes",
    "certificate_regenerate",
    "certificate_reinstate",
    "certificate_render",
    "certificate_requirements_check",
    "certificate_revoke",
    "certificates_render",
    "certificates_sweep",
    "enqueue",
]
