"""Work on a whole cohort: issue every completed place's certificate (the academy), or gather a
school's valid certificates into one zip (a school, its province, the academy). A task runs a
batch for a while and sends itself again; a run that died is finished by running it again."""

import logging
import re
import tempfile
import time
import zipfile
from collections.abc import Callable

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import (
    UNFINISHED,
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
)
from certificates.selectors import batch_certificates, batch_enrollments, batch_items
from certificates.services.enqueue import enqueue
from certificates.services.issuing import ERROR_NOT_ACADEMY, certificate_issue
from certificates.services.rendering import certificate_render, certificates_render
from courses.models import Cohort
from enrollment.models import Institution
from portal import access
from portal.errors import ApplicationError, PermissionRefused
from portal.models import Role, User
from portal.services import audit_record

logger = logging.getLogger(__name__)

ERROR_NOT_YOUR_SCHOOL = gettext_lazy("只能打包下载本单位学员的学时证明。")
ERROR_NO_ARCHIVE_RIGHT = gettext_lazy("只有参训单位、省级统筹或学院可以打包下载学时证明。")
ERROR_NOTHING_TO_ISSUE = gettext_lazy("该期次还没有结业的学员。")
ERROR_NOTHING_TO_PACK = gettext_lazy("该期次没有可下载的有效学时证明。")
ERROR_BATCH_FAILED = gettext_lazy("处理时出错，请稍后重新发起。")
# PDFs rendered together in one go (one font cut); progress is counted per stored PDF.
RENDER_CHUNK = 50


def _archive_institution(by: User, institution: Institution | None) -> Institution | None:
    """Whose certificates a user may gather: a school its own, a province one of its schools,
    the academy any school or the whole cohort."""
    if access.has_role(by, Role.INSTITUTION_STAFF):
        if institution is not None and institution.pk != by.institution_id:
            raise PermissionRefused(str(ERROR_NOT_YOUR_SCHOOL))
        return by.institution
    if access.has_role(by, Role.PROVINCIAL_COORDINATOR):
        if institution is None or institution.province_id != by.province_id:
            raise PermissionRefused(str(ERROR_NOT_YOUR_SCHOOL))
        return institution
    if access.is_academy(by):
        return institution
    raise PermissionRefused(str(ERROR_NO_ARCHIVE_RIGHT))


def certificate_batch_start(
    *, cohort: Cohort, by: User, kind: str, institution: Institution | None = None
) -> CertificateBatch:
    """Start (or, when one is unfinished, resume) a batch on ``cohort``: issue every completed
    place's certificate (the academy), or gather a school's valid certificates into one zip. The
    task is sent after commit; the page follows ``batch.done`` / ``batch.total``."""
    if kind == BatchKind.ISSUE:
        if not access.can(by, access.ADD, Certificate):
            raise PermissionRefused(str(ERROR_NOT_ACADEMY))
    elif kind == BatchKind.ARCHIVE:
        institution = _archive_institution(by, institution)
    else:
        raise ApplicationError(_("未知的批处理类型。"))
    from certificates.tasks import certificate_batch_task

    with transaction.atomic():
        # One unfinished batch of a kind per cohort and school: the cohort row serialises starts.
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        batch = CertificateBatch.objects.filter(
            kind=kind, cohort=cohort, institution=institution, status__in=UNFINISHED
        ).first()
        if batch is None:
            batch = CertificateBatch(
                kind=kind, cohort=cohort, institution=institution, requested_by=by
            )
            if not batch_items(batch).exists():
                nothing = (
                    ERROR_NOTHING_TO_ISSUE if kind == BatchKind.ISSUE else ERROR_NOTHING_TO_PACK
                )
                raise ApplicationError(str(nothing))
            batch.save()
            audit_record(actor=by, action=f"certificate_batch.{kind}", target=batch)
        batch_id = batch.pk
        transaction.on_commit(lambda: enqueue(certificate_batch_task, batch_id))
    return batch


def _progress(batch: CertificateBatch, **values) -> None:
    values["updated_at"] = timezone.now()
    CertificateBatch.objects.filter(pk=batch.pk).update(**values)


