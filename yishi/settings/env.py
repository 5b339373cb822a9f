"""The one place where yishi reads its environment.

Every setting that may differ between machines comes from a ``YISHI_*`` variable read here, so that a
deployment can be understood by reading this file alone.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("YISHI_VAR_DIR", BASE_DIR / "var"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """YISHI_SECRET_KEY, or a key generated once and kept in var/ so sessions survive restarts."""
    key = os.environ.get("YISHI_SECRET_KEY")
    if key:
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _bool("YISHI_DEBUG", False)
SECRET_KEY = _secret_key()
DATABASE_URL = os.environ.get("YISHI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'yishi.sqlite3'}")
REDIS_URL = os.environ.get("YISHI_REDIS_URL", "")
# PostgreSQL's parallel workers per query (max_parallel_workers_per_gather); see settings.base._database.
PG_PARALLEL_WORKERS = os.environ.get("YISHI_PG_PARALLEL_WORKERS", "0")
# Prepared statements on PostgreSQL for the lists' rows (cases.selectors.first_rows); off behind a pooler
# that hands a session's connection to another (PgBouncer in transaction mode).
PG_PREPARED = _bool("YISHI_PG_PREPARED", True)
ALLOWED_HOSTS = [h for h in os.environ.get("YISHI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
HTTPS = _bool("YISHI_HTTPS", False)
SMS_SENDER = os.environ.get("YISHI_SMS_SENDER", "yishi.notifications.sms.ConsoleSmsSender")
EMAIL_URL = os.environ.get("YISHI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("YISHI_FROM_EMAIL", "yishi@localhost")
SITE_URL = os.environ.get("YISHI_SITE_URL", "http://127.0.0.1:8000")
# The floor views of `yishi bench` (/bench/floor/…): on only for the server the bench starts.
BENCH_FLOORS = _bool("YISHI_BENCH_FLOORS", False)
