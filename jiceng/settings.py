"""Settings, driven by environment variables.

JICENG_DATA_DIR   where the SQLite database and collected static files live (default ./var)
DATABASE_URL      postgres://user:pass@host:port/name for PostgreSQL; unset = embedded SQLite
JICENG_SECRET_KEY required when JICENG_DEBUG is off and not running tests
JICENG_DEBUG      1 for development
JICENG_ALLOWED_HOSTS comma-separated, default 127.0.0.1,localhost
JICENG_HTTPS      1 when users reach the platform over HTTPS (production): redirect http to
                  https, secure cookies, HSTS (JICENG_HSTS_SECONDS, default one year)
JICENG_TRUSTED_PROXIES comma-separated addresses/CIDRs of the reverse proxy; their
                  X-Forwarded-For gives the client address and, with JICENG_HTTPS, their
                  X-Forwarded-Proto: https tells Django the request came over TLS
JICENG_RATE_LIMITS overrides of JICENG_RATE_LIMITS below, e.g. "login=30/5m,search=off"
JICENG_BACKUP_KEY / JICENG_BACKUP_KEY_FILE the key of `jiceng backup` / `jiceng restore`
                  (docs/operations.md)
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JICENG_DATA_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("JICENG_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("JICENG_SECRET_KEY") or "insecure-local-only-" + str(DATA_DIR)
ALLOWED_HOSTS = os.environ.get("JICENG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",  # login lockout (accounts/lockout.py)
    "django_otp",  # second factor (accounts/views_auth.py)
    "django_otp.plugins.otp_totp",
    "jiceng.core",
    "jiceng.accounts",
    "jiceng.audit",
    "jiceng.orgs",
    "jiceng.members",
    "jiceng.transfer",
    "jiceng.recruitment",
    "jiceng.dues",
    "jiceng.activities",
    "jiceng.outreach",
    "jiceng.elections",
    "jiceng.accountability",
    "jiceng.reports",
    "jiceng.demo",
    "jiceng.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # request id + the request for audit rows written below it + one "denied" row per refusal
    "jiceng.audit.middleware.AuditMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiceng.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "jiceng.web.middleware.NoStoreMiddleware",
    "jiceng.web.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # idle/absolute session limits; second factor; expired password (accounts/middleware.py)
    "jiceng.accounts.middleware.SessionTimeoutMiddleware",
    "jiceng.accounts.middleware.SecondFactorMiddleware",
    "jiceng.accounts.middleware.PasswordChangeMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes requires
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    }
]


def _database_from_url(url: str) -> dict:
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgres://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("JICENG_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # Index probes costed as on SSD storage with the working set cached (PostgreSQL's
        # default of 4 assumes spinning disks): with it, the planner read the whole member
        # table to join ten thousand rows (activities compliance, bench/README.md).
        "OPTIONS": {"options": "-c random_page_cost=1.1"},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "jiceng.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # synchronous=FULL: a commit survives a power cut (jiceng.core.durability)
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; "
                    "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# 等保三级 password complexity: jiceng/accounts/passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "jiceng.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "jiceng.accounts.passwords.WeakPasswordValidator"},
    {"NAME": "jiceng.accounts.passwords.PersonalInfoValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # tests and a fresh checkout work before collectstatic

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Authentication policy (GB/T 22239-2019 level 3; jiceng/accounts/security.py, lockout.py).
# Each JICENG_ value can be set by the environment variable of the same name.
AUTHENTICATION_BACKENDS = [
    "jiceng.accounts.lockout.LockoutBackend",  # django-axes: refuses a locked-out username
    "django.contrib.auth.backends.ModelBackend",
]
JICENG_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("JICENG_PASSWORD_MAX_AGE_DAYS", "90"))
JICENG_OTP_REQUIRED_FOR = os.environ.get("JICENG_OTP_REQUIRED_FOR", "admins")  # or "all"
JICENG_SESSION_IDLE_MINUTES = int(os.environ.get("JICENG_SESSION_IDLE_MINUTES", "30"))
JICENG_ADMIN_SESSION_IDLE_MINUTES = int(os.environ.get("JICENG_ADMIN_SESSION_IDLE_MINUTES", "15"))
JICENG_SESSION_MAX_HOURS = int(os.environ.get("JICENG_SESSION_MAX_HOURS", "12"))
JICENG_ACCOUNT_IDLE_DAYS = int(os.environ.get("JICENG_ACCOUNT_IDLE_DAYS", "90"))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("JICENG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("JICENG_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account, from any address (lockout.py says why)
# axes.W006 asks for the address too: the per-address brake is jiceng.web.ratelimit ("login").
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # locked 15 minutes, not "until quiet"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "jiceng.accounts.lockout.client_ip"  # X-Forwarded-For from proxies only
AXES_LOCKOUT_CALLABLE = "jiceng.accounts.lockout.lockout_response"  # the same page as a failure
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are in the audit log
AXES_VERBOSE = False
OTP_TOTP_ISSUER = os.environ.get("JICENG_OTP_ISSUER", "jiceng")
OTP_TOTP_THROTTLE_FACTOR = 1  # 1, 2, 4, … seconds between attempts after wrong codes

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_ENGINE = "jiceng.accounts.sessions"  # sessions know their user: disabling ends them
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # read by no script (the token is in the page), but harmless
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Production is HTTPS (TLS at the platform or at a reverse proxy): JICENG_HTTPS=1. The demo on
# http://127.0.0.1 leaves it unset, so its cookies still work over plain http.
HTTPS = os.environ.get("JICENG_HTTPS", "") == "1"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("JICENG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # the platform's own host and its subdomains only
    # "preload" in the header enrolls nothing: only the owner of the registrable domain can
    # submit it to the browsers' list. Set so `check --deploy` has no warning to explain.
    SECURE_HSTS_PRELOAD = True
    if os.environ.get("JICENG_TRUSTED_PROXIES", "").strip():
        # Believed only when a proxy is configured: the platform then listens behind it alone.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): no inline script or style anywhere, nothing from other
# hosts, never framed. htmx's own indicator style is off (base.html) and in web/app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's CSS draws its icons as data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Requests per window for each limited action (jiceng.web.ratelimit): "N/period" with period
# in s, m, h (e.g. 30/5m); "off" turns a limit off. Login is counted per client address, the
# rest per user. The env var JICENG_RATE_LIMITS="login=30/5m,search=off" overrides.
JICENG_RATE_LIMITS = {
    "login": "30/5m",
    "search": "120/1m",
    "unmask": "30/1h",
    "export": "30/1h",
    "import": "20/1h",
}
for _item in os.environ.get("JICENG_RATE_LIMITS", "").split(","):
    if "=" in _item:
        _name, _rate = _item.split("=", 1)
        JICENG_RATE_LIMITS[_name.strip()] = _rate.strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JICENG_LOG_LEVEL", "WARNING")},
}

# Background tasks (imports): stored in the database, run by `jiceng worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Shared between the web and worker processes on one machine (import progress). A
# multi-machine deployment points this at a shared cache (Redis, Memcached).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

# Uploads: the largest import accepted (bytes). The demo city's 322,000 members are ~25 MB.
JICENG_MAX_UPLOAD_BYTES = int(os.environ.get("JICENG_MAX_UPLOAD_BYTES", str(64 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Page sizes offered on list pages; the largest bounds any request.
PAGE_SIZES = (25, 50, 100)

JICENG_SITE_NAME = _("Grassroots Party Building Platform")
