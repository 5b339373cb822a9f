"""Settings for a deployment (also what ``make demo`` runs): DEBUG off unless YISHI_DEBUG says so."""

from .base import *  # noqa: F403
from .env import HTTPS

if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 3600
