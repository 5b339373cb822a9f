"""The meeting pages: scope, staff actions with field errors, the member's sign-in and ballot, print sheets,
and the query count of the meeting page."""

import pytest
from django.urls import reverse

from yishi.core.tests.factories import user_with_role
from yishi.meetings import services
from yishi.meetings.models import Ballot, BallotReceipt, Meeting, Participant, Vote
from yishi.meetings.tests.conftest import member_user

pytestmark = pytest.mark.django_db


def url(name, meeting, *args):
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


def act(client, meeting, name, data=None):
    return client.post(url("act", meeting, name), {f"{name}-{k}": v for k, v in (data or {}).items()})


def errors(response):
    form = response.context["bound_form"]
    return form.errors if form is not None else {}


def test_pages_are_404_out_of_scope(client, make_meeting, outsider):
    meeting = make_meeting(members=2)
    client.force_login(outsider)
    for name in ("detail", "sign_in", "print_agenda", "print_minutes"):
        assert client.get(url(name, meeting)).status_code == 404, name
    assert act(client, meeting, "start").status_code == 404
    assert list(client.get(reverse("meetings:list")).context["page"].object_list) == []


def test_an_uninvited_resident_does_not_see_the_meeting(client, make_meeting, tree):
    meeting = make_meeting(members=2, start=False, present=0)
    client.force_login(user_with_role("resident", tree.community, username="resident"))
    assert client.get(url("detail", meeting)).status_code == 404


def test_workers_see_but_do_not_act(client, make_meeting, tree):
    meeting = make_meeting(members=2, start=False, present=0)
    client.force_login(user_with_role("grid_worker", tree.community, username="grid"))
    response = client.get(url("detail", meeting))
    assert response.status_code == 200 and not response.context["can_change"]
    assert b'data-testid="start"' not in response.content
    assert b'data-testid="sign-in-code"' not in response.content
    assert act(client, meeting, "start").status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"


def test_staff_page_shows_actions_code_and_qr(client, make_meeting, staff):
    meeting = make_meeting(members=3, start=False, present=0)
    client.force_login(staff)
    response = client.get(url("detail", meeting))
    html = response.content.decode()
    assert meeting.sign_in_code in html and "<svg" in html
    assert url("sign_in", meeting) in response.context["sign_in_url"]
    for testid in ("start", "invite", "add-agenda", "record", "cancel", "sign-in-participant"):
        assert f'data-testid="{testid}"' in html, testid
    assert 'data-testid="open-vote"' not in html  # only in session


