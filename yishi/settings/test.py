"""Fast, isolated settings for the test suite: MD5 hasher, tasks run inline, mail kept in memory."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER, STORAGES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The local-memory cache is one process's: nothing that decides access is kept in it (tests that check the
# shared-cache paths turn this on; in one process the local-memory cache is shared by all).
CACHE_IS_SHARED = False
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yishi-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="yishi-test-static-"))
YISHI_ROUTING_MODEL_DIR = Path(tempfile.mkdtemp(prefix="yishi-test-models-"))
YISHI_SMS_SENDER = "yishi.notifications.sms.LocmemSmsSender"
ALLOWED_HOSTS = ["*"]
# The demo loader generates a year of cases; tests that load the demo need only a few.
YISHI_DEMO_GENERATED_CASES = 20
