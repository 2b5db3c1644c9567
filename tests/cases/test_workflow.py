"""The transition table, tested move by move, and who may do what."""

import pytest

from cases import access, content, keys, permissions, sharing, workflow
from cases.models import AuditEvent, Case, KeyWrap, Level, Message, Note, Status
from tests.conftest import key_of, report

pytestmark = pytest.mark.django_db

# A way to reach every state from a fresh case, as a coordinator would.
PATHS = {
    Status.RECEIVED: [],
    Status.ACKNOWLEDGED: ["acknowledge"],
    Status.ASSESSING: ["acknowledge", "assess_open"],
    Status.INVESTIGATING: ["acknowledge", "assess_yes"],
    Status.ESCALATED: ["acknowledge", "assess_yes", "escalate"],
    Status.CONCLUDED: ["acknowledge", "assess_yes", "conclude"],
    Status.CLOSED: ["acknowledge", "assess_yes", "conclude", "close"],
    Status.INADMISSIBLE: ["acknowledge", "assess_no"],
    Status.DUPLICATE: ["acknowledge", "mark_duplicate"],
}


def do(act, case, who, other=None):
    """Perform one act with sensible arguments; return the reloaded case."""
    user, key = who.user, key_of(case, who)
    acts = {
        "acknowledge": lambda: workflow.acknowledge(case, by=user, case_key=key),
        "assess_open": lambda: workflow.assess(
            case, by=user, priority="P2", categories=["TRD"], admissible=None
        ),
        "assess_yes": lambda: workflow.assess(
            case, by=user, priority="P2", categories=["TRD", "COR"], admissible=True
        ),
        "assess_no": lambda: workflow.assess(
            case, by=user, priority="P4", categories=["GOV"], admissible=False
        ),
        "escalate": lambda: workflow.escalate(
            case, by=user, case_key=key, level=Level.STEERING, reason="needs the steering"
        ),
        "resume": lambda: workflow.resume(case, by=user),
        "mark_duplicate": lambda: workflow.mark_duplicate(case, by=user, of=other),
        "conclude": lambda: workflow.conclude(case, by=user, outcome="partly"),
        "close": lambda: workflow.close(case, by=user),
        "reopen": lambda: workflow.reopen(case, by=user, case_key=key, reason="new evidence"),
    }
    acts[act]()
    return Case.objects.get(pk=case.pk)


def do_any(act, case, person, other):
    """Any act, including those that do not move the case, by `person`."""
    key = key_of(case, person)
    others = {
        "assign": lambda: sharing.assign(case, by=person.user, to=person.user),
        "note": lambda: workflow.add_note(case, by=person.user, case_key=key, text="n"),
        "message": lambda: workflow.message_reporter(case, by=person.user, case_key=key, text="m"),
    }
    if act in others:
        others[act]()
        return Case.objects.get(pk=case.pk)
    return do(act, case, person, other)


def case_in(status, coordinator):
    case, other = report().case, report().case
    for act in PATHS[status]:
        case = do(act, case, coordinator, other)
    assert case.status == status
    return case, other


MOVES = {  # act → (states it may start from, resulting state)
    "acknowledge": ({Status.RECEIVED}, Status.ACKNOWLEDGED),
    "assess_yes": ({Status.ACKNOWLEDGED, Status.ASSESSING}, Status.INVESTIGATING),
    "escalate": ({Status.ASSESSING, Status.INVESTIGATING}, Status.ESCALATED),
    "resume": ({Status.ESCALATED}, Status.INVESTIGATING),
    "mark_duplicate": (
        {Status.ACKNOWLEDGED, Status.ASSESSING, Status.INVESTIGATING},
        Status.DUPLICATE,
    ),
    "conclude": ({Status.INVESTIGATING, Status.ESCALATED}, Status.CONCLUDED),
    "close": ({Status.CONCLUDED, Status.INADMISSIBLE, Status.DUPLICATE}, Status.CLOSED),
    "reopen": (
        {Status.CONCLUDED, Status.CLOSED, Status.INADMISSIBLE, Status.DUPLICATE},
        Status.INVESTIGATING,
    ),
}


