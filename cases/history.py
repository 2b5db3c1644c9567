"""A case's history: its audit events told as sentences, and the dating of history rows.

`story` turns the audit events of one case into sentences in the active language ("Amani
read the case", "Sia escalated it to Regional"), with codes translated (statuses,
levels, categories, priorities) and repeated reads folded into one line. Each act has one
entry in SENTENCES; an act without one still shows, as its code, so a new act is never
hidden from the history (add its sentence beside the act).

History rows written by the reporter's own acts are dated to the hour, like the acts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from simple_history.signals import pre_create_historical_record

from . import taxonomy
from .models import AuditEvent, Level, Outcome, Status


def coarsen_anonymous_history(sender, history_instance, **kwargs) -> None:
    if history_instance.history_user_id is None:
        history_instance.history_date = history_instance.history_date.replace(
            minute=0, second=0, microsecond=0
        )


def connect() -> None:
    pre_create_historical_record.connect(
        coarsen_anonymous_history, dispatch_uid="lanterne-coarse-history"
    )


# --- the words for codes --------------------------------------------------------------------


def label(choices, code) -> str:
    """The words for a code of a choices class; the code itself if it is unknown."""
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


def categories(codes) -> str:
    return ", ".join(str(taxonomy.CATEGORIES.get(c, c)) for c in codes or [])


def yes_no_unknown(value) -> str:
    return _("not decided") if value is None else _("yes") if value else _("no")


READS = {
    "case page": gettext_lazy("%(who)s read the case"),
    "attachment": gettext_lazy("%(who)s opened a file"),
    "dossier page": gettext_lazy("%(who)s opened the dossier page"),
}

MISSED = {
    "ack_deadline_missed": gettext_lazy("the acknowledgement deadline passed"),
    "feedback_deadline_missed": gettext_lazy("the feedback deadline passed"),
}


def _read(who: str, d: dict) -> str:
    return str(READS.get(d.get("what"), gettext_lazy("%(who)s read the case"))) % {"who": who}


def _assess(who: str, d: dict) -> str:
    return _(
        "%(who)s assessed it: priority %(priority)s; categories: %(categories)s; "
        "admissible: %(admissible)s"
    ) % {
        "who": who,
        "priority": d.get("priority", ""),
        "categories": categories(d.get("categories")),
        "admissible": yes_no_unknown(d.get("admissible")),
    }


def _escalate(who: str, d: dict) -> str:
    level = label(Level, d.get("level", ""))
    if d.get("to"):
        return _("%(who)s escalated it to %(level)s, to %(to)s") % {
            "who": who,
            "level": level,
            "to": d["to"],
        }
    if d.get("automatic"):
        return _("Its deadline passed: it was escalated to %(level)s") % {"level": level}
    return _("%(who)s escalated it to %(level)s") % {"who": who, "level": level}


def _overdue(who: str, d: dict) -> str:
    missed = str(MISSED.get(d.get("reason"), d.get("reason", "")))
    if d.get("escalated_to"):
        return _("Overdue: %(missed)s; the case goes to %(level)s") % {
            "missed": missed,
            "level": label(Level, d["escalated_to"]),
        }
    return _("Overdue: %(missed)s; its key holders were told") % {"missed": missed}


def simple(text) -> Callable[[str, dict], str]:
    return lambda who, d: str(text) % {"who": who}


def with_detail(text, **keys: Callable) -> Callable[[str, dict], str]:
    """A sentence whose placeholders come from the event's detail, each put into words."""

    def sentence(who: str, d: dict) -> str:
        return str(text) % {"who": who, **{k: f(d) for k, f in keys.items()}}

    return sentence


def with_files(without, with_some) -> Callable[[str, dict], str]:
    """A reporter's act, with the number of files it carried when there were any."""

    def sentence(who: str, d: dict) -> str:
        count = int(d.get("files") or 0)
        return with_some % {"n": count} if count else str(without)

    return sentence


