"""Signed checkpoints of the audit chain, kept outside the server.

The hash chain (cases.audit) shows that the log was changed, but not against someone who can
write the database: he can delete an event and recompute every digest after it. So the
chain is anchored outside: a checkpoint is one line naming how many events the chain had,
its head digest at that point and when, signed (Ed25519) with LANTERNE_AUDIT_SIGNING_KEY,
which lives in the environment, never in the database:

    lanterne-audit-checkpoint v1 events=1234 head=<64 hex> at=2026-05-01T04:53:00Z
        key=<16 hex> sig=<Ed25519 signature, base64>      (one line)

It carries no content: no name, no case, no text. `manage.py audit_checkpoint` prints one
for the operator to keep elsewhere, and the beat schedule e-mails one a day to the
coordinators and the steering committee. `manage.py verify_audit --checkpoint FILE` then
fails unless the live chain extends every checkpoint in FILE: same digest after the same
number of events. An event edited, removed or reordered before a checkpoint changes the
digest there; a chain cut after it has too few events; another consistent chain (from
another instance, or rebuilt) has another digest. What someone holding the whole server,
key included, can still do is written in docs/threat-model.md.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from lib import clock, crypto

from . import audit
from .models import AuditEvent, Role, StaffProfile

PREFIX = "lanterne-audit-checkpoint v1"
_LINE = re.compile(
    r"lanterne-audit-checkpoint v1 events=(?P<events>\d+) head=(?P<head>[0-9a-f]{64}) "
    r"at=(?P<at>\S+) key=(?P<key>[0-9a-f]{16}) sig=(?P<sig>[A-Za-z0-9_-]+)"
)


class CheckpointError(Exception):
    """A checkpoint cannot be made, read or trusted; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    events: int
    head: str
    at: datetime
    line: str


def _seed() -> bytes:
    if not settings.LANTERNE_AUDIT_SIGNING_KEY:
        raise CheckpointError("LANTERNE_AUDIT_SIGNING_KEY is not set")
    return crypto.signing_key(settings.LANTERNE_AUDIT_SIGNING_KEY)


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(b"lanterne|audit-key|" + public_key).hexdigest()[:16]


def _signed_text(events: int, head: str, at: str, key: str) -> str:
    return f"{PREFIX} events={events} head={head} at={at} key={key}"


def make() -> Checkpoint:
    """Sign the chain as it stands now; refuses (CheckpointError) a chain that is broken."""
    seed = _seed()
    broken = audit.verify()
    if broken is not None:
        raise CheckpointError(f"the audit chain is broken: {broken.reason}")
    last = AuditEvent.objects.order_by("-id").values_list("digest", flat=True).first()
    events = AuditEvent.objects.count()
    at = clock.now().replace(microsecond=0)
    key = key_id(crypto.verify_key_of(seed))
    text = _signed_text(events, last or audit.GENESIS, at.strftime("%Y-%m-%dT%H:%M:%SZ"), key)
    line = f"{text} sig={crypto.b64(crypto.sign(seed, text.encode()))}"
    return Checkpoint(events, last or audit.GENESIS, at, line)


def read(text: str) -> list[Checkpoint]:
    """Every checkpoint line in ``text`` whose signature this installation's key verifies.

    Raises CheckpointError if there is none, or if one is forged or signed by another key."""
    public = crypto.verify_key_of(_seed())
    found = []
    for match in _LINE.finditer(text):
        signed = _signed_text(match["events"], match["head"], match["at"], match["key"])
        try:
            signature = crypto.unb64(match["sig"])
        except crypto.CryptoError:
            signature = b""
        if not crypto.signature_valid(public, signed.encode(), signature):
            raise CheckpointError(
                f"the checkpoint of {match['at']} is not signed by this installation's key"
            )
        at = datetime.fromisoformat(match["at"].replace("Z", "+00:00"))
        found.append(Checkpoint(int(match["events"]), match["head"], at, match.group(0)))
    if not found:
        raise CheckpointError("no checkpoint line found")
    return found


def verify_against(checkpoints: list[Checkpoint]) -> audit.Break | None:
    """Check the chain, and that it extends every checkpoint; the first break, or None."""
    broken = audit.verify()
    if broken is not None:
        return broken
    wanted = sorted(checkpoints, key=lambda c: c.events)
    count, digest, event_id = 0, audit.GENESIS, None
    rows = AuditEvent.objects.order_by("id").values_list("id", "digest").iterator(chunk_size=2000)
    for checkpoint in wanted:
        while count < checkpoint.events:
            row = next(rows, None)
            if row is None:
                return audit.Break(
                    None,
                    f"the chain holds {count} events, fewer than the {checkpoint.events} of the "
                    f"checkpoint of {checkpoint.at:%Y-%m-%d %H:%M} (events were removed)",
                )
            (event_id, digest), count = row, count + 1
        if digest != checkpoint.head:
            return audit.Break(
                event_id,
                f"the chain does not extend the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M}: "
                "an event before it was changed, removed or reordered, or the log was replaced",
            )
    return None


def recipients() -> list[str]:
    """The coordinators' and the steering committee's addresses."""
    return sorted(
        set(
            StaffProfile.objects.filter(
                role__in=[Role.COORDINATOR, Role.STEERING], user__is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def mail() -> int:
    """E-mail today's checkpoint (or the news that the chain is broken); return mails sent."""
    try:
        line = make().line
        subject = "[Lanterne] Audit log checkpoint"
        body = (
            "The audit log of Lanterne stood as follows. Keep this e-mail: the operator can\n"
            "prove with it that no earlier event has been changed or removed since.\n\n"
            f"{line}\n"
        )
    except CheckpointError as error:
        subject = "[Lanterne] AUDIT LOG CHECK FAILED"
        body = f"No checkpoint could be made today: {error}.\nTell the operator at once.\n"
    messages = [EmailMessage(subject=subject, body=body, to=[to]) for to in recipients()]
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return len(messages)
