"""The synthetic city for ``yishi bench``: areas, units, people, accounts, categories and N cases.

``generate(cases=N, seed=S)`` is deterministic: the same (N, S) gives the same rows — numbers, texts, times,
area paths, audit hashes — on PostgreSQL and on SQLite, because every random draw comes from
``random.Random`` seeded from (S, part) and the time anchor is fixed (five years ending 2026-11-30, local
time), never ``now()``. Only the DRF tokens of the bench accounts are random: they are credentials.

Rows are written without Django model instances, in chunks of whole days (about ``CHUNK_CASES`` cases), by
COPY on PostgreSQL and ``executemany`` on SQLite, inside one transaction; memory stays flat whatever N.
The cases follow the real workflow (``cases.workflow``): each case is a story of dated events — submit,
accept, dispatch, contact, resolve, reply, rate … — cut at the anchor; the event list gives the case's
status, timestamps, deadline steps and audit events (same verbs and JSON shapes as ``cases.services``,
chained by hash so ``yishi audit verify`` passes). Simplifications, on purpose: only the first-contact and
resolve steps are written for accepted cases (the rates read those), plus the accept step of cases still
waiting; a rating writes one audit event (the status move) where the service writes two; no routing
suggestions, notifications or meetings.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import datetime as dt
import hashlib
import json
import math
import random
import sys
import time
import zlib
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.models import Max

from yishi.accounts.models import Person, Role, RoleGrant, User
from yishi.areas.models import Area, Level, Unit, UnitKind, path_segment
from yishi.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from yishi.cases.models import (
    Case,
    CaseMonthStat,
    CaseNumberSequence,
    CasePart,
    CaseReply,
    CaseStep,
    Category,
    CategoryRoute,
    Channel,
    Extension,
    Rating,
)

from . import texts

BENCH_PASSWORD = "yishi-bench"
CHUNK_CASES = 50_000
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# The cases span the five years ending 2026-11-30 (local); "now" for their states is the end of that day.
END = dt.datetime(2026, 12, 1, tzinfo=LOCAL_TZ)
START = dt.datetime(2021, 12, 1, tzinfo=LOCAL_TZ)
END_TS = int(END.timestamp())
START_TS = int(START.timestamp())
DAY = 86_400
HOUR = 3_600

DISTRICTS, STREETS_PER_DISTRICT, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 5, 10, 10, 10
BUILDINGS_PER_GRID = 4
RESIDENTS = 100_000

# Share of cases coming in on each channel, and who records them (None: the resident files online).
CHANNELS = (
    (Channel.OPINION_BOX.value, 30, False),
    (Channel.GRID_REPORT.value, 20, True),
    (Channel.HOTLINE.value, 18, True),
    (Channel.PHONE.value, 10, True),
    (Channel.HOME_VISIT.value, 8, True),
    (Channel.RECEPTION_DAY.value, 6, True),
    (Channel.API.value, 4, False),
    (Channel.DELIBERATION_GARDEN.value, 2, True),
    (Channel.FORUM.value, 1, True),
    (Channel.OPEN311.value, 1, False),
)
# Hour-of-day shape of intake (local time).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 10, 14, 15, 13, 10, 8, 7, 6, 4, 2, 1)
WEEKDAY_WEIGHTS = (1.15, 1.1, 1.05, 1.05, 1.0, 0.75, 0.7)

CASE_FIELDS_KEYS = (
    "handler_unit",
    "handling_mode",
    "is_supervised",
    "level_area",
    "merged_into",
    "reopen_count",
    "status",
)
# Status after each audited action (``cases.workflow.TRANSITIONS``); None: the status does not change.
STATUS_AFTER = {
    "case.submit": "submitted",
    "case.reject": "rejected",
    "case.merge": "merged",
    "case.accept": "accepted",
    "case.escalate": "accepted",
    "case.handle_self": "handling",
    "case.assign": "assigned",
    "case.pool": "in_pool",
    "case.claim": "assigned",
    "case.whistle": "whistled",
    "case.refer_council": "in_council",
    "case.refer_mediation": "in_mediation",
    "case.contact": None,
    "case.resolve": "resolved",
    "case.parts_done": "resolved",
    "case.reply": "replied",
    "case.rate": "closed",
    "case.reopen": "accepted",
    "case.supervise": "supervised",
    "case.close_unrated": "closed",
    "case.close": "closed",
}
# Actions written by ``cases.services._move`` (before/after carry the case fields); the others are not moves.
NOT_MOVES = frozenset({"case.submit", "case.contact"})
CLOSED_STATES = frozenset({"closed", "rejected", "merged"})

CASE_COLUMNS = (
    "id number title text category_id suggested_category_id area_id area_path community_path address "
    "latitude longitude reporter_id reporter_name reporter_phone is_anonymous tracking_token channel "
    "recorded_by_id urgency "
    "parties status is_open handling_mode level_area_id level_path handler_unit_id merged_into_id "
    "reject_reason reopen_count escalation_count is_supervised submitted_at accepted_at first_contact_at "
    "resolved_at replied_at closed_at updated_at search_tokens"
).split()
STEP_COLUMNS = "id case_id step round area_path unit_id due_at done_at supervised_at reminded_at".split()
REPLY_COLUMNS = "id case_id channel text replied_by_id replied_at".split()
RATING_COLUMNS = "id case_id source_case_id value comment round rated_at".split()
PART_COLUMNS = (
    "id case_id unit_id task status acknowledge_due acknowledged_at acknowledged_by_id done_at result"
).split()
AUDIT_COLUMNS = (
    "id seq at actor_id actor_label content_type_id object_id object_label area_path verb before after note "
    "prev_hash hash"
).split()


# The tables of the cases themselves: loaded in bulk mode (``_BulkMode``).
BIG_MODELS = (Case, CasePart, CaseStep, CaseReply, Rating, AuditEvent)


class BenchDatabaseNotEmpty(RuntimeError):
    """The database already holds areas or cases; pass ``reset=True`` to flush the generated tables."""


# ---------------------------------------------------------------- small helpers


def _rng(seed: int, *part) -> random.Random:
    """An independent generator for one part of the work (a chunk, the area tree …), from (seed, part)."""
    return random.Random(zlib.crc32(repr((seed, *part)).encode()))


def _dumps(value) -> str:
    """Canonical JSON as ``AuditEvent.compute_hash`` writes it."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _tokens_for():
    """``cases.search.tokens_for`` when it exists, else the same thing here (jieba's search-engine cut)."""
    try:
        from yishi.cases.search import tokens_for
    except ImportError:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)

        def tokens_for(*parts: str) -> str:
            return " ".join(w for p in parts if p for w in jieba.cut_for_search(p) if w.strip())

    return tokens_for


