"""``yishi demo``: migrate, load the seed demo data, print the demo accounts, and serve."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prepare the demo database from the seed stories and serve it on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")

    def handle(self, *args, port, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_demo")
        if not no_serve:
            call_command("serve", port=port)
