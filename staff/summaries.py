"""What each case in the queue is about: a few words opened from its sealed report.

Only the rows of the page shown, only with the officer's key (one batch unwrap), and only
for the response being drawn: nothing here is cached, logged or kept in the session. The
read is audited once per page, naming the cases whose summaries were opened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases import access, audit, content
from cases.models import Case
from lib import crypto

WORDS = 14
CHARACTERS = 110


@dataclass(frozen=True)
class Summary:
    what: str  # the first words of "what happened"
    where: str  # the town or territory, and the mine site


def shorten(text: str) -> str:
    """The first words of a text, cut on a word and marked when cut."""
    words = text.split()
    short = " ".join(words[:WORDS])
    if len(short) > CHARACTERS:
        short = short[:CHARACTERS].rsplit(" ", 1)[0]
    return short + ("…" if short != " ".join(words) else "")


def summary_of(case: Case, case_key: bytes) -> Summary:
    answers = content.read_report(case, case_key)
    where = " · ".join(
        str(answers[name]).strip() for name in ("place", "mine_site") if answers.get(name)
    )
    return Summary(shorten(str(answers.get("what_happened", ""))), where)


def for_page(cases: list, user, private_key: bytes | None) -> dict[uuid.UUID, Summary]:
    """The summaries of the cases shown whose key this staff member holds: {case id: ...}."""
    if private_key is None or not cases:
        return {}
    keys = access.case_keys_for_staff([c.pk for c in cases], user, private_key)
    if not keys:
        return {}
    found = {}
    for case in Case.objects.filter(pk__in=list(keys)).only("id", "reference", "report"):
        if not case.report:
            continue  # shredded: nothing left to open
        try:
            found[case.id] = summary_of(case, keys[case.id])
        except (crypto.CryptoError, ValueError):
            continue
    if found:
        references = sorted(c.reference for c in cases if c.pk in found)
        audit.record("read_summaries", by=user, detail={"cases": references})
    return found
