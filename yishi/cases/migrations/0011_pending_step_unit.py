from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_handler_units(apps, schema_editor):
    """A pending deadline now carries its case's handling unit (``services._move`` keeps it so): copy it onto
    the steps already pending, so the units' deadline lists find them on the (unit, due) index."""
    Case = apps.get_model("cases", "Case")
    CaseStep = apps.get_model("cases", "CaseStep")
    handler = Case.objects.filter(pk=OuterRef("case_id")).values("handler_unit_id")[:1]
    CaseStep.objects.filter(done_at__isnull=True).update(unit_id=Subquery(handler))


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_case_month_sum")]

    operations = [migrations.RunPython(copy_handler_units, migrations.RunPython.noop)]
