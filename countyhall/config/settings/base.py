"""Settings shared by every environment; each value that differs per machine comes from the environment."""

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("COUNTYHALL_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEFAULT_SECRET_KEY = "insecure-development-key-change-me"
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "countyhall.config.staticfiles.CountyhallStaticFilesConfig",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # Background jobs (decision 0009): the task framework and its database queue (no extra server).
    "django_tasks",
    "django_tasks_db",
    "countyhall.core",
    "countyhall.gazette",
    "countyhall.canteens",
    "countyhall.heating",
    "countyhall.permits",
    "countyhall.emergency",
    "countyhall.egov",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware (WhiteNoise's rule): static files skip sessions and authentication.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A write renews the session's to-do stamp, so the menu badges (cached briefly, core.todos) count afresh.
    "countyhall.core.todos.TodoFreshnessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication and messages, so its 400 page renders with the page shell.
    "countyhall.core.middleware.RefuseNulBytesMiddleware",
    # The approved policy changes (core.policy.governed) in force for this request's rules.
    "countyhall.core.middleware.GovernedPolicyMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during authenticate() into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "countyhall.config.urls"
WSGI_APPLICATION = "countyhall.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "countyhall.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'countyhall.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: pages keep reading while a background job writes. In the default rollback journal a large import's
    # transaction takes the file's exclusive lock once its changes outgrow the cache, and every other
    # connection (the job's progress poll, the session lookup of any page) failed with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("init_command", "PRAGMA journal_mode=WAL;")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a locked-out username or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (docs/security.md): after AXES_FAILURE_LIMIT failed logins a username is locked, and so is
# the address they came from — each on its own, so guessing one account from many terminals and many
# accounts from one terminal are both stopped. The lock lifts after the cool-off or when an administrator
# deletes the attempts in /admin/ (AXES → Access attempts → delete = 解除锁定).
AXES_ENABLED = os.environ.get("COUNTYHALL_LOGIN_THROTTLE", "1") == "1"
AXES_FAILURE_LIMIT = int(os.environ.get("COUNTYHALL_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = __import__("datetime").timedelta(
    minutes=int(os.environ.get("COUNTYHALL_LOGIN_COOLOFF_MINUTES", "30"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not reset by a success: an attacker with one valid account could otherwise clear the failures counted
# against their address by signing in between guesses. Failures expire with the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind the county's reverse proxy every request comes from the proxy's address: COUNTYHALL_PROXY_COUNT
# says how many proxies append to X-Forwarded-For, so the client's own address is counted (left unset,
# X-Forwarded-For is ignored: a client could otherwise pick the address it is counted under).
COUNTYHALL_PROXY_COUNT = int(os.environ.get("COUNTYHALL_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "countyhall.core.middleware.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Content-Security-Policy (django-csp): no inline script, style, handler or javascript: URL anywhere, so an
# injected fragment of HTML cannot run. Every environment sends it, so a page that breaks it fails in the tests
# (tests/deploy/test_csp.py) and in the demo, not first in production. The API docs satisfy it too: the
# Swagger UI page loads its start-up script as a file (SpectacularSwaggerSplitView) and our template override
# (templates/drf_spectacular/swagger_ui.html) links its few style rules from a file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded materials hold applicants' documents: they are never served from a public URL, only through
# views that check who is asking (permits.views.material_download).
MEDIA_ROOT = Path(os.environ.get("COUNTYHALL_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A department is reminded when this many working days or fewer remain on its clock (platform setting,
# not a gazette figure).
# Notification senders per channel (dotted paths); an empty mapping keeps messages in the outbox as a record.
COUNTYHALL_NOTIFICATION_SENDERS = {
    channel: path
    for channel, path in (
        ("email", os.environ.get("COUNTYHALL_EMAIL_SENDER", "")),
        ("sms", os.environ.get("COUNTYHALL_SMS_SENDER", "")),
    )
    if path
}
COUNTYHALL_SMS_URL = os.environ.get("COUNTYHALL_SMS_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "countyhall@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "0") == "1"
# The menu's to-do badges are cached this long per user and session (core.todos; a user's own write renews them
# at once). No CACHES setting: Django's per-process local-memory cache, enough for counts that live 30 seconds.
COUNTYHALL_TODO_CACHE_SECONDS = int(os.environ.get("COUNTYHALL_TODO_CACHE_SECONDS", "30"))
PERMIT_REMINDER_WORKING_DAYS = int(os.environ.get("COUNTYHALL_PERMIT_REMINDER_DAYS", "2"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]

# Background jobs (countyhall.core.jobs, decision 0009): the queue is a table of this database, read by
# `countyhall worker` (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# An Excel import with more rows than this runs as a background job (progress bar); smaller ones at once.
COUNTYHALL_JOB_IMPORT_ROWS = int(os.environ.get("COUNTYHALL_JOB_IMPORT_ROWS", "300"))
# An Excel export of more rows than this is built by a background job (a file to download when ready).
COUNTYHALL_JOB_EXPORT_ROWS = int(os.environ.get("COUNTYHALL_JOB_EXPORT_ROWS", "2000"))
# Settling every canteen over more accepted lunches than this runs as a background job.
COUNTYHALL_JOB_SETTLEMENT_LUNCHES = int(os.environ.get("COUNTYHALL_JOB_SETTLEMENT_LUNCHES", "50000"))
# Days a finished job's uploaded and result files are kept (whole ledgers, personal data); the Job row stays.
COUNTYHALL_JOB_FILES_DAYS = int(os.environ.get("COUNTYHALL_JOB_FILES_DAYS", "30"))
# The worker writes its heartbeat this often; one silent for COUNTYHALL_WORKER_STALE_SECONDS is taken as dead
# (its running job is marked failed, /healthz warns).
COUNTYHALL_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("COUNTYHALL_WORKER_HEARTBEAT_SECONDS", "5"))
COUNTYHALL_WORKER_STALE_SECONDS = float(os.environ.get("COUNTYHALL_WORKER_STALE_SECONDS", "30"))
# Periodic jobs the worker enqueues itself: (job kind as "module:NAME", every N seconds) or
# (kind, "HH:MM") once a day at that county time. The kinds are named here, so core imports no program.
COUNTYHALL_PERIODIC_JOBS = [
    ("countyhall.core.jobs:OUTBOX_DISPATCH", 60),
    ("countyhall.permits.jobs:PERMITS_SWEEP", "06:30"),
    ("countyhall.egov.jobs:EGOV_SWEEP", "06:40"),
    ("countyhall.core.jobs:JOBS_PRUNE", "03:15"),
]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Staff API tokens. Canteen terminals use per-device tokens (`Authorization: Terminal …`), which only
        # the check-in endpoints accept (canteens.api.TerminalAuthentication).
        "rest_framework.authentication.TokenAuthentication",
        # No BasicAuthentication: it sends the password with every request and bypasses the login
        # throttling (django-axes) of the sign-in page.
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "countyhall.core.api.errors.structured_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "countyhall API",
    "DESCRIPTION": "高青县政策执行平台接口。每个计算结果都附带条款引用（citations）与所采用的解读（readings）。",
    "VERSION": "1.0.0",
    # Served from the installed sidecar package: county networks are often cut off from the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The document describes the API, not the endpoint serving the document.
    "SERVE_INCLUDE_SCHEMA": False,
    # The default enum hook, then the structured Error answers (400/401/403/404) on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "countyhall.core.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "FacilityKindEnum": "countyhall.canteens.models.Facility.Kind",
        "IncidentKindEnum": "countyhall.emergency.models.Incident.Kind",
        "DocumentKindEnum": "countyhall.gazette.models.Document.Kind",
        "SupplierRatingKindEnum": "countyhall.egov.models.SupplierRating.Kind",
    },
}

# Where the gazette seed lives by default (the shared folder beside the repository).
GAZETTE_SEED_PATH = Path(
    os.environ.get("COUNTYHALL_GAZETTE", BASE_DIR.parent / "shared" / "seeds" / "gaoqing-gazette-2021-03.txt")
)
# A pinned business date for demo and training environments (see core/clock.py); unset in production.
BUSINESS_DATE = (
    __import__("datetime").date.fromisoformat(os.environ["COUNTYHALL_BUSINESS_DATE"])
    if os.environ.get("COUNTYHALL_BUSINESS_DATE")
    else None
)
POLICY_PARAMETER_DIR = Path(os.environ.get("COUNTYHALL_PARAMETERS", PACKAGE_DIR / "parameters"))

# One handler, on the root: each record is written once. Django's own default configuration (applied
# before this one) gives the "django" logger a console handler of its own (with DEBUG) that also
# propagated to the root, so every 403 was written twice; here "django" has no handler and propagates.
# COUNTYHALL_LOG_FORMAT: "text" (a person reading a terminal) or "json" (one object per line, production).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "countyhall.core.logging.JsonFormatter"},
    },
    "filters": {"client_errors": {"()": "countyhall.core.logging.ClientErrorWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors"],
            # production.py switches the default to json; an unknown value falls back to text.
            "formatter": os.environ.get("COUNTYHALL_LOG_FORMAT", "text")
            if os.environ.get("COUNTYHALL_LOG_FORMAT", "text") in ("text", "json")
            else "text",
        },
    },
    "loggers": {
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": True}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
