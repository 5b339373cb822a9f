"""核心: Shared shell: portal, home, masking, permissions helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yishi.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from yishi.core import caching
        from yishi.core.permissions import register_rules

        register_rules()
        # The cache's versions are read once per request (core.caching.remembered).
        request_started.connect(caching.request_started, dispatch_uid="yishi.core.caching.request_started")
        request_finished.connect(caching.request_finished, dispatch_uid="yishi.core.caching.request_finished")

        from django.apps import apps
        from django.db.models.signals import post_migrate

        from yishi.core.jobs import ensure_schedules

        # Sent once per app that has models; django-q's own signal comes once its schedule table exists.
        post_migrate.connect(
            ensure_schedules,
            sender=apps.get_app_config("django_q"),
            dispatch_uid="yishi.core.jobs.ensure_schedules",
        )
