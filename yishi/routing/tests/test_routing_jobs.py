"""Start-up training (demo), the scheduled job and its schedule, and the admin pages."""

import pytest
from django.urls import reverse
from django_q.models import Schedule

from yishi.routing import tasks
from yishi.routing.models import RoutingModel, RoutingSettings
from yishi.routing.services import routing_train_if_none

from .conftest import seed_history

pytestmark = pytest.mark.django_db


def test_the_daily_training_job_is_scheduled():
    schedule = Schedule.objects.get(name="routing.train_from_cases")
    assert schedule.func == "yishi.routing.tasks.train_from_cases" and schedule.repeats == -1


def test_start_up_training_only_without_a_live_model(tree, categories):
    RoutingSettings.objects.create(min_cases_per_category=10)
    assert routing_train_if_none() is None  # no cases: keyword rules stay, no error
    assert tasks.train_from_cases() == "skipped"
    seed_history(tree.grid, categories, per_category=16)
    first = routing_train_if_none()
    assert first is not None and first.is_live
    assert routing_train_if_none() is None
    assert RoutingModel.objects.count() == 1
    assert tasks.train_from_cases().startswith("v2")


def test_admin_shows_versions_with_their_evaluation(client, tree, categories):
    from yishi.core.tests.factories import UserFactory

    RoutingSettings.objects.create(min_cases_per_category=10)
    seed_history(tree.grid, categories, per_category=16)
    model = routing_train_if_none()
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:routing_routingmodel_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:routing_routingmodel_change", args=[model.pk])).content.decode()
    assert "macro-F1" in page and "confusion" in page and "noise" in page
    assert client.get(reverse("admin:routing_routingsettings_changelist")).status_code == 200
    response = client.post(
        reverse("admin:routing_routingsettings_change", args=[RoutingSettings.objects.get().pk]),
        {"confidence_threshold": "0.7", "min_cases_per_category": "12"},
    )
    assert response.status_code == 302
    assert RoutingSettings.current().confidence_threshold == 0.7