def certificate_batch_run(
    *, batch_id: int, budget_seconds: float | None = None
) -> CertificateBatch:
    """Work on a batch until it is done or ``budget_seconds`` have passed (the task then sends
    itself again). Safe to run twice, or again after a crash: issued certificates and stored PDFs
    are kept, so every certificate ends up there exactly once."""
    batch = CertificateBatch.objects.select_related("cohort", "institution").get(pk=batch_id)
    if batch.finished:
        return batch
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    try:
        if batch.kind == BatchKind.ISSUE:
            finished = _issue_cohort(batch, deadline)
        else:
            finished = certificate_archive_build(batch=batch, deadline=deadline)
    except Exception as error:
        logger.exception("certificate batch %s failed", batch.pk)
        message = error.message if isinstance(error, ApplicationError) else ERROR_BATCH_FAILED
        _progress(
            batch, status=BatchStatus.FAILED, error=str(message)[:500], finished_at=timezone.now()
        )
        raise
    if finished:
        _progress(batch, status=BatchStatus.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


def _render_missing(
    batch: CertificateBatch,
    missing: list[Certificate],
    done: int,
    deadline: float | None,
    counted: Callable[[int], None],
) -> bool:
    """Render the PDFs ``missing`` in chunks, counting each stored one; False if out of time."""
    for start in range(0, len(missing), RENDER_CHUNK):
        if _out_of_time(deadline):
            return False
        for _certificate in certificates_render(certificates=missing[start : start + RENDER_CHUNK]):
            done += 1
            counted(done)
    return True


def _issue_cohort(batch: CertificateBatch, deadline: float | None) -> bool:
    """Issue every completed place's certificate (refusals counted as skipped), then render the
    missing PDFs together. ``done`` counts places finished: PDF stored, or refused."""
    enrollment_ids = list(batch_enrollments(batch).values_list("pk", flat=True))
    _progress(batch, status=BatchStatus.RUNNING, total=len(enrollment_ids))
    have = set(
        Certificate.objects.filter(enrollment_id__in=enrollment_ids).values_list(
            "enrollment_id", flat=True
        )
    )
    skipped = 0
    for enrollment_id in enrollment_ids:
        if enrollment_id in have:
            continue
        if _out_of_time(deadline):
            return False
        try:
            certificate_issue(enrollment_id=enrollment_id)
        except ApplicationError as refusal:
            logger.info("batch %s: no certificate for %s: %s", batch.pk, enrollment_id, refusal)
            skipped += 1
    missing = list(
        Certificate.objects.filter(enrollment_id__in=enrollment_ids, pdf="").order_by("pk")
    )
    issued = Certificate.objects.filter(
        enrollment_id__in=enrollment_ids, created_at__gte=batch.created_at
    ).count()
    done = len(enrollment_ids) - len(missing)
    _progress(batch, done=done, issued=issued, skipped=skipped)
    return _render_missing(batch, missing, done, deadline, lambda n: _progress(batch, done=n))


def _entry_name(certificate: Certificate) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", certificate.learner_name).strip("._") or "certificate"
    return f"{certificate.serial}_{name}.pdf"


def certificate_archive_build(*, batch: CertificateBatch, deadline: float | None = None) -> bool:
    """Gather the batch's valid certificates into one zip through the storage: the missing PDFs
    made first (progress counts PDFs in place), then the zip written and stored. False when the
    deadline came before the end (run again to go on)."""
    certificates = list(batch_certificates(batch))
    missing = [certificate for certificate in certificates if not certificate.pdf]
    done = len(certificates) - len(missing)
    _progress(batch, status=BatchStatus.RUNNING, total=len(certificates), done=done)
    if not _render_missing(batch, missing, done, deadline, lambda n: _progress(batch, done=n)):
        return False
    certificates = list(batch_certificates(batch))
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for certificate in certificates:
                try:
                    with certificate.pdf.open("rb") as pdf:
                        archive.writestr(_entry_name(certificate), pdf.read())
                except FileNotFoundError:  # lost from the storage: made again
                    rendered = certificate_render(certificate=certificate)
                    with rendered.pdf.open("rb") as pdf:
                        archive.writestr(_entry_name(rendered), pdf.read())
        spool.seek(0)
        stored = CertificateBatch.objects.get(pk=batch.pk)
        previous = stored.archive.name
        stored.archive.save("archive.zip", File(spool), save=False)
        CertificateBatch.objects.filter(pk=batch.pk).update(archive=stored.archive.name)
    if previous and previous != stored.archive.name:
        default_storage.delete(previous)
    return True
