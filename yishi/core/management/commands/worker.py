"""``yishi worker``: runs queued background jobs (django-q2 cluster) until stopped."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker (deadlines, notifications, reports)."

    def handle(self, *args, **options):
        call_command("qcluster")
