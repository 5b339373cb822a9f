"""Pages of the notice board: public boards, notices and print sheets; staff publishing and withdrawing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.areas.models import Area
from yishi.core import permissions
from yishi.core.forms import add_service_errors

from . import links, selectors, services
from .forms import NoticeForm, WithdrawForm

BOARD_PAGE_SIZE = 20
MANAGE_PAGE_SIZE = 50


def board(request, area_id):
    """公示栏: an area's board — public notices on it and its subtree, newest first — and its opinion box."""
    area = get_object_or_404(Area, pk=area_id, is_active=True)
    page = Paginator(selectors.public_notices(area=area), BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/board.html",
        {
            "area": area,
            "page": page,
            "office": selectors.opinion_box_office(area=area),
            "opinion_box_path": links.opinion_box_path(area.pk),
        },
    )


def detail(request, pk):
    """A public notice's page (what its QR code opens)."""
    notice = selectors.public_notice_get(pk=pk)
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "opinion_box_path": links.opinion_box_path(notice.area_id),
        },
    )


def print_sheet(request, pk):
    """The printable A4 sheet of a public notice, with QR codes to its page and to the opinion box."""
    notice = selectors.public_notice_get(pk=pk)
    page_url = links.notice_url(request, notice)
    box_url = links.opinion_box_url(request, notice.area_id)
    return render(
        request,
        "notices/print.html",
        {
            "notice": notice,
            "page_url": page_url,
            "page_qr": links.qr_svg(page_url),
            "box_url": box_url,
            "box_qr": links.qr_svg(box_url),
        },
    )


def _publish_form(request, data=None):
    return NoticeForm(data, areas=selectors.publishable_areas(user=request.user))


@login_required
def create(request):
    """发布公示: the publish form; the service masks the text and records the event."""
    if not permissions.can(request.user, permissions.CHANGE_NOTICE):
        return render(request, "404.html", status=404)
    form = _publish_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("notices:detail", pk=notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "notices/create.html", {"form": form}, status=status)


@login_required
@require_POST
def preview(request):
    """htmx: the title and body as they will be published, masked (nothing is saved)."""
    form = _publish_form(request, request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    area = data.get("area")
    text = {"title": data.get("title", ""), "body": data.get("body", "")}
    people = services.people_named_in(f"{text['title']}\n{text['body']}", area=area) if area else []
    masked = {k: services.mask_public_text(v, people=people) for k, v in text.items()}
    return render(request, "notices/partials/preview.html", {"preview": masked, "area": area})


@login_required
def manage(request):
    """已发布的公示: every notice in the user's scope, withdrawn and expired ones with their state."""
    if not permissions.can(request.user, permissions.CHANGE_NOTICE):
        return render(request, "404.html", status=404)
    page = Paginator(selectors.staff_notices(user=request.user), MANAGE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/manage.html", {"page": page})


@login_required
def withdraw(request, pk):
    """撤回公示: asks for the reason, then takes the notice off the public board."""
    notice = selectors.staff_notice_get(user=request.user, pk=pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_withdraw(actor=request.user, notice=notice, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("公示已撤回。"))
            return redirect("notices:manage")
    status = 400 if request.method == "POST" else 200
    return render(request, "notices/withdraw.html", {"notice": notice, "form": form}, status=status)
