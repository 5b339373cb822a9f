"""``yishi rollups rebuild [--area ID]`` and ``yishi rollups check``: the rollup behind the rates
(``CaseMonthStat``, see ``cases.rollups``)."""

import time

from django.core.management.base import BaseCommand, CommandError

from yishi.areas.models import Area
from yishi.cases import rollups


class Command(BaseCommand):
    help = (
        "Rollup of the rates. `rebuild`: recompute it from the base tables (one area's subtree with --area); "
        "`check`: compare it with a recomputation, exit 1 printing the differing cells."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rebuild,check}")
        for name, text in (("rebuild", "recompute the rollup"), ("check", "compare with a recomputation")):
            sub.add_parser(name, help=text).add_argument(
                "--area", type=int, help="an area's id: its subtree only"
            )

    def handle(self, *args, action, area=None, **options):
        scope = None
        if area is not None:
            scope = Area.objects.filter(pk=area).first()
            if scope is None:
                raise CommandError(f"没有编号为 {area} 的区域。 No area with id {area}.")
        started = time.monotonic()
        if action == "rebuild":
            cells = rollups.rebuild(scope)
            seconds = time.monotonic() - started
            self.stdout.write(
                f"汇总已重建：{cells} 个单元，用时 {seconds:.1f} 秒。 Rollup rebuilt: {cells} cells in {seconds:.1f} s."
            )
            return
        if action != "check":  # argparse already refuses other actions; kept for call_command callers.
            raise CommandError(f"unknown action: {action}")
        differences = rollups.check(scope)
        if not differences:
            self.stdout.write("汇总与重新计算一致。 Rollup matches a recomputation.")
            return
        names = ", ".join(rollups.COUNTS)
        self.stderr.write(
            f"汇总有 {len(differences)} 个单元与重新计算不一致。 {len(differences)} cells differ ({names}):"
        )
        for d in differences:
            self.stderr.write(d.describe())
        raise SystemExit(1)
