"""``yishi load_demo``: load the seed demo data (idempotent) and print the demo accounts."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from yishi.demo.services import accounts_markdown_document, accounts_text_table, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo areas, units, people and accounts from the seed stories; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--write-docs", action="store_true", help="also rewrite docs/demo-accounts.md from the demo data"
        )

    def handle(self, *args, write_docs=False, **options):
        result = load_demo()
        self.stdout.write(
            f"演示数据已就绪：新建区域 {result.areas}、单位 {result.units}、人员 {result.people}、"
            f"账号 {result.accounts}、角色 {result.grants}、公示 {result.notices}、诉求 {result.cases}。 "
            f"Demo data ready: {result.total} new rows."
        )
        from yishi.routing.services import routing_train_if_none

        routing = routing_train_if_none()
        if routing is not None:
            self.stdout.write(
                f"智能派单模型 v{routing.version} 已训练（{routing.trained_on} 条诉求）。"
                f" Routing model v{routing.version} trained on {routing.trained_on} cases."
            )
        self.stdout.write("")
        self.stdout.write(accounts_text_table())
        if write_docs:
            path = Path(settings.BASE_DIR) / "docs" / "demo-accounts.md"
            path.write_text(accounts_markdown_document(), encoding="utf-8")
            self.stdout.write(f"{path}")
