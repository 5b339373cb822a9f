"""Placeholder routes until the app's pages land (replaced by the app's owner)."""

from django.http import HttpResponse
from django.urls import path

app_name = "areas"


def _todo(request, **kwargs):
    return HttpResponse(status=501)


urlpatterns = [
    path("list/", _todo, name="list"),
    path("detail/<int:pk>/", _todo, name="detail"),
    path("unit-list/", _todo, name="unit_list"),
    path("import/", _todo, name="import"),
]
