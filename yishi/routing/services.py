"""Writes of smart routing: training and promoting model versions, the suggestion recorded for each case at
intake, and staff corrections. Reads that the product needs (``routing_predict``) are here too, next to the
model loading they share.

Training runs outside any transaction (it takes seconds and needs no lock); only registering the version and
promoting it are atomic. A version replaces the live one only if it is not worse on recent cases neither has
trained on (``routing_promote``).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yishi.audit.services import audit_record
from yishi.core import caching

from . import engine
from .models import CaseSuggestion, RoutingCorrection, RoutingModel, RoutingSettings, Source, SuggestionSource

log = logging.getLogger(__name__)
CORRECTION_WEIGHT = 3.0
MIN_PER_CLASS = 3  # the calibration's 3-fold cross-validation needs three of each
HOLDOUT = 0.2


def model_dir() -> Path:
    """Where versions are stored: ``YISHI_ROUTING_MODEL_DIR``, by default ``var/models``."""
    return Path(getattr(settings, "YISHI_ROUTING_MODEL_DIR", None) or Path(settings.VAR_DIR) / "models")


def case_text(case) -> str:
    return f"{case.title} {case.text}".strip()


# ---------------------------------------------------------------- training data


def cases_training_data(*, until: dt.datetime | None = None) -> dict:
    """The platform's history, oldest first: each accepted case under its category as finally confirmed by
    staff (a corrected case weighs ``CORRECTION_WEIGHT``). Rejected and merged cases are left out."""
    from yishi.cases.models import Case
    from yishi.cases.workflow import Status

    qs = (
        Case.objects.filter(accepted_at__isnull=False, category__is_active=True)
        .exclude(status__in=[Status.REJECTED, Status.MERGED])
        .select_related("category")
        .order_by("submitted_at", "pk")
    )
    if until is not None:
        qs = qs.filter(submitted_at__lte=until)
    corrected = set(RoutingCorrection.objects.values_list("case_id", flat=True))
    rows = {"texts": [], "labels": [], "weights": [], "case_ids": [], "times": []}
    for case in qs.iterator():
        rows["texts"].append(case_text(case))
        rows["labels"].append(case.category.key)
        rows["weights"].append(CORRECTION_WEIGHT if case.pk in corrected else 1.0)
        rows["case_ids"].append(case.pk)
        rows["times"].append(case.submitted_at)
    return rows


def check_rows(texts: list[str], labels: list[str], *, field: str = "csv") -> None:
    """Training data that cannot make a model: empty, one category only, a category with too few rows."""
    from collections import Counter

    if not texts:
        raise ValidationError({field: _("没有可用于训练的数据。")})
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValidationError({field: _("训练数据只有一个类别，至少需要两个类别。")})
    few = sorted(label for label, n in counts.items() if n < MIN_PER_CLASS)
    if few:
        raise ValidationError(
            {
                field: _("以下类别的样本少于%(n)d条：%(labels)s。")
                % {"n": MIN_PER_CLASS, "labels": "、".join(few)}
            }
        )


# ---------------------------------------------------------------- training and promotion


def routing_train(*, actor=None, source: str, rows: list[tuple[str, str]] | None = None, note: str = ""):
    """训练: fit a new version and offer it for promotion; returns the ``RoutingModel``.

    ``source="cases"``: the platform's accepted cases (categories with fewer than the setting's minimum
    cases are left to the keyword rules; fewer than two such categories is a ``ValidationError``), trained on
    the older 80 % and evaluated on the most recent 20 %. ``source="csv"``: ``rows`` of (text, category key
    or name) from another system's ledger, evaluated on a random held-out split, then refitted on all rows.
    Corrections used are marked with the version. The baseline is measured in the same run.
    """
    from yishi.cases.models import Category

    if source == Source.CASES:
        data = cases_training_data()
        minimum = max(RoutingSettings.current().min_cases_per_category, MIN_PER_CLASS)
        from collections import Counter

        counts = Counter(data["labels"])
        keep = [i for i, label in enumerate(data["labels"]) if counts[label] >= minimum]
        if len({data["labels"][i] for i in keep}) < 2:
            raise ValidationError(
                {
                    "source": _(
                        "每个类别至少需要%(n)d条已受理的诉求，目前不足两个类别达到，继续使用关键词建议。"
                    )
                    % {"n": minimum}
                }
            )
        texts = [data["texts"][i] for i in keep]
        labels = [data["labels"][i] for i in keep]
        weights = [data["weights"][i] for i in keep]
        pipeline, metrics = engine.train_and_evaluate(
            texts, labels, weights=weights, test_size=HOLDOUT, ordered=True, refit=False
        )
        n_train = metrics["n_train"]
        metrics["trained_until"] = data["times"][keep[n_train - 1]].isoformat()
        metrics["support"] = dict(Counter(labels[:n_train]))
        case_ids = [data["case_ids"][i] for i in keep[:n_train]]
    elif source == Source.CSV:
        rows = list(rows or [])
        by_name = {c.name: c.key for c in Category.objects.filter(is_active=True)}
        keys = set(by_name.values())
        texts = [t for t, _label in rows]
        labels = [label if label in keys else by_name.get(label, label) for _t, label in rows]
        unknown = sorted(set(labels) - keys)
        if unknown:
            raise ValidationError(
                {"csv": _("以下类别在平台中不存在：%(labels)s。") % {"labels": "、".join(unknown[:10])}}
            )
        check_rows(texts, labels)
        pipeline, metrics = engine.train_and_evaluate(texts, labels, test_size=HOLDOUT)
        n_train, case_ids = len(texts), []
    else:
        raise ValidationError({"source": _("未知的数据来源。")})
    return _register(
        actor=actor,
        source=source,
        pipeline=pipeline,
        metrics=metrics,
        trained_on=n_train,
        case_ids=case_ids,
        note=note,
    )


@transaction.atomic
def _register(*, actor, source, pipeline, metrics, trained_on, case_ids, note) -> RoutingModel:
    version = (RoutingModel.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    directory = model_dir() / f"v{version}"
    engine.save(pipeline, directory)
    model = RoutingModel.objects.create(
        version=version,
        trained_on=trained_on,
        source=source,
        metrics=metrics,
        artefact=str(directory / engine.MODEL_FILE),
        note=note[:255],
    )
    if case_ids:
        RoutingCorrection.objects.filter(case_id__in=case_ids, used_by__isnull=True).update(used_by=model)
    audit_record(
        actor=actor,
        obj=model,
        verb="routing.train",
        after={
            "version": version,
            "source": source,
            "macro_f1": metrics.get("macro_f1"),
            "trained_on": trained_on,
        },
    )
    routing_promote(actor=actor, candidate=model)
    model.refresh_from_db()
    return model


def _holdout_cases(after: dt.datetime | None):
    data = cases_training_data()
    idx = [i for i, t in enumerate(data["times"]) if after is None or t > after]
    return [data["texts"][i] for i in idx], [data["labels"][i] for i in idx]


@transaction.atomic
def routing_promote(*, actor=None, candidate: RoutingModel) -> bool:
    """上线: make ``candidate`` the live version unless it is worse than the live one.

    Both are scored (macro-F1) on the accepted cases submitted after the later of their training cut-offs —
    recent cases neither has seen. Without such cases, their stored held-out macro-F1 are compared. A tie
    promotes (newer data). Returns whether ``candidate`` is live now; the comparison is kept in its metrics.
    """
    candidate = RoutingModel.objects.select_for_update().get(pk=candidate.pk)
    live = RoutingModel.objects.select_for_update().filter(is_live=True).first()
    if live is not None and live.pk == candidate.pk:
        return True
    comparison = {"against": None}
    if live is not None:
        cutoffs = [
            parse_datetime(m.metrics["trained_until"])
            for m in (live, candidate)
            if m.metrics.get("trained_until")
        ]
        texts, labels = _holdout_cases(max(cutoffs) if cutoffs else None)
        comparison = {"against": live.version, "n_cases": len(texts)}
        if texts and len(texts) >= 5:
            scores = {}
            for name, m in (("live", live), ("candidate", candidate)):
                try:
                    predicted = list(engine.load(m.artefact).predict(texts))
                except (OSError, ValueError):
                    predicted = [""] * len(texts)
                scores[name] = engine.evaluate(labels, predicted)["macro_f1"]
        else:
            scores = {"live": live.macro_f1 or 0, "candidate": candidate.macro_f1 or 0}
        comparison.update(scores)
        if scores["candidate"] < scores["live"]:
            candidate.metrics = {**candidate.metrics, "promotion": {**comparison, "promoted": False}}
            candidate.save(update_fields=["metrics"])
            audit_record(actor=actor, obj=candidate, verb="routing.keep", after=comparison)
            return False
        live.is_live = False
        live.save(update_fields=["is_live"])
    candidate.is_live = True
    candidate.metrics = {**candidate.metrics, "promotion": {**comparison, "promoted": True}}
    candidate.save(update_fields=["is_live", "metrics"])
    audit_record(actor=actor, obj=candidate, verb="routing.promote", after=comparison)
    return True


# ---------------------------------------------------------------- prediction


def usable_model() -> RoutingModel | None:
    """The live version, if each of its categories was trained on at least the setting's minimum cases. The
    live row comes from the cache (read at every intake; a promotion saves it, which drops the entry)."""
    live = caching.remembered(
        "routing-live", (), [RoutingModel], lambda: RoutingModel.objects.filter(is_live=True).first()
    )
    if live is None or live.min_support < RoutingSettings.current().min_cases_per_category:
        return None
    return live


def model_category_keys() -> set[str]:
    """The category keys the usable live model was trained on (empty without one): the others, having too
    few cases so far, are suggested by their keyword rules."""
    live = usable_model()
    if live is None:
        return set()
    try:
        return {str(key) for key in engine.load(live.artefact).classes_}
    except Exception:  # an unreadable artefact: routing_predict logs it and falls back
        return set()


def routing_predict(text: str, *, limit: int = 3, categories=None):
    """智能建议: the live model's top categories for ``text`` as [(Category, confidence)], best first, only
    among ``categories`` (default: the selectable ones). ``None`` when no model may be used (cold start, or
    its file is unreadable — logged), so the caller falls back to the keyword rules."""
    from yishi.cases.routing import selectable_categories

    live = usable_model()
    if live is None or not (text or "").strip():
        return None
    try:
        pipeline = engine.load(live.artefact)
        ranked = engine.top(pipeline, text, limit=len(pipeline.classes_))
    except Exception:  # a missing or corrupt artefact must never break intake
        log.exception("routing model v%s unusable", live.version)
        return None
    pool = {c.key: c for c in (categories if categories is not None else selectable_categories())}
    out = [(pool[key], p) for key, p in ranked if key in pool]
    return out[:limit]


# ---------------------------------------------------------------- per case


def suggestion_record(*, case, new: bool = False) -> CaseSuggestion:
    """派单建议: record what routing suggests for a new case (called by ``case_submit`` in its transaction;
    ``new``: the case was just created, so there is no suggestion to replace and the row is inserted).

    With the model: the case goes to manual dispatch when the best confidence is below the threshold.
    With the keyword rules (cold start, scores not calibrated): only when no keyword matched at all.
    """
    from yishi.cases.routing import suggest_category

    result = suggest_category(case_text(case))
    threshold = RoutingSettings.current().confidence_threshold
    source = result.source if result else SuggestionSource.NONE
    if not result:
        manual = True
    elif source == SuggestionSource.MODEL:
        manual = result[0][1] < threshold
    else:
        manual = False
    values = {
        "category": result[0][0] if result else None,
        "confidence": result[0][1] if result else 0.0,
        "alternatives": [{"key": c.key, "name": c.name, "confidence": p} for c, p in result],
        "source": source,
        "model_version": getattr(result, "model_version", None),
        "manual": manual,
        "confirmed_at": None,
    }
    if new:
        return CaseSuggestion.objects.create(case=case, **values)
    return CaseSuggestion.objects.update_or_create(case=case, defaults=values)[0]


@transaction.atomic
def correction_record(*, actor, case, from_category, to_category) -> RoutingCorrection | None:
    """类别纠正/确认: staff set the case's category (called by ``case_accept`` and ``case_recategorize``,
    which check the permission). A change is recorded as a correction for the next training; either way
    the category is confirmed, which ends the manual-dispatch flag."""
    CaseSuggestion.objects.filter(case=case, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    if from_category.pk == to_category.pk:
        return None
    by = actor if getattr(actor, "is_authenticated", False) else None
    return RoutingCorrection.objects.create(
        case=case, from_category=from_category, to_category=to_category, by=by
    )


@transaction.atomic
def routing_settings_update(*, actor, confidence_threshold: float, min_cases_per_category: int):
    """派单设置: change the threshold (0–1) and the minimum cases per category; admins only."""
    from yishi.core import permissions

    if not permissions.is_superadmin(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    errors = {}
    if not 0 <= confidence_threshold <= 1:
        errors["confidence_threshold"] = _("置信度阈值应在0到1之间。")
    if min_cases_per_category < MIN_PER_CLASS:
        errors["min_cases_per_category"] = _("每类最少诉求数不能少于%(n)d。") % {"n": MIN_PER_CLASS}
    if errors:
        raise ValidationError(errors)
    current = RoutingSettings.objects.select_for_update().order_by("pk").first() or RoutingSettings()
    before = {"confidence_threshold": current.confidence_threshold, "min": current.min_cases_per_category}
    current.confidence_threshold = confidence_threshold
    current.min_cases_per_category = min_cases_per_category
    current.save()
    audit_record(
        actor=actor,
        obj=current,
        verb="routing.settings",
        before=before,
        after={"confidence_threshold": confidence_threshold, "min": min_cases_per_category},
    )
    return current


def routing_train_if_none(*, actor=None) -> RoutingModel | None:
    """Train from the cases only when no live version exists (the demo at start-up); ``None`` when there is
    one already, or too few cases (the keyword rules stay)."""
    if RoutingModel.objects.filter(is_live=True).exists():
        return None
    try:
        return routing_train(actor=actor, source=Source.CASES, note="demo start-up")
    except ValidationError:
        return None
