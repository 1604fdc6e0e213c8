import logging

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Send a task now; a broker that is down is logged, never raised into the request (the
    periodic sweep does what was not sent). Call it from ``transaction.on_commit``."""
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - the broker's many failure types; the sweep recovers
        logger.exception("could not enqueue %s%s; the sweep will pick it up", task.name, args)
        return False
    return True
