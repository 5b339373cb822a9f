"""Keeps the rollup (``cases.rollups``) right on every save and delete of a case, a step or a rating.

Each instance remembers the counted values it was loaded with (``post_init``); after a save the handler
compares them with the saved ones and recomputes the affected cells only when one changed, so no service
has to remember to call the rollup. Writes that bypass signals (queryset ``update()``, ``bulk_create``) must
call ``cases.rollups`` themselves (``case_steps_changed``, ``tracking``, ``rebuild``).
"""

from operator import itemgetter

from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.dispatch import receiver

from . import rollups
from .models import Case, CaseStep, Rating

FIELDS = {
    Case: rollups.CASE_VALUES,
    CaseStep: ("step", "case_id", "area_path", "due_at", "done_at"),
    Rating: ("case_id", "source_case_id", "value", "round", "rated_at"),
}
LOADED = "_rollup_loaded"
# Every case, step and rating a page reads passes through _remember (400 of them on a deadline list), so
# the snapshot is one C-level item lookup, kept as a tuple; it becomes a dict only when the row is saved.
_SNAPSHOT = {model: itemgetter(*names) for model, names in FIELDS.items()}


def _values(instance) -> dict:
    return {name: getattr(instance, name) for name in FIELDS[type(instance)]}


def _loaded(instance) -> dict | None:
    """The counted values ``instance`` was loaded with (None: not known, a new row or deferred fields)."""
    loaded = getattr(instance, LOADED, None)
    if isinstance(loaded, tuple):
        return dict(zip(FIELDS[type(instance)], loaded, strict=True))
    return loaded


@receiver(post_init, sender=Case)
@receiver(post_init, sender=CaseStep)
@receiver(post_init, sender=Rating)
def _remember(sender, instance, **kwargs) -> None:
    try:
        instance.__dict__[LOADED] = _SNAPSHOT[sender](instance.__dict__)
    except KeyError:
        instance.__dict__[LOADED] = None  # loaded with deferred fields: read them before saving


@receiver(pre_save, sender=Case)
@receiver(pre_save, sender=CaseStep)
@receiver(pre_save, sender=Rating)
def _read_deferred(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance._state.adding or getattr(instance, LOADED, None) is not None:
        return
    setattr(instance, LOADED, sender.objects.filter(pk=instance.pk).values(*FIELDS[sender]).first())


def _saved(instance, created: bool):
    old = None if created else _loaded(instance)
    new = _values(instance)
    setattr(instance, LOADED, new)
    return old, new


@receiver(post_save, sender=Case)
def _case_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not raw:
        old, new = _saved(instance, created)
        rollups.case_changed(instance.pk, old, new)


@receiver(post_save, sender=CaseStep)
def _step_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not raw:
        old, new = _saved(instance, created)
        rollups.step_changed(instance.case_id, old, new)


@receiver(post_save, sender=Rating)
def _rating_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not raw:
        old, new = _saved(instance, created)
        rollups.rating_changed(instance.case_id, old, new)


@receiver(post_delete, sender=Case)
def _case_deleted(sender, instance, **kwargs) -> None:
    # Its steps and ratings were deleted (and their cells recomputed) before it; only its closing is left.
    rollups.recompute(rollups.cells_for(rollups.CaseKey.of(_values(instance))))


@receiver(post_delete, sender=CaseStep)
def _step_deleted(sender, instance, **kwargs) -> None:
    rollups.step_changed(instance.case_id, _values(instance), None)


@receiver(post_delete, sender=Rating)
def _rating_deleted(sender, instance, **kwargs) -> None:
    rollups.rating_changed(instance.case_id, _values(instance), None)
