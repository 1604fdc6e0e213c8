"""Reminding people who are behind on their hours: the school sends, the person sees it on her
study page, and an email follows (a Celery task after commit) when she has an address."""

import datetime
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.hour_selectors import transcript
from learners.models import HourReminder, Learner
from portal import access
from portal.enqueue import enqueue_each, sweep_each
from portal.errors import ApplicationError, PermissionRefused
from portal.models import Role, User
from portal.services import audit_record

# A person is reminded at most once in this many days, however often the button is pressed.
QUIET_DAYS = 7
MAX_PER_REQUEST = 500
MAX_PK = 2**63 - 1
ERROR_NOT_STAFF = _("只有学员所在单位的联系人可以发送学时提醒。")
ERROR_TOO_MANY = _("一次最多提醒 %(n)s 人，请分批发送。") % {"n": MAX_PER_REQUEST}


@dataclass(frozen=True)
class RemindersSent:
    sent: int
    skipped: int  # reminded within the quiet days, or none of the school's people


def hour_reminders_send(*, by: User, learner_ids: list[int]) -> RemindersSent:
    """Remind the listed people of the sender's school; each email goes out after commit."""
    school = by.institution_id if access.has_role(by, Role.INSTITUTION_STAFF) else None
    if school is None:
        raise PermissionRefused(ERROR_NOT_STAFF)
    ids = set(learner_ids)
    if len(ids) > MAX_PER_REQUEST:
        raise ApplicationError(ERROR_TOO_MANY)
    since = timezone.now() - datetime.timedelta(days=QUIET_DAYS)
    known = {pk for pk in ids if 0 < pk <= MAX_PK}  # no row has another id: skipped, not sought
    people = Learner.objects.filter(pk__in=known, user__institution_id=school).exclude(
        hour_reminders__created_at__gte=since
    )
    with transaction.atomic():
        reminders = HourReminder.objects.bulk_create(
            [HourReminder(learner=person, institution_id=school, sent_by=by) for person in people]
        )
        if reminders:
            audit_record(
                actor=by,
                action="hours.remind",
                details={"people": len(reminders)},
            )
        from learners.tasks import hour_reminder_email_task

        # After commit, one by one until the broker fails (the sweep sends the rest later).
        sent_ids = [reminder.pk for reminder in reminders]
        transaction.on_commit(lambda: enqueue_each(hour_reminder_email_task, sent_ids))
    return RemindersSent(sent=len(reminders), skipped=len(ids) - len(reminders))


def hour_reminder_email(*, reminder_id: int) -> bool:
    """Email one reminder; False when it was already sent or she has no address. Safe twice."""
    with transaction.atomic():
        reminder = (
            HourReminder.objects.select_for_update(of=("self",))
            .select_related("learner__user", "institution")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.emailed_at is not None:
            return False
        address = reminder.learner.user.email
        if not address:
            return False
        report = transcript(reminder.learner)
        subject = _("【学时提醒】%(school)s 提醒您按时完成培训学时") % {
            "school": reminder.institution.name
        }
        body = render_to_string(
            "learners/email/hour_reminder.txt", {"reminder": reminder, "report": report}
        )
        send_mail(subject, body, None, [address])
        reminder.emailed_at = timezone.now()
        reminder.save(update_fields=["emailed_at"])
    return True


# Reminders whose email was not sent (the broker was down) are sent by the sweep for this long;
# a change this recent is left to the task sent at commit time.
EMAIL_SWEEP_HOURS = 48
EMAIL_SWEEP_GRACE_SECONDS = 60


def hour_reminders_sweep(*, limit: int = 500) -> int:
    """Celery beat: email the reminders a lost task left unsent; the number sent. Safe at any time
    (``hour_reminder_email`` sends each at most once)."""
    now = timezone.now()
    unsent = (
        HourReminder.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - datetime.timedelta(hours=EMAIL_SWEEP_HOURS),
            created_at__lte=now - datetime.timedelta(seconds=EMAIL_SWEEP_GRACE_SECONDS),
        )
        .exclude(learner__user__email="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sweep_each(
        lambda pk: hour_reminder_email(reminder_id=pk), unsent, what="hour reminder email"
    )
