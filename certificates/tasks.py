"""Certificate work for the Celery workers: each task takes ids, calls a service and is safe to
run twice (issued certificates and stored PDFs are kept, a batch resumes where it stopped)."""

from celery import shared_task
from django.conf import settings

from certificates.models import Certificate
from certificates.services import (
    certificate_batch_run,
    certificate_issue_with_pdf,
    certificate_render,
    certificates_sweep,
)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def certificate_issue_task(enrollment_id: int) -> int | None:
    """Issue a completed place's certificate and its PDF (once)."""
    certificate = certificate_issue_with_pdf(enrollment_id=enrollment_id)
    return certificate.pk if certificate is not None else None


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def certificate_render_task(certificate_id: int) -> None:
    """Render a certificate's PDF again: same serial, same token."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is not None:
        certificate_render(certificate=certificate)


@shared_task
def certificate_batch_task(batch_id: int) -> str:
    """Work on a batch for a while; send itself again until it is done (each run stays well
    inside the task time limit, and a run after a crash goes on where it stopped)."""
    batch = certificate_batch_run(
        batch_id=batch_id, budget_seconds=settings.CERTIFICATE_BATCH_BUDGET_SECONDS
    )
    if not batch.finished:
        certificate_batch_task.delay(batch_id)
    return batch.status


@shared_task
def certificates_sweep_task() -> dict[str, int]:
    """Celery beat: issue what a lost task left undone (see CELERY_BEAT_SCHEDULE)."""
    return vars(certificates_sweep())
