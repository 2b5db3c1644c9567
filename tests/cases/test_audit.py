import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases import audit, workflow
from cases.models import AuditEvent
from tests.conftest import key_of, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(coalition):
    """A few acts and reads on one case."""
    case = report().case
    amani = coalition["amani"]
    workflow.acknowledge(case, by=amani.user, case_key=key_of(case, amani))
    audit.record_read(case, by=amani.user, what="case page")
    workflow.add_note(case, by=amani.user, case_key=key_of(case, amani), text="checked")
    return list(AuditEvent.objects.exclude(case_id=None).order_by("id"))


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_fails_at(event_id):
    with pytest.raises(CommandError, match=rf"broken at event #{event_id}\b"):
        call_command("verify_audit")


def test_an_intact_chain_verifies(history, capsys):
    call_command("verify_audit")
    assert f"audit chain intact: {AuditEvent.objects.count()} events" in capsys.readouterr().out


def test_every_act_and_every_read_is_recorded_with_who_and_which_case(history):
    assert [e.action for e in history] == ["submit", "acknowledge", "read", "note"]
    assert [e.actor for e in history] == ["reporter", "amani", "amani", "amani"]
    assert len({e.case_id for e in history}) == 1


def test_an_edited_row_is_caught(history):
    sql("UPDATE cases_auditevent SET actor = %s WHERE id = %s", "sia", history[2].id)
    verify_fails_at(history[2].id)


def test_an_edited_detail_is_caught(history):
    sql(
        "UPDATE cases_auditevent SET detail = %s WHERE id = %s",
        '{"what": "nothing"}',
        history[2].id,
    )
    verify_fails_at(history[2].id)


def test_a_removed_row_is_caught(history):
    sql("DELETE FROM cases_auditevent WHERE id = %s", history[1].id)
    verify_fails_at(history[2].id)


def test_reordered_rows_are_caught(history):
    a, b = history[1], history[2]
    for row, other in ((a, b), (b, a)):
        sql(
            "UPDATE cases_auditevent SET action = %s, actor = %s, detail = %s, previous = %s, "
            "digest = %s WHERE id = %s",
            other.action,
            other.actor,
            '{"swap": true}' if row is a else "{}",
            other.previous,
            f"x{row.id}",
            row.id,
        )
    verify_fails_at(a.id)


def test_a_cut_off_tail_is_caught(history):
    sql("DELETE FROM cases_auditevent WHERE id = %s", history[-1].id)
    with pytest.raises(CommandError, match="last events were removed"):
        call_command("verify_audit")


def test_the_model_refuses_updates(history):
    event = history[0]
    event.actor = "someone"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_verify_returns_none_for_an_empty_log(db):
    assert audit.verify() is None
