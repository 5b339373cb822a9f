"""The bench's verdicts and its table: goals of issue 6 (item 4) checked on measured numbers.

A measurement is a dict (see ``yishi.bench.runner``): ``scenario``, ``goal``, ``kind``, ``clients``, ``p50_ms``,
``p95_ms``, ``p99_ms``, ``rps``, ``non2xx``, ``socket_errors``, ``floor_rps`` (the fitting floor at the same
client count), ``sql`` ({p50_ms, p95_ms, p99_ms} of the main query) and, for intake and export, their checks.
Any answer outside 2xx fails a scenario whatever its speed.
"""

from __future__ import annotations

# Goals on PostgreSQL with 5 M cases (issue 6, item 4).
LIST_P95_1 = 25.0  # ms, lists, search and case page at 1 client
LIST_P95_16 = 100.0  # ms, the same at 16 clients
LIST_RPS_16 = 200.0  # req/s at 16 clients
FLOOR_SHARE = 0.5  # throughput ≥ half the fitting minimal-Django floor
LIST_SQL_MS = 2.0  # the main query of a list (p50)
DASHBOARD_MS = 50.0  # p95 at 1 client
INTAKE_RPS = 200.0  # cases/s at 16 clients
EXPORT_SECONDS = 60.0
EXPORT_RSS_MB = 300.0
SQLITE_FACTOR = 10.0  # no SQLite figure over 10× its PostgreSQL figure


def _check(parts: list[tuple[bool, str]]) -> tuple[bool, str]:
    failed = [text for ok, text in parts if not ok]
    if failed:
        return False, "✗ " + ", ".join(failed)
    return True, "✓ " + ", ".join(text for _ok, text in parts) if parts else "✓"


def goal_check(m: dict) -> tuple[bool | None, str]:
    """(passed, text) for one measurement; passed is None when issue 6 sets no goal for it."""
    if m.get("failed"):
        return False, f"✗ {m['failed']}"
    if not m.get("requests") and m["goal"] != "export":
        return False, "✗ no request completed"
    bad = m.get("non2xx", 0) + m.get("socket_errors", 0)
    if bad:
        return (
            False,
            f"✗ {m.get('non2xx', 0)} non-2xx, {m.get('socket_errors', 0)} errors {m.get('first_bad', '')}".strip(),
        )
    goal, clients = m["goal"], m["clients"]
    parts: list[tuple[bool, str]] = []
    floor = m.get("floor_rps")
    if goal in ("list", "page"):
        if clients == 1:
            parts.append((m["p95_ms"] <= LIST_P95_1, f"p95≤{LIST_P95_1:g}ms"))
        else:
            parts.append((m["rps"] >= LIST_RPS_16, f"≥{LIST_RPS_16:g}/s"))
            parts.append((m["p95_ms"] <= LIST_P95_16, f"p95≤{LIST_P95_16:g}ms"))
            if floor:
                parts.append((m["rps"] >= FLOOR_SHARE * floor, f"≥{FLOOR_SHARE:g}×floor"))
        sql = m.get("sql") or {}
        if goal == "list" and sql.get("p50_ms") is not None:
            parts.append((sql["p50_ms"] <= LIST_SQL_MS, f"SQL≤{LIST_SQL_MS:g}ms"))
    elif goal == "api":
        if floor:
            parts.append((m["rps"] >= FLOOR_SHARE * floor, f"≥{FLOOR_SHARE:g}×floor"))
    elif goal == "dashboard":
        if clients == 1:
            parts.append((m["p95_ms"] <= DASHBOARD_MS, f"p95≤{DASHBOARD_MS:g}ms"))
    elif goal == "intake":
        intake = m.get("intake") or {}
        parts.append((intake.get("lost", 1) == 0, "none lost"))
        parts.append((intake.get("duplicates", 1) == 0, "no dup numbers"))
        if clients > 1:
            parts.append((m["rps"] >= INTAKE_RPS, f"≥{INTAKE_RPS:g}/s"))
    elif goal == "export":
        parts.append((m["seconds"] <= EXPORT_SECONDS, f"≤{EXPORT_SECONDS:g}s"))
        parts.append((m["rss_mb"] is not None and m["rss_mb"] <= EXPORT_RSS_MB, f"RSS≤{EXPORT_RSS_MB:g}MB"))
    if not parts:
        return None, "—"
    return _check(parts)


