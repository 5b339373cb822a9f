"""Pages of a meeting: the meeting page (agenda, participants, quorum, votes, minutes; staff actions; the
member's ballot), the member's sign-in page, and the printable agenda and minutes.

Every action is a small form posted to ``act/<name>/``; the view parses it, calls one service and, on a
``ValidationError``, shows the meeting page again with the errors beside the fields (status 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.audit.selectors import timeline_for
from yishi.core import permissions
from yishi.core.forms import add_service_errors
from yishi.notices.links import qr_svg

from . import forms as f
from . import selectors, services
from .models import MeetingStatus, VoteStatus
from .workflow import MeetingAction, allowed

LIST_PAGE_SIZE = 30


def _invite(request, meeting, d):
    return services.meeting_invite(
        actor=request.user,
        meeting=meeting,
        person=d["person"],
        unit=d["unit"],
        capacity=d["capacity"],
        is_member=d["is_member"],
    )


# action name -> (form class, call(request, meeting, cleaned data), success message)
ACTIONS = {
    "invite": (f.InviteForm, _invite, "已邀请参会。"),
    "agenda": (
        f.AgendaForm,
        lambda r, m, d: services.meeting_add_agenda_item(actor=r.user, meeting=m, title=d["title"]),
        "已增加议程。",
    ),
    "start": (f.EmptyForm, lambda r, m, d: services.meeting_start(actor=r.user, meeting=m), "会议已开始。"),
    "cancel": (
        f.CancelForm,
        lambda r, m, d: services.meeting_cancel(actor=r.user, meeting=m, reason=d["reason"]),
        "会议已取消。",
    ),
    "sign_in": (
        f.SignInForm,
        lambda r, m, d: services.meeting_sign_in(actor=r.user, participant=d["participant"]),
        "已签到。",
    ),
    "open_vote": (
        f.OpenVoteForm,
        lambda r, m, d: services.vote_open(actor=r.user, agenda_item=d["agenda_item"], secret=d["secret"]),
        "表决已开始。",
    ),
    "close_vote": (
        f.CloseVoteForm,
        lambda r, m, d: services.vote_close(actor=r.user, vote=d["vote"]),
        "表决已结束。",
    ),
    "record_vote": (
        f.RecordVoteForm,
        lambda r, m, d: services.vote_record(
            actor=r.user, vote=d["vote"], participant=d["participant"], choice=d["choice"]
        ),
        "已记录表决意见。",
    ),
    "record": (
        f.RecordForm,
        lambda r, m, d: services.meeting_record(
            actor=r.user, meeting=m, minutes=d["minutes"], outcome=d["outcome"]
        ),
        "会议纪要已记录。",
    ),
}


def _form(name: str, request, meeting, data=None):
    form_class = ACTIONS[name][0]
    kwargs = {"prefix": name}
    if form_class is f.InviteForm:
        kwargs.update(meeting=meeting, user=request.user)
    elif form_class not in (f.AgendaForm, f.EmptyForm, f.CancelForm, f.RecordForm):
        kwargs["meeting"] = meeting
    return form_class(data, **kwargs)


@login_required
def meeting_list(request):
    """会议: the meetings in the user's scope and those they are invited to, newest first."""
    page = Paginator(selectors.meeting_list(user=request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "meetings/list.html", {"page": page})


def _page(request, meeting, *, bound=None, status=200):
    """Render the meeting page; ``bound`` is (action name, form) of a refused post, shown with its errors."""
    meeting = selectors.meeting_detail(meeting)
    participants = list(meeting.participants.all())
    agenda = list(meeting.agenda.all())
    can_change = permissions.can(request.user, permissions.CHANGE_MEETING, meeting)
    mine = next((p for p in participants if p.person_id and p.person_id == request.user.person_id), None)
    ballots = []  # the open votes the signed-in member may still cast
    for item in agenda:
        for vote in item.votes.all():
            if vote.status == VoteStatus.OPEN and mine and mine.is_member and mine.signed_in_at:
                if not any(r.participant_id == mine.pk for r in vote.receipts.all()):
                    ballots.append((item, vote, f.CastForm(prefix=f"cast-{vote.pk}")))
    context = {
        "meeting": meeting,
        "participants": participants,
        "members_present": [p for p in participants if p.is_member and p.signed_in_at],
        "agenda": agenda,
        "quorum": selectors.quorum_status(meeting, participants),
        "can_change": can_change,
        "mine": mine,
        "ballots": ballots,
        "bound_name": bound[0] if bound else "",
        "bound_form": bound[1] if bound else None,
        "can": {a.value: allowed(meeting.status, a) for a in MeetingAction},
        "is_live": meeting.status in (MeetingStatus.PLANNED, MeetingStatus.IN_SESSION),
    }
    if can_change:
        forms = {name: _form(name, request, meeting) for name in ("invite", "agenda", "cancel", "record")}
        if bound and bound[0] in forms:
            forms[bound[0]] = bound[1]
        sign_in_url = request.build_absolute_uri(reverse("meetings:sign_in", args=[meeting.pk]))
        context.update(
            forms=forms,
            sign_in_url=sign_in_url,
            sign_in_qr=qr_svg(sign_in_url),
            events=timeline_for(meeting),
        )
    return render(request, "meetings/detail.html", context, status=status)


@login_required
def detail(request, pk):
    """会议: the meeting page; staff see the actions the meeting's status allows, members their ballot."""
    return _page(request, selectors.meeting_get(user=request.user, pk=pk))


@login_required
@require_POST
def act(request, pk, name):
    """One staff action on the meeting (see ``ACTIONS``)."""
    if name not in ACTIONS:
        raise Http404
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    if not permissions.can(request.user, permissions.CHANGE_MEETING, meeting):
        raise Http404
    form = _form(name, request, meeting, request.POST)
    if form.is_valid():
        try:
            ACTIONS[name][1](request, meeting, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _(ACTIONS[name][2]))
            return redirect("meetings:detail", pk=meeting.pk)
    return _page(request, meeting, bound=(name, form), status=400)


@login_required
@require_POST
def cast(request, pk, vote_pk):
    """投票: the signed-in member's own ballot on an open vote."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    vote = selectors.meeting_votes(meeting).filter(pk=vote_pk).first()
    if vote is None:
        raise Http404
    form = f.CastForm(request.POST, prefix=f"cast-{vote.pk}")
    if form.is_valid():
        try:
            services.vote_cast(user=request.user, vote=vote, choice=form.cleaned_data["choice"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("您的表决意见已提交。"))
            return redirect("meetings:detail", pk=meeting.pk)
    return _page(request, meeting, bound=("cast", form), status=400)


@login_required
def sign_in(request, pk):
    """会议签到: the member enters the 6-digit code announced in the room (the meeting page's QR code opens
    this page)."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    form = f.CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_sign_in_with_code(
                user=request.user, meeting=meeting, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("签到成功。"))
            return redirect("meetings:detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    participant = selectors.participant_of(meeting, request.user)
    return render(
        request,
        "meetings/sign_in.html",
        {"meeting": meeting, "form": form, "participant": participant},
        status=status,
    )


def _print_context(request, pk):
    meeting = selectors.meeting_detail(selectors.meeting_get(user=request.user, pk=pk))
    participants = list(meeting.participants.all())
    return {
        "meeting": meeting,
        "participants": participants,
        "agenda": list(meeting.agenda.all()),
        "quorum": selectors.quorum_status(meeting, participants),
    }


@login_required
def print_agenda(request, pk):
    """会议议程 (A4): time, place, agenda and invited participants, with a QR code to the sign-in page."""
    context = _print_context(request, pk)
    url = request.build_absolute_uri(reverse("meetings:sign_in", args=[pk]))
    context.update(sign_in_url=url, sign_in_qr=qr_svg(url))
    return render(request, "meetings/print_agenda.html", context)


@login_required
def print_minutes(request, pk):
    """会议纪要 (A4): attendance, the votes with their tallies and results, minutes and outcome."""
    return render(request, "meetings/print_minutes.html", _print_context(request, pk))
