from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("<str:number>/", views.detail, name="detail"),
]
