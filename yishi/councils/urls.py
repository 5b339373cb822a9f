"""``/councils/``: council, topic and council meeting pages (namespace ``councils``)."""

from django.urls import path

from . import views

app_name = "councils"

urlpatterns = [
    path("", views.council_list, name="list"),
    path("<int:pk>/", views.council_detail, name="detail"),
    path("<int:pk>/propose/", views.topic_propose, name="propose"),
    path("<int:pk>/schedule/<str:kind>/", views.council_schedule, name="schedule"),
    path("<int:pk>/setup/<str:action>/", views.council_act, name="council_act"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/<str:action>/", views.topic_act, name="topic_act"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/<str:action>/", views.meeting_act, name="meeting_act"),
]
