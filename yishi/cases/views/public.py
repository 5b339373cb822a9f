"""Case pages: public. (Owned by the engineer building this audience's pages.)"""

urlpatterns: list = []
