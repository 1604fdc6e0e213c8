import time

import pytest
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from portal.tasks import worker_health_task


@pytest.mark.django_db
def test_a_task_enqueued_inside_a_transaction_is_sent_only_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        worker_health_task.delay_on_commit()

    assert len(callbacks) == 1


def test_celery_is_configured_for_safe_delivery():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_publish_retry_policy["max_retries"] <= 3
    # a killed worker's task is delivered again, but never while a live worker still runs it
    # (the longest task) or holds it for a retry (the longest backoff, 600 s by default)
    assert conf.broker_transport_options["visibility_timeout"] > max(conf.task_time_limit, 600)


@pytest.fixture
def broker_mode():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_publishing_gives_up_quickly_when_the_broker_is_down(broker_mode):
    started = time.monotonic()

    with (
        celery_app.connection_for_write("redis://127.0.0.1:1/0") as dead,
        pytest.raises(OperationalError),
    ):
        worker_health_task.apply_async(connection=dead)

    assert time.monotonic() - started < 5
