from celery import shared_task

from enrollment.services import receipt_notifications_sweep, receipt_notify


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def notify_receipt_status_task(transition_id: int) -> bool:
    """Email the liaison about a status change; a second run sends nothing."""
    return receipt_notify(transition_id=transition_id)


@shared_task
def receipt_notifications_sweep_task() -> int:
    """Celery beat: send the status emails that were not sent (see CELERY_BEAT_SCHEDULE)."""
    return receipt_notifications_sweep()