def test_staff_runs_a_meeting_through_the_page(client, make_meeting, staff):
    meeting = make_meeting(members=3, start=False, present=0)
    client.force_login(staff)
    assert act(client, meeting, "start").status_code == 302
    response = act(client, meeting, "open_vote", {"agenda_item": meeting.agenda.first().pk})
    assert response.status_code == 400 and "法定人数" in str(errors(response))
    for p in Participant.objects.filter(meeting=meeting):
        assert act(client, meeting, "sign_in", {"participant": p.pk}).status_code == 302
    assert act(client, meeting, "open_vote", {"agenda_item": meeting.agenda.first().pk}).status_code == 302
    vote = Vote.objects.get()
    for p, choice in zip(Participant.objects.filter(meeting=meeting), ["for", "for", "against"], strict=True):
        data = {"vote": vote.pk, "participant": p.pk, "choice": choice}
        assert act(client, meeting, "record_vote", data).status_code == 302
    response = act(client, meeting, "record_vote", {"vote": vote.pk, "participant": p.pk, "choice": "for"})
    assert response.status_code == 400 and errors(response)
    assert act(client, meeting, "close_vote", {"vote": vote.pk}).status_code == 302
    response = client.get(url("detail", meeting))
    assert 'data-result="passed"' in response.content.decode()
    response = act(client, meeting, "record", {"minutes": "", "outcome": ""})
    assert response.status_code == 400 and {"minutes", "outcome"} <= set(errors(response))
    assert act(client, meeting, "record", {"minutes": "会议纪要", "outcome": "通过"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "held"
    assert Ballot.objects.filter(vote=vote).count() == 3


def test_field_errors_never_500(client, make_meeting, staff):
    meeting = make_meeting(members=2, start=False, present=0)
    client.force_login(staff)
    response = act(client, meeting, "invite", {"person": "查无此人"})
    assert response.status_code == 400 and "person" in errors(response)
    response = act(client, meeting, "invite", {})
    assert response.status_code == 400 and "person" in errors(response)
    response = act(client, meeting, "agenda", {"title": ""})
    assert response.status_code == 400 and "title" in errors(response)
    response = act(client, meeting, "cancel", {"reason": ""})
    assert response.status_code == 400 and "reason" in errors(response)
    response = act(client, meeting, "sign_in", {"participant": "x"})
    assert response.status_code == 400 and "participant" in errors(response)
    response = act(client, meeting, "open_vote", {"agenda_item": 999999})
    assert response.status_code == 400
    assert client.post(url("act", meeting, "explode")).status_code == 404


def test_invite_by_name_or_phone(client, make_meeting, staff, tree):
    meeting = make_meeting(members=1, start=False, present=0)
    invitee = user_with_role("party_member", tree.grid, username="geZhaoZhong")
    client.force_login(staff)
    data = {"person": invitee.person.phone, "capacity": "党员", "is_member": "on"}
    assert act(client, meeting, "invite", data).status_code == 302
    participant = Participant.objects.get(meeting=meeting, person=invitee.person)
    assert participant.is_member and participant.capacity == "党员"


def test_member_signs_in_with_code_and_casts_a_secret_ballot(client, make_meeting, staff):
    meeting = make_meeting(members=3, present=2)
    absent = Participant.objects.filter(meeting=meeting, signed_in_at__isnull=True).get()
    user = member_user(absent)
    client.force_login(user)
    assert 'data-testid="my-sign-in"' in client.get(url("detail", meeting)).content.decode()
    response = client.post(url("sign_in", meeting), {"code": "12345"})
    assert response.status_code == 400 and "code" in response.context["form"].errors
    wrong = "000000" if meeting.sign_in_code != "000000" else "111111"
    response = client.post(url("sign_in", meeting), {"code": wrong})
    assert response.status_code == 400 and "code" in response.context["form"].errors
    assert client.post(url("sign_in", meeting), {"code": meeting.sign_in_code}).status_code == 302
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first(), secret=True)
    response = client.get(url("detail", meeting))
    assert len(response.context["ballots"]) == 1
    response = client.post(url("cast", meeting, vote.pk), {f"cast-{vote.pk}-choice": "maybe"})
    assert response.status_code == 400
    assert client.post(url("cast", meeting, vote.pk), {f"cast-{vote.pk}-choice": "for"}).status_code == 302
    assert BallotReceipt.objects.filter(vote=vote).count() == 1 and not Ballot.objects.exists()
    assert client.get(url("detail", meeting)).context["ballots"] == []
    response = client.post(url("cast", meeting, vote.pk), {f"cast-{vote.pk}-choice": "against"})
    assert response.status_code == 400


def test_print_sheets(client, make_meeting, staff):
    meeting = make_meeting(members=3)
    vote = services.vote_open(actor=staff, agenda_item=meeting.agenda.first())
    for p in Participant.objects.filter(meeting=meeting):
        services.vote_record(actor=staff, vote=vote, participant=p, choice="for")
    services.vote_close(actor=staff, vote=vote)
    services.meeting_record(
        actor=staff, meeting=meeting, minutes="同意拆除33个楼道煤房子", outcome="议题通过"
    )
    client.force_login(staff)
    agenda = client.get(url("print_agenda", meeting)).content.decode()
    assert "拆除煤房子" in agenda and "@page" in agenda and 'data-testid="qr-sign-in"' in agenda
    minutes = client.get(url("print_minutes", meeting)).content.decode()
    assert "同意拆除33个楼道煤房子" in minutes and "议题通过" in minutes
    assert "同意 3，反对 0，弃权 0" in minutes and "通过" in minutes


@pytest.mark.parametrize("size", [1, 3])
def test_meeting_page_query_count_is_pinned(client, make_meeting, staff, django_assert_max_num_queries, size):
    """The page costs the same (14 queries) with 10 or 30 participants and 1 or 3 closed votes (no N+1)."""
    meeting = make_meeting(members=9 * size, guests=size, agenda=[f"议题{i}" for i in range(size)])
    for item in meeting.agenda.all():
        vote = services.vote_open(actor=staff, agenda_item=item)
        for p in Participant.objects.filter(meeting=meeting, is_member=True):
            services.vote_record(actor=staff, vote=vote, participant=p, choice="for")
        services.vote_close(actor=staff, vote=vote)
    services.meeting_add_agenda_item(actor=staff, meeting=meeting, title="正在表决")
    services.vote_open(actor=staff, agenda_item=meeting.agenda.last())
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(url("detail", meeting))
    assert response.status_code == 200
