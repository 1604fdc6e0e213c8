"""Receipts (参训回执) and their workflow: draft, submit, return, approve, reject, withdraw."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Program
from courses.services import MAX_STUDY_MONTHS, add_months
from enrollment.models import (
    Institution,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptTransition,
)
from enrollment.selectors import roster_problems
from portal import access
from portal.enqueue import enqueue, sweep_each
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import Role, User
from portal.services import audit_record
from portal.validators import normalise_taxpayer_id

EDITABLE = (ReceiptStatus.DRAFT, ReceiptStatus.RETURNED)

RECEIPT_FIELDS = (
    "department",
    "trainee_categories",
    "leader_name",
    "leader_title",
    "leader_mobile",
    "liaison_name",
    "liaison_phone",
    "liaison_mobile",
    "liaison_email",
    "liaison_fax",
    "postal_address",
    "postcode",
    "preferred_start_date",
    "study_length_days",
    "invoice_title",
    "taxpayer_id",
    "suggestions",
    "filled_on",
)


SEAL_SCAN_MAX_BYTES = 5 * 1024 * 1024
SEAL_SCAN_SIGNATURES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def seal_scan_suffix(upload: UploadedFile) -> str:
    """The file type of an uploaded seal scan, judged by its content; refuses anything else."""
    if (upload.size or 0) > SEAL_SCAN_MAX_BYTES:
        raise ApplicationError(_("扫描件不能超过 5 MB。"))
    head = upload.read(8)
    upload.seek(0)
    for signature, suffix in SEAL_SCAN_SIGNATURES.items():
        if head.startswith(signature):
            return suffix
    raise ApplicationError(_("扫描件须为 PDF、JPG 或 PNG 文件。"))


def _attach_seal_scan(receipt: Receipt, upload: UploadedFile | None) -> None:
    """Stored under MEDIA_ROOT, which is never served: it is downloaded through a checked view."""
    if upload is None:
        return
    suffix = seal_scan_suffix(upload)
    if receipt.seal_scan:
        receipt.seal_scan.delete(save=False)
    receipt.seal_scan.save(f"receipt-{receipt.pk}-seal.{suffix}", upload, save=False)
    receipt.save(update_fields=["seal_scan", "updated_at"])


@dataclass(frozen=True)
class LineRequest:
    program: Program
    participants: int


def _check_may_file(*, by: User, institution: Institution) -> None:
    if access.has_role(by, Role.INSTITUTION_STAFF) and by.institution_id == institution.pk:
        return
    if (
        access.has_role(by, Role.PROVINCIAL_COORDINATOR)
        and by.province_id == institution.province_id
    ):
        return
    raise PermissionRefused(_("您不能为该单位填报参训回执。"))


def _check_lines(*, lines: list[LineRequest], start: date, study_length_days: int) -> None:
    """The programs requested: at least one, each once, open, within its limit; and the study
    length within two months of the start (already a date near today: see ``_validated``)."""
    if not lines:
        raise ApplicationError(_("请至少选择一个培训班次并填写参训人数。"))
    programs = [line.program.pk for line in lines]
    if len(set(programs)) != len(programs):
        raise ApplicationError(_("同一培训班次只能填写一行。"))
    for line in lines:
        if not line.program.is_active:
            raise ApplicationError(
                _("班次「%(name)s」暂不接受报名。") % {"name": line.program.name}
            )
        try:
            validate_instance(
                ReceiptLine(program=line.program, participants=line.participants),
                exclude=["receipt", "program", "cohort"],
            )
        except ApplicationError as error:
            why = [m for messages in error.fields.values() for m in messages]
            raise ApplicationError(
                _("「%(name)s」的参训人数：%(why)s")
                % {"name": line.program.name, "why": "".join(why)},
                fields={"lines": why},
            ) from None
        limit = line.program.max_participants
        if limit is not None and line.participants > limit:
            raise ApplicationError(
                _("「%(name)s」每期最多 %(max)s 人，请分期报名或联系学院。")
                % {"name": line.program.name, "max": limit}
            )
    latest = add_months(start, MAX_STUDY_MONTHS)
    if (latest - start).days < study_length_days:
        message = _("学习时长原则上不超过 2 个月（自 %(start)s 起最多 %(days)s 天）。") % {
            "start": start.isoformat(),
            "days": (latest - start).days,
        }
        raise ApplicationError(message, fields={"study_length_days": [message]})


def _validated(receipt: Receipt, data: dict) -> Receipt:
    """``receipt`` with ``data`` applied and checked against every rule of the model."""
    for name in RECEIPT_FIELDS:
        if name in data:
            value = data[name]
            if name == "taxpayer_id" and isinstance(value, str):
                value = normalise_taxpayer_id(value)
            setattr(receipt, name, value)
    validate_instance(receipt, exclude=["institution", "created_by", "seal_scan"])
    return receipt


def _record(receipt: Receipt, *, to: str, by: User, comment: str = "") -> ReceiptTransition:
    transition = ReceiptTransition(
        receipt=receipt, from_status=receipt.status, to_status=to, by=by, comment=comment
    )
    validate_instance(transition, exclude=["receipt", "by"])
    transition.save()
    receipt.status = to
    audit_record(
        actor=by,
        action=f"receipt.{to}",
        target=receipt,
        comment=comment,
        details={"from": transition.from_status},
    )
    from enrollment.tasks import notify_receipt_status_task

    # After commit, and never raised into the request: with Redis down the change stands and the
    # sweep (receipt_notifications_sweep) sends the email once the broker is back.
    transition_id = transition.pk
    transaction.on_commit(lambda: enqueue(notify_receipt_status_task, transition_id))
    return transition


def _save_lines(receipt: Receipt, lines: list[LineRequest]) -> None:
    kept = {line.program.pk for line in lines}
    receipt.lines.exclude(program_id__in=kept).delete()  # their roster rows go with them
    existing = {line.program_id: line for line in receipt.lines.all()}
    for request in lines:
        line = existing.get(request.program.pk)
        if line is None:
            ReceiptLine.objects.create(
                receipt=receipt, program=request.program, participants=request.participants
            )
        elif line.participants != request.participants:
            line.participants = request.participants
            line.save(update_fields=["participants"])


@transaction.atomic
def receipt_create(
    *,
    institution: Institution,
    by: User,
    data: dict,
    lines: list[LineRequest],
    seal_scan: UploadedFile | None = None,
) -> Receipt:
    """A new draft receipt for ``institution``, filed by its staff or its provincial coordinator."""
    _check_may_file(by=by, institution=institution)
    receipt = _validated(
        Receipt(institution=institution, desk=institution.desk, created_by=by), data
    )
    _check_lines(
        lines=lines, start=receipt.preferred_start_date, study_length_days=receipt.study_length_days
    )
    receipt.save()
    _save_lines(receipt, lines)
    _attach_seal_scan(receipt, seal_scan)
    audit_record(actor=by, action="receipt.create", target=receipt)
    return receipt


@transaction.atomic
def receipts_create_for_province(
    *, institutions: list[Institution], by: User, data: dict, lines: list[LineRequest]
) -> list[Receipt]:
    """A provincial coordinator files the same request for several schools in one go."""
    if not institutions:
        raise ApplicationError(_("请至少选择一所学校。"))
    return [
        receipt_create(institution=institution, by=by, data=data, lines=lines)
        for institution in sorted(institutions, key=lambda i: i.pk)
    ]


def _lock(receipt: Receipt) -> Receipt:
    return Receipt.objects.select_for_update().select_related("institution").get(pk=receipt.pk)


def _check_owner(receipt: Receipt, by: User) -> None:
    try:
        _check_may_file(by=by, institution=receipt.institution)
    except ApplicationError:
        raise PermissionRefused(_("只有本单位联系人或本省统筹可以操作此回执。")) from None


def _check_reviewer(receipt: Receipt, by: User) -> None:
    if not access.is_academy(by) or not access.can(by, access.VIEW, receipt):
        raise PermissionRefused(_("只有受理该回执的学院项目负责人可以审核。"))


def _refuse_state(receipt: Receipt, action: str) -> StateConflict:
    return StateConflict(
        _("回执当前为「%(status)s」，不能%(action)s。")
        % {"status": receipt.get_status_display(), "action": action}
    )


@transaction.atomic
def receipt_update(
    *,
    receipt: Receipt,
    by: User,
    data: dict,
    lines: list[LineRequest],
    seal_scan: UploadedFile | None = None,
) -> Receipt:
    receipt = _lock(receipt)
    _check_owner(receipt, by)
    if receipt.status not in EDITABLE:
        raise _refuse_state(receipt, _("修改"))
    _validated(receipt, data)
    _check_lines(
        lines=lines, start=receipt.preferred_start_date, study_length_days=receipt.study_length_days
    )
    receipt.save()
    _save_lines(receipt, lines)
    _attach_seal_scan(receipt, seal_scan)
    audit_record(actor=by, action="receipt.update", target=receipt)
    return receipt


@transaction.atomic
def receipt_submit(*, receipt: Receipt, by: User, comment: str = "") -> Receipt:
    receipt = _lock(receipt)
    _check_owner(receipt, by)
    if receipt.status not in EDITABLE:
        raise _refuse_state(receipt, _("提交"))
    validate_instance(receipt, exclude=["institution", "created_by", "seal_scan"])
    problems = roster_problems(receipt)
    if problems:
        raise ApplicationError(_("名单与回执人数不一致：") + " ".join(problems))
    if receipt.roster_consent_at is None:
        raise ApplicationError(_("请先确认已告知名单人员其个人信息的使用。"))
    receipt.desk = receipt.institution.desk
    receipt.submitted_at = timezone.now()
    _record(receipt, to=ReceiptStatus.SUBMITTED, by=by, comment=comment)
    receipt.save(update_fields=["status", "desk", "submitted_at", "updated_at"])
    return receipt


@transaction.atomic
def receipt_withdraw(*, receipt: Receipt, by: User, comment: str = "") -> Receipt:
    receipt = _lock(receipt)
    _check_owner(receipt, by)
    if receipt.status not in (*EDITABLE, ReceiptStatus.SUBMITTED):
        raise _refuse_state(receipt, _("撤回"))
    _record(receipt, to=ReceiptStatus.WITHDRAWN, by=by, comment=comment)
    receipt.save(update_fields=["status", "updated_at"])
    return receipt


def _review(receipt: Receipt, *, by: User, to: str, comment: str, action: str, needs_comment: bool):
    receipt = _lock(receipt)
    _check_reviewer(receipt, by)
    if receipt.status != ReceiptStatus.SUBMITTED:
        raise _refuse_state(receipt, action)
    if needs_comment and not comment.strip():
        raise ApplicationError(_("请填写%(action)s的原因。") % {"action": action})
    _record(receipt, to=to, by=by, comment=comment.strip())
    receipt.save(update_fields=["status", "updated_at"])
    return receipt


@transaction.atomic
def receipt_approve(*, receipt: Receipt, by: User, comment: str = "") -> Receipt:
    """Approve, and fix the receipt's quote (version 1) in the same transaction: a receipt with a
    custom line whose negotiated fee is not entered is refused, so no approved receipt lacks one."""
    from billing.models import QuoteReason
    from billing.services.quotes import quote_fix

    receipt = _review(
        receipt,
        by=by,
        to=ReceiptStatus.APPROVED,
        comment=comment,
        action=_("通过"),
        needs_comment=False,
    )
    quote_fix(receipt=receipt, by=by, reason=QuoteReason.APPROVAL)
    return receipt


@transaction.atomic
def receipt_return(*, receipt: Receipt, by: User, comment: str) -> Receipt:
    return _review(
        receipt,
        by=by,
        to=ReceiptStatus.RETURNED,
        comment=comment,
        action=_("退回"),
        needs_comment=True,
    )


@transaction.atomic
def receipt_reject(*, receipt: Receipt, by: User, comment: str) -> Receipt:
    return _review(
        receipt,
        by=by,
        to=ReceiptStatus.REJECTED,
        comment=comment,
        action=_("不予通过"),
        needs_comment=True,
    )


def receipt_mark_scheduled(*, receipt: Receipt, by: User) -> Receipt:
    """Called by cohort placement, inside its transaction, when the last line is placed."""
    receipt = _lock(receipt)
    if receipt.status != ReceiptStatus.APPROVED:
        raise _refuse_state(receipt, _("编班"))
    _record(receipt, to=ReceiptStatus.SCHEDULED, by=by, comment=_("已全部编入期次"))
    receipt.save(update_fields=["status", "updated_at"])
    return receipt


def receipt_notify(*, transition_id: int) -> bool:
    """Email the school's liaison about one status change; False when it was already sent."""
    with transaction.atomic():
        transition = (
            ReceiptTransition.objects.select_for_update()
            .select_related("receipt__institution")
            .get(pk=transition_id)
        )
        if transition.notified_at is not None:
            return False
        receipt = transition.receipt
        subject = _("【培训报名】%(school)s 参训回执 #%(pk)s：%(status)s") % {
            "school": receipt.institution.name,
            "pk": receipt.pk,
            "status": transition.get_to_status_display(),
        }
        body = render_to_string(
            "enrollment/email/receipt_status.txt", {"receipt": receipt, "transition": transition}
        )
        send_mail(subject, body, None, [receipt.liaison_email])
        transition.notified_at = timezone.now()
        transition.save(update_fields=["notified_at"])
    return True


# Status changes whose email was not sent (the broker was down) are sent by the sweep for this
# long; older ones are left, so that a long outage does not flood the liaisons with stale news.
NOTIFICATION_SWEEP_HOURS = 48
# A change this recent is left to the task sent at commit time.
NOTIFICATION_SWEEP_GRACE_SECONDS = 60


def receipt_notifications_sweep(*, limit: int = 200) -> int:
    """Celery beat: send the status emails a lost task left unsent; the number sent. Safe to run
    at any time (``receipt_notify`` sends each at most once)."""
    now = timezone.now()
    unsent = (
        ReceiptTransition.objects.filter(
            notified_at__isnull=True,
            at__gte=now - timedelta(hours=NOTIFICATION_SWEEP_HOURS),
            at__lte=now - timedelta(seconds=NOTIFICATION_SWEEP_GRACE_SECONDS),
        )
        .order_by("at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sweep_each(
        lambda pk: receipt_notify(transition_id=pk), unsent, what="receipt status email"
    )
