"""A URL conf with a stand-in for the cases process's opinion box, for the QR link test."""

from django.http import HttpResponse
from django.urls import include, path


def _box(request, area_id):
    return HttpResponse()


urlpatterns = [
    path("notices/", include("yishi.notices.urls")),
    path("cases/", include(([path("box/<int:area_id>/", _box, name="opinion_box")], "cases"))),
]
