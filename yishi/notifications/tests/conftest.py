import pytest

from yishi.notifications.sms import LocmemSmsSender


@pytest.fixture(autouse=True)
def sms_outbox():
    LocmemSmsSender.outbox.clear()
    yield LocmemSmsSender.outbox
    LocmemSmsSender.outbox.clear()
