"""The case jobs' django-q schedules, every 10 minutes, created or updated by name (idempotent)."""

from django.db import migrations

SCHEDULES = {
    "cases.supervise_overdue_steps": "yishi.cases.tasks.supervise_overdue_steps",
    "cases.close_unrated_cases": "yishi.cases.tasks.close_unrated_cases",
    "cases.notify_due_soon": "yishi.cases.tasks.notify_due_soon",
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": 10, "repeats": -1},
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_rates_open311_reminders"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
