"""Placeholder routes until the app's pages land (replaced by the app's owner)."""

from django.http import HttpResponse
from django.urls import path

app_name = "notifications"


def _todo(request, **kwargs):
    return HttpResponse(status=501)


urlpatterns = [
    path("inbox/", _todo, name="inbox"),
]
