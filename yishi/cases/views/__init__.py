"""Pages of the case process, one module per audience: ``public`` (reporters and the opinion box),
``staff`` (dispatchers, departments, supervisors) and ``dashboard`` (rates, rankings, exports). Each module
defines its own ``urlpatterns``; ``cases/urls.py`` joins them.
"""
