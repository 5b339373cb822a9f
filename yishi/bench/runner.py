"""``yishi bench``: the synthetic city measured through the real stack, against floors in the same run.

One run per database: PostgreSQL (``--database``), then, with ``--sqlite``, a SQLite file under
``var/bench/``. Each run is a child process (``yishi bench --phase URL``) whose Django connects to that
database, so the in-process work (generation, cursors, SQL timing) and the server share it. With both
databases, their cities are generated first, side by side (``load_side_by_side``: one child each,
``--generate-only``), and the runs then measure one database at a time. A run:

1. creates and migrates the database, collects static files, generates the city (or reuses it:
   ``var/bench/<db>-manifest.json`` remembers (cases, seed));
2. starts gunicorn with the production settings on loopback (2 sync workers: one per core, as in the
   issue's floor measurements), waits for ``/healthz``, logs the bench accounts in through the login form;
3. loads the floor views (empty, 20-row JSON, 20-row template) and every scenario with wrk at each client
   count; before each scenario its heaviest read (a SELECT, or a prepared statement's EXECUTE) is captured
   in-process and timed with the bare driver;
4. intake: counts the cases created against the 2xx answers and checks the numbers are unique;
5. export: a separate 1-worker gunicorn streams the CSV ledger; time to last byte and the worker's peak RSS.

The server is always stopped (process group killed) in ``finally``, also on Ctrl-C.
"""

from __future__ import annotations

import http.cookiejar
import inspect
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import dj_database_url

from . import report, wrk

BENCH_SECRET_KEY = "yishi-bench-not-a-secret-only-for-loopback-measurements"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/yishi_bench"
SQL_REPEAT = 30
HEALTH_TIMEOUT = 90


@dataclass
class Options:
    cases: int = 20000
    seed: int = 1
    database: str = DEFAULT_DATABASE
    sqlite: bool = False
    sqlite_cases: int = 0  # 0: the same as ``cases``
    reuse: bool = False
    duration: float = 5.0
    clients: list[int] = field(default_factory=lambda: [1, 16])
    json_path: str = ""
    only: list[str] = field(default_factory=list)
    export: bool = True
    manifest: str = ""
    workers: int = 2
    # A Redis database of the bench's own (flushed before each run): the server then keeps its cache,
    # sessions and job queue there, as a deployment with YISHI_REDIS_URL does. Empty: local memory.
    redis: str = ""
    # A child that only creates, migrates and fills its database (the parent's loads, run side by side).
    generate_only: bool = False


