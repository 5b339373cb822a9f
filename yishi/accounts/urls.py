"""Routes of 人员与账号 under ``/accounts/``."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/verify/", views.signup_verify, name="signup_verify"),
    path("signup/resend/", views.signup_resend, name="signup_resend"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/grants/", views.person_grant, name="person_grant"),
    path("people/<int:pk>/grants/<int:grant_pk>/revoke/", views.person_revoke, name="person_revoke"),
    path("me/", views.me, name="me"),
]
