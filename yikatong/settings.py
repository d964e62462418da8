"""Settings, read from the environment so that one build runs as demo, in CI and in production."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("YIKATONG_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("YIKATONG_DEBUG")
# The demo and the tests run with generated keys; production must be given its own.
DEMO_MODE = _env_bool("YIKATONG_DEMO")
# Set by the test command (bin/test), never guessed from what happens to be importable.
TESTING = _env_bool("YIKATONG_TESTING")
# The bank simulator answers payment files with made-up returns: only where no real bank is (the demo, the
# tests, a training machine that sets it); never on a production platform.
YIKATONG_BANK_SIMULATOR = DEMO_MODE or TESTING or _env_bool("YIKATONG_BANK_SIMULATOR")
# The county whose treasury pays, and the prefix of every payment's EndToEndId.
YIKATONG_COUNTY_CODE = os.environ.get("YIKATONG_COUNTY_CODE", "232722")
YIKATONG_TREASURY_NAME = os.environ.get("YIKATONG_TREASURY_NAME", "塔河县财政局国库集中支付专户")
YIKATONG_TREASURY_ACCOUNT = os.environ.get("YIKATONG_TREASURY_ACCOUNT", "0800000000000000001")
YIKATONG_TREASURY_CNAPS = os.environ.get("YIKATONG_TREASURY_CNAPS", "011272200001")
# How many times a line may be paid before finance must decide.
YIKATONG_MAX_PAYMENT_ATTEMPTS = int(os.environ.get("YIKATONG_MAX_PAYMENT_ATTEMPTS", "3"))
# Days after a payment by which its beneficiary must have been told (逐项告知); later is LATE.
YIKATONG_NOTICE_DAYS = int(os.environ.get("YIKATONG_NOTICE_DAYS", "2"))

SECRET_KEY = os.environ.get("YIKATONG_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or DEMO_MODE or TESTING:
        SECRET_KEY = "insecure-demo-key-never-use-in-production-" + "0" * 16
    else:
        raise ImproperlyConfigured(
            "缺少环境变量 YIKATONG_SECRET_KEY（生产环境必须设置；运行测试请用 bin/test，"
            "或设置 YIKATONG_TESTING=1）"
        )

# Field encryption keys ("kid:base64key,kid:base64key"; the first encrypts, all decrypt).
# Checked when the key ring is first used, so that management commands that need no
# personal data (migrate --check, collectstatic) still run.
YIKATONG_DATA_KEY = os.environ.get("YIKATONG_DATA_KEY", "")
if not YIKATONG_DATA_KEY and TESTING:
    YIKATONG_DATA_KEY = "test1:" + "dGVzdC1rZXktbm90LWZvci1wcm9kdWN0aW9uLTMyYnk="
YIKATONG_INDEX_KEY_ID = os.environ.get("YIKATONG_INDEX_KEY_ID", "")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("YIKATONG_ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("YIKATONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "yikatong.core",
    "yikatong.accounts",
    "yikatong.audit",
    "yikatong.tasks",
    "yikatong.registry",
    "yikatong.policies",
    "yikatong.rosters",
    "yikatong.notices",
    "yikatong.payments",
    "yikatong.disclosure",
    "yikatong.checks",
    "yikatong.complaints",
    "yikatong.performance",
    "yikatong.sharing",
    "yikatong.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yikatong.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yikatong.core.middleware.RequestContextMiddleware",
    # The API's request size limit, idempotency keys and one audit event per token use (数据共享).
    "yikatong.sharing.middleware.ApiGuardMiddleware",
]

ROOT_URLCONF = "yikatong.urls"
WSGI_APPLICATION = "yikatong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yikatong.workbench.menu.menu_context",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'yikatong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and a worker process share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not memory) so worker subprocesses can share it; one per test run so runs cannot collide.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-yikatong-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or DEMO_MODE or TESTING

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = _env_bool("YIKATONG_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Notices to beneficiaries (逐项告知) go out through one SMS gateway: a dotted path to an SmsProvider
# (docs/notices.md). The default one only records messages on the notices page and sends nothing. The
# signature and template code are the ones registered with the gateway.
YIKATONG_SMS_PROVIDER = os.environ.get(
    "YIKATONG_SMS_PROVIDER", "yikatong.notices.providers.RecordingProvider"
)
YIKATONG_SMS_SIGNATURE = os.environ.get("YIKATONG_SMS_SIGNATURE", "塔河县财政局")
YIKATONG_SMS_TEMPLATE_CODE = os.environ.get("YIKATONG_SMS_TEMPLATE_CODE", "YKT_SUBSIDY_PAID")
# How often a notice is tried, the first pause before a retry (then doubling), how long a try may stay
# unanswered before it is taken for interrupted, and how often delivery reports are asked for (seconds).
YIKATONG_SMS_MAX_ATTEMPTS = int(os.environ.get("YIKATONG_SMS_MAX_ATTEMPTS", "3"))
YIKATONG_SMS_RETRY_SECONDS = int(os.environ.get("YIKATONG_SMS_RETRY_SECONDS", "300"))
YIKATONG_SMS_SENDING_TIMEOUT = int(os.environ.get("YIKATONG_SMS_SENDING_TIMEOUT", "600"))
YIKATONG_SMS_STATUS_SECONDS = int(os.environ.get("YIKATONG_SMS_STATUS_SECONDS", "60"))
# The demo gateway refuses numbers ending so, and reports numbers ending so undelivered.
YIKATONG_SMS_DEMO_REFUSE_SUFFIX = os.environ.get("YIKATONG_SMS_DEMO_REFUSE_SUFFIX", "0000")
YIKATONG_SMS_DEMO_UNDELIVERED_SUFFIX = os.environ.get("YIKATONG_SMS_DEMO_UNDELIVERED_SUFFIX", "9999")

# 个人查询: attempts allowed per IP address and per ID number in each window (seconds), the shortest time a
# refusal takes (so that no kind of refusal answers sooner), and how long a one-time code stays valid.
YIKATONG_LOOKUP_IP_LIMIT = int(os.environ.get("YIKATONG_LOOKUP_IP_LIMIT", "30"))
YIKATONG_LOOKUP_ID_LIMIT = int(os.environ.get("YIKATONG_LOOKUP_ID_LIMIT", "5"))
YIKATONG_LOOKUP_WINDOW_SECONDS = int(os.environ.get("YIKATONG_LOOKUP_WINDOW_SECONDS", "900"))
YIKATONG_LOOKUP_MIN_SECONDS = float(os.environ.get("YIKATONG_LOOKUP_MIN_SECONDS", "0.25"))
YIKATONG_LOOKUP_CODE_SECONDS = int(os.environ.get("YIKATONG_LOOKUP_CODE_SECONDS", "600"))
# Where the public portal is reached from outside: the board notices' QR codes open pages under it.
YIKATONG_PUBLIC_BASE_URL = os.environ.get("YIKATONG_PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
# 数据共享 API: the largest request body (bytes; 413 above it), how long an idempotency key's answer is kept.
YIKATONG_API_MAX_BODY_BYTES = int(os.environ.get("YIKATONG_API_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
YIKATONG_IDEMPOTENCY_DAYS = int(os.environ.get("YIKATONG_IDEMPOTENCY_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YIKATONG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if TESTING:
    # Hashing with PBKDF2 for every factory-made user would make the suite crawl; tests only.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
