"""The recurring jobs of every process, declared in one place and kept in django-q's schedule table.

``ensure_schedules`` creates or updates each schedule by name after every ``migrate`` (and after a test
database is flushed), so a deployment never misses a job and a second run changes nothing. ``yishi worker``
runs them. Each job is idempotent: it marks what it has done, so a retry or a second worker does nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recurring:
    func: str
    schedule_type: str  # django-q: "I" every ``minutes`` minutes, "D" daily
    minutes: int | None = None


RECURRING: dict[str, Recurring] = {
    # 督办: overdue case steps flagged and their supervisors told.
    "cases.supervise_overdue_steps": Recurring("yishi.cases.tasks.supervise_overdue_steps", "I", 10),
    # Replied cases whose rating window ran out close unrated.
    "cases.close_unrated_cases": Recurring("yishi.cases.tasks.close_unrated_cases", "I", 10),
    # Handlers reminded once as a step enters its near-due window.
    "cases.notify_due_soon": Recurring("yishi.cases.tasks.notify_due_soon", "I", 10),
    # Overdue follow-up items (council tasks, rectifications …) flagged to their supervisors.
    "followups.supervise_overdue_followups": Recurring(
        "yishi.followups.tasks.supervise_overdue_followups", "I", 10
    ),
    # Every council's regular meetings kept scheduled four quarters ahead.
    "councils.schedule_regular_meetings": Recurring("yishi.councils.tasks.schedule_regular_meetings", "D"),
    # The routing model retrained on the platform's cases; it goes live only if not worse.
    "routing.train_from_cases": Recurring("yishi.routing.tasks.train_from_cases", "D"),
}


def ensure_schedules(**kwargs) -> None:
    """Create or update every schedule of ``RECURRING`` by name (a ``post_migrate`` receiver)."""
    from django_q.models import Schedule

    for name, job in RECURRING.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": job.func,
                "schedule_type": job.schedule_type,
                "minutes": job.minutes,
                "repeats": -1,
            },
        )
