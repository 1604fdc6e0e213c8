"""Integration tests: a real PostgreSQL, a real Redis and a real Celery worker.

They run when DATABASE_URL names PostgreSQL and REDIS_URL is set (as in CI) and are skipped
otherwise, saying why. The worker is started here, against the test database.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from courses.services import catalog_load
from enrollment.services import provinces_load


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)


def unavailable(reason: str):
    """Skip, or fail where CI demands the real services (REQUIRE_INTEGRATION=1)."""
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"integration test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres(transactional_db):
    """Committed data on PostgreSQL; reference data reloaded, as transactional tests flush it."""
    if connection.vendor != "postgresql":
        unavailable("needs DATABASE_URL pointing at PostgreSQL")
    provinces_load()
    catalog_load()


@pytest.fixture
def redis_broker():
    if not settings.REDIS_URL:
        unavailable("needs REDIS_URL")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield settings.REDIS_URL
    celery_app.conf.task_always_eager = previous


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env() -> dict[str, str]:
    """Extra environment for the worker process; a test module overrides it, e.g. with
    ``s3_storage.env()`` so that the worker stores files in the test's bucket (tests/storage.py)."""
    return {}


def worker_start(*, broker: str, log, extra_env: dict[str, str], name: str) -> subprocess.Popen:
    """Start a real `celery worker` process on the test database; returns once it answers a ping
    (or fails the test, with its log). ``name`` tells it apart from another one started later."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_of_test_database(),
        "REDIS_URL": broker,
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra_env,
    }
    hostname = f"{name}-{os.getpid()}@%h"
    with log.open("w") as out:
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname={hostname}",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited early:\n{log.read_text()}")
        replies = celery_app.control.ping(timeout=1)
        if any(hostname.split("@")[0] in name for reply in replies for name in reply):
            return worker
    worker_stop(worker)
    pytest.fail(f"the worker did not answer within 60 s:\n{log.read_text()}")


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.fixture
def celery_worker_process(postgres, redis_broker, tmp_path, worker_env):
    """A real `celery worker` process on the test database, stopped after the test."""
    worker = worker_start(
        broker=redis_broker, log=tmp_path / "worker.log", extra_env=worker_env, name="test-worker"
    )
    try:
        yield worker
    finally:
        worker_stop(worker)
