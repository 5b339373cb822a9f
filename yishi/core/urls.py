from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("me/", views.home, name="home"),
    path("prefs/large-text/", views.large_text, name="large_text"),
]
