"""Default deadlines of the case steps as editable rows; admins change them (and add per-category ones)
under 办理时限. The values are frozen here as they were; ``cases/deadlines.py`` holds the fallback."""

from django.db import migrations

DEFAULTS = [
    # step, amount, unit, near_due_hours, note
    ("accept", 1, "working_days", 4, "受理：提交后1个工作日内"),
    ("first_contact", 2, "working_days", 8, "首次联系反映人（响应）：受理后2个工作日内"),
    ("acknowledge", 4, "working_hours", 2, "吹哨后部门报到：4个工作小时内"),
    ("resolve", 10, "working_days", 24, "办结：受理后10个工作日内"),
    ("reply", 2, "working_days", 8, "答复：办结后2个工作日内"),
]


def create(apps, schema_editor):
    DeadlineRule = apps.get_model("workdays", "DeadlineRule")
    for step, amount, unit, near, note in DEFAULTS:
        DeadlineRule.objects.get_or_create(
            process="cases", step=step, category_key="",
            defaults={"amount": amount, "unit": unit, "near_due_hours": near, "note": note},
        )


def remove(apps, schema_editor):
    apps.get_model("workdays", "DeadlineRule").objects.filter(process="cases", category_key="").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("workdays", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
