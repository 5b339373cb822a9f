"""Routes of 落实跟踪."""

from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.followup_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/volunteer/", views.volunteer, name="volunteer"),
]
