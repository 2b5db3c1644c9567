"""Who holds a registry's key: a coordinator gives it to staff who joined its scope (or
whose keys were reset) and takes it from those who left. Each act audited, `by=` given.

The server alone can never give the key to anyone: it cannot unwrap it. So an
administrator who creates an account for a country does not thereby reach its registry;
a coordinator of that country's region must see the newcomer listed and grant it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import StaffProfile
from cases.permissions import NotAllowed
from lib import clock

from . import keys
from .models import Registry, RegistryWrap
from .registry import record


@dataclass(frozen=True)
class Holder:
    profile: StaffProfile
    # "holds", "stale" (wrapped to an old key or generation), "missing", "unadmitted" (not
    # yet admitted to cases: nothing can be given to them), "outside" (left the scope)
    state: str


def holders(country: str) -> list[Holder]:
    """Everyone in the registry's scope and how they stand, then wraps held by people who
    are no longer in scope (to revoke)."""
    registry = Registry.objects.filter(country=country).first()
    wraps = {
        w.user_id: w
        for w in RegistryWrap.objects.filter(registry_id=country).select_related("user__staff")
    }
    listed = []
    staff = StaffProfile.objects.filter(user__is_active=True).select_related("user")
    in_scope = sorted(
        (p for p in staff if keys.covers(p, country)), key=lambda p: p.user.get_username()
    )
    for profile in in_scope:
        wrap = wraps.pop(profile.user_id, None)
        if profile.admitted_at is None or not profile.has_keys:
            state = "unadmitted"  # enrolling, or reset: a coordinator admits them first
        elif wrap is None:
            state = "missing"
        elif (
            bytes(wrap.public_key) != bytes(profile.public_key)
            or registry is None
            or wrap.generation != registry.generation
        ):
            state = "stale"
        else:
            state = "holds"
        listed.append(Holder(profile, state))
    for wrap in sorted(wraps.values(), key=lambda w: w.user.get_username()):
        profile = getattr(wrap.user, "staff", None)
        if profile is not None:
            listed.append(Holder(profile, "outside"))
    return listed


@transaction.atomic
def grant(country: str, *, by, key: keys.RegistryKey, to) -> RegistryWrap:
    """Wrap the registry key to a staff member in its scope (replacing a stale wrap)."""
    permissions.check(by, "grant_registry")
    if key is None or key.country != country:
        raise NotAllowed(_("You do not hold the key to this registry."))
    profile = permissions.profile_of(to)
    if (
        profile is None
        or not to.is_active
        or not permissions.may(to, "read_registry")
        or not keys.covers(profile, country)
    ):
        raise NotAllowed(_("Only active officers and coordinators of this country can hold it."))
    # Like a case's key: only to a member a coordinator admitted (staff.accounts.admit).
    if profile.admitted_at is None or not profile.has_keys:
        raise NotAllowed(_("A coordinator of their region must admit this person to cases first."))
    registry = Registry.objects.select_for_update().get(country=country)
    if key.generation != registry.generation:
        raise NotAllowed(_("This registry was re-keyed: open the page again."))
    wrap, _created = RegistryWrap.objects.update_or_create(
        registry=registry,
        user=to,
        defaults={
            "public_key": bytes(profile.public_key),
            "wrapped": keys.wrap(bytes(profile.public_key), key.key, registry),
            "generation": registry.generation,
            "created_at": clock.now(),
        },
    )
    record("registry_grant", by=by, detail={"registry": country, "to": to.get_username()})
    return wrap


@transaction.atomic
def revoke(country: str, *, by, who) -> None:
    """Delete someone's wrap: the registry is closed to her from now on."""
    permissions.check(by, "grant_registry")
    if not keys.holds(by, country):
        raise NotAllowed(_("You do not hold the key to this registry."))
    if who == by:
        raise NotAllowed(_("You cannot take the key from yourself."))
    deleted, _rows = RegistryWrap.objects.filter(registry_id=country, user=who).delete()
    if not deleted:
        raise NotAllowed(_("This person does not hold the key."))
    record("registry_revoke", by=by, detail={"registry": country, "who": who.get_username()})


@transaction.atomic
def rekey(country: str, *, by, key: keys.RegistryKey) -> keys.RegistryKey:
    """Replace a registry's key: every actor, licence and relation sealed under it is
    re-sealed and re-indexed under a fresh key of the next generation, wrapped only to the
    people who hold the key now and still cover the country. Whoever left takes nothing
    of what is written from now on, even with an old copy of the key."""
    from .models import Actor, Licence, Relation, Token
    from .registry import licences_of, read, seal_licence
    from .search import token_rows

    permissions.check(by, "grant_registry")
    registry = Registry.objects.select_for_update().get(country=country)
    if key is None or key.country != country or key.generation != registry.generation:
        raise NotAllowed(_("You do not hold the key to this registry."))
    keep = [h.profile for h in holders(country) if h.state == "holds"]
    registry.generation += 1
    registry.save(update_fields=["generation"])
    fresh = keys.new_key(registry)
    actors = list(Actor.objects.filter(registry=registry).prefetch_related("licences"))
    Token.objects.filter(actor__registry=registry).delete()
    tokens = []
    for actor in actors:
        facts, licences = read(actor, key), licences_of(actor, key)
        actor.sealed = fresh.seal("actor", actor.id, facts.as_dict())
        for licence, licence_facts in licences:
            seal_licence(licence, licence_facts, fresh)
        Licence.objects.bulk_update([lic for lic, _f in licences], ["sealed"])
        if actor.merged_into_id is None:
            tokens += token_rows(actor, facts, [f.number for _l, f in licences], fresh)
    Actor.objects.bulk_update(actors, ["sealed"], batch_size=1000)
    Token.objects.bulk_create(tokens, batch_size=5000)
    relations = list(Relation.objects.filter(subject__registry=registry))
    for relation in relations:
        facts = key.open("relation", relation.id, relation.sealed)
        relation.sealed = fresh.seal("relation", relation.id, facts)
    Relation.objects.bulk_update(relations, ["sealed"], batch_size=1000)
    RegistryWrap.objects.filter(registry=registry).delete()
    keys.wrap_to(registry, fresh.key, keep, clock.now())
    record(
        "registry_rekey",
        by=by,
        detail={"registry": country, "generation": registry.generation, "holders": len(keep)},
    )
    return fresh