SENTENCES: dict[str, Callable[[str, dict], str]] = {
    "submit": with_files(
        gettext_lazy("The reporter sent the report"),
        ngettext_lazy(
            "The reporter sent the report, with %(n)d file",
            "The reporter sent the report, with %(n)d files",
            "n",
        ),
    ),
    "reporter_message": with_files(
        gettext_lazy("The reporter wrote a message"),
        ngettext_lazy(
            "The reporter wrote a message, with %(n)d file",
            "The reporter wrote a message, with %(n)d files",
            "n",
        ),
    ),
    "read": _read,
    "acknowledge": simple(gettext_lazy("%(who)s acknowledged receipt to the reporter")),
    "assess": _assess,
    "set_priority": with_detail(
        gettext_lazy("%(who)s set the priority to %(new)s (was %(old)s)"),
        new=lambda d: d.get("new") or "—",
        old=lambda d: d.get("old") or "—",
    ),
    "set_province": with_detail(
        gettext_lazy("%(who)s set the province to %(new)s"),
        new=lambda d: d.get("new") or _("not known"),
    ),
    "note": simple(gettext_lazy("%(who)s added an internal note")),
    "message_reporter": simple(gettext_lazy("%(who)s wrote to the reporter")),
    "request_information": simple(gettext_lazy("%(who)s asked the reporter a question")),
    "escalate": _escalate,
    "resume": simple(gettext_lazy("%(who)s resumed the investigation")),
    "mark_duplicate": with_detail(
        gettext_lazy("%(who)s marked it a duplicate of %(of)s"), of=lambda d: d.get("of", "")
    ),
    "conclude": with_detail(
        gettext_lazy("%(who)s concluded it: %(outcome)s"),
        outcome=lambda d: label(Outcome, d.get("outcome", "")),
    ),
    "close": simple(gettext_lazy("%(who)s closed the case")),
    "reopen": simple(gettext_lazy("%(who)s reopened the case")),
    "grant_access": with_detail(
        gettext_lazy("%(who)s gave %(to)s a key to the case"), to=lambda d: d.get("to", "")
    ),
    "revoke_access": with_detail(
        gettext_lazy("%(who)s took %(whom)s's key away"), whom=lambda d: d.get("who", "")
    ),
    "recuse": with_detail(
        gettext_lazy("%(whom)s stepped away from the case (recused by %(who)s)"),
        whom=lambda d: d.get("who", ""),
    ),
    "assign": with_detail(
        gettext_lazy("%(who)s put %(to)s in charge of the case"), to=lambda d: d.get("to", "")
    ),
    "take": simple(gettext_lazy("%(who)s took the case")),
    "hand_over": with_detail(
        gettext_lazy("%(who)s handed the case over to %(to)s, with a note"),
        to=lambda d: d.get("to", ""),
    ),
    "keep_finished": simple(
        gettext_lazy("%(who)s read the reporter's new message and left the case finished")
    ),
    "overdue": _overdue,
    "shred": simple(gettext_lazy("The case was destroyed at the end of its retention period")),
    "actor_link": simple(gettext_lazy("%(who)s linked an actor of the registry to the case")),
    "actor_unlink": simple(gettext_lazy("%(who)s unlinked an actor of the registry")),
    "export_dossier": with_detail(
        gettext_lazy(
            "%(who)s exported a dossier: %(messages)s messages chosen, %(files)s files listed"
        ),
        messages=lambda d: d.get("messages", 0),
        files=lambda d: d.get("files", 0),
    ),
    "file_mismatch": simple(
        gettext_lazy("A file did not match its recorded SHA-256 when %(who)s opened it")
    ),
}

# Acts whose detail carries "from" and "to" as statuses (cases.workflow.move).
TRANSITION_ACTS = {
    "acknowledge",
    "assess",
    "resume",
    "mark_duplicate",
    "conclude",
    "close",
    "reopen",
}
STATUS_CHANGE = gettext_lazy("(status: %(old)s → %(new)s)")


def sentence(event: AuditEvent, who: str) -> str:
    """One event in words, with the change of status when the act made one."""
    words = SENTENCES.get(event.action)
    text = words(who, event.detail) if words else f"{who}: {event.action}"
    old, new = event.detail.get("from"), event.detail.get("to")
    if old and new and old != new and event.action in TRANSITION_ACTS:
        text += " " + str(STATUS_CHANGE) % {"old": label(Status, old), "new": label(Status, new)}
    return text


# --- the lines of the page ------------------------------------------------------------------


@dataclass
class Line:
    at: datetime  # the latest of the folded events
    since: datetime | None  # the earliest, when several were folded
    text: str
    count: int


def names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """How to call each actor: her full name when the account has one, else the username."""
    wanted = {e.actor for e in events} - {"reporter", "system"}
    found = {
        u.get_username(): u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(username__in=wanted)
    }
    return {
        "reporter": _("The reporter"),
        "system": _("Lanterne"),
        **{actor: found.get(actor, actor) for actor in wanted},
    }