def var_dir() -> Path:
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_name(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return Path(parsed.path).stem
    return parsed.path.lstrip("/")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_url(options: Options) -> str:
    return f"sqlite:///{var_dir() / f'yishi_bench_{options.cases}_{options.seed}.sqlite3'}"


def remove_sqlite_city(url: str) -> None:
    """Delete the bench's own SQLite file (and its WAL, shared memory and manifest) before it is generated
    anew: deleting a million cases row by row took six and a half minutes, removing the file takes none.
    Only files under ``var/bench/`` named by ``sqlite_url`` are ever removed."""
    path = Path(dj_database_url.parse(url)["NAME"]).resolve()
    if path.parent != var_dir().resolve() or not path.name.startswith("yishi_bench_"):
        raise RuntimeError(f"not a bench SQLite file: {path}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    (var_dir() / f"{db_name(url)}-manifest.json").unlink(missing_ok=True)


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it is missing (connecting to ``postgres``)."""
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def server_env(url: str, redis: str = "") -> dict:
    """The environment of a deployment, pointed at the bench database (and the bench's Redis database, if
    any), floors on, DEBUG off."""
    env = dict(os.environ)
    for name in ("YISHI_HTTPS", "YISHI_DEBUG", "YISHI_SITE_URL", "YISHI_REDIS_URL"):
        env.pop(name, None)
    if redis:
        env["YISHI_REDIS_URL"] = redis
    env.update(
        DJANGO_SETTINGS_MODULE="yishi.settings.production",
        YISHI_DATABASE_URL=url,
        YISHI_SECRET_KEY=BENCH_SECRET_KEY,
        YISHI_BENCH_FLOORS="1",
        YISHI_ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


# ---------------------------------------------------------------- the parent: one child per database


def run(options: Options, stdout) -> dict:
    """Measure on each database in its own child process, print the tables, write the JSON."""
    if not wrk.wrk_path():
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does it when run as root)")
    started = time.monotonic()
    sqlite_options = replace(options, cases=options.sqlite_cases or options.cases)
    urls = [options.database] + ([sqlite_url(sqlite_options)] if options.sqlite else [])
    per_url = {}
    for url in urls:
        if is_sqlite(url):
            per_url[url] = sqlite_options
            if not options.reuse and not options.manifest:
                remove_sqlite_city(url)
        else:
            per_url[url] = options
            ensure_postgres_database(url)
    loads_seconds = None
    if len(urls) > 1 and not options.manifest:
        loads_seconds = load_side_by_side(per_url, options.redis, stdout)
        # Each database now holds the city of its (cases, seed): the measuring runs keep it.
        per_url = {url: replace(o, reuse=True) for url, o in per_url.items()}
    runs = []
    for url, options_here in per_url.items():
        out = var_dir() / f"{db_name(url)}-run.json"
        out.unlink(missing_ok=True)
        stdout.write(f"\n== {url}\n")
        stdout.flush()
        done = subprocess.run(phase_command(url, options_here, out), env=server_env(url, options.redis))
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"the run on {url} failed (exit {done.returncode})")
        runs.append(json.loads(out.read_text()))
    result = {
        "machine": machine_info(),
        "options": {k: v for k, v in asdict(options).items() if k != "manifest"},
        "total_seconds": round(time.monotonic() - started, 1),
        "loads_side_by_side_seconds": loads_seconds,
        "runs": runs,
    }
    stdout.write("\n" + tables(result) + "\n")
    path = Path(options.json_path) if options.json_path else var_dir() / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    stdout.write(f"\nJSON: {path}\n")
    return result


def phase_command(url: str, options: Options, out: Path) -> list[str]:
    """The child process of one database's run (or, with ``generate_only``, of its load)."""
    return [
        sys.executable,
        "-m",
        "yishi",
        "bench",
        *phase_argv(options),
        "--phase",
        url,
        "--phase-out",
        str(out),
    ]


def load_side_by_side(per_url: dict[str, Options], redis: str, stdout) -> float:
    """Generate (or keep, with ``--reuse``) the city of every database at the same time, one child each,
    before any measurement; returns the seconds until the last one finished.

    A load keeps about one core busy with Python (the rows, jieba's tokens) and the database ingesting
    beside it part of the other; the full run's two loads, one after the other, left the second core idle
    half of the time. Side by side they share both cores, and no measurement runs while either loads (the
    measuring runs start after both, one database at a time). Each child's lines are prefixed with its
    database's name.
    """

    started = time.monotonic()
    children = []
    for url, options in per_url.items():
        out = var_dir() / f"{db_name(url)}-load.json"
        out.unlink(missing_ok=True)
        argv = phase_command(url, replace(options, generate_only=True), out)
        child = subprocess.Popen(
            argv, env=server_env(url, redis), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        prefix = "[SQLite] " if is_sqlite(url) else "[PostgreSQL] "
        relay = threading.Thread(target=_relay, args=(child.stdout, prefix, stdout), daemon=True)
        relay.start()
        children.append((url, child, out, relay))
    stdout.write(f"\n== loading {', '.join(per_url)} side by side\n")
    stdout.flush()
    failed = []
    for url, child, out, relay in children:
        code = child.wait()
        relay.join()
        if code != 0 or not out.exists():
            failed.append(f"{url} (exit {code})")
    if failed:
        raise RuntimeError(f"the load on {', '.join(failed)} failed")
    seconds = round(time.monotonic() - started, 1)
    stdout.write(f"loads side by side: {seconds:.0f} s\n")
    return seconds


_RELAY_LOCK = threading.Lock()


def _relay(stream, prefix: str, stdout) -> None:
    for line in stream:
        with _RELAY_LOCK:  # whole lines, never two children's halves
            stdout.write(prefix + line)
            stdout.flush()


def tables(result: dict) -> str:
    runs = result["runs"]
    postgres = next((r for r in runs if r["vendor"] == "postgresql"), None)
    from . import design

    parts = []
    for r in runs:
        parts.append(report.table(r, postgres=postgres if r is not postgres else None))
        if r.get("design"):
            parts.append(
                f"{r['database_label']} · what the design choices bought (median ms)\n"
                + design.table(r["design"])
            )
    return "\n\n".join(parts)


def phase_argv(options: Options) -> list[str]:
    argv = [
        "--cases", str(options.cases), "--seed", str(options.seed), "--duration", str(options.duration),
        "--clients", ",".join(str(c) for c in options.clients),
    ]  # fmt: skip
    if options.reuse:
        argv.append("--reuse")
    if options.only:
        argv += ["--only", ",".join(options.only)]
    if not options.export:
        argv.append("--no-export")
    if options.manifest:
        argv += ["--manifest", options.manifest]
    if options.redis:
        argv += ["--redis", options.redis]
    if options.generate_only:
        argv.append("--generate-only")
    return argv


def flush_redis(url: str) -> None:
    """Empty the bench's own Redis database: no session, cached page part or queued job of an earlier run
    (or of the other database's run) may serve this one."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def machine_info() -> dict:
    import django

    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
        meminfo = Path("/proc/meminfo").read_text()
        info["memory_gb"] = round(int(re.search(r"MemTotal:\s*(\d+)", meminfo).group(1)) / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    try:
        info["wrk"] = (
            subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip()
        )
    except OSError:
        pass
    return info


# ---------------------------------------------------------------- the child: one database


def run_phase(url: str, options: Options, out: Path, stdout) -> dict:
    """Everything on the database this process's settings point at (``url``); writes ``out``."""
    from django.core.management import call_command
    from django.db import connection

    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    if options.generate_only:  # the load alone, beside the other database's (``load_side_by_side``)
        say("migrate …")
        call_command("migrate", verbosity=0, interactive=False)
        _manifest, load_seconds = ensure_city(url, options, say)
        out.write_text(json.dumps({"load_seconds": load_seconds}))
        return {"load_seconds": load_seconds}
    if options.redis:
        flush_redis(options.redis)
    say("migrate, collectstatic …")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    manifest, load_seconds = ensure_city(url, options, say)
    from yishi.cases.models import Case

    total = Case.objects.count()
    run = {
        "database": db_name(url),
        "vendor": connection.vendor,
        "database_label": "PostgreSQL" if connection.vendor == "postgresql" else "SQLite",
        "database_version": database_version(),
        "cases": total,
        "generated_cases": manifest.get("cases"),
        "seed": manifest.get("seed"),
        "load_seconds": load_seconds,
        "load_detail": manifest.get("load_seconds"),
        "redis": bool(options.redis),
        "floors": {},
        "measurements": [],
    }
    from . import scenarios as sc

    ensure_tokens(manifest)
    sc.add_median_community(manifest)
    if removed := sc.remove_intake_cases():
        say(f"removed {removed} cases an earlier intake scenario filed")
    all_scenarios = sc.build(manifest, export_params=sc.export_params(total))
    chosen = [s for s in all_scenarios if not options.only or s.name in options.only]
    if not options.export:
        chosen = [s for s in chosen if s.kind != "export"]
    load = [s for s in chosen if s.kind != "export"]
    if load:
        with server(url, workers=options.workers, timeout=120) as srv:
            base = srv.base
            cookies = {
                key: login(base, acc["username"], manifest["password"])
                for key, acc in manifest["accounts"].items()
            }
            for s in load:
                if s.name == "api_next":
                    s.paths = api_next_paths(base, manifest["accounts"][s.account]["token"])
            for name, path in (
                ("empty", "/bench/floor/empty"),
                ("json", "/bench/floor/json"),
                ("template", "/bench/floor/template"),
            ):
                run["floors"][name] = []
                for clients in options.clients:
                    result = wrk.run(base_url=base, paths=[path], clients=clients, seconds=options.duration)
                    run["floors"][name].append({"clients": clients, **result.as_dict()})
                    say(f"floor {name:9} c={clients:<3} {result.rps:8.0f} req/s  p95 {result.p95_ms:6.1f} ms")
            for s in load:
                run["measurements"] += measure(s, base, manifest, cookies, options, run["floors"], say)
                if s.kind == "post":  # the scenarios after it, and the next run, read the city as generated
                    say(f"removed the {sc.remove_intake_cases()} cases the intake scenario filed")
    for s in chosen:
        if s.kind == "export":
            run["measurements"].append(measure_export(s, url, manifest, say))
    if not options.only:
        from . import design

        say("design choices: before/after …")
        run["design"] = design.compare(manifest)
    out.write_text(json.dumps(run, ensure_ascii=False, indent=1, default=str))
    return run


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return cursor.fetchone()[0]


def ensure_city(url: str, options: Options, say) -> tuple[dict, float | None]:
    """The manifest of the city in this database: given (``--manifest``), reused or freshly generated."""
    from yishi.accounts.models import User
    from yishi.cases.models import Case

    if options.manifest:
        return json.loads(Path(options.manifest).read_text()), None
    path = var_dir() / f"{db_name(url)}-manifest.json"
    if path.exists():
        manifest = json.loads(path.read_text())
        same = manifest.get("cases") == options.cases and manifest.get("seed") == options.seed
        city = manifest.get("accounts", {}).get("city", {}).get("username")
        if options.reuse and same and city and User.objects.filter(username=city).exists():
            say(f"reusing the generated city ({options.cases:,} cases, seed {options.seed})")
            return manifest, manifest.get("_load_seconds")
        if options.reuse and not same:
            # Asked to keep a city, never silently replace it by one of another size: a 5 M city took half
            # an hour to load, and a --reuse run without its --cases once swapped it for the default one.
            cases = manifest.get("cases")
            raise RuntimeError(
                f"{db_name(url)} holds the city of {f'{cases:,}' if isinstance(cases, int) else cases} cases,"
                f" seed {manifest.get('seed')}; --reuse keeps it only for the same --cases and --seed (leave"
                " out --reuse to generate anew)"
            )
    elif Case.objects.exists():
        # Never wipe a database the bench did not fill itself.
        raise RuntimeError(f"{db_name(url)} holds cases the bench did not generate; give another --database")
    from .generate import generate

    kwargs = {"cases": options.cases, "seed": options.seed, "stdout": SayStream(say)}
    if "reset" in inspect.signature(generate).parameters:
        kwargs["reset"] = True
    started = time.monotonic()
    manifest = generate(**kwargs)
    load_seconds = round(time.monotonic() - started, 1)
    manifest["_load_seconds"] = load_seconds
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
    return manifest, load_seconds


class SayStream:
    """A file-like object writing through say() (generate() wants a stream)."""

    def __init__(self, say):
        self.say = say

    def write(self, text: str) -> None:
        if text.strip():
            self.say(text.rstrip("\n"))

    def flush(self) -> None:
        pass


def ensure_tokens(manifest: dict) -> None:
    """Each bench account has its API token in the manifest (a hand-made manifest may lack them)."""
    from rest_framework.authtoken.models import Token

    from yishi.accounts.models import User

    for account in manifest["accounts"].values():
        if not account.get("token"):
            user = User.objects.get(username=account["username"])
            account["token"] = Token.objects.get_or_create(user=user)[0].key


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def server(url: str, *, workers: int, timeout: int):
    """gunicorn with the production settings on a free loopback port, stopped on leaving."""
    from django.conf import settings

    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(var_dir() / f"server-{db_name(url)}.log", "ab")  # closed in finally
    argv = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "yishi.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", str(timeout),
        "--graceful-timeout", "5",
        "--log-level", "warning",
    ]  # fmt: skip
    # The child of a run with --redis has the bench's Redis database in its own environment.
    env = server_env(url, os.environ.get("YISHI_REDIS_URL", ""))
    process = subprocess.Popen(
        argv, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=log, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield Server(base, process.pid)
    finally:
        stop(process)
        log.close()


def wait_healthy(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see var/bench/server-*.log")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}/healthz did not answer within {HEALTH_TIMEOUT} s")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers: TERM to the process group, KILL after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (``VmHWM``) in MB."""
    try:
        match = re.search(r"VmHWM:\s*(\d+)\s*kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return int(match.group(1)) / 1024 if match else None


# ---------------------------------------------------------------- sessions and cursors through HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, username: str, password: str) -> str:
    """Log in through the real login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(base + "/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    try:
        opener.open(base + "/accounts/login/", data=data.encode(), timeout=30)
    except urllib.error.HTTPError as exc:  # the 302 after a successful login
        if exc.code != 302:
            raise
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username} failed")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def api_next_paths(base: str, token: str, *, pages: int = 5) -> list[str]:
    """Pages 2 … of the API lists (plain and open only), each ``next`` link from the page before."""
    paths = []
    for start in ("/api/v1/cases/", "/api/v1/cases/?open=true"):
        url = base + start
        for _page in range(pages):
            request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                url = json.load(response).get("next")
            if not url:
                break
            paths.append(url[url.index("/api/") :])
    return paths


# ---------------------------------------------------------------- measuring


def headers_for(s, manifest: dict, cookies: dict) -> dict:
    if s.auth == "token":
        headers = {"Authorization": f"Token {manifest['accounts'][s.account]['token']}"}
        if s.method == "POST":
            headers["Content-Type"] = "application/json"
        return headers
    if s.auth == "session" and s.account:
        return {"Cookie": cookies[s.account]}
    return {}


def main_query(s, manifest: dict) -> dict | None:
    """The heaviest read (``_read_of``) of the scenario's first path, run in-process, timed with the bare
    driver."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yishi.accounts.models import User

    if not s.capture_sql or not s.paths:
        return None
    client = Client(HTTP_HOST="127.0.0.1")
    if s.auth == "token":
        client = Client(
            HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {manifest['accounts'][s.account]['token']}"
        )
    elif s.account:
        user = User.objects.get(username=manifest["accounts"][s.account]["username"])
        client.force_login(user, backend="yishi.accounts.backends.AccountBackend")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(s.paths[0])
    selects = [
        {**q, "sql": _read_of(q["sql"])}
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "EXECUTE", "PREPARE"))
    ]
    if response.status_code != 200 or not selects:
        return {"status": response.status_code, "answer": response.content[:300].decode(errors="replace")}
    heaviest = max(selects, key=lambda q: float(q["time"]))
    return {"sql": heaviest["sql"], "queries": len(captured.captured_queries), **time_sql(heaviest["sql"])}


def _read_of(sql: str) -> str:
    """What a captured statement reads, to be timed again: a list's rows read by a prepared statement
    (``cases.selectors.first_rows``) are ``EXECUTE name(…)``, and the first time on a connection
    ``PREPARE name AS …; EXECUTE name(…)``, whose EXECUTE alone is timed (the statement stays prepared on
    the connection the timing uses, the one that served the request)."""
    if sql.lstrip().upper().startswith("PREPARE"):
        return sql[sql.rindex("; EXECUTE ") + 2 :]
    return sql


def time_sql(sql: str, repeat: int = SQL_REPEAT) -> dict:
    """p50/p95/p99 in ms of ``sql`` run ``repeat`` times on the bare driver connection (after one warm-up)."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    timings = []
    for i in range(repeat + 1):
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        if i:
            timings.append((time.perf_counter() - started) * 1000)
        cursor.close()
    timings.sort()

    def pct(p: float) -> float:
        return round(timings[min(len(timings) - 1, int(round(p / 100 * len(timings))) - 1)], 3)

    return {"p50_ms": round(statistics.median(timings), 3), "p95_ms": pct(95), "p99_ms": pct(99)}


def warm_up(base: str, s, headers: dict, *, workers: int) -> None:
    """A few concurrent requests first, so that no worker's first hit (lazy imports, jieba's dictionary,
    a cold cache) lands in the measurement; waits for all of them. POSTs use thread number 0, so their
    texts differ from the measured ones."""
    from concurrent.futures import ThreadPoolExecutor

    def hit(i: int) -> None:
        data = (s.body % (0, i)).encode() if s.method == "POST" else None
        request = urllib.request.Request(base + s.paths[i % len(s.paths)], data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        except OSError:
            pass  # the measurement reports it

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        list(pool.map(hit, range(4 * workers)))


def measure(s, base: str, manifest: dict, cookies: dict, options: Options, floors: dict, say) -> list[dict]:
    from django.db.models import Count

    from yishi.cases.models import Case

    sql = None
    try:
        sql = main_query(s, manifest)
    except Exception as exc:  # a view failing in-process fails under load too; the load shows it
        sql = {"error": f"{exc.__class__.__name__}: {exc}"[:300]}
    floor_name = {"html": "template", "api": "json", "post": "json"}.get(s.kind)
    results = []
    for clients in options.clients:
        base_m = {"scenario": s.name, "title": s.title, "goal": s.goal, "kind": s.kind, "clients": clients,
                  "paths": len(s.paths), "example_path": s.paths[0] if s.paths else ""}  # fmt: skip
        if not s.paths:
            results.append({**base_m, "failed": "no paths (no data for this scenario)", "rps": 0, "p50_ms": None,
                            "p95_ms": None, "p99_ms": None})  # fmt: skip
            continue
        if clients == options.clients[0]:
            warm_up(base, s, headers_for(s, manifest, cookies), workers=options.workers)
        before = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = wrk.run(
            base_url=base,
            paths=s.paths,
            headers=headers_for(s, manifest, cookies),
            method=s.method,
            body=s.body,
            clients=clients,
            seconds=options.duration,
        )
        floor = next((f for f in floors.get(floor_name, []) if f["clients"] == clients), None)
        m = {**base_m, **result.as_dict(), "socket_errors": result.socket_errors, "sql": sql,
             "floor": floor_name, "floor_rps": floor["rps"] if floor else None}  # fmt: skip
        if s.kind == "post":
            new = Case.objects.filter(pk__gt=before)
            created = new.count()
            answered = result.requests - result.non2xx
            duplicates = new.values("number").annotate(n=Count("id")).filter(n__gt=1).count()
            # wrk stops with up to one request in flight per connection; the server still finishes those.
            m["intake"] = {"created": created, "answered_2xx": answered, "lost": max(0, answered - created),
                           "unanswered": created - answered, "duplicates": duplicates}  # fmt: skip
            if created - answered > clients:
                m["failed"] = f"{created - answered} cases created without an answer"
        results.append(m)
        say(f"{s.name:15} c={clients:<3} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f}  p95 {result.p95_ms:7.1f} ms"
            f"  {report.goal_check(m)[1]}")  # fmt: skip
    return results


def measure_export(s, url: str, manifest: dict, say) -> dict:
    """Stream the CSV ledger from a 1-worker server: time to first and last byte, rows, the worker's peak RSS."""
    m = {
        "scenario": s.name,
        "title": s.title,
        "goal": s.goal,
        "kind": s.kind,
        "clients": 1,
        "example_path": s.paths[0],
    }
    with server(url, workers=1, timeout=1800) as srv:
        base = srv.base
        cookie = login(base, manifest["accounts"][s.account]["username"], manifest["password"])
        request = urllib.request.Request(base + s.paths[0], headers={"Cookie": cookie})
        started = time.monotonic()
        first = None
        size = rows = 0
        with urllib.request.urlopen(request, timeout=1800) as response:
            content_type = response.headers.get("Content-Type", "")
            while chunk := response.read(1 << 20):
                first = first or time.monotonic() - started
                size += len(chunk)
                rows += chunk.count(b"\n")
            status = response.status
        seconds = time.monotonic() - started
        workers = worker_pids(srv.pid)
        rss = max((peak_rss_mb(p) or 0 for p in workers), default=None)
    m.update(status=status, content_type=content_type, seconds=round(seconds, 2), first_byte_seconds=round(first or 0, 3),
             bytes=size, rows=max(0, rows - 1), rss_mb=round(rss, 1) if rss else None)  # fmt: skip
    if "csv" not in content_type:
        m["failed"] = f"not CSV ({content_type})"
    say(f"export          {m['rows']:,} rows {size / 1e6:.0f} MB in {seconds:.1f} s, peak RSS {m['rss_mb']} MB  "
        f"{report.goal_check(m)[1]}")  # fmt: skip
    return m
