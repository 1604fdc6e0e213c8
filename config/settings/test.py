"""Tests: SQLite unless DATABASE_URL says otherwise; Celery eager unless REDIS_URL is set."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, development_fernet_key, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Static files come straight from the finders in tests; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
AXES_FAILURE_LIMIT = 5
# Tasks run in-process in tests; the integration tests switch to the real broker and a worker.
CELERY_TASK_ALWAYS_EAGER = True

# Development-only personal-data keys, derived from the development secret key.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[development_fernet_key(SECRET_KEY)])
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default=SECRET_KEY + ":id-hash")
# Every request closes its connection, so no server thread keeps the test database open.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Uploaded files of the tests go to a throw-away directory (the integration tests' worker is given
# the test process's one in TEST_MEDIA_ROOT, so both see the same files).
MEDIA_ROOT = Path(
    env("TEST_MEDIA_ROOT", default="") or tempfile.mkdtemp(prefix="portal-test-media-")
)
