"""Who holds a case: who is in charge of it (assign, take, hand over), and giving or taking
its key (grant, revoke, recuse).

Each act is atomic, takes `by=`, is checked like every act (cases.workflow.check) and is
audited. A key wrap is the only way to read a case, so deleting one really revokes.
Whoever is put in charge of a case must work on its country (permissions.covers_country)
and hold its key; assigning or handing over to a colleague without one wraps it for them,
under the same rules as a grant.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from lib import clock

from . import audit, content, keys, permissions
from .models import Case, KeyWrap, Note, Role
from .permissions import NotAllowed
from .workflow import check, locked, move


def receiver_refusal(case: Case, to) -> str | None:
    """Why `to` may not be given this case's key, or None."""
    profile = permissions.profile_of(to)
    if profile is None or not permissions.may(to, "hold_case_keys"):
        return _("Only active officers and coordinators can receive a case.")
    if not permissions.admitted(profile):
        return _("A coordinator of their region must admit this person to cases first.")
    if case.regional_only and profile.role == Role.OFFICER and case.country in profile.country_list:
        return _("The reporter asked that the national team not see this case.")
    return None


def wrap_for(case: Case, *, by, to, case_key: bytes, via: str = "") -> KeyWrap:
    """Wrap the case key for `to` (already checked by receiver_refusal) and record it."""
    profile = permissions.profile_of(to)
    wrap = KeyWrap.objects.create(
        case=case, user=to, wrapped=keys.wrap(bytes(profile.public_key), case_key, case.id)
    )
    detail = {"to": to.get_username(), **({"via": via} if via else {})}
    audit.record("grant_access", by=by, case=case, detail=detail)
    return wrap


def put_in_charge(case: Case, *, by, to, case_key: bytes | None, act: str, detail=None) -> None:
    """Make `to` responsible for the (locked, checked) case, giving them its key if need be."""
    if not permissions.covers_country(permissions.profile_of(to), case.country):
        raise NotAllowed(
            _("%(name)s does not work on cases from %(country)s.")
            % {"name": to.get_username(), "country": case.get_country_display()}
        )
    if not permissions.holds_key(case, to):
        if refused := receiver_refusal(case, to):
            raise NotAllowed(refused)
        if case_key is None:
            raise NotAllowed(_("Grant access to this person before assigning the case."))
        wrap_for(case, by=by, to=to, case_key=case_key, via=act)
    case.assignee = to
    move(case, case.status, by=by, act=act, detail={"to": to.get_username(), **(detail or {})})


@transaction.atomic
def assign(case: Case, *, by, to, case_key: bytes | None = None) -> Case:
    """A coordinator puts a colleague who covers the case's country in charge of it."""
    case = locked(case)
    check(case, by, "assign")
    if case.assignee_id == to.pk:
        raise NotAllowed(_("The case is already assigned to this person."))
    put_in_charge(case, by=by, to=to, case_key=case_key, act="assign")
    return case


@transaction.atomic
def take(case: Case, *, by) -> Case:
    """ "Assign to me": an officer takes a case nobody is in charge of yet."""
    case = locked(case)
    check(case, by, "take")
    if case.assignee_id == by.pk:
        raise NotAllowed(_("This case is already yours."))
    if case.assignee_id is not None:
        raise NotAllowed(
            _("%(name)s is in charge of this case: ask them to hand it over.")
            % {"name": case.assignee.get_username()}
        )
    put_in_charge(case, by=by, to=by, case_key=None, act="take")
    return case


@transaction.atomic
def hand_over(case: Case, *, by, to, case_key: bytes, note: str) -> Note:
    """Pass one's case to a colleague, with a sealed note saying where it stands."""
    case = locked(case)
    check(case, by, "hand_over")
    if case.assignee_id != by.pk:
        raise NotAllowed(_("Only the person in charge of a case hands it over: take it first."))
    if to == by:
        raise NotAllowed(_("Choose a colleague to hand the case to."))
    if not note.strip():
        raise NotAllowed(_("Say where the case stands for the colleague who takes it over."))
    handed = Note(case=case, author=by, created_at=clock.now())
    handed.body = content.seal_text(case, case_key, f"note:{handed.uid}", note)
    handed.save()
    put_in_charge(case, by=by, to=to, case_key=case_key, act="hand_over")
    return handed


@transaction.atomic
def grant_access(case: Case, *, by, to, case_key: bytes) -> KeyWrap:
    """Wrap the case key for another staff member."""
    case = locked(case)
    check(case, by, "grant")
    if refused := receiver_refusal(case, to):
        raise NotAllowed(refused)
    if permissions.holds_key(case, to):
        raise NotAllowed(_("This person already has access."))
    return wrap_for(case, by=by, to=to, case_key=case_key)


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
