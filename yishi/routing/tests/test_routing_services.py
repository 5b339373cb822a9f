"""Smart routing's rules: round trip, promotion, threshold, corrections, cold start."""

import random

import pytest
from django.core.exceptions import ValidationError

from yishi.cases import services as case_services
from yishi.cases.models import Case
from yishi.cases.routing import suggest_category
from yishi.cases.tests.factories import make_case
from yishi.routing import engine
from yishi.routing.models import CaseSuggestion, RoutingCorrection, RoutingModel, RoutingSettings, Source
from yishi.routing.services import cases_training_data, routing_promote, routing_train

from .conftest import rows, seed_history

pytestmark = pytest.mark.django_db


def settings_with(threshold=0.5, minimum=10):
    RoutingSettings.objects.update_or_create(
        pk=1, defaults={"confidence_threshold": threshold, "min_cases_per_category": minimum}
    )


def test_train_save_load_predict_round_trip(tmp_path):
    data = rows(400)
    texts, labels = [t for t, _ in data], [y for _, y in data]
    pipeline, metrics = engine.train_and_evaluate(texts, labels)
    engine.save(pipeline, tmp_path / "m")
    loaded = engine.load(tmp_path / "m")
    assert metrics["macro_f1"] > 0.8 and "baseline" in metrics
    assert set(metrics["per_category"]) == set(labels)
    assert len(metrics["confusion"]["matrix"]) == len(metrics["confusion"]["labels"])
    assert list(loaded.predict(["邻居家音响声音太大，吵得睡不着", "垃圾桶满了没人清运"])) == [
        "noise",
        "garbage",
    ]
    ranked = engine.top(loaded, "暖气不热", limit=3)
    assert ranked[0][0] == "heating" and len(ranked) == 3
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1] and 0 < ranked[0][1] <= 1


def test_training_from_cases_makes_the_first_version_live_and_suggestions_smart(tree, categories):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    model = routing_train(source=Source.CASES)
    assert model.is_live and model.version == 1 and model.source == Source.CASES
    assert model.min_support >= 10 and "trained_until" in model.metrics
    result = suggest_category("邻居家音响声音太大")
    assert result.source == "model" and result.model_version == 1
    assert result[0][0] == categories["noise"]


def test_cold_start_too_few_cases_keeps_the_keyword_rules(tree, categories):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=4)
    with pytest.raises(ValidationError) as exc:
        routing_train(source=Source.CASES)
    assert "source" in exc.value.message_dict
    assert not RoutingModel.objects.exists()
    result = suggest_category("楼下广场舞噪音太大")
    assert result.source == "keywords" and result[0][0] == categories["noise"]


def test_a_live_model_with_too_little_data_per_category_is_not_used(tree, categories):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    routing_train(source=Source.CASES)
    settings_with(minimum=50)  # admins raise the bar: the model no longer qualifies
    assert suggest_category("楼下广场舞噪音太大").source == "keywords"


