from celery import shared_task

from learners.services.reminders import hour_reminder_email


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def hour_reminder_email_task(reminder_id: int) -> bool:
    """Email one hour reminder; a second run sends nothing."""
    return hour_reminder_email(reminder_id=reminder_id)
