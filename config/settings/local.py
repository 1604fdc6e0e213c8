"""Development: DEBUG on, a development secret key, SQLite and in-process tasks unless told otherwise."""

from .base import *  # noqa: F403
from .base import development_fernet_key, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-not-for-production")
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Development-only personal-data keys, derived from the development secret key.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[development_fernet_key(SECRET_KEY)])
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default=SECRET_KEY + ":id-hash")
