"""Pages of the area tree, the units and the ledger import (台账导入)."""

from django.urls import path

from . import views

app_name = "areas"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/edit/", views.area_update, name="update"),
    path("<int:pk>/children/new/", views.area_create_child, name="create_child"),
    path("<int:pk>/units/new/", views.unit_create, name="unit_create"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("import/", views.ledger_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