def story(events: list[AuditEvent]) -> list[Line]:
    """The events (newest first) as lines; a run of reads of one kind by one person is one."""
    called = names(events)
    lines: list[Line] = []
    previous = None
    for event in events:
        key = (event.actor, event.detail.get("what")) if event.action == "read" else None
        if key is not None and key == previous:
            line = lines[-1]
            line.count += 1
            line.since = event.at
            continue
        previous = key
        lines.append(Line(event.at, None, sentence(event, called[event.actor]), 1))
    for line in lines:
        if line.count > 1:
            line.text += " " + ngettext("(%(n)d time)", "(%(n)d times)", line.count) % {
                "n": line.count
            }
    return lines


# What each act is called in the audit log's list (its column and its filter).
ACTION_NAMES = {
    "submit": gettext_lazy("report sent"),
    "reporter_message": gettext_lazy("reporter's message"),
    "read": gettext_lazy("read"),
    "acknowledge": gettext_lazy("acknowledgement"),
    "assess": gettext_lazy("assessment"),
    "set_priority": gettext_lazy("priority set"),
    "set_province": gettext_lazy("province set"),
    "note": gettext_lazy("internal note"),
    "message_reporter": gettext_lazy("message to the reporter"),
    "request_information": gettext_lazy("question to the reporter"),
    "escalate": gettext_lazy("escalation"),
    "resume": gettext_lazy("investigation resumed"),
    "mark_duplicate": gettext_lazy("marked duplicate"),
    "conclude": gettext_lazy("conclusion"),
    "close": gettext_lazy("closure"),
    "reopen": gettext_lazy("reopening"),
    "grant_access": gettext_lazy("key given"),
    "revoke_access": gettext_lazy("key taken back"),
    "recuse": gettext_lazy("recusal"),
    "assign": gettext_lazy("assignment"),
    "take": gettext_lazy("case taken"),
    "hand_over": gettext_lazy("hand-over"),
    "keep_finished": gettext_lazy("left finished"),
    "overdue": gettext_lazy("deadline missed"),
    "shred": gettext_lazy("destroyed (retention)"),
    "export_dossier": gettext_lazy("dossier exported"),
    "file_mismatch": gettext_lazy("file changed since it arrived"),
    "actor_create": gettext_lazy("actor recorded"),
    "actor_update": gettext_lazy("actor changed"),
    "actor_link": gettext_lazy("actor linked to a case"),
    "actor_unlink": gettext_lazy("actor unlinked from a case"),
    "actor_licence_add": gettext_lazy("licence added"),
    "actor_licence_remove": gettext_lazy("licence removed"),
    "actor_relation_add": gettext_lazy("relation added"),
    "actor_merge": gettext_lazy("actors merged"),
    "actor_relation_remove": gettext_lazy("relation removed"),
    "actor_search": gettext_lazy("registry searched"),
    "registry_export": gettext_lazy("registry exported"),
    "registry_import": gettext_lazy("registry import applied"),
    "registry_rekey": gettext_lazy("registry re-keyed"),
    "registry_start": gettext_lazy("registry started"),
    "registry_grant": gettext_lazy("registry key given"),
    "registry_revoke": gettext_lazy("registry key taken back"),
    "invite": gettext_lazy("member invited"),
    "enrolment_code": gettext_lazy("enrolment code issued"),
    "enrol": gettext_lazy("member enrolled"),
    "admit_staff": gettext_lazy("member admitted to cases"),
    "reset_without_recovery": gettext_lazy("reset without the recovery key"),
    "statistics_exported": gettext_lazy("statistics exported"),
    "report_draft_saved": gettext_lazy("quarterly report draft saved"),
    "report_finalised": gettext_lazy("quarterly report issued"),
    "report_downloaded": gettext_lazy("quarterly report downloaded"),
    "read_summaries": gettext_lazy("queue summaries read"),
    "alert_raised": gettext_lazy("alert raised"),
    "alert_joined": gettext_lazy("report joined an alert"),
    "alert_read": gettext_lazy("alert read"),
    "alert_acknowledge": gettext_lazy("alert acknowledged"),
    "alert_assess": gettext_lazy("alert assessed"),
    "alert_close": gettext_lazy("alert closed"),
    "alert_escalated": gettext_lazy("alert escalated"),
    "alert_rule_saved": gettext_lazy("early-warning rule saved"),
    "alert_feed_token_issued": gettext_lazy("alert feed token issued"),
    "alert_feed_token_revoked": gettext_lazy("alert feed token revoked"),
}


def action_name(code: str) -> str:
    """The act's name in the active language; its code when it has none yet."""
    return str(ACTION_NAMES.get(code, code))
