"""The officers' acts on a case: one function each, and the one table of allowed moves.

Each act is atomic, takes the acting person as `by=`, checks that the move is allowed (who
may do what: cases.permissions; from which state: TRANSITIONS), and writes an audit event in the
same transaction. Nothing outside this module sets a case's status; new cases come from
cases.intake, and who holds a case's key is changed by cases.sharing (and by an escalation
to a named steering member, who is handed the key).
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lib import clock
from places import provinces

from . import audit, content, deadlines, events, keys, notifications, permissions, taxonomy
from .intake import post_message
from .models import (
    Case,
    CaseCategory,
    Escalation,
    KeyWrap,
    Level,
    Message,
    Note,
    Outcome,
    Priority,
    Role,
    Sender,
    Status,
)
from .permissions import NotAllowed

# The transition table: for each act that moves a case, the states it may start from.
# An act not listed here (note, message, assign, grant...) never changes the status.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "acknowledge": ((Status.RECEIVED,), Status.ACKNOWLEDGED),
    "assess": ((Status.ACKNOWLEDGED, Status.ASSESSING), None),  # target depends on the finding
    "escalate": ((Status.ASSESSING, Status.INVESTIGATING, Status.ESCALATED), Status.ESCALATED),
    "resume": ((Status.ESCALATED,), Status.INVESTIGATING),
    "mark_duplicate": (
        (Status.ACKNOWLEDGED, Status.ASSESSING, Status.INVESTIGATING),
        Status.DUPLICATE,
    ),
    "conclude": ((Status.INVESTIGATING, Status.ESCALATED), Status.CONCLUDED),
    "close": ((Status.CONCLUDED, Status.INADMISSIBLE, Status.DUPLICATE), Status.CLOSED),
    "reopen": (
        (Status.CONCLUDED, Status.CLOSED, Status.INADMISSIBLE, Status.DUPLICATE),
        Status.INVESTIGATING,
    ),
}
ASSESS_TARGETS = {None: Status.ASSESSING, True: Status.INVESTIGATING, False: Status.INADMISSIBLE}


def check(case: Case, by, act: str, permission: str | None = None) -> None:
    """Refuse unless `by` may do the act on this case (cases.permissions) and its state allows."""
    permissions.check(by, permission or act, case)
    if act in TRANSITIONS and case.status not in TRANSITIONS[act][0]:
        raise NotAllowed(
            _("This cannot be done while the case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )


def move(case: Case, status: str, *, by, act: str, detail: dict | None = None) -> None:
    """The one place a status changes: save with fresh clocks and record the act."""
    old = case.status
    case.status = status
    deadlines.refresh(case)
    case._history_user = by if not isinstance(by, str) else None
    case.save()
    audit.record(act, by=by, case=case, detail={"from": old, "to": status, **(detail or {})})


def locked(case: Case) -> Case:
    """Reload the case under a row lock so two officers' acts cannot interleave."""
    return Case.objects.select_for_update().get(pk=case.pk)


ACKNOWLEDGEMENT = gettext_noop(
    "Thank you. Your report has been received by the coalition and will be examined "
    "carefully. We will write to you here; please come back with your receipt to read our "
    "answers and to add anything you remember."
)


@transaction.atomic
def acknowledge(case: Case, *, by, case_key: bytes) -> Case:
    """Acknowledge receipt: starts the three-month feedback clock and tells the reporter."""
    case = locked(case)
    check(case, by, "acknowledge")
    with translation.override(case.language):
        text = _(ACKNOWLEDGEMENT)
    post_message(case, by=by, case_key=case_key, text=text, sender=Sender.STAFF)
    case.acknowledged_at = clock.now()
    move(case, Status.ACKNOWLEDGED, by=by, act="acknowledge")
    return case


@transaction.atomic
def set_priority(case: Case, *, by, priority: str) -> Case:
    """Triage: a P1 case not yet acknowledged gets the 24-hour clock."""
    case = locked(case)
    check(case, by, "set_priority")
    if priority not in Priority.values:
        raise NotAllowed(_("Unknown priority."))
    old, case.priority = case.priority, priority
    move(case, case.status, by=by, act="set_priority", detail={"old": old, "new": priority})
    events.announce(case)
    return case


@transaction.atomic
def set_province(case: Case, *, by, province: str) -> Case:
    """Set or correct the province kept in clear (empty: not known); the report is unchanged."""
    case = locked(case)
    check(case, by, "set_province")
    if province and provinces.country_of(province) != case.country:
        raise NotAllowed(_("Choose a province of the case's country."))
    old, case.province = case.province, province
    move(case, case.status, by=by, act="set_province", detail={"old": old, "new": province})
    events.announce(case)
    return case


