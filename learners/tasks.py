from celery import shared_task

from learners.services.reminders import hour_reminder_email, hour_reminders_sweep


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def hour_reminder_email_task(reminder_id: int) -> bool:
    """Email one hour reminder; a second run sends nothing."""
    return hour_reminder_email(reminder_id=reminder_id)


@shared_task
def hour_reminders_sweep_task() -> int:
    """Celery beat: email the reminders that were not sent (see CELERY_BEAT_SCHEDULE)."""
    return hour_reminders_sweep()
