"""Django settings for Phong Trào: one file, configured from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
# var/ holds everything a running instance writes: the SQLite file, the secret key, static files.
VAR_DIR = Path(os.environ.get("PHONGTRAO_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Return the key from the environment, else from var/, generating it on first run."""
    from_env = os.environ.get("PHONGTRAO_SECRET_KEY")
    if from_env:
        return from_env
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_flag("PHONGTRAO_DEBUG")
ALLOWED_HOSTS = os.environ.get("PHONGTRAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "phongtrao.core",
    "phongtrao.orgunits",
    "phongtrao.accounts",
    "phongtrao.catalog",
    "phongtrao.datavalues",
    "phongtrao.registries",
    "phongtrao.analytics",
    "phongtrao.ingest",
    "phongtrao.reports",
    "phongtrao.api",
    "phongtrao.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "phongtrao.web.middleware.ErrorPageMiddleware",
]

ROOT_URLCONF = "phongtrao.urls"
WSGI_APPLICATION = "phongtrao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "phongtrao.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept between requests (one per server thread): a new one re-reads the
    # schema and starts with a cold page cache, a cost every request would pay.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while an import writes; IMMEDIATE avoids mid-transaction
        # lock upgrades; timeout is the busy timeout (seconds) a writer waits for the lock.
        # Each connection keeps up to 64 MB of pages and reads the file through a 1 GB map.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
            "PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# Read replicas (PostgreSQL streaming standbys of default): one URL or several, comma-separated.
# Heavy reads that may lag by a second go there (core/replicas.py); in tests each is a mirror of
# default, so the test runner creates no database on it.
PHONGTRAO_READ_REPLICAS: list[str] = []
for _number, _url in enumerate(
    (u.strip() for u in os.environ.get("PHONGTRAO_READ_DATABASE_URL", "").split(",") if u.strip()),
    start=1,
):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(_url, conn_max_age=60)
    if DATABASES[_alias]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "PHONGTRAO_READ_DATABASE_URL: bản sao chỉ đọc phải cùng loại cơ sở dữ liệu "
            "với DATABASE_URL."
        )
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    PHONGTRAO_READ_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["phongtrao.core.replicas.ReplicaRouter"]

# Computed figures (pivots, dashboards, charts, the entry form's rows) are cached under the data
# version that every write bumps (core/dataversion.py): in each web process's memory by default;
# with `PHONGTRAO_CACHE_URL=redis://host:6379/0` in one Redis that every process and host shares
# (Django's own Redis backend: install the `redis` package on those machines).
_cache_url = os.environ.get("PHONGTRAO_CACHE_URL", "").strip()
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
else:
    # A province's pivot by commune is about 0,5 MB pickled: at most 500 entries per process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "phongtrao",
            "OPTIONS": {"MAX_ENTRIES": 500},
        }
    }
PHONGTRAO_CACHE_ALIAS = "default"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "phongtrao.accounts.validators.MinimumLengthValidator"},
    {"NAME": "phongtrao.accounts.validators.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("PHONGTRAO_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Django's stock `vi` formats group digits wrongly and read 01/07/2025 month-first; ours fix both.
FORMAT_MODULE_PATH = ["phongtrao.core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the finders; an existing STATIC_ROOT keeps it from warning.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PHONGTRAO_LOG_LEVEL", "WARNING")},
}
