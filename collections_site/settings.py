"""Settings for the collections case management site, read from the environment.

Every value a deployment changes is an environment variable; the defaults give a
working development set-up (SQLite file, local Redis) with nothing configured.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"

# Keyed hash for national ID numbers; rotating it makes stored hashes unmatchable.
NATIONAL_ID_HASH_KEY = os.environ.get("NATIONAL_ID_HASH_KEY", SECRET_KEY)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_rq",
    "accounts.lockouts.LogInLockOutsConfig",  # django-axes
    # The product's apps, lowest layer first (the README's Layout section draws them).
    "common",
    "accounts",
    "cases",
    "compliance",
    "pipeline",
    "workspace",
    "visits",
    "agencies",
    "feeds",
    "agreements",
    "disputes",
    "litigation",
    "supervision",
    "reporting",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "common.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.HtmxSessionEndedMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "axes.middleware.AxesMiddleware",
    "common.middleware.RefuseNulBytesMiddleware",
]

ROOT_URLCONF = "collections_site.urls"
WSGI_APPLICATION = "collections_site.wsgi.application"
ASGI_APPLICATION = "collections_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "accounts.context_processors.idle_session",
            ],
        },
    },
]

# A connection is kept for DB_CONN_MAX_AGE seconds and checked before each request reuses it,
# so one lost while idle (PostgreSQL restarted) is replaced at once; a request that loses its
# connection midway answers 503 "try again" (collections_site.views.server_error).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE makes a
    # writing transaction take the lock up front instead of failing midway.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL: the role the application connects as, when `migrate` runs as the tables' owner;
# every migrate grants it what the application needs and no more (compliance/grants.py).
DATABASE_APPLICATION_ROLE = os.environ.get("DATABASE_APPLICATION_ROLE", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Password guessing: lock a username+address pair out after a few failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Sessions end after a stretch of inactivity. The idle timer restarts on every request a person
# makes (accounts.middleware.SessionActivityMiddleware), not on those a page makes by itself,
# such as the case page renewing its lease: saving the session on every request would.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The interface speaks each user's language (their profile, else the browser); debtors get
# theirs from Debtor.language, whatever the collector's. Catalogs live in each app's `locale/`
# and in `locale/` (the layout's templates); `make run` and `make test` compile them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and one date-time format per language (collections_site/formats/); money, numbers
# and rates go through common.formatting and its template filters.
FORMAT_MODULE_PATH = ["collections_site.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")  # the bank's business time zone
USE_I18N = True
USE_TZ = True  # stored in UTC

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# With SQLite, the files whose locks say which process runs a pipeline date or an import.
RUN_LOCK_DIR = Path(os.environ.get("RUN_LOCK_DIR", BASE_DIR / "var" / "locks"))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy: everything from our own origin, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Transport security, on unless DEBUG; a proxy terminating TLS sets SECURE_PROXY_SSL_HEADER.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": timeout}
    for name, timeout in (
        ("compliance", 300),
        ("default", 600),
        ("pipeline", 3600),
        ("messages", 300),
    )
}
RQ_SHOW_ADMIN_LINK = True

# The country whose national format a phone number written without its country code is read in
# (an ISO 3166 region code: "US", "CN", "GB"); every number is stored in E.164 (common/phones.py).
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "US").upper()
# The compliance preset in force unless a strategy or portfolio names another.
COLLECTIONS_POLICY = os.environ.get("COLLECTIONS_POLICY", "US-RegF")
# Signed checkpoints of the compliance log (compliance/checkpoints.py): the private key where the
# job runs (none set: no checkpoints), the public key auditors verify with, and where they go.
COMPLIANCE_CHECKPOINT_KEY = os.environ.get("COMPLIANCE_CHECKPOINT_KEY", "")
COMPLIANCE_CHECKPOINT_PUBLIC_KEY = os.environ.get("COMPLIANCE_CHECKPOINT_PUBLIC_KEY", "")
COMPLIANCE_CHECKPOINT_DIR = Path(
    os.environ.get("COMPLIANCE_CHECKPOINT_DIR", BASE_DIR / "var" / "checkpoints")
)

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {
            key: value
            for key, value in {
                "host": os.environ.get("EMAIL_HOST"),
                "port": envint("EMAIL_PORT", 0) or None,
                "username": os.environ.get("EMAIL_HOST_USER"),
                "password": os.environ.get("EMAIL_HOST_PASSWORD"),
                "use_tls": envbool("EMAIL_USE_TLS", False) or None,
            }.items()
            if value is not None
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "collections@localhost")

# The collector workspace: how long a claimed case is held, how often the open case page
# renews it, when an unanswered case comes back, and how far ahead a promise may fall.
WORKSPACE_CLAIM_LEASE_MINUTES = envint("WORKSPACE_CLAIM_LEASE_MINUTES", 15)
WORKSPACE_RENEW_SECONDS = envint("WORKSPACE_RENEW_SECONDS", 180)
WORKSPACE_RETRY_AFTER_MINUTES = envint("WORKSPACE_RETRY_AFTER_MINUTES", 240)
PROMISE_MAX_DAYS = envint("PROMISE_MAX_DAYS", 30)
# A reported payment: how long ago it may have been paid, and how many days either side of
# that date a bank payment of the same amount (without the same reference) confirms it. How
# long it may wait for the bank before the supervisors see it is the strategy's
# `unconfirmed_payment_days`, set in the admin.
REPORTED_PAYMENT_MAX_AGE_DAYS = envint("REPORTED_PAYMENT_MAX_AGE_DAYS", 90)
REPORTED_PAYMENT_MATCH_DAYS = envint("REPORTED_PAYMENT_MATCH_DAYS", 5)
# "Next case" on PostgreSQL runs as a statement prepared on the database session. Turn this
# off behind a connection pooler in transaction mode, where a session is not kept.
WORKSPACE_PREPARED_CLAIMS = envbool("WORKSPACE_PREPARED_CLAIMS", True)

# Click to call: each phone number on the case page links to this URL, `{number}` replaced by
# the number in E.164, URL-quoted (e.g. "https://dialer.example/call?to={number}").
DIALER_URL_TEMPLATE = os.environ.get("DIALER_URL_TEMPLATE", "tel:{number}")
if "{number}" not in DIALER_URL_TEMPLATE:
    raise ImproperlyConfigured("DIALER_URL_TEMPLATE must contain {number}.")
# Dialer events (POST /cases/dialer/events/): a signed request older or newer than this is
# refused; an event is matched to a call the collector logged this many minutes either side.
DIALER_EVENT_MAX_SKEW_SECONDS = envint("DIALER_EVENT_MAX_SKEW_SECONDS", 300)
DIALER_MATCH_MINUTES = envint("DIALER_MATCH_MINUTES", 15)
# Field visits: the largest evidence file taken (a photo or a recording), how many one
# check-out takes, and how long after its planned time a visit nobody checked in is missed.
VISIT_EVIDENCE_MAX_MB = envint("VISIT_EVIDENCE_MAX_MB", 20)
VISIT_EVIDENCE_MAX_FILES = envint("VISIT_EVIDENCE_MAX_FILES", 10)
VISIT_MISSED_AFTER_HOURS = envint("VISIT_MISSED_AFTER_HOURS", 4)
# Litigation: a lawsuit's cost above this amount (in the lawsuit's currency) waits for an
# approver (a supervisor) before it counts.
LITIGATION_COST_APPROVAL_LIMIT = envint("LITIGATION_COST_APPROVAL_LIMIT", 1000)

# Agencies: the bank places cases only with agencies on its approved list, each evaluated
# less than this many days before (the CN 2026 guideline: at least yearly). 0 keeps no list.
AGENCY_EVALUATION_DAYS = envint("AGENCY_EVALUATION_DAYS", 365)

# Outbound messages. The SMS backend is a class path, like Django's email backends:
# pipeline.channels.ConsoleSMSBackend (default), FileSMSBackend or HTTPSMSBackend.
# The job the pipeline page starts: the night's whole work for a date (collections_site.nightly).
COLLECTIONS_DAY_JOB = "collections_site.nightly.run_collections_day"
SMS_BACKEND = os.environ.get("SMS_BACKEND", "pipeline.channels.ConsoleSMSBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
# The gateway's bulk endpoint: one POST per batch of messages (see pipeline/channels.py).
SMS_GATEWAY_BATCH_URL = os.environ.get("SMS_GATEWAY_BATCH_URL", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
MESSAGE_SEND_ATTEMPTS = envint("MESSAGE_SEND_ATTEMPTS", 4)
# Dispatch: messages claimed, judged, sent and recorded together; how many workers dispatch
# at once (one slot each); how long one dispatch job runs before it queues itself again.
MESSAGE_DISPATCH_BATCH = envint("MESSAGE_DISPATCH_BATCH", 500)
MESSAGE_DISPATCH_WORKERS = envint("MESSAGE_DISPATCH_WORKERS", 2)
MESSAGE_DISPATCH_SECONDS = envint("MESSAGE_DISPATCH_SECONDS", 240)
# Letters handed to print are set as PDF later, by print runs: so many letters per print file.
PRINT_FILE_LETTERS = envint("PRINT_FILE_LETTERS", 1000)
# The font of letters and agency statements (a TrueType or OpenType file): by default the
# shipped subset of Noto Sans CJK SC, which sets Latin text and Chinese names and addresses.
LETTER_PDF_FONT = os.environ.get(
    "LETTER_PDF_FONT", str(BASE_DIR / "pipeline" / "fonts" / "NotoSansCJKsc-Regular-subset.otf")
)

# The debtor portal (/portal/): how long a message's link works, how long the portal's own
# session lasts without a request, and how many wrong identity answers lock it, for how long:
# per account reference, and per client address (higher: many debtors may share one).
PORTAL_LINK_MAX_AGE_DAYS = envint("PORTAL_LINK_MAX_AGE_DAYS", 14)
# Where debtors reach the portal from outside (scheme and host, no path): every SMS, e-mail and
# letter the dispatch sends carries a link under it, so a deployment must name it.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "").rstrip("/")
if not PORTAL_BASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("PORTAL_BASE_URL must be set when DEBUG is off.")
    PORTAL_BASE_URL = "http://localhost:8000"
# How long a one-time code sent by SMS for the identity questions works.
PORTAL_CODE_MINUTES = envint("PORTAL_CODE_MINUTES", 5)
PORTAL_SESSION_MINUTES = envint("PORTAL_SESSION_MINUTES", 15)
PORTAL_FAILURE_LIMIT = envint("PORTAL_FAILURE_LIMIT", 5)
PORTAL_CLIENT_FAILURE_LIMIT = envint("PORTAL_CLIENT_FAILURE_LIMIT", 20)
PORTAL_LOCKOUT_MINUTES = envint("PORTAL_LOCKOUT_MINUTES", 15)
# Working days the debtor is told a supervisor takes to answer a plan beyond the policy's rules.
PORTAL_PLAN_ANSWER_DAYS = envint("PORTAL_PLAN_ANSWER_DAYS", 3)
# The payment provider (a class path, see portal/providers.py) and the secret its notices are
# signed with. The local fake provider, a page of the portal that collects no real money, is
# the default only under DEBUG: a deployment names its provider, as it sets its SECRET_KEY.
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "")
if not PAYMENT_PROVIDER:
    if not DEBUG:
        raise ImproperlyConfigured("PAYMENT_PROVIDER must be set when DEBUG is off.")
    PAYMENT_PROVIDER = "portal.providers.LocalFakeProvider"
PAYMENT_WEBHOOK_SECRET = os.environ.get("PAYMENT_WEBHOOK_SECRET", SECRET_KEY)
# How far a notice's signed time may be from its arrival: an older one is a replay, refused.
PAYMENT_NOTICE_MAX_AGE_SECONDS = envint("PAYMENT_NOTICE_MAX_AGE_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools logs every table of every font it subsets (each Chinese letter) at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
