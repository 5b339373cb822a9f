"""Placeholder routes until the app's pages land (replaced by the app's owner)."""

from django.http import HttpResponse
from django.urls import path

app_name = "accounts"


def _todo(request, **kwargs):
    return HttpResponse(status=501)


urlpatterns = [
    path("login/", _todo, name="login"),
    path("logout/", _todo, name="logout"),
    path("signup/", _todo, name="signup"),
    path("signup-verify/", _todo, name="signup_verify"),
    path("person-list/", _todo, name="person_list"),
    path("person-create/", _todo, name="person_create"),
]
