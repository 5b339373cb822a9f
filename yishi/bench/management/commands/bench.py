"""``yishi bench``: measure the synthetic city through the real stack (see ``yishi.bench.runner``)."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yishi.bench import runner


def _clients(value: str) -> list[int]:
    try:
        clients = [int(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a list of client counts, e.g. 1,16") from exc
    if not clients or min(clients) < 1:
        raise argparse.ArgumentTypeError("a list of client counts, e.g. 1,16")
    return clients


class Command(BaseCommand):
    help = "Generate a synthetic city and measure yishi under wrk against minimal-Django floors (issue 6)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database", default=runner.DEFAULT_DATABASE, help="PostgreSQL URL of the bench")
        parser.add_argument(
            "--sqlite", action="store_true", help="also run on a SQLite file under var/bench/"
        )
        parser.add_argument(
            "--sqlite-cases",
            type=int,
            default=0,
            help="cases of the SQLite city (default: --cases; the full run measures SQLite on a smaller city)",
        )
        parser.add_argument(
            "--reuse", action="store_true", help="keep the city already generated for (cases, seed)"
        )
        parser.add_argument(
            "--duration", type=float, default=5.0, help="seconds per scenario and client count"
        )
        parser.add_argument("--clients", type=_clients, default=[1, 16])
        parser.add_argument("--json", dest="json_path", default="", help="default var/bench/latest.json")
        parser.add_argument("--only", default="", help="comma-separated scenario names (for development)")
        parser.add_argument("--no-export", dest="export", action="store_false")
        parser.add_argument("--manifest", default="", help="use this manifest and the database as it is")
        parser.add_argument(
            "--redis",
            default="",
            help="a Redis database of the bench's own, flushed before each run (cache, sessions, job queue)",
        )
        parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
        # Internal: one database's run, in the child process the parent starts with that database's settings.
        parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
        parser.add_argument("--phase-out", default="", help=argparse.SUPPRESS)
        parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, phase, phase_out, only, **opts):
        keys = {"cases", "seed", "database", "sqlite", "sqlite_cases", "reuse", "duration", "clients", "json_path", "export",
                "manifest", "workers", "redis", "generate_only"}  # fmt: skip
        options = runner.Options(
            only=[o.strip() for o in only.split(",") if o.strip()],
            **{k: v for k, v in opts.items() if k in keys},
        )
        try:
            if phase:
                runner.run_phase(phase, options, Path(phase_out), self.stdout)
            else:
                runner.run(options, self.stdout)
        except (RuntimeError, OSError) as exc:
            raise CommandError(str(exc)) from exc
