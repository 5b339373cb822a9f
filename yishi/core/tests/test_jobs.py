"""Every recurring job is scheduled after migrate, made idempotently, and names a real callable."""

import pytest
from django.utils.module_loading import import_string
from django_q.models import Schedule

from yishi.core.jobs import RECURRING, ensure_schedules

pytestmark = pytest.mark.django_db


def test_every_recurring_job_is_scheduled_once_and_points_at_a_callable():
    rows = {s.name: s for s in Schedule.objects.filter(name__in=RECURRING)}
    assert set(rows) == set(RECURRING)
    ensure_schedules()
    assert Schedule.objects.filter(name__in=RECURRING).count() == len(RECURRING)
    for name, job in RECURRING.items():
        assert rows[name].func == job.func and rows[name].repeats == -1
        assert rows[name].schedule_type == job.schedule_type
        assert callable(import_string(job.func))
    assert rows["cases.supervise_overdue_steps"].minutes == 10
