"""``yishi import_ledger FILE.xlsx --actor USERNAME``: the ledger import of the web page, from a shell."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from yishi.areas.importing import import_ledger


class Command(BaseCommand):
    help = "从 Excel 工作簿导入区域、单位和人员台账（全部成功或全部不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--actor", required=True, help="username of the account the import is done as")

    def handle(self, *args, file, actor, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=actor)
        except User.DoesNotExist as exc:
            raise CommandError(f"no account named {actor!r}") from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_ledger(actor=user, data=path.read_bytes())
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not import ledgers") from exc
        if not result.ok:
            for e in result.errors:
                row = e.row if e.row is not None else "-"
                self.stderr.write(f"{e.sheet or '-'}\t{row}\t{e.column or '-'}\t{e.message}")
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported")
        summary = ", ".join(f"{key}={value}" for key, value in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"imported: {summary}"))
