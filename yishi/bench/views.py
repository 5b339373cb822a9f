"""Floors of ``yishi bench``: the least a Django view on the same server can cost, to compare pages with.

Mounted under ``/bench/floor/`` only when ``settings.BENCH_FLOORS`` is on (``YISHI_BENCH_FLOORS=1``, set by
the bench for its own server); a deployment never serves them. They pass through the whole middleware stack
like every page, need no login and show only case numbers, titles and times — synthetic data in a bench.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from yishi.cases.models import Case

FLOOR_ROWS = 20


def _rows() -> list[dict]:
    return list(
        Case.objects.order_by("-submitted_at", "-id").values(
            "id", "number", "title", "status", "submitted_at"
        )[:FLOOR_ROWS]
    )


def floor_empty(request):
    """An empty answer: routing, middleware and the WSGI server, nothing else."""
    return HttpResponse(b"", content_type="text/plain")


def floor_json(request):
    """A 20-row ORM list of cases as JSON: the floor of the API lists."""
    return JsonResponse({"results": _rows()})


def floor_template(request):
    """The same 20 rows through a minimal template: the floor of the HTML pages."""
    return render(request, "bench/floor.html", {"rows": _rows()})