@pytest.mark.parametrize("act", sorted(MOVES))
@pytest.mark.parametrize("status", sorted(PATHS))
def test_every_move_is_allowed_or_refused_as_the_table_says(coalition, act, status):
    beatrice = coalition["beatrice"]
    case, other = case_in(status, beatrice)
    starts, target = MOVES[act]
    events = AuditEvent.objects.count()
    if status in starts:
        assert do(act, case, beatrice, other).status == target
        assert AuditEvent.objects.count() > events
    else:
        # An escalated case may go higher still, but not to the level it is already at.
        reason = (
            "Escalate to a higher level"
            if (act, status) == ("escalate", Status.ESCALATED)
            else "This cannot be done while the case is"
        )
        with pytest.raises(permissions.NotAllowed, match=reason):
            do(act, case, beatrice, other)
        assert Case.objects.get(pk=case.pk).status == status
        assert AuditEvent.objects.count() == events


def test_escalated_cases_can_go_higher_still(coalition):
    case, _ = case_in(Status.INVESTIGATING, coalition["beatrice"])
    beatrice = coalition["beatrice"]
    for level in (Level.REGIONAL, Level.EXTERNAL):
        workflow.escalate(
            case, by=beatrice.user, case_key=key_of(case, beatrice), level=level, reason="higher"
        )
    assert Case.objects.get(pk=case.pk).level == Level.EXTERNAL


def test_nothing_outside_workflow_sets_a_status():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path)
        for folder in ("cases", "whistle", "config")
        for path in (root / folder).rglob("*.py")
        if path.name != "workflow.py" and re.search(r"\.status\s*=[^=]", path.read_text())
    ]
    assert offenders == []


def test_acknowledging_tells_the_reporter_in_her_language(coalition):
    submission = report()
    workflow.acknowledge(
        submission.case,
        by=coalition["amani"].user,
        case_key=key_of(submission.case, coalition["amani"]),
    )
    case, case_key = access.case_for_receipt(submission.receipt)
    [entry] = content.conversation(case, case_key)
    assert entry.sender == "staff"
    assert entry.text.startswith("Merci")


def test_an_officer_cannot_close_or_grant(coalition):
    case, _other = case_in(Status.CONCLUDED, coalition["beatrice"])
    with pytest.raises(permissions.NotAllowed, match="Your role cannot do this."):
        workflow.close(case, by=coalition["amani"].user)


def test_an_officer_without_a_key_can_do_nothing(coalition):
    case = report().case
    with pytest.raises(permissions.NotAllowed, match="You do not hold a key"):
        workflow.acknowledge(case, by=coalition["sia"].user, case_key=b"\0" * 32)


def test_steering_members_have_no_acts_even_holding_a_key(coalition):
    chidi, beatrice = coalition["chidi"], coalition["beatrice"]
    case, other = case_in(Status.INVESTIGATING, beatrice)
    # A key wrapped to Chidi by hand: the refusal must come from the role, not the key.
    KeyWrap.objects.create(
        case=case,
        user=chidi.user,
        wrapped=keys.wrap(bytes(chidi.public_key), key_of(case, beatrice), case.id),
    )
    assert key_of(case, chidi) == key_of(case, beatrice)
    for act in [*MOVES, "assign", "note", "message"]:
        with pytest.raises(permissions.NotAllowed, match="Your role cannot do this"):
            do_any(act, case, chidi, other)
    assert do_any("assign", case, beatrice, other).assignee == beatrice.user  # positive control


def test_notes_are_sealed_and_readable_by_key_holders(coalition):
    case = report().case
    workflow.add_note(
        case,
        by=coalition["amani"].user,
        case_key=key_of(case, coalition["amani"]),
        text="The comptoir owner is the mayor's cousin.",
    )
    note = Note.objects.get()
    assert b"mayor" not in bytes(note.body)
    assert content.notes(case, key_of(case, coalition["beatrice"]))[0].text.startswith("The")


