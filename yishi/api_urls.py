"""``/api/v1/``: one router for every app's ``api.py``, plus the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from yishi.accounts import api as accounts_api
from yishi.areas import api as areas_api
from yishi.cases import api as cases_api
from yishi.councils import api as councils_api
from yishi.followups import api as followups_api
from yishi.meetings import api as meetings_api
from yishi.notices import api as notices_api
from yishi.notifications import api as notifications_api
from yishi.opinions import api as opinions_api

router = DefaultRouter()
for module in (
    areas_api,
    accounts_api,
    notices_api,
    notifications_api,
    cases_api,
    opinions_api,
    followups_api,
    councils_api,
    meetings_api,
):
    module.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
