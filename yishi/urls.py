"""Root URLs — the fixed interfaces of DESIGN §5 are named here."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from yishi.core import views as core_views

urlpatterns = [
    path("", include("yishi.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("yishi.accounts.urls")),
    path("areas/", include("yishi.areas.urls")),
    path("notices/", include("yishi.notices.urls")),
    path("inbox/", include("yishi.notifications.urls")),
    path("attachments/", include("yishi.attachments.urls")),
    path("audit/", include("yishi.audit.urls")),
    path("cases/", include("yishi.cases.urls")),
    path("opinions/", include("yishi.opinions.urls")),
    path("followups/", include("yishi.followups.urls")),
    path("routing/", include("yishi.routing.urls")),
    path("meetings/", include("yishi.meetings.urls")),
    path("councils/", include("yishi.councils.urls")),
    path("api/v1/", include("yishi.api_urls")),
    path("open311/v2/", include("yishi.cases.open311.urls")),
]
if settings.BENCH_FLOORS:
    urlpatterns.append(path("bench/", include("yishi.bench.urls")))

handler404 = "yishi.core.views.page_not_found"
handler500 = "yishi.core.views.server_error"
