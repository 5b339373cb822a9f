"""Placeholder routes until the app's pages land (replaced by the app's owner)."""

from django.http import HttpResponse
from django.urls import path

app_name = "notices"


def _todo(request, **kwargs):
    return HttpResponse(status=501)


urlpatterns = [
    path("create/", _todo, name="create"),
    path("manage/", _todo, name="manage"),
    path("board/<int:area_id>/", _todo, name="board"),
]
