"""Driving wrk: write a scenario as a Lua file for ``lua/bench.lua``, run wrk, parse its one JSON line.

wrk's own threads: 1 for one connection, 2 for more (the machine has 2 cores and the server needs them too).
Any answer outside 2xx counts against the scenario (``non2xx``); a 302 to the login page means the session
cookie did not work, and ``first_bad`` shows it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "lua" / "bench.lua"
MARKER = "WRKJSON "


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    errors: dict = field(default_factory=dict)
    first_bad: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def socket_errors(self) -> int:
        # "status" is wrk's own count of answers >= 400, already inside non2xx.
        return sum(v for k, v in self.errors.items() if k != "status")

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.non2xx == 0 and self.socket_errors == 0

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "non2xx": self.non2xx,
            "errors": self.errors,
            "first_bad": self.first_bad,
        }


def parse_output(stdout: str) -> WrkResult:
    """The result of one wrk run from its standard output (the ``WRKJSON`` line printed by ``done``)."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            break
    else:
        raise ValueError(f"wrk printed no {MARKER.strip()} line:\n{stdout[-2000:]}")
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non2xx=int(data["non2xx"]),
        errors={k: int(v) for k, v in data["errors"].items()},
        first_bad=data.get("first_bad", "").strip(),
    )


def lua_string(value: str) -> str:
    """``value`` as a Lua string literal (ASCII only: anything else as decimal byte escapes)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char in '"\\' or byte < 32 or byte > 126:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def scenario_lua(*, paths: list[str], headers: dict[str, str], method: str = "GET", body: str = "") -> str:
    """The Lua file ``bench.lua`` loads in each wrk thread."""
    lines = [
        f"method = {lua_string(method)}",
        "paths = {" + ", ".join(lua_string(p) for p in paths) + "}",
        "headers = {" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}",
        f"body = {lua_string(body)}",
    ]
    return "\n".join(lines) + "\n"


def threads_for(clients: int) -> int:
    return 1 if clients <= 1 else 2


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run(
    *,
    base_url: str,
    paths: list[str],
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: str = "",
    clients: int,
    seconds: float,
    timeout_seconds: int = 30,
) -> WrkResult:
    """Load ``base_url`` + each of ``paths`` in turn with ``clients`` connections for ``seconds``."""
    if not paths:
        raise ValueError("a scenario needs at least one path")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="yishi-bench-", delete=True) as scenario:
        scenario.write(scenario_lua(paths=paths, headers=headers or {}, method=method, body=body))
        scenario.flush()
        argv = [
            wrk_path() or "wrk",
            f"-t{threads_for(clients)}",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={timeout_seconds}s",
            "-s",
            str(SCRIPT),
            base_url,
            "--",
            scenario.name,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-2000:]}")
    return parse_output(done.stdout)
