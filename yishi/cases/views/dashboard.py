"""Case pages: dashboard. (Owned by the engineer building this audience's pages.)"""

urlpatterns: list = []
