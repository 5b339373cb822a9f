"""短信: the interface yishi uses to send SMS, and the two senders that ship with it.

A real gateway is one subclass of ``SmsSender`` whose ``send`` calls the provider; it is chosen by the dotted
path in ``settings.YISHI_SMS_SENDER`` (environment variable ``YISHI_SMS_SENDER``). Callers never pick a class
themselves: they call ``get_sms_sender().send(phone, message)``.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSender:
    """Sends one text message to one phone number; raises on failure so a job can retry it."""

    def send(self, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSmsSender(SmsSender):
    """Prints each message to stdout instead of sending it (the demo and development use this)."""

    def send(self, phone: str, message: str) -> None:
        sys.stdout.write(f"[SMS to {phone}] {message}\n")
        sys.stdout.flush()


class LocmemSmsSender(SmsSender):
    """Keeps messages in memory in ``LocmemSmsSender.outbox`` for tests (like Django's locmem mail backend).

    ``outbox`` is a class attribute shared by every instance; tests clear it with ``outbox.clear()``.
    """

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        type(self).outbox.append((phone, message))


def get_sms_sender() -> SmsSender:
    """Return an instance of the sender class named by ``settings.YISHI_SMS_SENDER``."""
    path = getattr(settings, "YISHI_SMS_SENDER", "yishi.notifications.sms.ConsoleSmsSender")
    cls = import_string(path)
    return cls()
