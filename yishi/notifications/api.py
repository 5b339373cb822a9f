"""REST API of this app (placeholder until its owner lands it)."""


def register(router) -> None:
    """Register this app's viewsets on the ``/api/v1/`` router."""
