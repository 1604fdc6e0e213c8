"""The periodic sweep (Celery beat): what a lost task left undone. When Redis was unreachable as an
enrollment completed, the completion was saved and the task never sent; the sweep issues its
certificate once a worker runs again."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from certificates.models import UNFINISHED, Certificate, CertificateBatch
from certificates.services.enqueue import enqueue
from certificates.services.issuing import certificate_issue
from certificates.services.rendering import certificates_render
from learners.models import Enrollment
from portal.errors import ApplicationError

logger = logging.getLogger(__name__)

# Completions older than this are left to a coordinator's cohort batch, so that places a program
# change made ineligible are not tried again for ever.
SWEEP_WINDOW_DAYS = 30
# A batch no worker has touched for this long lost its worker: it is sent again.
STALE_BATCH_MINUTES = 10


@dataclass
class SweepResult:
    issued: int = 0
    refused: int = 0
    rendered: int = 0
    batches_resumed: int = 0


def certificates_sweep(*, limit: int | None = None) -> SweepResult:
    """Issue the certificates of places completed in the last 30 days that have none, render the
    PDFs that are missing, and send again the batches no worker has touched for 10 minutes.
    Each at most ``limit`` (CERTIFICATE_SWEEP_LIMIT) a run."""
    from certificates.tasks import certificate_batch_task
    from portal.signing import signing_problem

    limit = limit or settings.CERTIFICATE_SWEEP_LIMIT
    result = SweepResult()
    since = timezone.now() - datetime.timedelta(days=SWEEP_WINDOW_DAYS)
    missing = (
        Enrollment.objects.filter(completed_at__gte=since, certificate__isnull=True)
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for enrollment_id in missing:
        try:
            certificate_issue(enrollment_id=enrollment_id)
        except ApplicationError as refusal:
            logger.info("sweep: no certificate for enrollment %s: %s", enrollment_id, refusal)
            result.refused += 1
        else:
            result.issued += 1
    problem = signing_problem()
    if problem:  # every render would fail: said once, nothing rendered
        logger.error("sweep: no certificate is rendered, signing is unavailable: %s", problem)
    else:
        unrendered = Certificate.objects.filter(pdf="").order_by("pk")[:limit]
        for _certificate in certificates_render(certificates=list(unrendered)):
            result.rendered += 1
    stale = timezone.now() - datetime.timedelta(minutes=STALE_BATCH_MINUTES)
    for batch_id in CertificateBatch.objects.filter(
        status__in=UNFINISHED, updated_at__lt=stale
    ).values_list("pk", flat=True):
        # Touched now, so that the next sweep leaves it to the worker it is sent to.
        CertificateBatch.objects.filter(pk=batch_id).update(updated_at=timezone.now())
        result.batches_resumed += int(enqueue(certificate_batch_task, batch_id))
    return result
