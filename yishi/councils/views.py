"""Council pages: the council page, the topic page with the actions allowed now, the proposal form, and the
council meeting page (sign-in, quorum, votes, minutes).

Each POST parses one form and calls one service; a service's ValidationError re-renders the page with the
errors beside their fields and status 400. Anything outside the user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.accounts.models import Person
from yishi.areas.models import Unit, subtree_q
from yishi.audit.selectors import timeline_for
from yishi.core import permissions
from yishi.core.forms import add_service_errors
from yishi.meetings import services as meeting_services
from yishi.meetings.models import Meeting, MeetingStatus, Participant, Vote, VoteStatus

from . import forms as f
from . import selectors, services
from .workflow import TopicAction, TopicStatus, allowed_actions


def _is_staff(user, obj) -> bool:
    return permissions.can(user, permissions.CHANGE_COUNCIL, obj)


@login_required
def council_list(request):
    """议事会: the councils of the user's areas."""
    return render(request, "councils/list.html", {"councils": selectors.council_list(user=request.user)})


def _community_people(council):
    return Person.objects.filter(subtree_q(council.area.path, "home_area__path")).order_by("name", "pk")


def _setup_forms(council, data=None, action=None) -> dict:
    """The staff's council setup forms by action name; only the submitted one (``action``) is bound."""
    charter = council.charter

    def bound(name):
        return data if name == action else None

    return {
        "charter": f.CharterForm(
            bound("charter"),
            initial={
                "quorum_rule": charter.quorum_rule,
                "threshold_rule": charter.threshold_rule,
                "meeting_frequency": charter.meeting_frequency,
                "min_opinion_days": charter.min_opinion_days,
                "text": charter.text,
            },
        ),
        "scope_add": f.ScopeItemForm(bound("scope_add")),
        "member_add": f.MemberAddForm(bound("member_add"), people=_community_people(council)),
        "member_remove": f.MemberRemoveForm(bound("member_remove")),
        "members_party": f.PartyMembersForm(bound("members_party")),
    }


def _council_page(request, council, *, setup=None, status=200):
    is_staff = _is_staff(request.user, council)
    return render(
        request,
        "councils/detail.html",
        {
            "council": council,
            "is_staff": is_staff,
            "groups": selectors.members_by_group(council),
            "scope_items": council.charter.scope_items.all(),
            "meetings": selectors.upcoming_meetings(council)[:12],
            "topics": selectors.topics_by_status(council),
            "adhoc_form": f.AdhocMeetingForm(),
            "regular_form": f.ScheduleRegularForm(),
            "setup": (setup or _setup_forms(council)) if is_staff else {},
        },
        status=status,
    )


@login_required
def council_detail(request, pk):
    """The council page: members by residential group, charter and scope, upcoming meetings, topics by status."""
    return _council_page(request, selectors.council_get(user=request.user, pk=pk))


def _setup_call(action, actor, council, form):
    d = form.cleaned_data
    if action == "charter":
        return services.charter_update(actor=actor, council=council, **d)
    if action == "scope_add":
        return services.scope_item_add(actor=actor, council=council, **d)
    if action == "member_add":
        return services.council_member_add(actor=actor, council=council, **d)
    if action == "member_remove":
        member = council.members.filter(pk=d["member"]).first()
        if member is None:
            raise Http404
        return services.council_member_remove(actor=actor, member=member)
    if action == "members_party":
        return services.council_members_add_party(actor=actor, council=council, group=d["group"])
    raise Http404


