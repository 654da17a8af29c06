"""Django settings, read from the environment (see khaosat.web.config and README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from khaosat.web import config

CONF = config.load()
BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONF.data_dir

SECRET_KEY = CONF.secret_key
DEBUG = CONF.debug
ALLOWED_HOSTS = CONF.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "khaosat.web.core",
    "khaosat.web.questionnaires",
    "khaosat.web.sampling",
    "khaosat.web.capture",
    "khaosat.web.paper",
    "khaosat.web.results",
    "khaosat.web.monitoring",
    "khaosat.web.odk",
    "khaosat.web.openanswers",
    "khaosat.web.bank",
]

MIDDLEWARE = [
    "khaosat.web.core.middleware.TrustedProxyMiddleware",
    "khaosat.web.core.middleware.RequestLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "khaosat.web.odk.middleware.OpenRosaHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "khaosat.web.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "khaosat.web.core.middleware.FirstRunMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "khaosat.web.urls"
WSGI_APPLICATION = "khaosat.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khaosat.web.core.context.role",
                "khaosat.web.core.context.survey_nav",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(CONF.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE avoids lock upgrades failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # On disk (live-server tests use real threads), one file per test process so that runs
    # side by side never share it.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        DATA_DIR / f"test-{os.getpid()}.sqlite3"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Throttling by account across addresses and by address across accounts (see core/throttle.py).
AXES_HANDLER = "khaosat.web.core.throttle.Handler"
AXES_FAILURE_LIMIT = 5  # = throttle.ACCOUNT_LIMIT; an address gets throttle.ADDRESS_LIMIT
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "khaosat.web.core.clientip.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "khaosat.web.core.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a success must not wipe a spray counted on this address
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "survey_list"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first, English second. Django's own `vi` formats lack number grouping and
# parse dd/mm/yyyy wrongly, so ours live in khaosat/web/formats/.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["khaosat.web.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Proxies whose X-Forwarded-For / -Proto are believed (khaosat.web.core.clientip); nobody else's.
KHAOSAT_TRUSTED_PROXIES = list(CONF.trusted_proxies)
if CONF.https and not DEBUG:
    # TLS ends at the trusted proxy; TrustedProxyMiddleware drops X-Forwarded-Proto from others.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# W021 asks for HSTS preload: the public preload list cannot hold an intranet host name.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy: scripts, styles, images and fonts only from this server, no inline
# script, handler or style attribute (templates wire behaviour in static JS: khaosat/app.js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# khaosat's own settings
KHAOSAT_SMALL_CELL = 10  # results from fewer respondents are suppressed
KHAOSAT_AUDIT_KEY = CONF.audit_key  # HMAC key of the audit chain (file data/audit_key)
KHAOSAT_AUDIT_CHECKPOINTS = DATA_DIR / "audit" / "checkpoints.log"  # append-only

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
