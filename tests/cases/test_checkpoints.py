"""Signed checkpoints anchor the audit chain outside the database: a rewritten chain that
verifies on its own still fails against a checkpoint kept elsewhere."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from cases import audit, checkpoints, workflow
from cases.models import AuditEvent, AuditHead
from cases.tasks import mail_audit_checkpoint
from lib import crypto
from tests.conftest import key_of, report
from tests.dump import database_dump

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(coalition, tmp_path):
    """A few acts, then a checkpoint written to a file off the server, then more acts."""
    case = report().case
    amani = coalition["amani"]
    workflow.acknowledge(case, by=amani.user, case_key=key_of(case, amani))
    audit.record_read(case, by=amani.user, what="case page")
    path = tmp_path / "checkpoints.txt"
    path.write_text("kept on paper\n" + checkpoints.make().line + "\n")
    workflow.add_note(case, by=amani.user, case_key=key_of(case, amani), text="checked")
    return path


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rechain() -> None:
    """What a database writer does after tampering: recompute every digest and the head."""
    previous = audit.GENESIS
    for event in AuditEvent.objects.order_by("id"):
        digest = audit.digest_of(previous, event)
        AuditEvent.objects.filter(pk=event.pk).update(previous=previous, digest=digest)
        previous = digest
    AuditHead.objects.update(digest=previous)


def verify(path=None) -> None:
    call_command("verify_audit", *(["--checkpoint", str(path)] if path else []))


def before_checkpoint(path) -> list[AuditEvent]:
    [kept] = checkpoints.read(path.read_text())
    return list(AuditEvent.objects.order_by("id")[: kept.events])


def test_the_live_chain_extends_its_checkpoint(kept, capsys):
    verify(kept)
    assert "intact" in capsys.readouterr().out


def test_a_checkpoint_is_one_content_free_line(kept, coalition):
    [kept_one] = checkpoints.read(kept.read_text())
    assert kept_one.line.startswith("lanterne-audit-checkpoint v1 events=")
    for word in (
        "amani",
        "submit",
        "read",
        *AuditEvent.objects.exclude(case_reference="").values_list("case_reference", flat=True),
    ):
        assert word not in kept_one.line


def test_an_edited_event_rechained_passes_alone_but_not_against_the_checkpoint(kept):
    target = before_checkpoint(kept)[-1]
    sql("UPDATE cases_auditevent SET actor = %s WHERE id = %s", "sia", target.id)
    rechain()
    verify()  # the chain alone cannot tell
    with pytest.raises(
        CommandError, match=rf"broken at event #{target.id}: the chain does not extend"
    ):
        verify(kept)


def test_a_removed_event_rechained_is_caught(kept):
    removed = before_checkpoint(kept)[1]
    sql("DELETE FROM cases_auditevent WHERE id = %s", removed.id)
    rechain()
    verify()
    with pytest.raises(CommandError, match="does not extend the checkpoint"):
        verify(kept)


def test_reordered_events_are_caught(kept):
    a, b = before_checkpoint(kept)[-2:]
    for row, other in ((a, b), (b, a)):
        sql(
            "UPDATE cases_auditevent SET action = %s, actor = %s, detail = %s WHERE id = %s",
            other.action,
            other.actor,
            '{"swapped": true}' if row is a else "{}",
            row.id,
        )
    rechain()
    with pytest.raises(CommandError, match="does not extend the checkpoint"):
        verify(kept)


def test_a_chain_cut_after_the_checkpoint_is_caught(kept):
    last_kept = before_checkpoint(kept)[-1]
    sql("DELETE FROM cases_auditevent WHERE id >= %s", last_kept.id)
    rechain()
    verify()
    with pytest.raises(
        CommandError,
        match=r"holds \d+ events, fewer than the \d+ of the checkpoint .*events were removed",
    ):
        verify(kept)


def test_a_swapped_in_chain_is_caught(kept, coalition):
    """The whole table replaced by another consistent chain, as from another instance."""
    count = AuditEvent.objects.count()
    sql("DELETE FROM cases_auditevent")
    AuditHead.objects.all().delete()
    for n in range(count + 3):
        audit.record("read", by="someone", detail={"n": n})
    verify()
    with pytest.raises(CommandError, match="does not extend the checkpoint"):
        verify(kept)


def test_a_forged_or_foreign_checkpoint_is_refused(kept, settings):
    line = checkpoints.read(kept.read_text())[0].line
    forged = kept.with_name("forged.txt")
    forged.write_text(line.replace(" events=", " events=1", 1))
    with pytest.raises(CommandError, match="not signed by this installation's key"):
        verify(forged)
    settings.LANTERNE_AUDIT_SIGNING_KEY = "another instance's signing key, 32+ chars"
    with pytest.raises(CommandError, match="not signed by this installation's key"):
        verify(kept)


def test_a_file_without_a_checkpoint_is_refused(tmp_path, db):
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n")
    with pytest.raises(CommandError, match="no checkpoint line found"):
        verify(empty)


def test_the_command_prints_a_checkpoint(kept, capsys):
    call_command("audit_checkpoint")
    [printed] = checkpoints.read(capsys.readouterr().out)
    assert printed.events == AuditEvent.objects.count()


def test_no_checkpoint_signs_a_broken_chain(kept):
    sql(
        "UPDATE cases_auditevent SET actor = %s WHERE id = %s", "sia", AuditEvent.objects.first().id
    )
    with pytest.raises(CommandError, match="the audit chain is broken"):
        call_command("audit_checkpoint")


def test_coordinators_and_steering_receive_the_checkpoint_by_e_mail(kept, coalition):
    chidi = coalition["chidi"].user
    chidi.email = "chidi@coalition.example"
    chidi.save()
    assert mail_audit_checkpoint.delay().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "beatrice@coalition.example",
        "chidi@coalition.example",
    ]
    [line] = checkpoints.read(mail.outbox[0].body)
    assert line.events == AuditEvent.objects.count()
    assert not any(
        r in mail.outbox[0].body
        for r in AuditEvent.objects.values_list("case_reference", flat=True)
        if r
    )


def test_a_broken_chain_is_reported_by_e_mail_instead(kept, coalition):
    sql(
        "UPDATE cases_auditevent SET actor = %s WHERE id = %s", "sia", AuditEvent.objects.first().id
    )
    mail_audit_checkpoint.delay().get()
    assert mail.outbox[0].subject == "[Lanterne] AUDIT LOG CHECK FAILED"
    assert "lanterne-audit-checkpoint" not in mail.outbox[0].body


def test_the_signing_key_is_never_in_the_database(kept, settings):
    seed = crypto.signing_key(settings.LANTERNE_AUDIT_SIGNING_KEY)
    dump = database_dump()
    assert settings.LANTERNE_AUDIT_SIGNING_KEY.encode() not in dump
    assert (
        seed not in dump
        and seed.hex().encode() not in dump
        and crypto.b64(seed).encode() not in dump
    )
