"""Retention: a case closed long enough ago is crypto-shredded, and nothing opens it again."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cases import access, audit, keys, permissions, retention, sharing, storage, workflow
from cases.models import (
    Attachment,
    AuditEvent,
    Case,
    Escalation,
    KeyWrap,
    Level,
    Message,
    Note,
    Status,
)
from cases.tasks import apply_retention
from lib import crypto
from tests.conftest import PASSWORD, key_of, report
from tests.dump import database_dump
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def escrow(settings):
    """An escrow key, so the case has a wrap that belongs to no one, too."""
    _private, public = crypto.generate_keypair()
    settings.LANTERNE_ESCROW_PUBLIC_KEY = crypto.b64(public)


def closed_case(client, coalition) -> tuple[Case, str]:
    """A case that went the whole way, with files, messages, a note and an escalation."""
    receipt = receipt_of(send_report(client, form_data(attachments=jpeg_with_gps())))
    open_mailbox(client, receipt)
    client.post("/follow-up/case/", {"text": "They came back at night"})
    case, _ = access.case_for_receipt(receipt)
    amani = coalition["amani"].user
    key = key_of(case, coalition["amani"])
    workflow.acknowledge(case, by=amani, case_key=key)
    workflow.assess(case, by=amani, priority="P2", categories=["SEC", "COR"], admissible=True)
    workflow.add_note(case, by=amani, case_key=key, text="Cross-check with the KP office")
    workflow.escalate(
        case, by=amani, case_key=key, level=Level.REGIONAL, reason="Needs the regional team"
    )
    workflow.message_reporter(case, by=amani, case_key=key, text="We are looking into it")
    workflow.conclude(case, by=amani, outcome="substantiated")
    beatrice = coalition["beatrice"].user
    sia = coalition["sia"].user  # given a key, then losing it: history remembers
    sharing.grant_access(case, by=beatrice, to=sia, case_key=key)
    sharing.revoke_access(case, by=beatrice, who=sia)
    workflow.close(case, by=beatrice)
    return Case.objects.get(pk=case.pk), receipt


def secrets_of(case: Case) -> dict[str, bytes]:
    """Every key copy and every ciphertext of the case, from live rows and history."""
    found = {"reporter key": bytes(case.reporter_key), "report": bytes(case.report)}
    for wrap in KeyWrap.objects.filter(case=case):
        found[f"wrap {wrap.pk}"] = bytes(wrap.wrapped)
    sealed = [
        (Message, "body"),
        (Note, "body"),
        (Escalation, "reason"),
        (Attachment, "sealed_meta"),
        (Attachment, "sealed_file_key"),
    ]
    for model, field in sealed:
        for row in model.objects.filter(case=case):
            found[f"{model.__name__} {field} {row.pk}"] = bytes(getattr(row, field))
    return {what: blob for what, blob in found.items() if blob}


def test_a_case_past_retention_is_shredded_beyond_recovery(client, coalition, escrow, frozen):
    case, receipt = closed_case(client, coalition)
    secrets = secrets_of(case)
    assert KeyWrap.objects.filter(case=case, user=None).exists()  # the escrow wrap
    assert sum(what.startswith("wrap ") for what in secrets) == 3  # amani, beatrice, escrow
    assert len(list(storage.files_dir().iterdir())) == 1
    messages, files = case.messages.count(), case.attachments.count()

    frozen.to(case.closed_at + timedelta(days=366))
    assert apply_retention.delay().get() == 1

    dump = database_dump()
    for what, blob in secrets.items():
        assert blob not in dump, f"{what} is still in the database"
    assert not KeyWrap.objects.filter(case=case).exists()
    assert list(storage.files_dir().iterdir()) == []
    with pytest.raises(access.NotFound, match="no such case"):
        access.case_for_receipt(receipt)
    private = keys.unseal_private_key(coalition["amani"], PASSWORD)
    with pytest.raises(access.NotFound, match="no such case"):
        access.case_key_for_staff(case, coalition["amani"].user, private)
    with pytest.raises(
        permissions.NotAllowed, match="This case was deleted under the retention rules"
    ):
        workflow.reopen(case, by=coalition["beatrice"].user, case_key=b"k" * 32, reason="x")

    case.refresh_from_db()
    assert case.shredded_at == frozen.now
    assert (case.country, case.status, case.level, case.outcome) == (
        "CD",
        Status.CLOSED,
        Level.REGIONAL,
        "substantiated",
    )
    assert sorted(case.category_codes) == ["COR", "SEC"]
    assert case.received_at and case.acknowledged_at and case.concluded_at and case.closed_at
    assert (case.messages.count(), case.attachments.count()) == (messages, files)
    event = AuditEvent.objects.get(case_id=case.id, action="shred")
    assert event.actor == "system" and event.detail["reason"] == "retention_period_over"
    assert audit.verify() is None


def test_shredding_twice_does_nothing_more(client, coalition, frozen):
    case, _ = closed_case(client, coalition)
    frozen.to(case.closed_at + timedelta(days=366))
    assert retention.apply() == 1
    assert retention.apply() == 0
    assert retention.shred(case) is False
    assert AuditEvent.objects.filter(case_id=case.id, action="shred").count() == 1


def test_cases_within_retention_or_still_open_are_kept(client, coalition, frozen, settings):
    settings.LANTERNE_RETENTION_DAYS = 30
    closed, receipt = closed_case(client, coalition)
    still_open = report()
    frozen.to(closed.closed_at + timedelta(days=29))
    assert retention.apply() == 0
    with pytest.raises(
        permissions.NotAllowed,
        match="Only a case closed longer than the retention period is shredded",
    ):
        retention.shred(closed)
    frozen.to(closed.closed_at + timedelta(days=400))
    assert retention.apply() == 1
    assert access.case_for_receipt(still_open.receipt)[0].shredded_at is None
    with pytest.raises(access.NotFound, match="no such case"):
        access.case_for_receipt(receipt)


def test_a_retention_shorter_than_30_days_is_refused_at_start_up(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "LANTERNE_DATA_DIR": str(tmp_path),
        "LANTERNE_RETENTION_DAYS": "7",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LANTERNE_RETENTION_DAYS must be at least 30" in result.stderr
