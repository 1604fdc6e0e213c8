"""Settings shared by every environment; everything that varies is read from the environment here."""

import base64
import hashlib
from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def development_fernet_key(secret: str) -> str:
    """A 32-byte base64url key derived from a development secret; production sets real keys."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "portal",
    "enrollment",
    "courses",
    "learners",
    "certificates",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.PasswordChangeRequiredMiddleware",
    "portal.middleware.DatabaseRefusalMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# The embedded default is an SQLite file, so that one command runs the portal on a new machine.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A few people at once on the embedded default: readers never wait for the writer (WAL), a
    # writer waits its turn instead of failing with "database is locked" (busy timeout), and a
    # transaction takes the write lock when it begins (IMMEDIATE), so two of them never deadlock
    # upgrading from a read to a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "learners.backends.InitialPasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]  # ISO first among date input formats (see the module)
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end packages are installed from the npm registry (package.json), never committed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
# Uploaded files and generated PDFs live outside any served directory: MEDIA_URL is never routed,
# downloads go through views that check access.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    # Whole files or none: a write that fails (a full disk) leaves no partial file behind.
    "default": {"BACKEND": "portal.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def s3_storage(
    bucket: str,
    *,
    endpoint_url: str = "",
    region: str = "",
    access_key_id: str = "",
    secret_access_key: str = "",
    prefix: str = "",
) -> dict:
    """The default storage in an S3-compatible object store (AWS S3, MinIO, …), shared by every
    web and worker host. Objects stay private: no ACL is set (the bucket's policy rules), URLs are
    signed and short-lived, and a name never overwrites another file. Empty keys leave boto3 to
    its own credential chain (an instance role)."""
    given = {
        "endpoint_url": endpoint_url,
        "region_name": region,
        "access_key": access_key_id,
        "secret_key": secret_access_key,
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **{name: value for name, value in given.items() if value},
            "bucket_name": bucket,
            "location": prefix.strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "signature_version": "s3v4",
            # Self-hosted servers (MinIO) answer on one host name: bucket in the path.
            "addressing_style": "path" if endpoint_url else None,
            # A file read back (a lesson video) spills to a temporary file past 2 MB, never memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = s3_storage(
        S3_BUCKET,
        endpoint_url=env("S3_ENDPOINT_URL", default=""),
        region=env("S3_REGION", default=""),
        access_key_id=env("S3_ACCESS_KEY_ID", default=""),
        secret_access_key=env("S3_SECRET_ACCESS_KEY", default=""),
        prefix=env("S3_PREFIX", default=""),
    )
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# The largest lesson video the academy may upload (bytes); uploads stream to disk, never memory.
LESSON_VIDEO_MAX_BYTES = env.int("LESSON_VIDEO_MAX_BYTES", default=2 * 1024**3)


def email_mailers(email: dict) -> dict:
    """MAILERS from a parsed EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587."""
    backend = email["EMAIL_BACKEND"]
    options = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": email.get("EMAIL_HOST"),
            "port": email.get("EMAIL_PORT"),
            "username": email.get("EMAIL_HOST_USER"),
            "password": email.get("EMAIL_HOST_PASSWORD"),
            "use_tls": email.get("EMAIL_USE_TLS", False),
            "use_ssl": email.get("EMAIL_USE_SSL", False),
            "timeout": 10,
        }
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


# Mail is printed to the console unless EMAIL_URL names a server.
MAILERS = email_mailers(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="培训报名平台 <noreply@localhost>")

# Security headers. Django's own Content Security Policy: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Log-in lockout (django-axes). Attempts are counted per user name *and* client address, and the
# address is REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies in front of us append to
# X-Forwarded-For: a spoofed header can neither reset a lockout nor lock out somebody else.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The per-address limits (django-ratelimit, e.g. public certificate verification) see the same
# client address: behind our proxy, REMOTE_ADDR would put every visitor in one bucket.
RATELIMIT_IP_META_KEY = "portal.security.client_ip"

# Personal data: resident ID numbers are encrypted (AES-256-GCM) with the first of PERSONAL_DATA_KEYS
# (32-byte keys, base64url, e.g. from Fernet.generate_key(); older keys still decrypt) and found
# again by an HMAC keyed with PERSONAL_DATA_HASH_KEY.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous caller is told 401 with WWW-Authenticate.
        "portal.authentication.TokenAuthentication",
        "portal.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.PortalAutoSchema",
    # JSON only: the interactive documentation is at /api/docs/ (the browsable API needs inline
    # styles that the Content Security Policy refuses).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies (multipart only where a file is uploaded): one shape per operation, which the
    # schema states, rather than form encodings that cannot carry a receipt's nested lines.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["portal.filters.StrictFilterBackend"],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "高校党建网络培训报名平台 API",
    "DESCRIPTION": "Programs, institutions and (later) receipts, cohorts and certificates.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ReceiptStatusEnum": "enrollment.models.ReceiptStatus"},
}

# The cache holds short-lived things shared by all web processes (a rejected roster's error file).
# Bounded socket times: a Redis that is down makes a cache call fail fast, never hang a request.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
        if env("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: configured once. Without REDIS_URL tasks run in-process (the embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
# A request must never hang when the broker is down: bounded connect time and publish retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    # With acks_late, a task whose worker died (killed, out of memory) stays unacknowledged in
    # Redis and is delivered again once this many seconds have passed since it was sent. It must
    # exceed the longest task (CELERY_TASK_TIME_LIMIT) and any countdown (retry backoffs), or a
    # task still running would be delivered twice; every task is safe to run twice anyway.
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such abandoned tasks (seconds; one Redis scan each time).
    "unacked_restore_interval": env.int("CELERY_BROKER_RESTORE_INTERVAL", default=30),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every step of every document at INFO; its warnings are what matter.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# Days after a cohort's end in which a coordinator's judgement of work handed in on time (an essay,
# live attendance) may still complete an enrollment. Learners themselves earn nothing after the end.
COMPLETION_GRACE_DAYS = env.int("COMPLETION_GRACE_DAYS", default=30)

# The party-member education plan's period (002_…: 2024–2028) over which hours are counted.
HOUR_PLAN_START_YEAR = env.int("HOUR_PLAN_START_YEAR", default=2024)
HOUR_PLAN_END_YEAR = env.int("HOUR_PLAN_END_YEAR", default=2028)

# Study-hour certificates (学时证明). PORTAL_BASE_URL is the portal's public address, printed in the
# certificate's QR code before the verification path (no trailing slash).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CERTIFICATE_ISSUER = env("CERTIFICATE_ISSUER", default="中国教育干部网络学院")
# A static file (PNG or SVG) printed as the issuer's seal.
CERTIFICATE_SEAL_IMAGE = env("CERTIFICATE_SEAL_IMAGE", default="certificates/seal.svg")
# Some provinces want the full resident ID number on an hour proof: on the PDF only, never on a page.
CERTIFICATE_SHOW_FULL_ID = env.bool("CERTIFICATE_SHOW_FULL_ID", default=False)
# The periodic sweep issues what a lost task left undone (the broker was down at completion time).
CERTIFICATE_SWEEP_LIMIT = env.int("CERTIFICATE_SWEEP_LIMIT", default=200)
# A batch task works this long, then sends itself again (well inside CELERY_TASK_TIME_LIMIT).
CERTIFICATE_BATCH_BUDGET_SECONDS = env.int("CERTIFICATE_BATCH_BUDGET_SECONDS", default=120)
# The academy's PAdES signature on the PDFs it issues (portal.signing): a PEM private key (its
# passphrase, if any, in PDF_SIGNING_KEY_PASSPHRASE), its certificate and the CA certificates above
# it (trusted when a PDF is verified; may be empty for a self-signed certificate). `make run` makes
# a development pair here with `manage.py make_signing_pair`; production names real files.
PDF_SIGNING_DIR = Path(env("PDF_SIGNING_DIR", default=str(BASE_DIR / "var" / "signing")))
PDF_SIGNING_KEY_FILE = env("PDF_SIGNING_KEY_FILE", default=str(PDF_SIGNING_DIR / "signing-key.pem"))
PDF_SIGNING_CERT_FILE = env(
    "PDF_SIGNING_CERT_FILE", default=str(PDF_SIGNING_DIR / "signing-cert.pem")
)
PDF_SIGNING_CHAIN_FILE = env("PDF_SIGNING_CHAIN_FILE", default=str(PDF_SIGNING_DIR / "ca-cert.pem"))
PDF_SIGNING_KEY_PASSPHRASE = env("PDF_SIGNING_KEY_PASSPHRASE", default="")
PDF_SIGNING_REASON = env("PDF_SIGNING_REASON", default="学时证明")
PDF_SIGNING_LOCATION = env("PDF_SIGNING_LOCATION", default="")
# Retention of files holding personal data (portal/privacy.py): a refused roster's error file lives
# in the cache this long (its ID numbers masked); roster files in storage (rosters/) and certificate
# archives (zips of many people's PDFs) are deleted after these many days by the daily purge.
ROSTER_ERROR_FILE_SECONDS = env.int("ROSTER_ERROR_FILE_SECONDS", default=3600)
ROSTER_FILE_RETENTION_DAYS = env.int("ROSTER_FILE_RETENTION_DAYS", default=7)
CERTIFICATE_ARCHIVE_RETENTION_DAYS = env.int("CERTIFICATE_ARCHIVE_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE = {
    "certificates-sweep": {
        "task": "certificates.tasks.certificates_sweep_task",
        "schedule": env.int("CERTIFICATE_SWEEP_SECONDS", default=300),
    },
    "receipt-notifications-sweep": {
        "task": "enrollment.tasks.receipt_notifications_sweep_task",
        "schedule": env.int("RECEIPT_NOTIFICATION_SWEEP_SECONDS", default=300),
    },
    "hour-reminders-sweep": {
        "task": "learners.tasks.hour_reminders_sweep_task",
        "schedule": env.int("HOUR_REMINDER_SWEEP_SECONDS", default=300),
    },
    "personal-files-purge": {
        "task": "portal.tasks.personal_files_purge_task",
        "schedule": env.int("PERSONAL_FILES_PURGE_SECONDS", default=24 * 3600),
    },
}

# The academy's account printed on the payment notice (缴费通知单), from the training notice (section 四).
BILLING_PAYEE = env("BILLING_PAYEE", default="国家教育行政学院")
BILLING_BANK = env("BILLING_BANK", default="工行北京体育场支行")
BILLING_ACCOUNT = env("BILLING_ACCOUNT", default="0200053009008801215")
BILLING_INTERBANK_NUMBER = env("BILLING_INTERBANK_NUMBER", default="102100005307")
# Days after a receipt's approval by which it should be paid; later, an unpaid balance is overdue.
BILLING_PAYMENT_DAYS = env.int("BILLING_PAYMENT_DAYS", default=30)
