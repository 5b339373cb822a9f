"""Jobs of the inbox: the e-mail and SMS copies of a notification.

Each job is idempotent: it locks the notification row, does nothing when the copy was already sent, and sets
the sent timestamp in the same transaction as the sending, so a job run twice (a retry, a worker restart)
sends once. A failed send raises, rolls the timestamp back and leaves the job to django-q's retry.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .models import Notification
from .sms import get_sms_sender


def _link(notification: Notification) -> str:
    if not notification.url:
        return ""
    if notification.url.startswith(("http://", "https://")):
        return notification.url
    return settings.SITE_URL.rstrip("/") + notification.url


def send_notification_email(notification_id: int) -> bool:
    """E-mail a copy of the notification to its recipient once; True when this run sent it."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if n is None or n.email_sent_at is not None or not n.recipient.email:
            return False
        text = "\n\n".join(part for part in (n.body, _link(n)) if part) or n.title
        send_mail(
            subject=gettext("【议事厅】%(title)s") % {"title": n.title},
            message=text,
            from_email=None,
            recipient_list=[n.recipient.email],
        )
        n.email_sent_at = timezone.now()
        n.save(update_fields=["email_sent_at"])
        return True


def send_notification_sms(notification_id: int) -> bool:
    """Text a copy of the notification to the recipient's phone once; True when this run sent it."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient__person")
            .filter(pk=notification_id)
            .first()
        )
        if n is None or n.sms_sent_at is not None:
            return False
        person = n.recipient.person
        if person is None or not person.phone:
            return False
        message = gettext("【议事厅】%(title)s") % {"title": n.title}
        link = _link(n)
        if link:
            message = f"{message} {link}"
        get_sms_sender().send(person.phone, message)
        n.sms_sent_at = timezone.now()
        n.save(update_fields=["sms_sent_at"])
        return True
