"""Routes of the opinion forms (the panel lives on each subject's own page)."""

from django.urls import path

from . import views

app_name = "opinions"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("paper/", views.paper, name="paper"),
    path("<int:pk>/research/", views.research, name="research"),
]
