"""``yishi audit verify``: intact chains pass; edited, deleted and swapped rows are named with exit status 1."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from yishi.accounts.services import person_update
from yishi.areas.models import Level
from yishi.areas.services import area_create, area_update
from yishi.audit.models import AuditEvent
from yishi.audit.services import audit_verify

pytestmark = pytest.mark.django_db


def run_verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def chain(tree, admin_user):
    """The tree fixture writes 7 events (its areas); add an update with a decimal and Chinese text: 8."""
    area_update(actor=admin_user, area=tree.grid, name="裕西第一网格", latitude=Decimal("37.991234"))
    assert AuditEvent.objects.count() == 8
    return tree


def test_empty_chain_is_intact():
    code, out, err = run_verify()
    assert code == 0
    assert out.strip() == "审计链完整，共 0 个事件。 Audit chain intact: 0 events."


def test_intact_chain_exits_0_with_one_line(chain):
    code, out, err = run_verify()
    assert code == 0
    assert out.strip().splitlines() == ["审计链完整，共 8 个事件。 Audit chain intact: 8 events."]
    assert err == ""


def test_chain_survives_a_person_update_with_a_foreign_key(chain, staff):
    person_update(actor=staff, person=staff.person, title="社区干事", home_area=chain.grid)
    assert audit_verify() is None


def test_edited_row_is_named(chain):
    sql("UPDATE audit_auditevent SET object_label = %s WHERE seq = 3", ["篡改"])
    code, out, err = run_verify()
    assert code == 1
    assert out == ""
    assert "第 3 号事件" in err and "被修改" in err
    assert "event #3: event #3 was changed after it was written" in err


def test_edited_json_is_named(chain):
    sql("UPDATE audit_auditevent SET after = %s WHERE seq = 8", ['{"name": "别的网格"}'])
    code, _out, err = run_verify()
    assert code == 1
    assert "#8" in err and "changed" in err


def test_row_deleted_in_the_middle_is_named(chain):
    sql("DELETE FROM audit_auditevent WHERE seq = 4")
    code, _out, err = run_verify()
    assert code == 1
    assert "第 5 号事件" in err and "missing event #4 before #5" in err


def test_row_deleted_and_rest_renumbered_is_named(chain):
    sql("DELETE FROM audit_auditevent WHERE seq = 4")
    sql("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq > 4")
    sql("UPDATE audit_auditevent SET seq = seq - 1001 WHERE seq > 1000")
    code, _out, err = run_verify()
    assert code == 1
    assert "event #4 does not follow #3" in err


def test_last_row_deleted_is_named(chain):
    sql("DELETE FROM audit_auditevent WHERE seq = 8")
    code, _out, err = run_verify()
    assert code == 1
    assert "第 8 号事件" in err and "events after #7 up to #8 are missing" in err


def test_deleted_chain_head_is_noticed(chain):
    sql("DELETE FROM audit_auditevent WHERE seq = 8")
    sql("DELETE FROM audit_auditchainhead")
    code, _out, err = run_verify()
    assert code == 1
    assert "#7" in err and "head is missing" in err


def test_swapped_rows_are_named(chain):
    sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = 5")
    sql("UPDATE audit_auditevent SET seq = 5 WHERE seq = 6")
    sql("UPDATE audit_auditevent SET seq = 6 WHERE seq = -1")
    code, _out, err = run_verify()
    assert code == 1
    assert "第 5 号事件" in err and "event #5 does not follow #4" in err


def test_verify_walks_in_batches(chain):
    assert audit_verify(batch_size=2) is None
    sql("UPDATE audit_auditevent SET verb = 'area.delete' WHERE seq = 7")
    broken = audit_verify(batch_size=2)
    assert (broken.seq, broken.kind) == (7, "changed")


def test_events_appended_after_verify_still_chain(chain):
    area_create(actor=None, parent=chain.street, name="新社区", level=Level.COMMUNITY)
    assert audit_verify() is None
    assert AuditEvent.objects.order_by("-seq").first().prev_hash == AuditEvent.objects.get(seq=8).hash


def test_orm_cannot_edit_or_delete_events(chain):
    event = AuditEvent.objects.get(seq=1)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(seq=1).update(note="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
