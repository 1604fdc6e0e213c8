"""The real worker keeps files where the web process does: the test's media directory by default,
the test's bucket on the local S3 server when given the S3_* variables (tests/storage.py)."""

import pytest
from django.conf import settings

from portal.tasks import worker_health_task


def test_the_worker_shares_the_local_media_directory(celery_worker_process):
    result = worker_health_task.delay().get(timeout=30)

    assert result["storage"] == f"file://{settings.MEDIA_ROOT}"


class TestOnTheObjectStore:
    @pytest.fixture
    def worker_env(self, s3_storage):
        return s3_storage.env()

    def test_the_worker_stores_in_the_same_bucket(self, s3_storage, celery_worker_process):
        result = worker_health_task.delay().get(timeout=30)

        assert result["storage"] == f"s3://{s3_storage.bucket}/media"
