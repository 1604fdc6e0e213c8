import logging

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Send a task now; a broker that is down is logged, never raised into the request (a
    periodic sweep does what was not sent). Call it from ``transaction.on_commit``; the broker's
    connect and publish retries are bounded in settings (CELERY_BROKER_*), so it never hangs."""
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - the broker's many failure types; the sweep recovers
        logger.exception("could not enqueue %s%s; the sweep will pick it up", task.name, args)
        return False
    return True


def enqueue_each(task, ids) -> int:
    """Send ``task`` once per id, stopping at the first failure: with the broker down the rest
    would fail too, each after its connect timeout, and the request would hang. The number sent;
    a periodic sweep sends what was not."""
    sent = 0
    for pk in ids:
        if not enqueue(task, pk):
            break
        sent += 1
    return sent


def sweep_each(send, ids, *, what: str) -> int:
    """A sweep's work: ``send(id)`` for every id, each on its own, so one that fails (an address
    the mail server refuses) does not hold back the others; it stays unsent for the next sweep.
    Only the failure's type is logged: a mail server's refusal quotes the recipient's address.
    The number sent."""
    sent = 0
    for pk in ids:
        try:
            sent += bool(send(pk))
        except Exception as error:  # noqa: BLE001 - whatever the mail server or template raised
            logger.warning("%s %s not sent: %s", what, pk, type(error).__name__)
    return sent
