"""Settings shared by every purpose. Values that differ per machine come from ``yishi.settings.env``."""

import dj_database_url
from django.utils.translation import gettext_lazy as _

from . import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR
SECRET_KEY = env.SECRET_KEY
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
SITE_URL = env.SITE_URL
BENCH_FLOORS = env.BENCH_FLOORS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_q",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    # yishi's bounded contexts, the shared parts first.
    "yishi.core",
    "yishi.areas",
    "yishi.accounts",
    "yishi.audit",
    "yishi.workdays",
    "yishi.notifications",
    "yishi.attachments",
    "yishi.notices",
    "yishi.meetings",
    "yishi.opinions",
    "yishi.followups",
    "yishi.cases",
    "yishi.routing",
    "yishi.councils",
    "yishi.demo",
    "yishi.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yishi.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yishi.core.middleware.ElderModeMiddleware",
    # Axes last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yishi.urls"
WSGI_APPLICATION = "yishi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yishi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yishi.core.context_processors.shell",
            ],
        },
    },
]


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers and the single writer work at once; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing with "database is locked" half-way through a transaction.
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # No parallel workers by default: on a small server every core already serves a request, and a
        # query that gathers workers takes them from the others (a unit's deadline list at 5 M cases: 34 →
        # 12 ms, 31 → 41 req/s at 16 clients). YISHI_PG_PARALLEL_WORKERS sets it for a larger machine.
        workers = int(env.PG_PARALLEL_WORKERS) if env.PG_PARALLEL_WORKERS.isdigit() else 0
        options = db.setdefault("OPTIONS", {})
        options["options"] = (
            f"{options.get('options', '')} -c max_parallel_workers_per_gather={workers}".strip()
        )
    return db


DATABASES = {"default": _database(env.DATABASE_URL)}
YISHI_PG_PREPARED = env.PG_PREPARED
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "yishi.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:portal"

# Login lockout (django-axes): five failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yishi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = env.EMAIL_URL
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
YISHI_SMS_SENDER = env.SMS_SENDER

CACHES = (
    {"default": {"BACKEND": "yishi.core.redis_cache.RedisCache", "LOCATION": env.REDIS_URL}}
    if env.REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
# Whether every worker reads the same cache (Redis): only then may an entry decide what someone may do or
# state a fact (core.caching.remembered(exact=True): the signed-in user and their grants, unread counts).
CACHE_IS_SHARED = bool(env.REDIS_URL)
# With Redis, a session is read from the shared cache and only written through to the database: one query
# less on every signed-in request. Never with the per-process local-memory cache, where signing out in one
# worker would leave the session alive in another's.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if env.REDIS_URL else "django.contrib.sessions.backends.db"
)

# Jobs: django-q2 keeps queued tasks in the database (the ORM broker) so nothing is lost on restart;
# with YISHI_REDIS_URL set, Redis carries the queue instead.
Q_CLUSTER = {
    "name": "yishi",
    "workers": 2,
    "timeout": 120,
    "retry": 180,
    "max_attempts": 5,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": _("后台任务"),
}
if env.REDIS_URL:
    Q_CLUSTER["redis"] = env.REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "yishi.core.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "yishi.core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yishi.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "yishi 议事厅 API",
    "DESCRIPTION": "REST API of yishi. Every write goes through the same services as the web pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get one stable component name each.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "yishi.cases.workflow.Status",
        "CaseChannelEnum": "yishi.cases.models.Channel",
        "UnitKindEnum": "yishi.areas.models.UnitKind",
        "NoticeKindEnum": "yishi.notices.models.NoticeKind",
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"yishi": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Attachments: what may be uploaded, and how big.
YISHI_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Working hours used by deadlines counted in working hours (start, end) in local time.
YISHI_WORKING_HOURS = ((9, 0), (12, 0)), ((13, 30), (17, 30))
