"""Content-free alert e-mails, from an outbox, in the same fixed slots as case mail.

A mail says that an alert needs attention and where to open it (sign-in required):
never the place, the category, the count or the rule. Like cases.notifications, the act
that causes a mail writes a PendingAlertMail row in its own transaction; beat's
alerts.tasks.deliver_alert_mail sends what waits at each mail slot and deletes the rows,
so a mail's time tells nothing about when a report arrived.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from .models import Alert, PendingAlertMail

logger = logging.getLogger(__name__)


def queue(alert: Alert, users) -> None:
    """Put one mail per person with an address in the outbox, inside the caller's transaction."""
    PendingAlertMail.objects.bulk_create(
        [PendingAlertMail(alert=alert, user=u) for u in users if u.email and u.is_active],
        ignore_conflicts=True,
    )


def alert_url(alert: Alert) -> str:
    return settings.LANTERNE_BASE_URL + reverse("admin:alert", args=[alert.pk])


def build(alert: Alert, to: str) -> EmailMessage:
    return EmailMessage(
        subject="[Lanterne] An alert needs attention",
        body=(
            "An early-warning alert needs your attention.\n\n"
            f"Open it here (sign-in required):\n{alert_url(alert)}\n\n"
            "This e-mail says nothing about the alert on purpose.\n"
        ),
        to=[to],
    )


def deliver() -> int:
    """Send what waits in the alert outbox; a mail server that fails leaves it for the next
    slot. Returns how many mails went."""
    rows = list(PendingAlertMail.objects.select_related("alert", "user"))
    sent = 0
    for row in rows:
        try:
            with get_connection() as connection:
                connection.send_messages([build(row.alert, row.user.email)])
        except OSError:  # smtplib.SMTPException too
            logger.warning("the mail server failed; the alert outbox waits for the next slot")
            break
        row.delete()
        sent += 1
    return sent
