"""The case jobs: each idempotent (run twice, notify once), run at a frozen ``now``; their schedules exist."""

import datetime as dt

import pytest

from yishi.audit.models import AuditEvent
from yishi.cases import tasks
from yishi.cases.deadlines import rule_for
from yishi.cases.models import CaseStep, Step
from yishi.cases.tests.factories import CategoryFactory, force_status, make_case
from yishi.cases.workflow import Status
from yishi.core.tests.factories import user_with_role
from yishi.notifications.models import Notification
from yishi.workdays.models import DeadlineRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(tree, staff):
    user_with_role("street_staff", tree.street, username="street")
    return make_case(tree.building, category=CategoryFactory(key="environment"))


def _run(job, now, capture):
    with capture(execute=True):
        return job(now)


def test_supervise_overdue_steps_notifies_supervisors_once(case, django_capture_on_commit_callbacks):
    step = CaseStep.objects.get(case=case, step=Step.ACCEPT)
    assert (
        _run(
            tasks.supervise_overdue_steps,
            step.due_at - dt.timedelta(minutes=1),
            django_capture_on_commit_callbacks,
        )
        == 0
    )
    later = step.due_at + dt.timedelta(hours=1)
    assert _run(tasks.supervise_overdue_steps, later, django_capture_on_commit_callbacks) == 1
    assert _run(tasks.supervise_overdue_steps, later.isoformat(), django_capture_on_commit_callbacks) == 0
    notes = Notification.objects.filter(verb="case.overdue")
    assert [n.recipient.username for n in notes] == ["street"]
    step.refresh_from_db()
    assert step.supervised_at == later
    assert AuditEvent.objects.filter(verb="case.overdue").count() == 1


def test_close_unrated_cases_closes_once(case, django_capture_on_commit_callbacks):
    force_status(case, Status.REPLIED)
    now = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
    CaseStep.objects.create(
        case=case, step=Step.RATE, area_path=case.area_path, due_at=now - dt.timedelta(days=1)
    )
    assert (
        _run(tasks.close_unrated_cases, now - dt.timedelta(days=2), django_capture_on_commit_callbacks) == 0
    )
    assert _run(tasks.close_unrated_cases, now, django_capture_on_commit_callbacks) == 1
    assert _run(tasks.close_unrated_cases, now, django_capture_on_commit_callbacks) == 0
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert AuditEvent.objects.filter(verb="case.close_unrated").count() == 1


def test_notify_due_soon_reminds_the_handlers_once(case, staff, django_capture_on_commit_callbacks):
    step = CaseStep.objects.get(case=case, step=Step.ACCEPT)
    # The rule in force (the configured row, or the built-in default when a transactional test before this
    # one flushed the migration's rows).
    near = rule_for(Step.ACCEPT, case.category.key).near_due_hours
    capture = django_capture_on_commit_callbacks
    # Before the window, and once overdue (the supervision job's business): nothing.
    assert _run(tasks.notify_due_soon, step.due_at - dt.timedelta(hours=near + 1), capture) == 0
    assert _run(tasks.notify_due_soon, step.due_at + dt.timedelta(minutes=1), capture) == 0
    inside = step.due_at - dt.timedelta(hours=near - 1)
    assert _run(tasks.notify_due_soon, inside, capture) == 1
    assert _run(tasks.notify_due_soon, inside + dt.timedelta(minutes=10), capture) == 0
    notes = Notification.objects.filter(verb="case.due_soon")
    assert [n.recipient for n in notes] == [staff]
    assert case.number in notes[0].title
    step.refresh_from_db()
    assert step.reminded_at == inside


def test_notify_due_soon_uses_the_categorys_own_window(case, django_capture_on_commit_callbacks):
    DeadlineRule.objects.create(
        process="cases", step="accept", category_key="environment", amount=1, near_due_hours=30
    )
    step = CaseStep.objects.get(case=case, step=Step.ACCEPT)
    at = step.due_at - dt.timedelta(hours=20)
    assert _run(tasks.notify_due_soon, at, django_capture_on_commit_callbacks) == 1


def test_notify_due_soon_tells_the_unit_of_a_units_step(tree, django_capture_on_commit_callbacks):
    from yishi.core.tests.factories import UnitFactory

    unit = UnitFactory(area=tree.street, name="城市管理局")
    worker = user_with_role("department_staff", tree.street, unit=unit, username="dept")
    case = make_case(tree.building, category=CategoryFactory(key="roads"))
    step = CaseStep.objects.get(case=case, step=Step.ACCEPT)
    CaseStep.objects.filter(pk=step.pk).update(unit=unit)
    _run(tasks.notify_due_soon, step.due_at - dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert [n.recipient for n in Notification.objects.filter(verb="case.due_soon")] == [worker]
