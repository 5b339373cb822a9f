"""The shell's own pages: the public portal, the "my work" home, preferences and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yishi.core import permissions
from yishi.core.middleware import ELDER_COOKIE


def portal(request):
    """公示栏入口: the public front page — the areas' notice boards and the latest notices."""
    from yishi.areas.models import Area, Level
    from yishi.notices.selectors import boards_with_notices, public_notice_list

    q = request.GET.get("q", "").strip()[:50]
    communities = (
        list(
            Area.objects.filter(level=Level.COMMUNITY, is_active=True, name__icontains=q)
            .select_related("parent")
            .order_by("path")[:20]
        )
        if q
        else []
    )
    return render(
        request,
        "core/portal.html",
        {
            "boards": boards_with_notices(),
            "latest": public_notice_list(limit=10),
            "q": q,
            "communities": communities,
        },
    )


@login_required
def home(request):
    """我的工作: what the signed-in user can do, grouped by the roles they hold."""
    from yishi.core.work import work_sections

    return render(request, "core/home.html", {"sections": work_sections(request.user)})


@require_POST
def large_text(request):
    """Switch the elder-friendly large-text mode; kept on the account, or in a cookie for visitors."""
    on = request.POST.get("large_text") == "1"
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.user.is_authenticated:
        request.user.large_text = on
        request.user.save(update_fields=["large_text"])
    response.set_cookie(ELDER_COOKIE, "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def healthz(request):
    """Liveness for load balancers: the database answers and the job queue's broker is reachable."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        checks["queue"] = "ok" if broker.ping() else "error: no answer"
        checks["queued_tasks"] = broker.queue_size()
    except Exception as exc:
        checks["queue"] = f"error: {exc.__class__.__name__}"
    healthy = checks["database"] == "ok" and checks["queue"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


__all__ = ["healthz", "home", "large_text", "permissions", "portal"]
