from celery import shared_task

from portal.selectors import health_report


@shared_task
def worker_health_task() -> dict:
    """Read-only, so safe to run any number of times."""
    return health_report()


@shared_task
def personal_files_purge_task() -> dict:
    """Delete files past their retention period (daily, from beat); safe to run twice."""
    from learners.services.privacy import personal_files_purge

    result = personal_files_purge()
    return {"roster_files": result.roster_files, "archives": result.archives}
