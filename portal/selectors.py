import socket

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from storages.backends.s3 import S3Storage

from courses.models import Program


def health_report() -> dict:
    """What a worker (or a probe) sees: that it reaches the database, and which catalog it holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "database": connection.vendor,
        "programs": Program.objects.count(),
        "host": socket.gethostname(),
        "storage": storage_place(),
    }


def storage_place() -> str:
    """Where the default storage keeps files; web and worker hosts must name the same place."""
    storage = storages["default"]
    if isinstance(storage, S3Storage):
        return f"s3://{storage.bucket_name}/{storage.location}"
    return f"file://{settings.MEDIA_ROOT}"
