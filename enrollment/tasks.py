from celery import shared_task

from enrollment.services import receipt_notify


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def notify_receipt_status_task(transition_id: int) -> bool:
    """Email the liaison about a status change; a second run sends nothing."""
    return receipt_notify(transition_id=transition_id)
