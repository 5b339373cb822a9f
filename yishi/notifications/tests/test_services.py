"""notify(): inbox rows in bulk, e-mail and SMS copies queued after commit and sent exactly once."""

import pytest
from django.core import mail
from django.db import transaction
from django.http import Http404

from yishi.core.tests.factories import PersonFactory, UserFactory, user_with_role
from yishi.notifications import tasks
from yishi.notifications.models import Notification
from yishi.notifications.services import notification_mark_read, notifications_mark_all_read, notify
from yishi.notifications.sms import ConsoleSmsSender, LocmemSmsSender, get_sms_sender


@pytest.fixture
def people(tree):
    alice = user_with_role("community_staff", tree.community, username="alice", email="alice@example.org")
    bob = user_with_role("grid_worker", tree.grid, username="bob", email="")
    return alice, bob


def test_notify_creates_one_row_per_recipient(people):
    alice, bob = people
    rows = notify(
        recipients=[alice, bob, alice], title="议题已发布", body="请查看", url="/notices/1/", verb="published"
    )
    assert len(rows) == 2
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"alice", "bob"}
    assert all(r.read_at is None and r.verb == "published" for r in Notification.objects.all())


def test_notify_skips_inactive_users(people):
    alice, bob = people
    bob.is_active = False
    bob.save()
    notify(recipients=[alice, bob], title="t")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_copies_are_sent_after_commit_once_each(people, django_capture_on_commit_callbacks, sms_outbox):
    alice, bob = people
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[alice, bob], title="诉求已受理", url="/cases/7/", email=True, sms=True)
    # alice: e-mail + SMS; bob has no e-mail: SMS only.
    assert len(callbacks) == 3
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "诉求已受理" in mail.outbox[0].subject
    assert "/cases/7/" in mail.outbox[0].body
    assert sorted(phone for phone, _ in sms_outbox) == sorted([alice.person.phone, bob.person.phone])
    n = Notification.objects.get(recipient=alice)
    assert n.email_sent_at is not None and n.sms_sent_at is not None


def test_running_a_job_twice_sends_once(people, django_capture_on_commit_callbacks, sms_outbox):
    alice, _ = people
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[alice], title="提醒", email=True, sms=True)
    assert tasks.send_notification_email(n.pk) is False
    assert tasks.send_notification_sms(n.pk) is False
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1


def test_jobs_send_nothing_without_address(tree, sms_outbox):
    user = UserFactory(email="", person=None)
    n = Notification.objects.create(recipient=user, title="t")
    assert tasks.send_notification_email(n.pk) is False
    assert tasks.send_notification_sms(n.pk) is False
    assert mail.outbox == [] and sms_outbox == []
    assert tasks.send_notification_email(999999) is False


def test_without_email_flag_nothing_is_queued(people, django_capture_on_commit_callbacks):
    alice, _ = people
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[alice], title="t")
    assert callbacks == []
    assert mail.outbox == []


def test_rolled_back_notify_queues_nothing(people, django_capture_on_commit_callbacks, sms_outbox):
    alice, _ = people
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[alice], title="t", email=True, sms=True)
            raise RuntimeError("the change that caused it failed")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == [] and sms_outbox == []


def test_mark_read_only_own(people):
    alice, bob = people
    (n,) = notify(recipients=[alice], title="t")
    with pytest.raises(Http404):
        notification_mark_read(actor=bob, notification=n)
    n.refresh_from_db()
    assert n.read_at is None
    notification_mark_read(actor=alice, notification=n)
    n.refresh_from_db()
    first = n.read_at
    assert first is not None
    notification_mark_read(actor=alice, notification=n)  # idempotent: keeps the first read time
    n.refresh_from_db()
    assert n.read_at == first


def test_mark_all_read_only_touches_own(people):
    alice, bob = people
    notify(recipients=[alice, bob], title="a")
    notify(recipients=[alice], title="b")
    assert notifications_mark_all_read(actor=alice) == 2
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_sms_sender_from_settings(settings, capsys):
    assert isinstance(get_sms_sender(), LocmemSmsSender)
    settings.YISHI_SMS_SENDER = "yishi.notifications.sms.ConsoleSmsSender"
    sender = get_sms_sender()
    assert isinstance(sender, ConsoleSmsSender)
    sender.send("13800000000", "你好")
    assert "13800000000" in capsys.readouterr().out


def test_person_phone_used_for_sms(tree, sms_outbox, django_capture_on_commit_callbacks):
    person = PersonFactory(home_area=tree.community, phone="13912345678")
    user = UserFactory(person=person, email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="会议通知", url="/m/1/", sms=True)
    assert sms_outbox[0][0] == "13912345678"
    assert "会议通知" in sms_outbox[0][1] and "/m/1/" in sms_outbox[0][1]
