"""``/bench/floor/…``: the floor views, included by ``yishi.urls`` only when ``settings.BENCH_FLOORS`` is on."""

from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("floor/empty", views.floor_empty, name="floor_empty"),
    path("floor/json", views.floor_json, name="floor_json"),
    path("floor/template", views.floor_template, name="floor_template"),
]
