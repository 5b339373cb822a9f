"""URLs of the case process under ``/cases/``; each view module contributes its own patterns."""

from .views import dashboard, public, staff

app_name = "cases"

urlpatterns = public.urlpatterns + dashboard.urlpatterns + staff.urlpatterns