@transaction.atomic
def assess(
    case: Case, *, by, priority: str, categories: Sequence[str], admissible: bool | None
) -> Case:
    """Record the assessment; admissible opens the investigation, inadmissible ends it."""
    case = locked(case)
    check(case, by, "assess")
    known = taxonomy.CATEGORIES
    if priority not in Priority.values or not categories or set(categories) - set(known):
        raise NotAllowed(_("Choose a priority and at least one known category."))
    case.priority, case.admissible, case.assessed_at = priority, admissible, clock.now()
    CaseCategory.objects.filter(case=case).exclude(code__in=categories).delete()
    for code in categories:
        CaseCategory.objects.get_or_create(case=case, code=code)
    move(
        case,
        ASSESS_TARGETS[admissible],
        by=by,
        act="assess",
        detail={"priority": priority, "categories": sorted(categories), "admissible": admissible},
    )
    events.announce(case)
    return case


@transaction.atomic
def add_note(case: Case, *, by, case_key: bytes, text: str) -> Note:
    """An internal note, sealed; the reporter never sees it."""
    case = locked(case)
    check(case, by, "note")
    note = Note(case=case, author=by, created_at=clock.now())
    note.body = content.seal_text(case, case_key, f"note:{note.uid}", text)
    note.save()
    audit.record("note", by=by, case=case)
    return note


@transaction.atomic
def message_reporter(
    case: Case,
    *,
    by,
    case_key: bytes,
    text: str,
    question: bool = False,
    feedback: bool = False,
) -> Message:
    """Write to the reporter's mailbox. Only a message the officer says gives the reporter
    feedback meets the feedback clock: a question or a "we are on it" does not."""
    case = locked(case)
    check(case, by, "message")
    message = post_message(case, by=by, case_key=case_key, text=text, sender=Sender.STAFF)
    if feedback and case.acknowledged_at is not None:
        case.first_feedback_at = case.first_feedback_at or message.created_at
        case.last_feedback_at = message.created_at
    act = "request_information" if question else "message_reporter"
    move(case, case.status, by=by, act=act, detail={"feedback": feedback})
    return message


def request_information(
    case: Case, *, by, case_key: bytes, text: str, feedback: bool = False
) -> Message:
    """Ask the reporter a question through the mailbox."""
    return message_reporter(
        case, by=by, case_key=case_key, text=text, question=True, feedback=feedback
    )


LEVEL_ORDER = [Level.NATIONAL, Level.REGIONAL, Level.STEERING, Level.EXTERNAL]


def steering_recipient(to, level: str):
    """The profile to hand the case key to when `to` is a steering member, else None.

    A steering member holds no case until one is escalated to them, at the steering level.
    """
    profile = permissions.profile_of(to)
    if profile is None or profile.role != Role.STEERING:
        return None
    if level != Level.STEERING:
        raise NotAllowed(_("A steering member receives a case only at the steering level."))
    if not permissions.may(to, "receive_escalations"):
        raise NotAllowed(_("This steering member cannot receive cases."))
    if not permissions.admitted(profile):
        raise NotAllowed(_("A coordinator of their region must admit this person to cases first."))
    return profile


@transaction.atomic
def escalate(
    case: Case,
    *,
    by,
    case_key: bytes | None,
    level: str,
    reason: str,
    to=None,
    automatic: bool = False,
) -> Escalation:
    """Raise the case to a higher level, saying to whom and why."""
    case = locked(case)
    if not automatic:
        check(case, by, "escalate")
    elif not case.is_open or case.shredded_at:  # overdue: escalated from any open state
        raise NotAllowed(_("Only an open case can be escalated."))
    if level not in Level.values or LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(case.level):
        raise NotAllowed(_("Escalate to a higher level than the current one."))
    steering = steering_recipient(to, level) if to is not None else None
    if steering is not None and case_key is None:
        raise NotAllowed(_("Only a key holder can hand the case to the steering committee."))
    escalation = Escalation(
        case=case,
        level=level,
        by=None if automatic else by,
        to=to,
        automatic=automatic,
        created_at=clock.now(),
    )
    escalation.reason = (
        content.seal_text(case, case_key, f"escalation:{escalation.uid}", reason)
        if case_key
        else b""
    )
    escalation.save()
    case.level = level
    status = Status.ESCALATED if case.status in TRANSITIONS["escalate"][0] else case.status
    move(
        case,
        status,
        by=by,
        act="escalate",
        detail={"level": level, "to": to.get_username() if to else "", "automatic": automatic},
    )
    if steering is not None and not permissions.holds_key(case, to):
        KeyWrap.objects.create(
            case=case, user=to, wrapped=keys.wrap(bytes(steering.public_key), case_key, case.id)
        )
        audit.record(
            "grant_access", by=by, case=case, detail={"to": to.get_username(), "via": "escalate"}
        )
    return escalation


