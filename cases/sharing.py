"""Who holds a case: assigning it, and giving or taking its key (grant, revoke, recuse).

Each act is atomic, takes `by=`, is checked like every act (cases.workflow.check) and is
audited. A key wrap is the only way to read a case, so deleting one really revokes.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, keys, permissions
from .models import Case, KeyWrap, Role
from .permissions import NotAllowed
from .workflow import check, locked, move


@transaction.atomic
def assign(case: Case, *, by, to) -> Case:
    """Make a key holder responsible for the case."""
    case = locked(case)
    check(case, by, "assign")
    if not permissions.holds_key(case, to):
        raise NotAllowed(_("Grant access to this person before assigning the case."))
    case.assignee = to
    move(case, case.status, by=by, act="assign", detail={"to": to.get_username()})
    return case


@transaction.atomic
def grant_access(case: Case, *, by, to, case_key: bytes) -> KeyWrap:
    """Wrap the case key for another staff member."""
    case = locked(case)
    check(case, by, "grant")
    profile = permissions.profile_of(to)
    if profile is None or not permissions.may(to, "hold_case_keys"):
        raise NotAllowed(_("Only active officers and coordinators can receive a case."))
    if not permissions.admitted(profile):
        raise NotAllowed(_("A coordinator of their region must admit this person to cases first."))
    if case.regional_only and profile.role == Role.OFFICER and case.country in profile.country_list:
        raise NotAllowed(_("The reporter asked that the national team not see this case."))
    if permissions.holds_key(case, to):
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
    if who != by and not permissions.may(by, "recuse_others"):
        raise NotAllowed(_("Only a coordinator can recuse someone else."))
    if who == by and KeyWrap.objects.filter(case=case).exclude(user=by).count() == 0:
        raise NotAllowed(_("Nobody else holds a key: grant access to someone first."))
    remove_access(case, by=by, who=who, act="recuse")
