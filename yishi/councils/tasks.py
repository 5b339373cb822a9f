"""Jobs of the council, run by django-q (see ``yishi.core.jobs``)."""

from . import services


def schedule_regular_meetings() -> int:
    """Keep every council's regular meetings scheduled four quarters ahead (idempotent)."""
    return services.schedule_regular_meetings()
