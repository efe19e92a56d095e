"""All settings, read from the environment (12-factor).

One module for every environment: ``ATIENDE_ENV=production`` switches on the
secure defaults that ``manage.py check --deploy`` expects; everything else is an
environment variable documented in the README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/atiende
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ATIENDE_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("ATIENDE_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
TESTING = env_bool("ATIENDE_TESTING")
DEBUG = env_bool("DEBUG", default=False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when ATIENDE_ENV=production")
    # Development: a random key kept under var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "atiende.core",
    "atiende.accounts",
    "atiende.contacts",
    "atiende.tickets",
    "atiende.channels",
    "atiende.routing",
    "atiende.sla",
    "atiende.kb",
    "atiende.automation",
    "atiende.wfm",
    "atiende.api",
    "atiende.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "atiende.web.middleware.UserPreferencesMiddleware",  # the user's language and time zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "atiende.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "atiende.config.urls"
ASGI_APPLICATION = "atiende.config.asgi.application"
WSGI_APPLICATION = "atiende.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atiende.web.context.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "atiende.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on the busy timeout instead of failing with
        # "database is locked" halfway through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=30000;"
        ),
    }
    # Tests use a file so that subprocesses (worker kill tests) share the database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_atiende.sqlite3")}
else:
    if os.environ.get("ATIENDE_TEST_RUN_ID"):
        # One test database per test session, so two sessions on one server never collide.
        DATABASES["default"]["TEST"] = {
            "NAME": f"test_{DATABASES['default']['NAME']}_{os.environ['ATIENDE_TEST_RUN_ID']}"
        }
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_VENDOR = "sqlite" if "sqlite" in DATABASES["default"]["ENGINE"] else "postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: task backend, channel layer, cache ---------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("ATIENDE_CACHE_PREFIX", "atiende"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS.append("django_rq")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "atiende",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Tests run tasks in-process unless a test opts into the real backend.
if TESTING and not env_bool("ATIENDE_TEST_REAL_TASKS"):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Password reset, sign-in and activation links: signed, single-use, expiring (seconds).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("ATIENDE_PASSWORD_RESET_TIMEOUT", str(60 * 60)))
ATIENDE_SIGN_IN_LINK_TIMEOUT = int(os.environ.get("ATIENDE_SIGN_IN_LINK_TIMEOUT", str(15 * 60)))
ATIENDE_ACTIVATION_TIMEOUT = int(os.environ.get("ATIENDE_ACTIVATION_TIMEOUT", str(2 * 24 * 60 * 60)))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("ATIENDE_LANGUAGE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_DIR / "locale", BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("ATIENDE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("ATIENDE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing

ATTACHMENT_MAX_BYTES = int(os.environ.get("ATIENDE_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Encryption at rest (channel credentials) ---------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
ATIENDE_ENCRYPTION_KEYS = env_list("ATIENDE_ENCRYPTION_KEYS")

# --- Email --------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "atiende <soporte@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Email channel (atiende.channels; every default is in channels/conf.py, documented in the README).
ATIENDE_EMAIL_MAX_BYTES = int(os.environ.get("ATIENDE_EMAIL_MAX_BYTES", str(50 * 1024 * 1024)))
ATIENDE_EMAIL_SMTPD_MAX_BYTES = int(os.environ.get("ATIENDE_EMAIL_SMTPD_MAX_BYTES", str(100 * 1024 * 1024)))
ATIENDE_EMAIL_NON_PARTICIPANT = os.environ.get("ATIENDE_EMAIL_NON_PARTICIPANT", "new_ticket")
ATIENDE_EMAIL_AUTOACK_LIMIT = int(os.environ.get("ATIENDE_EMAIL_AUTOACK_LIMIT", "3"))
ATIENDE_IMAP_POLL_SECONDS = int(os.environ.get("ATIENDE_IMAP_POLL_SECONDS", "60"))
ATIENDE_IMAP_STALL_SECONDS = int(os.environ.get("ATIENDE_IMAP_STALL_SECONDS", "900"))
ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS = env_bool("ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS", default=not PRODUCTION)
ATIENDE_EMAIL_TLS_CA_FILE = os.environ.get("ATIENDE_EMAIL_TLS_CA_FILE", "")
ATIENDE_SES_TOPIC_ARNS = env_list("ATIENDE_SES_TOPIC_ARNS")
# Provider webhooks (django-anymail): basic auth "user:password" and Mailgun's signing key.
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env_list("ANYMAIL_WEBHOOK_SECRET"),
        "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
        "BREVO_API_KEY": os.environ.get("BREVO_API_KEY", ""),
    }.items()
    if value
}

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "atiende.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "atiende.accounts.permissions.TokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "atiende.core.api.pagination.KeysetPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "atiende.core.api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ATIENDE_RATE_ANON", "60/min"),
        "user": os.environ.get("ATIENDE_RATE_USER", "1200/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "atiende API",
    "DESCRIPTION": "Help desk and contact-center API. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set used by several fields (IMAP and SMTP security).
    "ENUM_NAME_OVERRIDES": {
        "MailServerSecurityEnum": "atiende.channels.choices.Security",
        "TierEnum": "atiende.tickets.choices.Tier",
        "StatusEnum": "atiende.tickets.choices.Status",
        "PresenceStatusEnum": "atiende.routing.choices.PresenceStatus",
        "CallbackStatusEnum": "atiende.routing.choices.CallbackStatus",
        "RoutingTriggerEnum": "atiende.routing.choices.Trigger",
        "EscalationTriggerEnum": "atiende.routing.choices.EscalationTrigger",
        "EscalationRuleTriggerEnum": "atiende.routing.choices.RuleTrigger",
        "SkillKindEnum": "atiende.routing.choices.SkillKind",
        "RoutingStrategyEnum": "atiende.routing.choices.Strategy",
        "WfmStrategyEnum": "atiende.wfm.choices.Strategy",
        "IntervalMinutesEnum": "atiende.wfm.choices.IntervalMinutes",
    },
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SILENCED_SYSTEM_CHECKS: list[str] = []

# --- atiende ----------------------------------------------------------------------------
ATIENDE_TICKET_NUMBER_START = int(os.environ.get("ATIENDE_TICKET_NUMBER_START", "1000"))
# Re-deliver outbox events left undelivered for longer than this many seconds.
ATIENDE_OUTBOX_SWEEP_AFTER = int(os.environ.get("ATIENDE_OUTBOX_SWEEP_AFTER", "60"))
ATIENDE_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("ATIENDE_OUTBOX_MAX_ATTEMPTS", "20"))
# How long a customer may reopen a solved ticket by replying (days); later replies
# open a follow-up ticket.
ATIENDE_REOPEN_WINDOW_DAYS = int(os.environ.get("ATIENDE_REOPEN_WINDOW_DAYS", "14"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
