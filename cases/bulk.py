"""Acts over several cases at once, from the queue: each case on its own, through its act.

A bulk act is the single act repeated: the same function of cases.workflow or
cases.sharing (checked by cases.permissions, audited, in its own transaction), once per
case. A case the person cannot open is left untouched and counted, without saying whether
it exists; a refusal on one case does not stop the others.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import access, sharing, workflow
from .models import Case
from .permissions import NotAllowed


@dataclass(frozen=True)
class Outcome:
    case: Case | None  # None: not a case this person can open
    refusal: str | None  # None: done

    @property
    def done(self) -> bool:
        return self.refusal is None


def _acknowledge(case, *, by, case_key, **_arguments):
    workflow.acknowledge(case, by=by, case_key=case_key)


def _take(case, *, by, case_key, **_arguments):
    sharing.take(case, by=by)


def _assign(case, *, by, case_key, to, **_arguments):
    sharing.assign(case, by=by, to=to, case_key=case_key)


ACTS = {"acknowledge": _acknowledge, "take": _take, "assign": _assign}

NOT_FOUND = gettext_noop("Not a case you can open: nothing was done to it.")


def ids_of(values: Iterable[str]) -> list[uuid.UUID | None]:
    """The chosen case ids, a malformed one as None (it opens nothing)."""
    chosen = []
    for value in values:
        try:
            chosen.append(uuid.UUID(str(value)))
        except ValueError:
            chosen.append(None)
    return chosen


# Two pages of the queue: a request doing more would hold the worker for long.
LIMIT = 100


def run(act: str, case_ids, *, by, private_key: bytes | None, **arguments) -> list[Outcome]:
    """Do the act on each case `by` can open; one outcome per chosen id, in order."""
    do = ACTS[act]
    ids = ids_of(case_ids)
    if len(ids) > LIMIT:
        raise NotAllowed(_("Choose at most %(n)d cases at once.") % {"n": LIMIT})
    known = [i for i in ids if i is not None]
    opened = access.case_keys_for_staff(known, by, private_key) if private_key else {}
    cases = Case.objects.in_bulk([i for i in known if i in opened])
    outcomes = []
    for case_id in ids:
        case = cases.get(case_id)
        if case is None:
            outcomes.append(Outcome(None, _(NOT_FOUND)))
            continue
        try:
            do(case, by=by, case_key=opened[case_id], **arguments)
        except NotAllowed as refusal:
            outcomes.append(Outcome(case, str(refusal)))
        else:
            outcomes.append(Outcome(case, None))
    return outcomes
