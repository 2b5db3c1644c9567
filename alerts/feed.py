"""A partner's feed of one person's open alerts in OASIS CAP 1.2: metadata only.

A recipient issues a token for a partner system (a national taskforce) and can revoke it;
only the token's SHA-256 is stored, so a database reader cannot use one. The system sends
it as `Authorization: Bearer <token>` (never in the URL, which would reach logs). The feed
holds what the alerts page shows in clear — area code, category codes, count, window,
state — and a link that needs a staff sign-in; never a report's text, a case reference or
the sealed assessment.
"""

import hashlib
import secrets
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from cases import audit
from lib import clock

from .models import OPEN, Alert, FeedToken, Finding

CAP = "urn:oasis:names:tc:emergency:cap:1.2"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue(user, *, label: str) -> str:
    """A new token for `user`'s feed, returned once."""
    token = secrets.token_urlsafe(32)
    row = FeedToken.objects.create(
        user=user, label=label[:80], digest=digest(token), created_at=clock.now()
    )
    audit.record("alert_feed_token_issued", by=user, detail={"token": row.pk})
    return token


@transaction.atomic
def revoke(user, token_id: int) -> bool:
    done = FeedToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
        revoked_at=clock.now()
    )
    if done:
        audit.record("alert_feed_token_revoked", by=user, detail={"token": token_id})
    return bool(done)


def user_for(token: str):
    """The active user a live token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    row = (
        FeedToken.objects.filter(digest=digest(token), revoked_at=None)
        .select_related("user")
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def _sub(parent, name: str, text: str = ""):
    node = ET.SubElement(parent, f"{{{CAP}}}{name}")
    node.text = text
    return node


def cap_alert(alert: Alert, root) -> None:
    """One CAP <alert> for one of ours."""
    node = _sub(root, "alert")
    host = settings.LANTERNE_BASE_URL.split("//")[-1].split("/")[0] or "lanterne"
    _sub(node, "identifier", f"lanterne-alert-{alert.pk}")
    _sub(node, "sender", f"lanterne@{host}")
    _sub(node, "sent", alert.raised_at.replace(microsecond=0).isoformat())
    _sub(node, "status", "Actual")
    _sub(node, "msgType", "Alert" if alert.count <= 1 else "Update")
    _sub(node, "scope", "Restricted")
    _sub(node, "restriction", "Coalition staff and their partners only")
    info = _sub(node, "info")
    _sub(info, "language", "en")
    _sub(info, "category", "Security")
    _sub(info, "event", f"Early-warning alert ({', '.join(alert.categories) or 'any category'})")
    _sub(info, "urgency", "Immediate" if alert.urgent else "Expected")
    _sub(info, "severity", "Severe" if alert.urgent else "Moderate")
    _sub(info, "certainty", "Observed" if alert.finding == Finding.CONFIRMED else "Possible")
    _sub(info, "headline", f"{alert.count} report(s); state: {alert.status}")
    _sub(info, "web", settings.LANTERNE_BASE_URL + reverse("admin:alert", args=[alert.pk]))
    area = _sub(info, "area")
    _sub(area, "areaDesc", alert.area if alert.area != "*" else ", ".join(alert.countries))
    for code in [alert.area] if alert.area != "*" else alert.countries:
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", "ISO 3166-2" if "-" in code else "ISO 3166-1 alpha-2")
        _sub(geocode, "value", code)


def document(user) -> bytes:
    """The open alerts sent to `user`, each as a CAP 1.2 alert, in one XML document."""
    ET.register_namespace("cap", CAP)
    root = ET.Element("alerts")
    mine = Alert.objects.filter(recipients__user=user, status__in=OPEN).order_by("-id")
    for alert in mine[:200]:
        cap_alert(alert, root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