@login_required
@require_POST
def council_act(request, pk, action):
    """Council setup by its staff: the charter, scope items, members (one, or all party members), leaving."""
    council = selectors.council_get(user=request.user, pk=pk)
    if not _is_staff(request.user, council):
        raise Http404
    forms_ = _setup_forms(council, request.POST, action)
    form = forms_.get(action)
    if form is None:
        raise Http404
    if form.is_valid():
        try:
            _setup_call(action, request.user, council, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("councils:detail", council.pk)
    council = selectors.council_get(user=request.user, pk=pk)
    return _council_page(request, council, setup=forms_, status=400)


def _propose_form(request, council, data=None):
    if _is_staff(request.user, council):
        from yishi.cases.models import Case
        from yishi.cases.workflow import Status as CaseStatus

        cases = Case.objects.filter(subtree_q(council.area.path, "area__path"), status=CaseStatus.IN_COUNCIL)
        people = Person.objects.filter(subtree_q(council.area.path, "home_area__path"))
        return f.StaffProposeForm(data, cases=cases, people=people, initial={"source": "member"})
    return f.ProposeForm(data)


@login_required
def topic_propose(request, pk):
    """提议议题: residents and members propose as themselves; staff name the source (a referred case …)."""
    council = selectors.council_get(user=request.user, pk=pk)
    form = _propose_form(request, council, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                topic = services.topic_propose(
                    actor=request.user,
                    council=council,
                    title=data["title"],
                    description=data["description"],
                    source=data.get("source", ""),
                    source_case=data.get("source_case"),
                    proposer=data.get("proposer"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("议题已提交，等待议事范围审查。"))
                return redirect("councils:topic", topic.pk)
        status = 400
    return render(request, "councils/propose.html", {"council": council, "form": form}, status=status)


# ---------------------------------------------------------------- the topic page


def _action_forms(topic, data=None) -> dict:
    """The form of each action allowed now, by its name."""
    allowed = allowed_actions(topic.status)
    council = topic.council
    out = {}
    if TopicAction.ACCEPT in allowed:
        out["scope_check"] = f.ScopeCheckForm(data, scope_items=council.charter.scope_items.all())
    if TopicAction.PUBLISH in allowed:
        out["publish"] = f.PublishForm(data, initial={"opinion_days": council.charter.min_opinion_days})
    if TopicAction.CLOSE_OPINIONS in allowed:
        out["close_opinions"] = f.CloseOpinionsForm(data)
    if TopicAction.SCHEDULE in allowed and (
        topic.status != TopicStatus.ON_AGENDA or services.agenda_is_dead(topic)
    ):
        out["schedule"] = f.AgendaForm(data, meetings=selectors.open_meetings(council))
    if topic.status == TopicStatus.ON_AGENDA and "schedule" not in out:
        has_open = topic.agenda_item_id and topic.agenda_item.votes.filter(status=VoteStatus.OPEN).exists()
        if not has_open:
            out["open_vote"] = f.OpenVoteForm(data)
        out["record_vote"] = f.ReasonForm(data)
    if TopicAction.START_FOLLOWUP in allowed:
        out["start_followup"] = f.TasksForm(
            data, units=Unit.objects.filter(subtree_q(council.area.path, "area__path"))
        )
    if TopicAction.ESCALATE in allowed:
        out["escalate"] = f.ReasonForm(data)
    if TopicAction.ANSWER in allowed:
        out["answer"] = f.AnswerForm(data)
    if TopicAction.COMPLETE in allowed:
        out["publish_progress"] = f.EmptyForm(data)
        out["complete"] = f.CompleteForm(data)
    return out


def _call(name, actor, topic, form):
    d = form.cleaned_data
    if name == "scope_check":
        return services.topic_scope_check(
            actor=actor,
            topic=topic,
            scope_item=d["scope_item"],
            in_scope=d["in_scope"],
            reason=d["reason"],
            pass_up=d["pass_up"],
        )
    if name == "publish":
        return services.topic_publish(actor=actor, topic=topic, opinion_days=d["opinion_days"])
    if name == "close_opinions":
        return services.topic_close_opinions(actor=actor, topic=topic, early=d["early"], reason=d["reason"])
    if name == "schedule":
        return services.topic_put_on_agenda(actor=actor, topic=topic, meeting=d["meeting"])
    if name == "open_vote":
        return services.topic_open_vote(actor=actor, topic=topic, secret=d["secret"])
    if name == "record_vote":
        return services.topic_record_vote(actor=actor, topic=topic, reason=d["reason"])
    if name == "start_followup":
        return services.topic_start_followup(actor=actor, topic=topic, tasks=form.tasks())
    if name == "escalate":
        return services.topic_escalate(actor=actor, topic=topic, reason=d["reason"])
    if name == "answer":
        return services.topic_answer(actor=actor, topic=topic, answer=d["answer"])
    if name == "publish_progress":
        return services.topic_publish_progress(actor=actor, topic=topic)
    if name == "complete":
        return services.topic_complete(actor=actor, topic=topic, summary=d["summary"])
    raise Http404


def _topic_page(request, topic, forms_=None, status=200):
    is_staff = _is_staff(request.user, topic)
    vote = None
    if topic.agenda_item_id:
        vote = topic.agenda_item.votes.order_by("-opened_at", "-pk").first()
    return render(
        request,
        "councils/topic.html",
        {
            "topic": topic,
            "council": topic.council,
            "is_staff": is_staff,
            "forms": (forms_ if forms_ is not None else _action_forms(topic)) if is_staff else {},
            "vote": vote,
            "results": services.results_lines(topic)
            if topic.status in (TopicStatus.IN_FOLLOWUP, TopicStatus.DONE)
            else [],
            "events": timeline_for(topic),
            "steps": [
                s
                for s in TopicStatus
                if s
                not in (
                    TopicStatus.REFUSED,
                    TopicStatus.PASSED_UP,
                    TopicStatus.REJECTED,
                    TopicStatus.ESCALATED,
                )
            ],
        },
        status=status,
    )


@login_required
def topic_detail(request, pk):
    """The topic page: status line, scope check, publication, opinions, meeting and vote, follow-ups, results."""
    return _topic_page(request, selectors.topic_get(user=request.user, pk=pk))


@login_required
@require_POST
def topic_act(request, pk, action):
    """Run one action on a topic through its service."""
    topic = selectors.topic_get(user=request.user, pk=pk)
    if not _is_staff(request.user, topic):
        raise Http404
    forms_ = _action_forms(topic, request.POST)
    form = forms_.get(action)
    if form is None:
        forms_ = _action_forms(topic)
        messages.error(request, _("议题当前状态不能进行这一操作。"))
        return _topic_page(request, topic, forms_, status=400)
    if form.is_valid():
        try:
            _call(action, request.user, topic, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("councils:topic", topic.pk)
    # only the submitted form keeps its data and errors
    shown = _action_forms(topic)
    shown[action] = form
    return _topic_page(request, topic, shown, status=400)


# ---------------------------------------------------------------- council meetings


def _council_meeting(request, pk):
    meeting = get_object_or_404(Meeting, pk=pk)
    council = selectors.council_of_meeting(meeting)
    if council is None:
        raise Http404
    selectors.council_get(user=request.user, pk=council.pk)  # scope check: 404 outside
    return meeting, council


def _meeting_page(request, meeting, council, *, form_errors=None, status=200):
    from yishi.meetings.selectors import quorum_status

    participants = list(meeting.participants.select_related("person", "unit").order_by("-is_member", "pk"))
    me = next((p for p in participants if p.person_id and p.person_id == request.user.person_id), None)
    agenda = []
    for item in meeting.agenda.order_by("order", "pk").prefetch_related("votes"):
        votes = list(item.votes.all())
        open_vote = next((v for v in votes if v.status == VoteStatus.OPEN), None)
        voted = set()
        if open_vote is not None:
            voted = set(open_vote.receipts.values_list("participant_id", flat=True))
        agenda.append(
            {
                "item": item,
                "votes": votes,
                "open_vote": open_vote,
                "voted": voted,
                "topic": item.subject if item.subject_type_id else None,
            }
        )
    return render(
        request,
        "councils/meeting.html",
        {
            "meeting": meeting,
            "council": council,
            "is_staff": _is_staff(request.user, council),
            "participants": participants,
            "me": me,
            "quorum": quorum_status(meeting, participants),
            "agenda": agenda,
            "errors": form_errors or {},
            "code_form": f.SignInCodeForm(),
            "minutes_form": f.MinutesForm(),
            "invite_form": f.InviteForm(people=_community_people(council))
            if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.IN_SESSION)
            else None,
        },
        status=status,
    )


@login_required
def meeting_detail(request, pk):
    """A council meeting: participants and sign-in, quorum, agenda with each topic's vote, minutes."""
    meeting, council = _council_meeting(request, pk)
    return _meeting_page(request, meeting, council)


def _vote_of(meeting, form) -> Vote:
    vote = Vote.objects.filter(pk=form.cleaned_data["vote"], agenda_item__meeting=meeting).first()
    if vote is None:
        raise Http404
    return vote


def _participant_of(meeting, pk) -> Participant:
    participant = meeting.participants.filter(pk=pk).first()
    if participant is None:
        raise Http404
    return participant


@login_required
@require_POST
def meeting_act(request, pk, action):
    """Run one meeting action: start, sign in (staff or by code), vote (cast, record, close), minutes."""
    meeting, council = _council_meeting(request, pk)
    staff_actions = {"start", "sign_in", "record_ballot", "close_vote", "record", "invite"}
    if action in staff_actions and not _is_staff(request.user, council):
        raise Http404
    form_class = {
        "start": f.EmptyForm,
        "sign_in": f.ParticipantForm,
        "sign_in_code": f.SignInCodeForm,
        "cast": f.CastForm,
        "record_ballot": f.RecordBallotForm,
        "close_vote": f.VoteForm,
        "record": f.MinutesForm,
        "invite": f.InviteForm,
    }.get(action)
    if form_class is None:
        raise Http404
    if action == "invite":
        form = f.InviteForm(request.POST, people=_community_people(council))
    else:
        form = form_class(request.POST)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "start":
                meeting_services.meeting_start(actor=request.user, meeting=meeting)
            elif action == "sign_in":
                meeting_services.meeting_sign_in(
                    actor=request.user, participant=_participant_of(meeting, d["participant"])
                )
            elif action == "sign_in_code":
                meeting_services.meeting_sign_in_with_code(user=request.user, meeting=meeting, code=d["code"])
            elif action == "cast":
                meeting_services.vote_cast(
                    user=request.user, vote=_vote_of(meeting, form), choice=d["choice"]
                )
            elif action == "record_ballot":
                meeting_services.vote_record(
                    actor=request.user,
                    vote=_vote_of(meeting, form),
                    participant=_participant_of(meeting, d["participant"]),
                    choice=d["choice"],
                )
            elif action == "close_vote":
                meeting_services.vote_close(actor=request.user, vote=_vote_of(meeting, form))
            elif action == "invite":
                services.council_invite(
                    actor=request.user, meeting=meeting, person=d["person"], capacity=d["capacity"]
                )
            elif action == "record":
                meeting_services.meeting_record(
                    actor=request.user, meeting=meeting, minutes=d["minutes"], outcome=d["outcome"]
                )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, _("已保存。"))
            return redirect("councils:meeting", meeting.pk)
    else:
        errors = {k: list(v) for k, v in form.errors.items()}
    meeting.refresh_from_db()
    return _meeting_page(request, meeting, council, form_errors=errors, status=400)


@login_required
@require_POST
def council_schedule(request, pk, kind):
    """Schedule meetings of the council: the regular ones for a year ahead, or one ad hoc meeting."""
    council = selectors.council_get(user=request.user, pk=pk)
    if not _is_staff(request.user, council):
        raise Http404
    form = (f.AdhocMeetingForm if kind == "adhoc" else f.ScheduleRegularForm)(request.POST)
    if form.is_valid():
        try:
            if kind == "adhoc":
                meeting = services.council_meeting_adhoc(
                    actor=request.user, council=council, **form.cleaned_data
                )
                return redirect("councils:meeting", meeting.pk)
            services.council_schedule_regular(
                actor=request.user, council=council, start=form.cleaned_data["start"]
            )
            messages.success(request, _("已安排未来四个季度的例会。"))
            return redirect("councils:detail", council.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "councils/schedule_error.html",
        {"council": council, "form": form},
        status=400,
    )


def meeting_url(meeting) -> str:
    return reverse("councils:meeting", args=[meeting.pk])
