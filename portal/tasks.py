from celery import shared_task

from portal.selectors import health_report


@shared_task
def worker_health_task() -> dict:
    """Read-only, so safe to run any number of times."""
    return health_report()