class _Clock:
    """Fast epoch-seconds → text, and working-day deadlines from a table built once.

    ``text(t)`` is what the database stores (UTC, seconds); ``iso(t)`` is what ``AuditEvent.at.isoformat()``
    gives back; ``add_working_days(t, n)`` follows ``workdays.calendar.add_working_days`` (local days, the
    start day never counted, the time of day kept; China has no daylight saving time).
    """

    def __init__(self, suffix: str) -> None:
        from yishi.workdays.calendar import is_working_day

        self.suffix = suffix
        self.utc0 = START_TS - START_TS % DAY - 2 * DAY
        days = (END_TS - self.utc0) // DAY + 120
        base = dt.date(1970, 1, 1) + dt.timedelta(days=self.utc0 // DAY)
        self.udays = [(base + dt.timedelta(days=i)).isoformat() for i in range(days)]
        # Local days: index 0 is the local date of utc0 + 8 h.
        self.local0 = (self.utc0 + 8 * HOUR) // DAY * DAY - 8 * HOUR
        first_local = dt.date(1970, 1, 1) + dt.timedelta(days=(self.local0 + 8 * HOUR) // DAY)
        self.working = [i for i in range(days) if is_working_day(first_local + dt.timedelta(days=i))]

    def text(self, t: int | None):
        if t is None:
            return None
        d, r = divmod(t - self.utc0, DAY)
        return f"{self.udays[d]} {r // HOUR:02d}:{r % HOUR // 60:02d}:{r % 60:02d}{self.suffix}"

    def iso(self, t: int) -> str:
        d, r = divmod(t - self.utc0, DAY)
        return f"{self.udays[d]}T{r // HOUR:02d}:{r % HOUR // 60:02d}:{r % 60:02d}+00:00"

    def local_year(self, t: int) -> int:
        return int(self.udays[(t + 8 * HOUR - self.utc0) // DAY][:4])

    def add_working_days(self, t: int, n: int) -> int:
        day = (t - self.local0) // DAY
        target = self.working[bisect.bisect_right(self.working, day) + n - 1]
        return t + (target - day) * DAY


class _Loader:
    """Bulk writes: COPY on PostgreSQL, ``executemany`` on SQLite; keeps time and rows per table.

    ``load_async`` hands a chunk's rows to one background thread, so the database ingests a chunk while
    Python builds the next (the thread waits on the socket most of the time, which releases the GIL).
    """

    def __init__(self, out) -> None:
        connection.ensure_connection()
        self.pg = connection.vendor == "postgresql"
        self.raw = connection.connection
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}
        self.out = out
        self._pending: concurrent.futures.Future | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-load")

    def load(self, model, columns, rows) -> None:
        table = model._meta.db_table
        if not rows:
            return
        started = time.perf_counter()
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor = self.raw.cursor()
        try:
            if self.pg:
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        finally:
            cursor.close()
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started
        self.rows[table] = self.rows.get(table, 0) + len(rows)

    def load_async(self, batches) -> None:
        """Load [(model, columns, rows), …] in the background, after the previous batch finished."""
        self.wait()
        self._pending = self._pool.submit(lambda: [self.load(*batch) for batch in batches])

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a failed COPY here, in the generating thread

    def close(self) -> None:
        self.wait()
        self._pool.shutdown()


class _BulkMode:
    """Inside the load's transaction: the secondary indexes of the big tables dropped before the load and
    built once after it — building an index over sorted input is several times cheaper than keeping it up
    to date row by row. DDL is transactional in both databases: if the load fails, the rollback brings every
    index back.

    - PostgreSQL: also no per-row foreign-key triggers (the generator writes consistent ids;
      ``session_replication_role`` needs a superuser, else rows are checked as usual);
    - SQLite: also the full-text triggers dropped, and the FTS5 index rebuilt once after the load. Indexes
      behind UNIQUE constraints (``sqlite_autoindex_*``) cannot be dropped and stay.
    """

    def __init__(self, loader: _Loader, models, say) -> None:
        self.loader, self.models, self.say = loader, models, say
        self.indexes: list[tuple[str, str]] = []
        self.constraints: list[tuple[str, str, str]] = []

    def __enter__(self):
        if not self.loader.pg:
            return self._enter_sqlite()
        tables = [m._meta.db_table for m in self.models]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Unique constraints (other than the primary key) back their own index: drop them as constraints.
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
                "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
                [tables],
            )
            self.indexes = cursor.fetchall()
            for table, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def _enter_sqlite(self):
        tables = [m._meta.db_table for m in self.models]
        marks = ", ".join("%s" for _t in tables)
        with connection.cursor() as cursor:
            # This connection's page cache, 1 GiB for the load instead of SQLite's 2 MB: the indexes that stay
            # (UNIQUE ones, on random tracking tokens among them) take each row somewhere else in a growing
            # B-tree, and with 2 MB every insert reread its pages from the OS (the load slowed from 4,300 to
            # 2,100 cases/s over 200,000 cases).
            cursor.execute("PRAGMA cache_size = -1048576")
            cursor.execute(
                f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
                tables,
            )
            self.indexes = [(f"{kind}:{name}", sql) for kind, name, sql in cursor.fetchall()]
            for key, _sql in self.indexes:
                kind, name = key.split(":", 1)
                cursor.execute(f'DROP {kind.upper()} "{name}"')
        return self

    def _exit_sqlite(self) -> None:
        from yishi.cases.search import SQLITE_REBUILD_SQL

        with connection.cursor() as cursor:
            for _key, sql in self.indexes:
                cursor.execute(sql)
            cursor.execute(SQLITE_REBUILD_SQL)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        if not self.loader.pg:
            started = time.perf_counter()
            self._exit_sqlite()
            self.loader.seconds["(indexes rebuilt)"] = time.perf_counter() - started
            self.say(
                f"indexes and triggers: {len(self.indexes)} rebuilt in {time.perf_counter() - started:.1f}s"
            )
            return False
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in self.indexes:
                cursor.execute(definition)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        self.loader.seconds["(indexes rebuilt)"] = time.perf_counter() - started
        self.say(
            f"indexes: {len(self.indexes) + len(self.constraints)} rebuilt in {time.perf_counter() - started:.1f}s"
        )
        return False


def _check_columns(model, columns) -> None:
    """Fail loudly when a model gains a column the generator does not write (it has no database default)."""
    expected = {f.column for f in model._meta.concrete_fields}
    if expected != set(columns):
        raise RuntimeError(
            f"{model._meta.db_table}: generator columns differ from the model "
            f"(missing {sorted(expected - set(columns))}, extra {sorted(set(columns) - expected)})"
        )


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


GENERATED_MODELS = (
    AuditEvent,
    AuditChainHead,
    Extension,
    CaseMonthStat,
    CaseStep,
    Rating,
    CaseReply,
    CasePart,
    Case,
    CaseNumberSequence,
    CategoryRoute,
    Category,
    RoleGrant,
    User,
    Person,
    Unit,
    Area,
)


def flush_generated() -> None:
    """Empty the generated tables and every table that points at them (TRUNCATE … CASCADE on PostgreSQL)."""
    from rest_framework.authtoken.models import Token

    tables = [m._meta.db_table for m in (Token, *GENERATED_MODELS)]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred FK checks pending from earlier writes in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# ---------------------------------------------------------------- the city


def _place_names(rng: random.Random, count: int, suffixes, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = rng.choice(texts.PLACE_SYLLABLES) + rng.choice(texts.PLACE_SYLLABLES)
        if name[0] == name[1]:
            continue
        full = name + rng.choice(suffixes)
        if full not in taken:
            taken.add(full)
            names.append(full)
    return names


def _person_name(rng: random.Random) -> str:
    given = rng.choice(texts.GIVEN) + (rng.choice(texts.GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(texts.SURNAMES) + given


class _City:
    """Ids and names of the generated areas, units, categories, people and staff accounts."""


def _build_city(seed: int, loader: _Loader, clock: _Clock, password_hash: str, residents: int) -> _City:
    rng = _rng(seed, "city")
    city = _City()
    created = clock.text(START_TS - 30 * DAY)
    next_area = _next_id(Area)
    areas = []  # (id, parent_id, name, level, code, path, depth, address)

    def area(parent, name, level, code="", address=""):
        nonlocal next_area
        pk = next_area
        next_area += 1
        path = (parent[5] if parent else "") + path_segment(pk)
        row = (
            pk,
            parent[0] if parent else None,
            name,
            level,
            code,
            path,
            parent[6] + 1 if parent else 0,
            address,
        )
        areas.append(row)
        return row

    taken: set[str] = set()
    root = area(None, "云溪市", Level.CITY, "990100")
    city.root = root
    city.districts, city.streets, city.communities, city.grids = [], [], [], []
    city.buildings = []  # per community: list of (id, path, address)
    city.community_street = []
    city.community_district = []
    for d, dname in enumerate(_place_names(rng, DISTRICTS, (texts.DISTRICT_SUFFIX,), taken)):
        district = area(root, dname, Level.DISTRICT, f"9901{d + 1:02d}")
        city.districts.append(district)
        for s, sname in enumerate(_place_names(rng, STREETS_PER_DISTRICT, texts.STREET_SUFFIXES, taken)):
            street = area(district, sname, Level.STREET, f"{district[4]}{s + 1:03d}")
            city.streets.append(street)
            cnames = _place_names(rng, COMMUNITIES_PER_STREET, texts.COMMUNITY_SUFFIXES, taken)
            for c, cname in enumerate(cnames):
                community = area(street, cname, Level.COMMUNITY, f"{street[4]}{c + 1:03d}")
                city.communities.append(community)
                city.community_street.append(len(city.streets) - 1)
                city.community_district.append(d)
                buildings = []
                for g in range(GRIDS_PER_COMMUNITY):
                    grid = area(community, f"第{g + 1}网格", Level.GRID)
                    city.grids.append(grid)
                    for b in range(BUILDINGS_PER_GRID):
                        number = g * BUILDINGS_PER_GRID + b + 1
                        address = f"{sname}{cname}{number}号楼"
                        building = area(grid, f"{number}号楼", Level.BUILDING, address=address)
                        buildings.append((building[0], building[5], address, grid[0], grid[5]))
                city.buildings.append(buildings)
    loader.load(
        Area,
        (
            "id",
            "parent_id",
            "name",
            "level",
            "code",
            "path",
            "depth",
            "address",
            "latitude",
            "longitude",
            "is_active",
            "created_at",
        ),
        [(*row, None, None, True, created) for row in areas],
    )

    # Units: twelve bureaus per district, an enforcement team and three property companies per street.
    next_unit = _next_id(Unit)
    units = []
    city.bureaus = []  # [district][bureau index] -> unit id
    city.street_units = []  # [street] -> (enforcement team id, [property company ids])
    for district in city.districts:
        ids = []
        for name in texts.BUREAUS:
            units.append((next_unit, district[0], f"{district[2]}{name}", UnitKind.DEPARTMENT))
            ids.append(next_unit)
            next_unit += 1
        city.bureaus.append(ids)
    for street in city.streets:
        team = next_unit
        units.append((team, street[0], f"{street[2]}{texts.STREET_DEPARTMENTS[0]}", UnitKind.DEPARTMENT))
        next_unit += 1
        companies = []
        for kind in texts.PROPERTY_COMPANIES:
            name = f"{rng.choice(texts.PLACE_SYLLABLES)}{rng.choice(texts.PLACE_SYLLABLES)}{kind}"
            while any(u[1] == street[0] and u[2] == name for u in units[-3:]):
                name = "新" + name
            units.append((next_unit, street[0], name, UnitKind.PROPERTY_COMPANY))
            companies.append(next_unit)
            next_unit += 1
        city.street_units.append((team, companies))
    loader.load(
        Unit,
        ("id", "area_id", "name", "kind", "code", "address", "phone", "is_active", "created_at"),
        [(u[0], u[1], u[2], str(u[3]), "", "", "", True, created) for u in units],
    )
    city.unit_area = {u[0]: u[1] for u in units}

    # Categories: ten parents with their leaves; routes per district for leaves handled by a unit.
    next_cat = _next_id(Category)
    cats, routes = [], []
    city.leaves = []  # (id, key, weight, route level, bureau index, phrases)
    order = 0
    for key, name, bureau, leaves in texts.CATEGORIES:
        parent = next_cat
        next_cat += 1
        order += 1
        cats.append((parent, None, key, name, "", "", True, order))
        for leaf_key, leaf_name, weight, level, phrases in leaves:
            order += 1
            keywords = " ".join(sorted({leaf_name[:2], *(p[:2] for p in phrases)}))
            cats.append((next_cat, parent, leaf_key, leaf_name, "", keywords, True, order))
            city.leaves.append((next_cat, leaf_key, weight, level, bureau, phrases))
            next_cat += 1
    loader.load(
        Category, ("id", "parent_id", "key", "name", "description", "keywords", "is_active", "order"), cats
    )
    next_route = _next_id(CategoryRoute)
    for leaf_id, _key, _w, level, bureau, _p in city.leaves:
        for d, district in enumerate(city.districts):
            unit = city.bureaus[d][bureau] if level == "unit" else None
            routes.append((next_route, leaf_id, district[0], level, unit))
            next_route += 1
    loader.load(CategoryRoute, ("id", "category_id", "area_id", "level", "unit_id"), routes)

    # Residents (reporters of some cases) live in the buildings, the same number per community.
    next_person = _next_id(Person)
    people = []
    city.residents_base = next_person
    city.residents_per_community = max(1, residents // len(city.communities))
    for c, buildings in enumerate(city.buildings):
        for i in range(city.residents_per_community):
            n = c * city.residents_per_community + i
            people.append(
                (
                    next_person,
                    _person_name(rng),
                    f"170{n:08d}",
                    "",
                    buildings[i % len(buildings)][0],
                    None,
                    "",
                    rng.random() < 0.08,
                    True,
                    created,
                )
            )
            next_person += 1

    # Staff: one worker per community and street, one per district, the city admin, one per unit.
    next_user, next_grant = _next_id(User), _next_id(RoleGrant)
    users, grants = [], []
    city.labels = {}  # user id -> actor label (the person's name)

    def staff(username, area_id, unit_id, title, role):
        nonlocal next_person, next_user, next_grant
        name = _person_name(rng)
        n = next_user
        people.append(
            (next_person, name, f"171{n:08d}", "", area_id, unit_id, title, rng.random() < 0.5, True, created)
        )
        users.append(
            (n, password_hash, None, False, username, "", "", "", False, True, created, next_person, False)
        )
        grants.append(
            (
                next_grant,
                next_person,
                str(role),
                area_id,
                unit_id if role == Role.DEPARTMENT_STAFF else None,
                created,
                None,
            )
        )
        city.labels[n] = name
        next_person += 1
        next_user += 1
        next_grant += 1
        return n

    city.city_user = staff("bench_city", root[0], None, "市级管理员", Role.ADMIN)
    city.district_users = [
        staff(
            "bench_district" if d == 0 else f"district_{d + 1}", x[0], None, "区级负责人", Role.STREET_STAFF
        )
        for d, x in enumerate(city.districts)
    ]
    city.street_users = [
        staff(
            "bench_street" if s == 0 else f"street_{s + 1:02d}", x[0], None, "街道派单员", Role.STREET_STAFF
        )
        for s, x in enumerate(city.streets)
    ]
    city.community_users = [
        staff(
            "bench_community" if c == 0 else f"community_{c + 1:03d}",
            x[0],
            None,
            "社区工作人员",
            Role.COMMUNITY_STAFF,
        )
        for c, x in enumerate(city.communities)
    ]
    city.unit_users = {
        u[0]: staff(f"unit_{i + 1:03d}", u[1], u[0], "承办人员", Role.DEPARTMENT_STAFF)
        for i, u in enumerate(units)
    }
    loader.load(
        Person,
        (
            "id",
            "name",
            "phone",
            "id_number",
            "home_area_id",
            "unit_id",
            "title",
            "is_party_member",
            "shows_party_identity",
            "created_at",
        ),
        people,
    )
    loader.load(
        User,
        (
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "person_id",
            "large_text",
        ),
        users,
    )
    loader.load(
        RoleGrant, ("id", "person_id", "role", "area_id", "unit_id", "granted_at", "revoked_at"), grants
    )
    # The busy unit of the bench: the first district's city-management bureau (占道经营, 违规广告 …).
    city.bench_unit = city.bureaus[0][1]
    return city


# ---------------------------------------------------------------- the cases


def _day_counts(cases: int, seed: int) -> list[int]:
    """Cases per local day: weekday, season and a five-year growth shape, with Poisson-like noise."""
    rng = _rng(seed, "days")
    days = (END_TS - START_TS) // DAY
    raw = []
    for i in range(days):
        day = dt.date(2021, 12, 1) + dt.timedelta(days=i)
        season = 1 + 0.2 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
        raw.append(WEEKDAY_WEIGHTS[day.weekday()] * season * (0.8 + 0.4 * i / days))
    total = sum(raw)
    noisy = []
    for w in raw:
        lam = cases * w / total
        noisy.append(max(0.0, lam + rng.gauss(0, math.sqrt(lam)) if lam > 0 else 0.0))
    scale = cases / (sum(noisy) or 1)
    exact = [x * scale for x in noisy]
    counts = [int(x) for x in exact]
    short = cases - sum(counts)
    # Largest remainders get the cases still missing, so the total is exactly ``cases``.
    for i in sorted(range(days), key=lambda i: (counts[i] - exact[i], i))[:short]:
        counts[i] += 1
    return counts


class _Fragments:
    """Text fragments and their tokens, each tokenised once."""

    def __init__(self, city: _City) -> None:
        tokens_for = _tokens_for()
        cache: dict[str, str] = {}

        def tok(text: str) -> str:
            if text not in cache:
                cache[text] = tokens_for(text)
            return cache[text]

        self.tok = tok
        for leaf in city.leaves:
            for phrase in leaf[5]:
                # Titles are written into the audit events' JSON unescaped (see ``_chunk``).
                if _dumps(phrase) != f'"{phrase}"':
                    raise ValueError(f"title fragment needs JSON escaping: {phrase!r}")
        for leaf in city.leaves:
            for phrase in leaf[5]:
                tok(phrase)
        for group in (texts.WHEN, texts.IMPACT, texts.REQUEST):
            for text in group:
                tok(text)
        # The number's tokens: tokenise one number and reuse its shape when it is year / code / sequence.
        sample = tokens_for("2024-990101-000123").split()
        shaped = []
        for token in sample:
            for part, slot in (("2024", "{y}"), ("990101", "{c}"), ("000123", "{s}")):
                token = token.replace(part, slot)
            shaped.append(token)
        # Usable when every token is made of the three parts (and punctuation) only.
        bare = [t.replace("{y}", "").replace("{c}", "").replace("{s}", "") for t in shaped]
        if all(not any(ch.isalnum() for ch in t) for t in bare):
            self.number_pattern = " ".join(shaped)
        else:
            self.number_pattern = None
        self.tokens_for = tokens_for

    def number_tokens(self, year: int, code: str, seq: str, number: str) -> str:
        if self.number_pattern is None:
            return self.tokens_for(number)
        return self.number_pattern.format(y=year, c=code, s=seq)


def _fields(st: list) -> dict:
    return dict(zip(CASE_FIELDS_KEYS, st, strict=True))


def generate(
    *,
    cases: int,
    seed: int = 1,
    stdout=None,
    progress: bool = True,
    reset: bool = False,
    residents: int = RESIDENTS,
) -> dict:
    """Build the synthetic city and ``cases`` cases in the current database; return the manifest.

    Refuses (``BenchDatabaseNotEmpty``) when the database already holds areas or cases, unless ``reset``:
    then the generated tables (and whatever points at them) are flushed first, in a transaction of their own.
    The load runs in one transaction.
    Afterwards: sequences set past the loaded ids, ``CaseNumberSequence`` past the numbers, the audit chain
    head on the last event, ``cases.rollups.rebuild()`` when it exists, ``ANALYZE`` (PostgreSQL: ``VACUUM
    (ANALYZE)`` and a ``CHECKPOINT``).
    """
    out = stdout or sys.stdout

    def say(msg: str) -> None:
        if progress:
            out.write(msg + "\n")
            if hasattr(out, "flush"):
                out.flush()

    began = time.perf_counter()
    if Case.objects.exists() or Area.objects.exists():
        if not reset:
            raise BenchDatabaseNotEmpty("the database already holds areas or cases; pass reset=True")
        # Committed before the load: inside the load's transaction PostgreSQL keeps the truncated tables'
        # files until the commit, and at 5 M cases old and new city together (~90 GB) filled the disk.
        with transaction.atomic():
            flush_generated()
    with _rollback_journal(), transaction.atomic():
        loader = _Loader(out)
        clock = _Clock("+00" if loader.pg else "")
        password_hash = make_password(BENCH_PASSWORD, salt="yishibench")
        city = _build_city(seed, loader, clock, password_hash, residents)
        say(f"city: {sum(loader.rows.values())} rows in {time.perf_counter() - began:.1f}s")
        try:
            with _BulkMode(loader, BIG_MODELS, say):
                manifest_sample = _load_cases(cases, seed, city, loader, clock, say)
                loader.wait()
        finally:
            loader.close()
        _finish(loader)
    with _rollback_journal():
        rebuilt = _rebuild_rollups(say)
    # Both databases: without statistics SQLite's planner guesses, and at a million cases it chose a full
    # scan for the city list (3.1 s) where the time index answers in milliseconds. PostgreSQL also vacuums
    # (the visibility map lets index-only scans skip the heap) and checkpoints: left to itself, autovacuum
    # took the freshly inserted tables on while the bench measured, and the floors of that phase came out at
    # a third of what the same server gave once it was done.
    # (VACUUM cannot run in a transaction: inside one, as in a test, only ANALYZE.)
    vacuum = loader.pg and not connection.in_atomic_block
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if vacuum:
            cursor.execute("VACUUM (ANALYZE)")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # PostgreSQL 15 lets only superusers and pg_checkpoint checkpoint
                say("no CHECKPOINT: the bench's database user may not ask for one")
        else:
            cursor.execute("ANALYZE")
    loader.seconds["vacuum, analyze" if vacuum else "analyze"] = time.perf_counter() - started
    accounts = _bench_tokens(city)
    total = time.perf_counter() - began
    say("load per table:")
    for table, seconds in sorted(loader.seconds.items(), key=lambda kv: -kv[1]):
        rows = loader.rows.get(table, 0)
        rate = f"{rows / seconds:,.0f} rows/s" if rows and seconds else ""
        say(f"  {table:<28} {rows:>12,} rows {seconds:8.1f}s  {rate}")
    say(f"total {total:.1f}s for {cases:,} cases")
    return {
        "cases": cases,
        "seed": seed,
        "load_seconds": {**{k: round(v, 3) for k, v in loader.seconds.items()}, "total": round(total, 3)},
        "rows": dict(loader.rows),
        "rollups_rebuilt": rebuilt,
        "accounts": accounts,
        "password": BENCH_PASSWORD,
        "sample": manifest_sample,
    }


@contextmanager
def _rollback_journal():
    """SQLite, outside a transaction: the block's writes go through a rollback journal, and the database is
    back in WAL mode (the production setting) after it.

    The load is one transaction of gigabytes. In WAL mode each page it writes is a new frame of the WAL,
    and every page read looks for its latest frame in the WAL's index, which grows with the transaction:
    the load slowed down as it went. With a rollback journal the pages go to the database file itself and
    only pages that existed before the transaction are journaled (a freshly migrated database has few), and
    a failed load still rolls back. Elsewhere (PostgreSQL, or inside a test's transaction, where the
    journal mode cannot change) nothing is switched.
    """
    switch = connection.vendor == "sqlite" and not connection.in_atomic_block
    if switch:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = DELETE")
    try:
        yield
    finally:
        if switch:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode = WAL")


def _load_cases(cases: int, seed: int, city: _City, loader: _Loader, clock: _Clock, say) -> dict:
    for model, columns in (
        (Case, CASE_COLUMNS),
        (CaseStep, STEP_COLUMNS),
        (CaseReply, REPLY_COLUMNS),
        (Rating, RATING_COLUMNS),
        (CasePart, PART_COLUMNS),
        (AuditEvent, AUDIT_COLUMNS),
    ):
        _check_columns(model, columns)
    frags = _Fragments(city)
    counts = _day_counts(cases, seed)
    rng0 = _rng(seed, "weights")
    # Busy communities: a heavy-tailed weight per community; categories by their configured weights.
    # The first community is the busiest (the bench's community worker has a full list).
    weights = sorted((rng0.paretovariate(1.6) for _ in city.communities), reverse=True)
    community_cum = list(_cumulate(weights))
    leaf_cum = list(_cumulate(leaf[2] for leaf in city.leaves))
    channel_cum = list(_cumulate(c[1] for c in CHANNELS))
    hour_cum = list(_cumulate(HOUR_WEIGHTS))
    leaf_titles = [[(p, frags.tok(p)) for p in leaf[5]] for leaf in city.leaves]
    when_t = [(w, frags.tok(w)) for w in texts.WHEN]
    impact_t = [(w, frags.tok(w)) for w in texts.IMPACT]
    request_t = [(w, frags.tok(w)) for w in texts.REQUEST]
    address_tokens = [[frags.tok(b[2]) for b in bs] for bs in city.buildings]
    ct_case = ContentType.objects.get_for_model(Case, for_concrete_model=False).pk
    head = AuditChainHead.objects.filter(id=1).first()
    state = {
        "case": _next_id(Case),
        "step": _next_id(CaseStep),
        "reply": _next_id(CaseReply),
        "rating": _next_id(Rating),
        "part": _next_id(CasePart),
        "audit": _next_id(AuditEvent),
        "seq": (head.last_seq if head else 0) + 1,
        "prev": head.last_hash if head else GENESIS_HASH,
        "numbers": {},
        "sample_number": "",
    }
    labels = {uid: _dumps(name) for uid, name in city.labels.items()}
    labels[None] = _dumps("系统")
    ctx = {
        "fields_json": {},
        "notes_json": {},
        "plain_labels": {uid: json.loads(label) for uid, label in labels.items()},
        "city": city,
        "clock": clock,
        "frags": frags,
        "ct": ct_case,
        "labels": labels,
        "community_cum": community_cum,
        "leaf_cum": leaf_cum,
        "channel_cum": channel_cum,
        "hour_cum": hour_cum,
        "leaf_titles": leaf_titles,
        "when": when_t,
        "impact": impact_t,
        "request": request_t,
        "address_tokens": address_tokens,
    }
    day, chunk_no, done = 0, 0, 0
    started = time.perf_counter()
    while day < len(counts):
        first = day
        n = 0
        while day < len(counts) and (n < CHUNK_CASES or first == day):
            n += counts[day]
            day += 1
        rows = _chunk(seed, chunk_no, first, counts[first:day], state, ctx)
        gen_done = time.perf_counter()
        loader.load_async(
            [
                (Case, CASE_COLUMNS, rows["cases"]),
                (CasePart, PART_COLUMNS, rows["parts"]),
                (CaseStep, STEP_COLUMNS, rows["steps"]),
                (CaseReply, REPLY_COLUMNS, rows["replies"]),
                (Rating, RATING_COLUMNS, rows["ratings"]),
                (AuditEvent, AUDIT_COLUMNS, rows["audit"]),
            ]
        )
        loader.seconds["(python rows)"] = loader.seconds.get("(python rows)", 0.0) + rows["seconds"]
        del rows
        done += n
        chunk_no += 1
        elapsed = time.perf_counter() - started
        say(f"  cases {done:>10,}/{cases:,}  {elapsed:7.1f}s  ({done / elapsed:,.0f} cases/s)")
        del gen_done

    loader.wait()  # the last chunk is in before the connection is used here
    # Numbers given so far per (year, district code): later intakes continue after them.
    seq_rows = []
    existing = {(s.year, s.district_code): s for s in CaseNumberSequence.objects.all()}
    for (year, code), last in sorted(state["numbers"].items()):
        row = existing.get((year, code))
        if row is not None:
            row.last = max(row.last, last)
            row.save(update_fields=["last"])
        else:
            seq_rows.append((year, code, last))
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(year=y, district_code=c, last=n) for y, c, n in seq_rows]
    )
    if state["seq"] > 1:
        AuditChainHead.objects.update_or_create(
            id=1, defaults={"last_seq": state["seq"] - 1, "last_hash": state["prev"]}
        )

    common = city.leaves[max(range(len(city.leaves)), key=lambda i: city.leaves[i][2])]
    rare = city.leaves[min(range(len(city.leaves)), key=lambda i: city.leaves[i][2])]
    return {
        "district_id": city.districts[0][0],
        "street_id": city.streets[0][0],
        "community_id": city.communities[0][0],
        "grid_id": city.grids[0][0],
        "unit_id": city.bench_unit,
        "category_id": common[0],
        "case_number": state["sample_number"],
        "search_words": [_word(frags.tok(common[5][0])), _word(frags.tok(rare[5][0]))],
    }


def _word(tokens: str) -> str:
    """The first word of two characters or more in a token string (a search word users would type)."""
    return next((t for t in tokens.split() if len(t) >= 2), tokens.split()[0])


def _cumulate(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def _chunk(seed: int, chunk_no: int, first_day: int, day_counts: list[int], state: dict, ctx: dict) -> dict:
    """The rows of every case submitted on the given days, in submission order."""
    began = time.perf_counter()
    rng = _rng(seed, "chunk", chunk_no)
    random_ = rng.random
    city, clock, frags = ctx["city"], ctx["clock"], ctx["frags"]
    text_of = clock.text
    add_wd = clock.add_working_days
    n = sum(day_counts)
    # Submission times: whole days in order, the hour by the daily shape, sorted within the day.
    times = []
    for i, count in enumerate(day_counts):
        base = START_TS + (first_day + i) * DAY
        hours = rng.choices(range(24), cum_weights=ctx["hour_cum"], k=count)
        times.extend(sorted(base + h * HOUR + rng.randrange(HOUR) for h in hours))
    communities = rng.choices(range(len(city.communities)), cum_weights=ctx["community_cum"], k=n)
    leaves = rng.choices(range(len(city.leaves)), cum_weights=ctx["leaf_cum"], k=n)
    channels = rng.choices(CHANNELS, cum_weights=ctx["channel_cum"], k=n)

    case_rows, part_rows, step_rows, reply_rows, rating_rows, audit_rows = [], [], [], [], [], []
    numbers = state["numbers"]
    labels, ct = ctx["labels"], ctx["ct"]
    last_of = {}  # (community, leaf) -> (case id, number) of the latest case, for merges
    seq, prev = state["seq"], state["prev"]
    audit_id = state["audit"]
    sha = hashlib.sha256
    fields_json, notes_json = ctx["fields_json"], ctx["notes_json"]
    plain_labels = ctx["plain_labels"]

    for i in range(n):
        case_id = state["case"]
        state["case"] += 1
        sub = times[i]
        c = communities[i]
        leaf_i = leaves[i]
        leaf = city.leaves[leaf_i]
        channel, _w, recorded = channels[i]
        community = city.communities[c]
        street_i = city.community_street[c]
        d = city.community_district[c]
        street = city.streets[street_i]
        district = city.districts[d]
        buildings = city.buildings[c]
        b = rng.randrange(len(buildings))
        building = buildings[b]
        where = random_()
        if where < 0.55:
            area_id, area_path = building[0], building[1]
        elif where < 0.9:
            area_id, area_path = building[3], building[4]
        else:
            area_id, area_path = community[0], community[5]
        address = building[2]
        # Number: year, district code, sequence per district and year.
        year = clock.local_year(sub)
        key = (year, district[4])
        numbers[key] = numbers.get(key, 0) + 1
        seq_text = f"{numbers[key]:06d}"
        number = f"{year}-{district[4]}-{seq_text}"
        if c == 0 or not state["sample_number"]:
            state["sample_number"] = number
        phrase, phrase_t = ctx["leaf_titles"][leaf_i][rng.randrange(len(ctx["leaf_titles"][leaf_i]))]
        when, when_t = ctx["when"][rng.randrange(len(ctx["when"]))]
        impact, impact_t = ctx["impact"][rng.randrange(len(ctx["impact"]))]
        request, request_t = ctx["request"][rng.randrange(len(ctx["request"]))]
        title = phrase
        text = f"{when}{address}附近{phrase}，{impact}，{request}"
        address_t = ctx["address_tokens"][c][b]
        tokens = " ".join(
            (
                frags.number_tokens(year, district[4], seq_text, number),
                phrase_t,
                when_t,
                address_t,
                phrase_t,
                impact_t,
                request_t,
            )
        )
        # Reporter: a resident of the community, a name and phone written down, or anonymous.
        who = random_()
        reporter_id, reporter_name, reporter_phone, anonymous = None, "", "", False
        if who < 0.55:
            reporter_id = (
                city.residents_base
                + c * city.residents_per_community
                + rng.randrange(city.residents_per_community)
            )
        elif who < 0.88:
            reporter_name = (
                texts.SURNAMES[rng.randrange(len(texts.SURNAMES))] + "先生女士"[rng.randrange(2) * 2 :][:2]
            )
            reporter_phone = f"171{rng.randrange(10**8):08d}"
        else:
            anonymous = True
        community_user = city.community_users[c]
        recorded_by = community_user if recorded else None
        urgency = "normal" if (u := random_()) < 0.9 else ("urgent" if u < 0.98 else "critical")

        # ------------------------------------------------ the story, as dated events
        events = []  # (t, verb, actor, extra dict or None, note)
        fate = random_()
        acc = sub + 600 + int(rng.expovariate(1 / (5 * HOUR)))
        if fate < 0.08 and random_() < 0.5:
            acc += rng.randrange(1, 4) * DAY  # accepted late
        events.append((sub, "case.submit", recorded_by, None, ""))
        # A duplicate of a case filed on the same matter in the same community in the two days before.
        merge_target = last_of.get((c, leaf_i))
        if merge_target is not None and merge_target[2] < sub - 2 * DAY:
            merge_target = None
        handler_unit = None
        mode = ""
        parts = []
        if fate < 0.02:
            events.append((acc, "case.reject", community_user, None, texts.REJECT_REASONS[rng.randrange(2)]))
        elif fate < 0.035 and merge_target is not None:
            events.append((acc, "case.merge", community_user, {"into": merge_target[1]}, ""))
        else:
            route_level = leaf[3]
            route_unit = city.bureaus[d][leaf[4]] if route_level == "unit" else None
            events.append(
                (
                    acc,
                    "case.accept",
                    community_user,
                    {"route": {"level": route_level, "unit": route_unit}},
                    "",
                )
            )
            m = random_()
            t = acc + 300 + rng.randrange(4 * HOUR)
            actor = community_user
            if m < 0.05 or (route_level == "street" and m < 0.2):
                # Escalated to the street, which whistles departments in (or pools the case for a claim).
                events.append(
                    (t, "case.escalate", community_user, {"to": street[0]}, "需街道协调多部门处理。")
                )
                actor = city.street_users[street_i]
                t += 600 + rng.randrange(6 * HOUR)
                if m < 0.025:
                    team, companies = city.street_units[street_i]
                    parts = [team, city.bureaus[d][leaf[4]]]
                    events.append((t, "case.whistle", actor, {"units": sorted(parts)}, ""))
                    mode = "whistle"
                else:
                    events.append((t, "case.pool", actor, None, ""))
                    handler_unit = city.bureaus[d][leaf[4]]
                    t += 600 + rng.randrange(12 * HOUR)
                    actor = city.unit_users[handler_unit]
                    events.append((t, "case.claim", actor, {"unit": handler_unit}, ""))
                    mode = "pool"
            elif route_level == "unit" or m < 0.3:
                if route_level == "unit":
                    handler_unit = city.bureaus[d][leaf[4]]
                elif leaf[1].startswith("prop"):
                    handler_unit = city.street_units[street_i][1][rng.randrange(3)]
                else:
                    handler_unit = city.street_units[street_i][0]
                events.append((t, "case.assign", community_user, {"unit": handler_unit}, ""))
                mode = "assigned"
                actor = city.unit_users[handler_unit]
            elif m < 0.34:
                events.append((t, "case.refer_council", community_user, None, "提交社区议事会协商。"))
                mode = "council"
            elif m < 0.38:
                events.append((t, "case.refer_mediation", community_user, None, "转人民调解委员会调解。"))
                mode = "mediation"
            else:
                events.append((t, "case.handle_self", community_user, None, ""))
                mode = "self"
            contact = acc + 1800 + int(rng.expovariate(1 / (20 * HOUR)))
            if random_() < 0.12:
                contact += rng.randrange(2, 7) * DAY  # contacted late
            stuck = random_() < 0.04
            resolve = (
                acc
                + rng.randrange(DAY, 9 * DAY)
                + (rng.randrange(9 * DAY, 30 * DAY) if random_() < 0.15 else 0)
            )
            contact = min(contact, resolve - 60)
            events.append((contact, "case.contact", actor, None, texts.CONTACT_NOTES[rng.randrange(2)]))
            if not stuck:
                verb = "case.parts_done" if mode == "whistle" else "case.resolve"
                events.append((resolve, verb, actor, None, texts.RESOLVE_NOTES[rng.randrange(4)]))
                rounds = 0
                r_time = resolve
                while True:
                    reply = r_time + 600 + int(rng.expovariate(1 / (12 * HOUR)))
                    events.append(
                        (
                            reply,
                            "case.reply",
                            community_user,
                            {"channel": ("phone", "in_person", "written")[rng.randrange(3)]},
                            texts.REPLY_TEXTS[rng.randrange(4)],
                        )
                    )
                    if random_() >= 0.7:
                        events.append(
                            (reply + 7 * DAY, "case.close_unrated", None, None, "评价期满未评价，自动归档。")
                        )
                        break
                    rated = reply + rng.randrange(HOUR, 6 * DAY)
                    v = random_()
                    if v < (0.06 if rounds == 0 else 0.3):
                        comment = texts.RATING_COMMENTS[rng.randrange(2)]
                        if rounds == 0:
                            # 不满意 once: reopened, dispatched again (to the same unit, or handled here).
                            events.append((rated, "case.reopen", None, None, comment))
                            rounds = 1
                            t = rated + 600 + rng.randrange(4 * HOUR)
                            dispatcher = (
                                city.street_users[street_i] if parts or mode == "pool" else community_user
                            )
                            if handler_unit is not None:
                                events.append((t, "case.assign", dispatcher, {"unit": handler_unit}, ""))
                            else:
                                events.append((t, "case.handle_self", dispatcher, None, ""))
                                actor = dispatcher
                            r_time = rated + rng.randrange(DAY, 8 * DAY)
                            events.append(
                                (r_time, "case.resolve", actor, None, texts.RESOLVE_NOTES[rng.randrange(4)])
                            )
                            continue
                        events.append((rated, "case.supervise", None, None, comment))
                        if random_() < 0.7:
                            events.append(
                                (
                                    rated + rng.randrange(3 * DAY, 15 * DAY),
                                    "case.close",
                                    city.street_users[street_i],
                                    None,
                                    "督办完成，已整改到位。",
                                )
                            )
                        break
                    value = "satisfied" if v < 0.85 else "basic"
                    events.append((rated, "case.rate", None, {"value": value}, ""))
                    break

        # ------------------------------------------------ cut the story at the anchor, apply it
        st = [None, "", False, community[0], None, 0, "submitted"]  # CASE_FIELDS_KEYS order
        acc_at = first_contact = resolved_at = replied_at = closed_at = None
        reject_reason = ""
        escalated = False
        resolve_done = [None, None]
        step_unit = [None, None]
        reopen_at = None
        ratings, replies, case_events = [], [], []
        for t, verb, actor, extra, note in events:
            if t >= END_TS:
                break
            before = st
            if verb not in NOT_MOVES:
                st = _event_after(verb, st, extra, merge_target, street[0])
            if verb in ("case.reject", "case.merge", "case.rate", "case.close_unrated", "case.close"):
                closed_at = t
            if verb == "case.reject":
                reject_reason = note
            elif verb == "case.accept":
                acc_at = t
            elif verb == "case.escalate":
                escalated = True
            elif verb in ("case.assign", "case.claim"):
                step_unit[st[5]] = st[0]
            elif verb == "case.contact":
                first_contact = t
            elif verb in ("case.resolve", "case.parts_done"):
                resolved_at = resolve_done[st[5]] = t
            elif verb == "case.reply":
                replied_at = t
                replies.append((t, extra["channel"], note))
            elif verb == "case.rate":
                ratings.append((t, extra["value"], "", st[5]))
            elif verb == "case.reopen":
                ratings.append((t, "unsatisfied", note, 0))
                reopen_at = t
                resolved_at = replied_at = None
            elif verb == "case.supervise":
                ratings.append((t, "unsatisfied", note, 1))
            case_events.append((t, verb, actor, before, st, extra, note))
        cur_unit, handling_mode, supervised, final_level, merged_into, reopen, status = st
        is_open = status not in CLOSED_STATES
        final_level_path = street[5] if final_level == street[0] else community[5]
        if status not in ("rejected", "merged"):
            last_of[(c, leaf_i)] = (case_id, number, sub)

        # ------------------------------------------------ rows
        updated = case_events[-1][0]
        case_rows.append(
            (
                case_id,
                number,
                title,
                text,
                leaf[0],
                leaf[0],
                area_id,
                area_path,
                community[5],
                address,
                None,
                None,
                reporter_id,
                reporter_name,
                reporter_phone,
                anonymous,
                f"{rng.getrandbits(128):032x}",
                channel,
                recorded_by,
                urgency,
                "",
                status,
                is_open,
                handling_mode,
                final_level,
                final_level_path,
                cur_unit,
                merged_into,
                reject_reason,
                reopen,
                1 if escalated else 0,
                supervised,
                text_of(sub),
                text_of(acc_at),
                text_of(first_contact),
                text_of(resolved_at),
                text_of(replied_at),
                text_of(closed_at),
                text_of(updated),
                tokens,
            )
        )
        if status == "submitted":
            step_rows.append(
                (
                    state["step"],
                    case_id,
                    "accept",
                    0,
                    area_path,
                    None,
                    text_of(add_wd(sub, 1)),
                    None,
                    None,
                    None,
                )
            )
            state["step"] += 1
        if acc_at is not None:
            step_rows.append(
                (
                    state["step"],
                    case_id,
                    "first_contact",
                    0,
                    area_path,
                    # A pending deadline carries the case's handling unit (services._move keeps it so).
                    cur_unit if first_contact is None else None,
                    text_of(add_wd(acc_at, 2)),
                    text_of(first_contact),
                    None,
                    None,
                )
            )
            step_rows.append(
                (
                    state["step"] + 1,
                    case_id,
                    "resolve",
                    0,
                    area_path,
                    step_unit[0],
                    text_of(add_wd(acc_at, 10)),
                    text_of(resolve_done[0]),
                    None,
                    None,
                )
            )
            state["step"] += 2
            if reopen:
                step_rows.append(
                    (
                        state["step"],
                        case_id,
                        "resolve",
                        1,
                        area_path,
                        step_unit[1],
                        text_of(add_wd(reopen_at, 10)),
                        text_of(resolve_done[1]),
                        None,
                        None,
                    )
                )
                state["step"] += 1
        if parts and any(e[1] == "case.whistle" for e in case_events):
            whistled = next(e[0] for e in case_events if e[1] == "case.whistle")
            done = resolved_at
            for unit in parts:
                ack = whistled + 1800 + rng.randrange(3 * HOUR)
                acked = ack if ack < END_TS else None
                part_rows.append(
                    (
                        state["part"],
                        case_id,
                        unit,
                        "按职责配合处理。",
                        "done" if done else ("acknowledged" if acked else "summoned"),
                        text_of(whistled + 4 * HOUR),
                        text_of(acked),
                        city.unit_users[unit] if acked else None,
                        text_of(done),
                        "已完成分工任务。" if done else "",
                    )
                )
                state["part"] += 1
        for t, channel_, reply_text in replies:
            reply_rows.append((state["reply"], case_id, channel_, reply_text, community_user, text_of(t)))
            state["reply"] += 1
        for t, value, comment, round_ in ratings:
            rating_rows.append((state["rating"], case_id, case_id, value, comment, round_, text_of(t)))
            state["rating"] += 1

        # ------------------------------------------------ audit events, chained
        object_id = str(case_id)
        object_label = f"{number} {title}"[:255]
        # Numbers, titles from the fragment lists and paths hold no character JSON escapes (checked once in
        # ``_Fragments``), so they are quoted as they are.
        ol_json = f'"{object_label}"'
        ap_json = f'"{area_path}"'
        oid_json = f'"{object_id}"'
        for t, verb, actor, before, after_state, extra, note in case_events:
            if verb == "case.submit":
                before_json = "{}"
                after_json = f'{{"area": {area_id}, "category": "{leaf[1]}", "channel": "{channel}", "number": "{number}"}}'
            elif verb == "case.contact":
                before_json = after_json = "{}"
            else:
                # The case fields take a few thousand distinct values in all: dump each shape once.
                before_json = fields_json.get(key := tuple(before))
                if before_json is None:
                    before_json = fields_json[key] = _dumps(dict(zip(CASE_FIELDS_KEYS, before, strict=True)))
                key = (tuple(after_state), repr(extra)) if extra else tuple(after_state)
                after_json = fields_json.get(key)
                if after_json is None:
                    after = dict(zip(CASE_FIELDS_KEYS, after_state, strict=True))
                    if extra:
                        after.update(extra)
                    after_json = fields_json[key] = _dumps(after)
            at_iso = clock.iso(t)
            actor_json = "null" if actor is None else str(actor)
            note_json = notes_json.get(note)
            if note_json is None:
                note_json = notes_json[note] = _dumps(note)
            payload = (
                f'{{"actor": {actor_json}, "actor_label": {labels[actor]}, "after": {after_json}, '
                f'"area_path": {ap_json}, "at": "{at_iso}", "before": {before_json}, "content_type": {ct}, '
                f'"note": {note_json}, "object_id": {oid_json}, "object_label": {ol_json}, '
                f'"prev_hash": "{prev}", "seq": {seq}, "verb": "{verb}"}}'
            )
            digest = sha(payload.encode()).hexdigest()
            audit_rows.append(
                (
                    audit_id,
                    seq,
                    text_of(t),
                    actor,
                    plain_labels[actor],
                    ct,
                    object_id,
                    object_label,
                    area_path,
                    verb,
                    before_json,
                    after_json,
                    note,
                    prev,
                    digest,
                )
            )
            audit_id += 1
            seq += 1
            prev = digest

    state["seq"], state["prev"], state["audit"] = seq, prev, audit_id
    return {
        "cases": case_rows,
        "parts": part_rows,
        "steps": step_rows,
        "replies": reply_rows,
        "ratings": rating_rows,
        "audit": audit_rows,
        "seconds": time.perf_counter() - began,
    }


VERB_MODE = {
    "case.handle_self": "self",
    "case.assign": "assigned",
    "case.pool": "pool",
    "case.whistle": "whistle",
    "case.refer_council": "council",
    "case.refer_mediation": "mediation",
}


def _event_after(verb: str, before: list, extra: dict | None, merge_target, street_id: int) -> list:
    """The case fields (``CASE_FIELDS_KEYS`` order) after ``verb``, as ``cases.services`` changes them."""
    unit, mode, supervised, level, merged, reopen, status = before
    if verb == "case.merge":
        merged = merge_target[0]
    elif verb == "case.escalate":
        level, unit, mode = street_id, None, ""
    elif verb in ("case.assign", "case.claim"):
        unit = extra["unit"]
    elif verb == "case.reopen":
        unit, mode, reopen = None, "", 1
    elif verb == "case.supervise":
        supervised = True
    mode = VERB_MODE.get(verb, mode)
    return [unit, mode, supervised, level, merged, reopen, STATUS_AFTER[verb] or status]


def _finish(loader: _Loader) -> None:
    """Move every id sequence past the loaded rows (PostgreSQL; SQLite's AUTOINCREMENT follows by itself)."""
    from rest_framework.authtoken.models import Token

    if not loader.pg:
        return
    models = [m for m in GENERATED_MODELS if m is not AuditChainHead] + [Token]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _rebuild_rollups(say) -> bool:
    try:
        from yishi.cases.rollups import rebuild
    except ImportError:
        say("note: yishi.cases.rollups is not there yet; the month rollups were not rebuilt")
        return False
    started = time.perf_counter()
    rebuild()
    say(f"rollups rebuilt in {time.perf_counter() - started:.1f}s")
    return True


def _bench_tokens(city: _City) -> dict:
    """The five bench accounts with a DRF token each (a fresh random key: tokens are credentials)."""
    from rest_framework.authtoken.models import Token

    ids = {
        "city": city.city_user,
        "district": city.district_users[0],
        "street": city.street_users[0],
        "community": city.community_users[0],
        "unit": city.unit_users[city.bench_unit],
    }
    accounts = {}
    for role, user_id in ids.items():
        user = User.objects.get(pk=user_id)
        token, _created = Token.objects.get_or_create(user=user)
        accounts[role] = {"username": user.username, "token": token.key, "user_id": user.pk}
    return accounts