def test_only_a_message_marked_as_feedback_meets_the_feedback_clock(coalition):
    case = report().case
    amani, key = coalition["amani"].user, key_of(case, coalition["amani"])
    workflow.acknowledge(case, by=amani, case_key=key)
    assert Case.objects.get().first_feedback_at is None
    workflow.request_information(case, by=amani, case_key=key, text="Which day exactly?")
    case = Case.objects.get()
    assert case.first_feedback_at is None and case.next_due == case.feedback_due
    workflow.message_reporter(
        case, by=amani, case_key=key, text="We alerted the KP focal point.", feedback=True
    )
    case = Case.objects.get()
    assert case.first_feedback_at is not None and case.next_due is None
    assert Message.objects.filter(sender="staff").count() == 3
    assert [
        e.detail["feedback"]
        for e in AuditEvent.objects.filter(action__in=["request_information", "message_reporter"])
    ] == [False, True]


def test_grant_and_revoke_access(coalition):
    case = report().case
    beatrice = coalition["beatrice"]
    sharing.grant_access(
        case, by=beatrice.user, to=coalition["sia"].user, case_key=key_of(case, beatrice)
    )
    assert key_of(case, coalition["sia"])
    sharing.revoke_access(case, by=beatrice.user, who=coalition["sia"].user)
    with pytest.raises(access.NotFound, match="no such case"):
        key_of(case, coalition["sia"])


def test_a_regional_only_case_cannot_be_granted_to_the_national_officer(coalition):
    case = report(regional_only=True).case
    beatrice = coalition["beatrice"]
    with pytest.raises(permissions.NotAllowed, match="national team"):
        sharing.grant_access(
            case, by=beatrice.user, to=coalition["amani"].user, case_key=key_of(case, beatrice)
        )
    assert not KeyWrap.objects.filter(case=case, user=coalition["amani"].user).exists()


def test_an_officer_recuses_herself_and_loses_the_case(coalition):
    case = report().case
    amani = coalition["amani"]
    sharing.assign(case, by=coalition["beatrice"].user, to=amani.user)
    sharing.recuse(case, by=amani.user)
    case = Case.objects.get()
    assert case.assignee is None
    with pytest.raises(access.NotFound, match="no such case"):
        key_of(case, amani)


def test_only_a_coordinator_recuses_someone_else(coalition):
    case = report().case
    with pytest.raises(permissions.NotAllowed, match="Only a coordinator can recuse someone else"):
        sharing.recuse(case, by=coalition["amani"].user, who=coalition["beatrice"].user)
    sharing.recuse(case, by=coalition["beatrice"].user, who=coalition["amani"].user)
    assert not KeyWrap.objects.filter(case=case, user=coalition["amani"].user).exists()


def test_the_last_key_holder_cannot_recuse_and_orphan_the_case(coalition):
    case = report(regional_only=True).case
    with pytest.raises(permissions.NotAllowed, match="Nobody else"):
        sharing.recuse(case, by=coalition["beatrice"].user)


def test_escalation_records_who_to_whom_and_why(coalition):
    case, _ = case_in(Status.INVESTIGATING, coalition["beatrice"])
    amani = coalition["amani"]
    escalation = workflow.escalate(
        case,
        by=amani.user,
        case_key=key_of(case, amani),
        level=Level.REGIONAL,
        reason="The national police is involved",
        to=coalition["beatrice"].user,
    )
    case = Case.objects.get(pk=case.pk)
    assert (case.level, case.status) == (Level.REGIONAL, Status.ESCALATED)
    assert escalation.by == amani.user and escalation.to == coalition["beatrice"].user
    assert b"police" not in bytes(escalation.reason)
    with pytest.raises(permissions.NotAllowed, match="higher level"):
        workflow.escalate(
            case,
            by=amani.user,
            case_key=key_of(case, amani),
            level=Level.NATIONAL,
            reason="back down",
        )


def test_a_duplicate_links_to_the_surviving_case(coalition):
    case, other = case_in(Status.DUPLICATE, coalition["beatrice"])
    assert case.duplicate_of == other


def test_reopening_needs_a_reason_and_keeps_it_as_a_note(coalition):
    case, _ = case_in(Status.CLOSED, coalition["beatrice"])
    beatrice = coalition["beatrice"]
    with pytest.raises(permissions.NotAllowed, match="Say why the case is reopened"):
        workflow.reopen(case, by=beatrice.user, case_key=key_of(case, beatrice), reason=" ")
    case = do("reopen", case, beatrice)
    assert case.closed_at is None and case.outcome == ""
    assert content.notes(case, key_of(case, beatrice))[-1].text == "new evidence"
