"""Jobs go through django-q's persistent queue: nothing queued on rollback, queued work survives a restart.

These tests turn the test settings' inline ``sync`` mode off so that tasks really land in the ORM broker
(the ``django_q_ormq`` table), the way they do in production.
"""

from multiprocessing import Queue, Value

import pytest
from django.core import mail
from django.db import transaction
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.monitor import monitor
from django_q.signing import SignedPackage
from django_q.worker import worker

from yishi.core.tests.factories import user_with_role
from yishi.notifications.models import Notification
from yishi.notifications.services import notify


@pytest.fixture
def queued(settings, monkeypatch):
    """Real queueing: sync off, ORM broker on the default database."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "orm": "default"}
    # django-q reads its settings once at import into Conf; switch the copies it actually consults.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def run_queued_tasks() -> int:
    """What a freshly started ``qcluster`` does: pull the packages from the broker, run them, save and ack."""
    broker = get_broker()
    task_queue, result_queue = Queue(), Queue()
    count = 0
    for ack_id, payload in broker.dequeue() or []:
        task = SignedPackage.loads(payload)
        task["ack_id"] = ack_id
        task_queue.put(task)
        count += 1
    task_queue.put("STOP")
    worker(task_queue, result_queue, Value("f", -1))
    result_queue.put("STOP")
    monitor(result_queue, broker)
    for q in (task_queue, result_queue):
        q.close()
        q.join_thread()
    return count


@pytest.mark.django_db(transaction=True)
def test_task_in_rolled_back_transaction_is_never_queued(tree, queued, sms_outbox, monkeypatch):
    from yishi.notifications import services

    calls = []
    original = services.async_task
    monkeypatch.setattr(services, "async_task", lambda *a, **k: calls.append(a) or original(*a, **k))
    alice = user_with_role("resident", tree.community, username="alice", email="alice@example.org")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[alice], title="不会发出", email=True, sms=True)
        raise RuntimeError("rollback")
    assert calls == []  # never handed to the queue (the ORM broker alone would hide an early enqueue)
    assert OrmQ.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == [] and sms_outbox == []


@pytest.mark.django_db(transaction=True)
def test_committed_work_survives_a_restart_and_runs_once(tree, queued, sms_outbox):
    alice = user_with_role("resident", tree.community, username="alice", email="alice@example.org")
    with transaction.atomic():
        (n,) = notify(recipients=[alice], title="会议通知", email=True, sms=True)
    # The jobs are rows in the database, not in a thread's memory: this is what survives a restart.
    assert OrmQ.objects.count() == 2
    assert mail.outbox == [] and sms_outbox == []

    assert run_queued_tasks() == 2

    assert OrmQ.objects.count() == 0  # acknowledged
    assert Task.objects.filter(success=True).count() == 2
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    n.refresh_from_db()
    assert n.email_sent_at is not None and n.sms_sent_at is not None

    # The same jobs delivered again (a retry after a crash) send nothing more.
    from django_q.tasks import async_task

    async_task("yishi.notifications.tasks.send_notification_email", n.pk)
    async_task("yishi.notifications.tasks.send_notification_sms", n.pk)
    assert run_queued_tasks() == 2
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
