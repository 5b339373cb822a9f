"""Routes of meetings: ``/meetings/`` (namespace ``meetings``)."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sign-in/", views.sign_in, name="sign_in"),
    path("<int:pk>/act/<str:name>/", views.act, name="act"),
    path("<int:pk>/votes/<int:vote_pk>/cast/", views.cast, name="cast"),
    path("<int:pk>/agenda/print/", views.print_agenda, name="print_agenda"),
    path("<int:pk>/minutes/print/", views.print_minutes, name="print_minutes"),
]