@transaction.atomic
def resume(case: Case, *, by) -> Case:
    """Bring an escalated case back to investigation at its current level."""
    case = locked(case)
    check(case, by, "resume")
    move(case, Status.INVESTIGATING, by=by, act="resume")
    return case


@transaction.atomic
def mark_duplicate(case: Case, *, by, of: Case) -> Case:
    """Close the case as a duplicate, linked to the case that carries on."""
    case = locked(case)
    check(case, by, "mark_duplicate")
    if of.pk == case.pk or not permissions.holds_key(of, by):
        raise NotAllowed(_("Choose another case that you hold a key to."))
    case.duplicate_of = of
    move(case, Status.DUPLICATE, by=by, act="mark_duplicate", detail={"of": of.reference})
    return case


@transaction.atomic
def conclude(case: Case, *, by, outcome: str) -> Case:
    """Record the outcome of the investigation."""
    case = locked(case)
    check(case, by, "conclude")
    if outcome not in Outcome.values:
        raise NotAllowed(_("Choose an outcome."))
    case.outcome, case.concluded_at = outcome, clock.now()
    move(case, Status.CONCLUDED, by=by, act="conclude", detail={"outcome": outcome})
    return case


@transaction.atomic
def close(case: Case, *, by) -> Case:
    """Close the case; the retention clock starts."""
    case = locked(case)
    check(case, by, "close")
    case.closed_at = clock.now()
    move(case, Status.CLOSED, by=by, act="close")
    return case


def flag_permission(case: Case, act: str) -> str:
    """The permission an act on a finished case needs: officers too may answer a reporter
    who wrote on it (flagged), only coordinators may reopen it otherwise."""
    return f"{act}_flagged" if act == "reopen" and case.flagged_at else act


@transaction.atomic
def reopen(case: Case, *, by, case_key: bytes, reason: str) -> Case:
    """Reopen a finished case for investigation, keeping the reason as a note."""
    case = locked(case)
    check(case, by, "reopen", permission=flag_permission(case, "reopen"))
    if not reason.strip():
        raise NotAllowed(_("Say why the case is reopened."))
    note = Note(case=case, author=by, created_at=clock.now())
    note.body = content.seal_text(case, case_key, f"note:{note.uid}", reason)
    note.save()
    case.closed_at = case.concluded_at = case.flagged_at = None
    case.outcome = ""
    move(case, Status.INVESTIGATING, by=by, act="reopen")
    return case


@transaction.atomic
def keep_finished(case: Case, *, by) -> Case:
    """Answer a flagged case by leaving it finished: the flag goes, the status stays."""
    case = locked(case)
    check(case, by, "keep_finished")
    if case.flagged_at is None or case.is_open:
        raise NotAllowed(_("Only a finished case the reporter wrote on is flagged."))
    case.flagged_at = None
    move(case, case.status, by=by, act="keep_finished")
    return case


# The system raises an overdue case no higher than this: regional coordinators already
# hold its key (routing), while above them nobody does until a person grants it.
AUTO_ESCALATION_CEILING = Level.REGIONAL


@transaction.atomic
def escalate_overdue(case: Case, *, by="system") -> bool:
    """Escalate a case past its deadline one level (to regional at most), once per deadline.

    The reason is a code in the audit log; the key holders are mailed once the act commits.
    Returns whether anything was done: False for a case not overdue or already handled.
    """
    case = locked(case)
    if not case.is_open or case.shredded_at or not case.next_due or case.next_due > clock.now():
        return False
    marker = notifications.deadline_kind("escalation", case)
    if case.notices.filter(kind=marker).exists():
        return False
    deadline = notifications.deadline_name(case)
    current = LEVEL_ORDER.index(case.level)
    ceiling = LEVEL_ORDER.index(AUTO_ESCALATION_CEILING)
    raised = LEVEL_ORDER[current + 1] if current < ceiling else ""
    audit.record(
        "overdue",
        by=by,
        case=case,
        detail={
            "reason": f"{deadline}_deadline_missed",
            "due": case.next_due.isoformat(),
            "escalated_to": raised,
        },
    )
    if raised:
        escalate(case, by=by, case_key=None, level=raised, reason="", automatic=True)
    case.notices.create(kind=marker)
    notifications.queue(notifications.deadline_kind("overdue", case), case)
    return True
