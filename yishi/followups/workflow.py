"""States of a follow-up item and what may be done in each, declared once.

planned → (report) → in_progress → (report 100 %) → done; planned/in_progress → (cancel) → cancelled.
A report at 100 % goes straight to done from either open state. Done and cancelled are final.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import FollowUpStatus


class FollowUpAction(models.TextChoices):
    REPORT = "report", _("报告进展")
    CANCEL = "cancel", _("撤销")


TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (FollowUpStatus.PLANNED, FollowUpAction.REPORT): frozenset(
        {FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE}
    ),
    (FollowUpStatus.IN_PROGRESS, FollowUpAction.REPORT): frozenset(
        {FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE}
    ),
    (FollowUpStatus.PLANNED, FollowUpAction.CANCEL): frozenset({FollowUpStatus.CANCELLED}),
    (FollowUpStatus.IN_PROGRESS, FollowUpAction.CANCEL): frozenset({FollowUpStatus.CANCELLED}),
}


def allowed(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS
