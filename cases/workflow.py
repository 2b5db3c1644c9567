"""Every act on a case has one function here; nothing else creates a case or sets a status.

Each act is atomic, takes the acting person as `by=`, checks that the move is allowed
(TRANSITIONS and who may do what), and writes an audit event in the same transaction.
Expensive key derivation runs before a transaction opens, so locks are held briefly.
"""

import json
import os
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import audit, clock, clocks, crypto, keys, notifications, storage
from .models import (
    Attachment,
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
    StaffProfile,
    Status,
)
from .routing import recipients
from .uploads import StagedFile

# Crockford's alphabet without I, L, O, U: easy to read aloud and to type back.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Answers kept in clear on the case row; the rest is sealed.
CLEAR_ANSWERS = ("country", "categories", "regional_only")


def new_reference() -> str:
    """A random reference like 'K7QM-4X29' (40 bits), never sequential."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Submission:
    case: Case
    receipt: str


def submit(*, answers: dict, files: Sequence[StagedFile] = (), language: str = "en") -> Submission:
    """Create a case from a reporter's answers and staged files; return it with its receipt.

    The receipt is returned once and never stored. The case key is wrapped for the
    reporter (under the receipt), every recipient in scope and the escrow key if set.
    """
    receipt = crypto.generate_receipt()
    receipt_keys = keys.receipt_keys(receipt)
    case_key, case_id = crypto.random_key(), uuid.uuid4()
    sealed_report = crypto.seal_for_case(
        case_key, case_id.bytes, "report", json.dumps(answers).encode()
    )
    wraps = [
        (profile.user_id, bytes(profile.public_key))
        for profile in recipients(answers["country"], regional_only=answers["regional_only"])
    ]
    if settings.LANTERNE_ESCROW_PUBLIC_KEY:
        wraps.append((None, crypto.unb64(settings.LANTERNE_ESCROW_PUBLIC_KEY)))
    received_at = clock.coarse_now()
    priority = Priority.P1 if answers.get("urgent") else ""

    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                case = Case(
                    id=case_id,
                    reference=reference,
                    country=answers["country"],
                    regional_only=answers["regional_only"],
                    language=language,
                    received_at=received_at,
                    priority=priority,
                    reporter_tag=receipt_keys.tag.hex(),
                    reporter_key=crypto.seal(
                        receipt_keys.key, case_key, context=keys.reporter_context(case_id)
                    ),
                    report=sealed_report,
                )
                clocks.refresh(case)
                case.save(force_insert=True)
                CaseCategory.objects.bulk_create(
                    CaseCategory(case=case, code=code) for code in answers["categories"]
                )
                KeyWrap.objects.bulk_create(
                    KeyWrap(
                        case=case,
                        user_id=user_id,
                        wrapped=keys.wrap(public, case_key, case_id),
                    )
                    for user_id, public in wraps
                )
                attach(case, case_key, files, message=None)
                audit.record(
                    "submit", by="reporter", case=case, at=received_at, detail={"files": len(files)}
                )
                notify_on_commit("new_case", case)
            return Submission(case, receipt)
        except IntegrityError:
            # References are 40 random bits: a collision is rare, but draw again.
            if not Case.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not draw a free case reference")


def attach(case: Case, case_key: bytes, files: Sequence[StagedFile], message) -> None:
    """Move staged files into the case inside the caller's transaction.

    Files are hard-linked, so a rolled-back transaction leaves the staged copies usable
    for a retry; the staged names are removed only once the rows are committed.
    """
    when = clock.coarse_now()
    for staged in files:
        Attachment.objects.create(
            id=staged.id,
            case=case,
            message=message,
            sealed_meta=crypto.seal_for_case(
                case_key, case.id.bytes, f"attachment-meta:{staged.id}", staged.meta()
            ),
            sealed_file_key=crypto.seal_for_case(
                case_key, case.id.bytes, f"attachment-key:{staged.id}", staged.key
            ),
            created_at=when,
        )
        final = storage.attachment_path(staged.id)
        if not final.exists():
            os.link(storage.spool_path(staged.id), final)
        storage.blur_times(final, when)
    spooled = [storage.spool_path(staged.id) for staged in files]
    transaction.on_commit(lambda: [storage.remove(path) for path in spooled])


def notify_on_commit(kind: str, case: Case) -> None:
    """Queue a content-free notification to the case's key holders once the act commits."""
    from .tasks import notify

    case_id = str(case.id)
    transaction.on_commit(lambda: notify.delay(kind, case_id), robust=True)


class NotAllowed(Exception):
    """This person may not do this act on this case now; the message says why."""


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

# Who may do what. Officers handle their cases; coordinators also steer them.
OFFICER_ACTS = {
    "acknowledge",
    "assess",
    "note",
    "message",
    "escalate",
    "resume",
    "recuse",
    "mark_duplicate",
    "conclude",
    "set_priority",
}
COORDINATOR_ACTS = OFFICER_ACTS | {"assign", "grant", "revoke", "close", "reopen"}
ACTS_BY_ROLE = {Role.OFFICER: OFFICER_ACTS, Role.COORDINATOR: COORDINATOR_ACTS}


def role_of(user) -> str | None:
    profile = StaffProfile.objects.filter(user=user).first()
    return profile.role if profile else None


def allowed_acts(user) -> set[str]:
    return ACTS_BY_ROLE.get(role_of(user), set())


def check(case: Case, by, act: str) -> None:
    """Refuse unless `by` holds a key to the case, has the right role, and the state allows."""
    if act not in allowed_acts(by):
        raise NotAllowed(_("Your role cannot do this."))
    if case.shredded_at is not None:
        raise NotAllowed(_("This case was deleted under the retention rules."))
    if not KeyWrap.objects.filter(case=case, user=by).exists():
        raise NotAllowed(_("You do not hold a key to this case."))
    if act in TRANSITIONS and case.status not in TRANSITIONS[act][0]:
        raise NotAllowed(
            _("This cannot be done while the case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )


def move(case: Case, status: str, *, by, act: str, detail: dict | None = None) -> None:
    """The one place a status changes: save with fresh clocks and record the act."""
    old = case.status
    case.status = status
    clocks.refresh(case)
    case._history_user = by if not isinstance(by, str) else None
    case.save()
    audit.record(act, by=by, case=case, detail={"from": old, "to": status, **(detail or {})})


def locked(case: Case) -> Case:
    """Reload the case under a row lock so two officers' acts cannot interleave."""
    return Case.objects.select_for_update().get(pk=case.pk)


def seal_text(case: Case, case_key: bytes, purpose: str, text: str) -> bytes:
    return crypto.seal_for_case(case_key, case.id.bytes, purpose, text.encode())


def post_message(
    case: Case, *, by, case_key: bytes, text: str, sender: str, files: Sequence[StagedFile] = ()
) -> Message:
    author = by if sender == Sender.STAFF else None
    when = clock.now() if sender == Sender.STAFF else clock.coarse_now()
    message = Message(case=case, sender=sender, author=author, created_at=when)
    message.body = seal_text(case, case_key, f"message:{message.uid}", text)
    message.save()
    attach(case, case_key, files, message=message)
    return message


def add_reporter_message(
    case: Case, *, case_key: bytes, text: str, files: Sequence[StagedFile] = ()
) -> Message:
    """Add the reporter's follow-up message (and files) to their case."""
    with transaction.atomic():
        message = post_message(
            case, by="reporter", case_key=case_key, text=text, sender=Sender.REPORTER, files=files
        )
        audit.record(
            "reporter_message",
            by="reporter",
            case=case,
            at=message.created_at,
            detail={"files": len(files)},
        )
        notify_on_commit("reporter_message", case)
    return message


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
    return case


@transaction.atomic
def assess(
    case: Case, *, by, priority: str, categories: Sequence[str], admissible: bool | None
) -> Case:
    """Record the assessment; admissible opens the investigation, inadmissible ends it."""
    from .taxonomy import CATEGORIES

    case = locked(case)
    check(case, by, "assess")
    if priority not in Priority.values or not categories or set(categories) - set(CATEGORIES):
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
    return case


@transaction.atomic
def add_note(case: Case, *, by, case_key: bytes, text: str) -> Note:
    """An internal note, sealed; the reporter never sees it."""
    case = locked(case)
    check(case, by, "note")
    note = Note(case=case, author=by, created_at=clock.now())
    note.body = seal_text(case, case_key, f"note:{note.uid}", text)
    note.save()
    audit.record("note", by=by, case=case)
    return note


@transaction.atomic
def message_reporter(
    case: Case, *, by, case_key: bytes, text: str, question: bool = False
) -> Message:
    """Write to the reporter's mailbox; the first such message is the legal feedback."""
    case = locked(case)
    check(case, by, "message")
    message = post_message(case, by=by, case_key=case_key, text=text, sender=Sender.STAFF)
    if case.first_feedback_at is None and case.acknowledged_at is not None:
        case.first_feedback_at = clock.now()
    act = "request_information" if question else "message_reporter"
    move(case, case.status, by=by, act=act)
    return message


def request_information(case: Case, *, by, case_key: bytes, text: str) -> Message:
    """Ask the reporter a question through the mailbox."""
    return message_reporter(case, by=by, case_key=case_key, text=text, question=True)


@transaction.atomic
def assign(case: Case, *, by, to) -> Case:
    """Make a key holder responsible for the case."""
    case = locked(case)
    check(case, by, "assign")
    if not KeyWrap.objects.filter(case=case, user=to).exists():
        raise NotAllowed(_("Grant access to this person before assigning the case."))
    case.assignee = to
    move(case, case.status, by=by, act="assign", detail={"to": to.get_username()})
    return case


LEVEL_ORDER = [Level.NATIONAL, Level.REGIONAL, Level.STEERING, Level.EXTERNAL]


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
    escalation = Escalation(
        case=case,
        level=level,
        by=None if automatic else by,
        to=to,
        automatic=automatic,
        created_at=clock.now(),
    )
    escalation.reason = (
        seal_text(case, case_key, f"escalation:{escalation.uid}", reason) if case_key else b""
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
    return escalation


@transaction.atomic
def resume(case: Case, *, by) -> Case:
    """Bring an escalated case back to investigation at its current level."""
    case = locked(case)
    check(case, by, "resume")
    move(case, Status.INVESTIGATING, by=by, act="resume")
    return case


@transaction.atomic
def grant_access(case: Case, *, by, to, case_key: bytes) -> KeyWrap:
    """Wrap the case key for another staff member."""
    case = locked(case)
    check(case, by, "grant")
    profile = StaffProfile.objects.filter(user=to, user__is_active=True).first()
    if profile is None or profile.role not in (Role.OFFICER, Role.COORDINATOR):
        raise NotAllowed(_("Only active officers and coordinators can receive a case."))
    if case.regional_only and profile.role == Role.OFFICER and case.country in profile.country_list:
        raise NotAllowed(_("The reporter asked that the national team not see this case."))
    if KeyWrap.objects.filter(case=case, user=to).exists():
        raise NotAllowed(_("This person already has access."))
    wrap = KeyWrap.objects.create(
        case=case, user=to, wrapped=keys.wrap(bytes(profile.public_key), case_key, case.id)
    )
    audit.record("grant_access", by=by, case=case, detail={"to": to.get_username()})
    return wrap


def remove_access(case: Case, *, by, who, act: str) -> None:
    KeyWrap.objects.filter(case=case, user=who).delete()
    if case.assignee_id == who.pk:
        case.assignee = None
        case._history_user = by
        case.save(update_fields=["assignee"])
    audit.record(act, by=by, case=case, detail={"who": who.get_username()})


@transaction.atomic
def revoke_access(case: Case, *, by, who) -> None:
    """Delete someone's key wrap: from now on the case is 'not found' for them."""
    case = locked(case)
    check(case, by, "revoke")
    if who == by:
        raise NotAllowed(_("Use “recuse” to remove yourself."))
    remove_access(case, by=by, who=who, act="revoke_access")


@transaction.atomic
def recuse(case: Case, *, by, who=None) -> None:
    """Step away from a case one is named in or implicated by; coordinators may recuse others."""
    case = locked(case)
    check(case, by, "recuse")
    who = who or by
    if who != by and role_of(by) != Role.COORDINATOR:
        raise NotAllowed(_("Only a coordinator can recuse someone else."))
    if who == by and KeyWrap.objects.filter(case=case).exclude(user=by).count() == 0:
        raise NotAllowed(_("Nobody else holds a key: grant access to someone first."))
    remove_access(case, by=by, who=who, act="recuse")


@transaction.atomic
def mark_duplicate(case: Case, *, by, of: Case) -> Case:
    """Close the case as a duplicate, linked to the case that carries on."""
    case = locked(case)
    check(case, by, "mark_duplicate")
    if of.pk == case.pk or not KeyWrap.objects.filter(case=of, user=by).exists():
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


@transaction.atomic
def reopen(case: Case, *, by, case_key: bytes, reason: str) -> Case:
    """Reopen a finished case for investigation, keeping the reason as a note."""
    case = locked(case)
    check(case, by, "reopen")
    if not reason.strip():
        raise NotAllowed(_("Say why the case is reopened."))
    note = Note(case=case, author=by, created_at=clock.now())
    note.body = seal_text(case, case_key, f"note:{note.uid}", reason)
    note.save()
    case.closed_at = case.concluded_at = None
    case.outcome = ""
    move(case, Status.INVESTIGATING, by=by, act="reopen")
    return case


def record_read(case: Case, *, by, what: str) -> None:
    """Every read of case content by staff is in the audit log."""
    audit.record("read", by=by, case=case, detail={"what": what})


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
    notify_on_commit(notifications.deadline_kind("overdue", case), case)
    return True
