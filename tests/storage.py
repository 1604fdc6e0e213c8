"""An S3-compatible object store for the tests: moto's server, started in this process and spoken
to over real HTTP on 127.0.0.1, exactly as production speaks to S3 or MinIO. Nothing in Django's
storage API or boto3 is mocked.

Use the fixture ``s3_storage`` (registered in tests/conftest.py): for the test, a fresh bucket is
the default storage (``default_storage`` and every FileField follow it). It returns an
:class:`ObjectStore`; ``s3_storage.env()`` is the S3_* environment that makes another process (a
Celery worker) use the same bucket. With the integration tests' real worker, override the
``worker_env`` fixture in the test module::

    @pytest.fixture
    def worker_env(s3_storage):
        return s3_storage.env()

and request ``s3_storage`` before any fixture that stores files (``world`` stores a seal scan).
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

from config.settings.base import s3_storage as s3_storage_settings


@dataclass(frozen=True)
class ObjectStore:
    endpoint_url: str
    bucket: str
    region: str = "us-east-1"
    access_key_id: str = "test-access-key"
    secret_access_key: str = "test-secret-key"  # noqa: S105 - moto accepts any key
    prefix: str = "media"

    def env(self) -> dict[str, str]:
        """The settings' S3_* variables naming this bucket (for a worker process)."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY_ID": self.access_key_id,
            "S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "S3_PREFIX": self.prefix,
        }

    def storage_settings(self) -> dict:
        return s3_storage_settings(
            self.bucket,
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            prefix=self.prefix,
        )

    def client(self):
        """A plain boto3 client on the server, to look at the bucket behind the storage's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return [entry["Key"] for entry in listing.get("Contents", [])]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1 for the whole session; its endpoint URL."""
    from moto.server import ThreadedMotoServer  # about a second to import: only when used

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings) -> ObjectStore:
    """A fresh bucket on the local S3 server as STORAGES["default"] for this test.

    pytest-django's ``settings`` sends ``setting_changed``, on which Django drops its storage
    cache and ``default_storage``'s wrapped object, both when the override starts and when it
    ends (the test's local storage comes back)."""
    store = ObjectStore(endpoint_url=s3_server, bucket=f"portal-test-{uuid.uuid4().hex[:16]}")
    store.client().create_bucket(Bucket=store.bucket)
    settings.STORAGES = {**settings.STORAGES, "default": store.storage_settings()}
    assert isinstance(default_storage, S3Storage)
    return store
