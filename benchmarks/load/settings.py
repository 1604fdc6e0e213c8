"""Settings of the load benchmark's web and worker processes (`make bench-load`).

The test settings (development keys, locmem mail) made production-like where load depends on it:
DEBUG off, persistent database connections, the Redis cache, Celery through Redis to a real
worker (never eager). One proxy of ours is assumed in front (TRUSTED_PROXY_COUNT=1): locust
plays it, and says in X-Forwarded-For which public address each anonymous visitor comes from, so
that the per-address limit of the verification page applies per visitor as it does behind the
production proxy. The visitors are simulated sessions, signed in beforehand: no log-in is timed.
"""

from pathlib import Path

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, REDIS_URL, env

DEBUG = False
if not REDIS_URL or DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("the load benchmark needs DATABASE_URL (PostgreSQL) and REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
TRUSTED_PROXY_COUNT = 1
MEDIA_ROOT = Path(env("MEDIA_ROOT"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
