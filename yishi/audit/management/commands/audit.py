"""``yishi audit verify``: walk the hash chain of the audit trail and report the first break."""

from django.core.management.base import BaseCommand, CommandError

from yishi.audit.models import AuditEvent
from yishi.audit.services import audit_verify

# Chinese wording of each kind of break (ChainBreak.kind); the English reason follows it on the same line.
BREAK_KINDS = {
    "missing": "事件缺失（被删除）",
    "out_of_order": "与前一事件的哈希不衔接（被删除、插入或调换顺序）",
    "changed": "事件内容在写入后被修改",
    "truncated": "链尾事件缺失（被删除）",
}


class Command(BaseCommand):
    help = "Audit trail tools. `verify`: check the hash chain; exit 1 naming the first broken event."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        sub.add_parser("verify", help="check every event of the hash chain, in seq order")

    def handle(self, *args, action, **options):
        if action != "verify":  # argparse already refuses other actions; kept for call_command callers.
            raise CommandError(f"unknown action: {action}")
        broken = audit_verify()
        if broken is None:
            count = AuditEvent.objects.count()
            self.stdout.write(f"审计链完整，共 {count} 个事件。 Audit chain intact: {count} events.")
            return
        kind = BREAK_KINDS.get(broken.kind, broken.kind)
        self.stderr.write(
            f"审计链在第 {broken.seq} 号事件处断裂：{kind}。 "
            f"Audit chain broken at event #{broken.seq}: {broken.reason}."
        )
        raise SystemExit(1)
