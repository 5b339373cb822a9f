"""The ``yishi`` command and the production server, run as a deployment would run them."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def deployment_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "YISHI_"))}
    env.update(
        YISHI_VAR_DIR=str(tmp_path),
        YISHI_DATABASE_URL=f"sqlite:///{tmp_path / 'yishi.sqlite3'}",
        DJANGO_SETTINGS_MODULE="yishi.settings.production",
    )
    return env


def _run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "yishi", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_python_m_yishi_runs_management_commands(deployment_env):
    result = _run(deployment_env, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_serve_runs_gunicorn_with_static_files_and_health(deployment_env, tmp_path):
    assert _run(deployment_env, "migrate", "--noinput").returncode == 0
    assert _run(deployment_env, "collectstatic", "--noinput").returncode == 0
    # SQLite runs in WAL mode.
    import sqlite3

    assert sqlite3.connect(tmp_path / "yishi.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "yishi"), "serve", "--port", str(port), "--workers", "1"],
        env=deployment_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                health = urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start: " + server.stdout.read1().decode(errors="replace"))
        assert health.status == 200
        portal = urllib.request.urlopen(base + "/").read().decode()
        assert "gunicorn" in (urllib.request.urlopen(base + "/").headers.get("Server") or "")
        css = portal.split('rel="stylesheet" href="')[1].split('"')[0]
        assert css.startswith("/static/yishi/app.") and css.endswith(".css"), css  # hashed by the manifest
        assert urllib.request.urlopen(base + css).status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_with_yishi_redis_url_cache_sessions_and_jobs_live_in_redis(deployment_env, tmp_path):
    """A deployment with YISHI_REDIS_URL: the client library is installed, the cache and the job queue use
    Redis, and a session written in one process is read back from Redis in another."""
    env = {**deployment_env, "YISHI_REDIS_URL": "redis://127.0.0.1:6379/8"}
    assert _run(env, "migrate", "--noinput").returncode == 0
    script = (
        "import django, sys; django.setup()\n"
        "from django.conf import settings\n"
        "from django.contrib.sessions.backends.cached_db import SessionStore\n"
        "from django.core.cache import cache\n"
        "from django_q.brokers import get_broker\n"
        "assert settings.SESSION_ENGINE.endswith('cached_db'), settings.SESSION_ENGINE\n"
        "assert settings.CACHES['default']['BACKEND'].endswith('RedisCache')\n"
        "cache.set('yishi-test', 1, 60); assert cache.get('yishi-test') == 1 and get_broker().ping()\n"
        "if sys.argv[1] == 'write':\n"
        "    s = SessionStore(); s['who'] = 'yishi'; s.save(); print(s.session_key)\n"
        "else:\n"
        "    from django.db import connection\n"
        "    with connection.execute_wrapper(lambda *a: (_ for _ in ()).throw(AssertionError('db'))):\n"
        "        print(SessionStore(sys.argv[1])['who'])\n"
    )
    written = subprocess.run(
        [sys.executable, "-c", script, "write"], env=env, capture_output=True, text=True, timeout=60
    )
    assert written.returncode == 0, written.stderr
    read = subprocess.run(
        [sys.executable, "-c", script, written.stdout.strip()],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "yishi"  # from Redis: any database query would have failed


def test_without_redis_sessions_stay_in_the_database(deployment_env):
    """The per-process local-memory cache must never hold sessions: signing out in one worker would leave the
    session alive in another's."""
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=deployment_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_postgres_connections_gather_no_parallel_workers_unless_set(monkeypatch):
    """A deployment's PostgreSQL sessions run each query on one core (``settings.base._database``); the
    environment may allow workers, and a value that is not a count falls back to none."""
    from yishi.settings import base, env

    url = "postgres://yishi@db.example:5432/yishi?options=-c%20statement_timeout%3D5000"
    assert base._database(url)["OPTIONS"]["options"].endswith("-c max_parallel_workers_per_gather=0")
    assert "statement_timeout" in base._database(url)["OPTIONS"]["options"]
    monkeypatch.setattr(env, "PG_PARALLEL_WORKERS", "2")
    assert base._database(url)["OPTIONS"]["options"].endswith("=2")
    monkeypatch.setattr(env, "PG_PARALLEL_WORKERS", "two")
    assert base._database(url)["OPTIONS"]["options"].endswith("=0")
    assert "options" not in base._database("sqlite:///var/x.sqlite3")["OPTIONS"]