def sqlite_check(sqlite: dict, postgres: dict | None) -> tuple[bool | None, str]:
    """SQLite's figure against PostgreSQL's for the same scenario and client count (p50, or time)."""
    if not postgres:
        return None, "—"
    key = "seconds" if sqlite.get("goal") == "export" else "p50_ms"
    mine, theirs = sqlite.get(key), postgres.get(key)
    if not mine or not theirs:
        return None, "—"
    factor = mine / theirs
    return factor <= SQLITE_FACTOR, f"{factor:.1f}×PG {'✓' if factor <= SQLITE_FACTOR else '✗'}"


def _num(value, fmt: str = "{:.1f}") -> str:
    return "—" if value is None else fmt.format(value)


COLUMNS = [
    ("scenario", 15, "<"),
    ("cl", 3, ">"),
    ("p50ms", 8, ">"),
    ("p95ms", 8, ">"),
    ("p99ms", 8, ">"),
    ("req/s", 8, ">"),
    ("×floor", 7, ">"),
    ("SQL p50/p95/p99 ms", 20, ">"),
]


def _row(cells: list[str], widths) -> str:
    out = []
    for cell, (_name, width, align) in zip(cells, widths, strict=False):
        out.append(f"{cell:{align}{width}}")
    out.extend(cells[len(widths) :])
    return "  ".join(out).rstrip()


def table(run: dict, *, postgres: dict | None = None) -> str:
    """The fixed-width table of one run (one database); with ``postgres`` (the PostgreSQL run of the same
    city) a column compares each figure with it."""
    pg_index = {(m["scenario"], m["clients"]): m for m in (postgres or {}).get("measurements", [])}
    header = [name for name, _w, _a in COLUMNS] + (["vs PG"] if postgres else []) + ["goal"]
    lines = [
        f"{run['database_label']} · {run['cases']:,} cases · load {_num(run.get('load_seconds'), '{:.0f}')} s"
        + (" · cache, sessions, jobs: Redis" if run.get("redis") else ""),
        _row(header, COLUMNS),
    ]
    lines.append("-" * len(lines[1]))
    for name, floor in sorted(run.get("floors", {}).items()):
        for m in floor:
            lines.append(
                _row(
                    [
                        f"floor_{name}",
                        str(m["clients"]),
                        _num(m["p50_ms"]),
                        _num(m["p95_ms"]),
                        _num(m["p99_ms"]),
                        _num(m["rps"], "{:.0f}"),
                        "",
                        "",
                    ],
                    COLUMNS,
                )
            )
    for m in run["measurements"]:
        sql = m.get("sql") or {}
        sql_text = (
            f"{sql['p50_ms']:.2f}/{sql['p95_ms']:.2f}/{sql['p99_ms']:.2f}"
            if sql.get("p50_ms") is not None
            else "—"
        )
        if m["goal"] == "export":
            cells = [
                m["scenario"],
                "1",
                "",
                "",
                "",
                f"{m.get('rows', 0) / max(m['seconds'], 1e-9):.0f}r/s",
                "",
                f"{m['seconds']:.1f}s {_num(m.get('rss_mb'), '{:.0f}')}MB",
            ]
        else:
            ratio = m["rps"] / m["floor_rps"] if m.get("floor_rps") else None
            cells = [
                m["scenario"],
                str(m["clients"]),
                _num(m["p50_ms"]),
                _num(m["p95_ms"]),
                _num(m["p99_ms"]),
                _num(m["rps"], "{:.0f}"),
                _num(ratio, "{:.2f}"),
                sql_text,
            ]
        if postgres:
            cells.append(sqlite_check(m, pg_index.get((m["scenario"], m["clients"])))[1])
        cells.append(goal_check(m)[1])
        lines.append(_row(cells, COLUMNS + ([("vs PG", 12, "<")] if postgres else [])))
    return "\n".join(lines)
