"""Routes of the notice board: public (board, notice, print) and staff (create, manage, withdraw)."""

from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("preview/", views.preview, name="preview"),
    path("manage/", views.manage, name="manage"),
    path("board/<int:area_id>/", views.board, name="board"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_sheet, name="print"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