def test_low_confidence_sends_the_case_to_manual_dispatch(tree, categories):
    settings_with(threshold=0.99, minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    routing_train(source=Source.CASES)
    unsure = make_case(tree.grid, category=categories["noise"], title="情况反映", text="有个事情想反映一下")
    suggestion = CaseSuggestion.objects.get(case=unsure)
    assert suggestion.source == "model" and suggestion.confidence < 0.99
    assert suggestion.manual and suggestion.needs_manual_dispatch
    assert len(suggestion.alternatives) == 3

    settings_with(threshold=0.2, minimum=10)
    sure = make_case(
        tree.grid, category=categories["heating"], title="暖气不热", text="入冬以来家里暖气一直不热"
    )
    suggestion = CaseSuggestion.objects.get(case=sure)
    assert suggestion.category == categories["heating"] and not suggestion.manual


def test_no_suggestion_at_all_is_manual_dispatch(tree, categories):
    case = make_case(tree.grid, category=categories["noise"], title="咨询", text="想问一下社保政策")
    suggestion = CaseSuggestion.objects.get(case=case)
    assert suggestion.source == "none" and suggestion.manual and suggestion.category is None


def test_correction_at_acceptance_is_recorded_and_weighs_in_the_next_training(tree, categories, staff):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    case = make_case(
        tree.grid, category=categories["noise"], title="楼上漏水", text="楼上邻居漏水到我家不肯赔"
    )
    case_services.case_accept(actor=staff, case=case, category=categories["neighbour-disputes"])
    correction = RoutingCorrection.objects.get(case=case)
    assert correction.from_category == categories["noise"]
    assert correction.to_category == categories["neighbour-disputes"] and correction.by == staff
    assert CaseSuggestion.objects.get(case=case).confirmed_at is not None

    data = cases_training_data()
    i = data["case_ids"].index(case.pk)
    assert data["labels"][i] == "neighbour-disputes" and data["weights"][i] > 1
    # Make the corrected case part of the training split (not the recent held-out part).
    Case.objects.filter(pk=case.pk).update(
        submitted_at=Case.objects.order_by("submitted_at").first().submitted_at
    )
    model = routing_train(source=Source.CASES)
    correction.refresh_from_db()
    assert correction.used_by == model


def test_recategorize_records_a_correction_and_confirming_records_none(tree, categories, staff):
    case = make_case(tree.grid, category=categories["noise"], title="暖气", text="暖气不热")
    case_services.case_recategorize(actor=staff, case=case, category=categories["noise"])
    assert not RoutingCorrection.objects.filter(case=case).exists()
    assert CaseSuggestion.objects.get(case=case).confirmed_at is not None
    case_services.case_recategorize(actor=staff, case=case, category=categories["heating"])
    case.refresh_from_db()
    assert case.category == categories["heating"]
    assert RoutingCorrection.objects.get(case=case).to_category == categories["heating"]


def test_recategorize_refuses_dispatched_cases_and_other_areas(tree, categories, staff):
    from django.http import Http404

    from yishi.core.tests.factories import user_with_role

    case = make_case(tree.grid, category=categories["noise"])
    outsider = user_with_role("community_staff", tree.sibling, username="jinhua")
    with pytest.raises(Http404):
        case_services.case_recategorize(actor=outsider, case=case, category=categories["heating"])
    case_services.case_accept(actor=staff, case=case)
    case_services.case_handle_self(actor=staff, case=case)
    with pytest.raises(ValidationError) as exc:
        case_services.case_recategorize(actor=staff, case=case, category=categories["heating"])
    assert "category" in exc.value.message_dict


def test_a_worse_model_never_replaces_the_live_one(tree, categories):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    live = routing_train(source=Source.CASES)
    assert live.is_live
    # A ledger whose labels are shuffled: a model that learned nothing.
    data = rows(300, seed=11)
    labels = [y for _t, y in data]
    random.Random(5).shuffle(labels)
    worse = routing_train(source=Source.CSV, rows=[(t, y) for (t, _y), y in zip(data, labels, strict=True)])
    worse.refresh_from_db()
    live.refresh_from_db()
    assert not worse.is_live and live.is_live
    assert worse.metrics["promotion"]["promoted"] is False
    assert worse.metrics["promotion"]["candidate"] < worse.metrics["promotion"]["live"]
    assert routing_promote(candidate=worse) is False
    # A good ledger is not worse: it goes live, and only one version is live.
    better = routing_train(source=Source.CSV, rows=rows(600, seed=12))
    assert better.is_live
    assert list(RoutingModel.objects.filter(is_live=True)) == [better]


def test_csv_labels_must_be_categories(categories):
    with pytest.raises(ValidationError) as exc:
        routing_train(source=Source.CSV, rows=[("a", "x"), ("b", "y")] * 3)
    assert "csv" in exc.value.message_dict


def test_an_unreadable_model_file_falls_back_to_keywords(tree, categories):
    settings_with(minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    model = routing_train(source=Source.CASES)
    with open(model.artefact, "wb") as f:
        f.write(b"broken")
    result = suggest_category("楼下广场舞噪音太大")
    assert result.source == "keywords" and result[0][0] == categories["noise"]


def test_settings_are_checked_and_only_platform_admins_change_them(tree, staff, admin_user):
    from django.core.exceptions import PermissionDenied

    from yishi.core.tests.factories import UserFactory
    from yishi.routing.services import routing_settings_update

    with pytest.raises(PermissionDenied):  # a district admin role does not set platform-wide routing
        routing_settings_update(actor=admin_user, confidence_threshold=0.4, min_cases_per_category=10)
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        routing_settings_update(actor=staff, confidence_threshold=0.4, min_cases_per_category=10)
    with pytest.raises(ValidationError) as exc:
        routing_settings_update(actor=admin_user, confidence_threshold=1.5, min_cases_per_category=1)
    assert set(exc.value.message_dict) == {"confidence_threshold", "min_cases_per_category"}
    routing_settings_update(actor=admin_user, confidence_threshold=0.4, min_cases_per_category=20)
    assert RoutingSettings.current().min_cases_per_category == 20


def test_recategorize_refuses_a_heading(tree, categories, staff):
    from yishi.cases.tests.factories import CategoryFactory

    heading = CategoryFactory(key="env", name="环境卫生")
    CategoryFactory(key="env-child", name="子类", parent=heading)
    case = make_case(tree.grid, category=categories["noise"])
    with pytest.raises(ValidationError):
        case_services.case_recategorize(actor=staff, case=case, category=heading)


def test_a_category_with_too_few_cases_is_still_suggested_by_its_keywords(tree, categories):
    """Cold start per category: the model knows the categories with enough cases; a new one (no cases yet)
    is suggested by its keyword rule when the model is unsure about the text."""
    from yishi.cases.tests.factories import CategoryFactory

    settings_with(threshold=0.9, minimum=10)
    seed_history(tree.grid, categories, per_category=16)
    routing_train(source=Source.CASES)
    vaccine = CategoryFactory(key="vaccine", name="疫苗接种", keywords="疫苗 接种")
    result = suggest_category("社区什么时候安排疫苗接种？")
    assert result[0][0] == vaccine and result.source == "keywords"
    # A text the model is sure about keeps the model's answer first.
    settings_with(threshold=0.05, minimum=10)
    assert suggest_category("邻居家音响声音太大，吵得睡不着")[0][0] == categories["noise"]
