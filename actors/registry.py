"""The acts on the registry: record, change and merge actors, their licences and relations,
and link them to cases. One function per act: atomic, `by=` the acting person, checked
against cases.permissions, audited in the same transaction (cases.audit, with the actor's
random reference and registry, never a name).

Sealing needs the registry's opened key (actors.keys.RegistryKey), which only a key
holder's request has; a link also needs the case's key, so only someone holding both can
make one.
"""

from __future__ import annotations

import json
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import audit, content, permissions
from cases.intake import REFERENCE_ALPHABET
from cases.models import Case
from cases.permissions import NotAllowed
from cases.routing import recipients
from lib import clock, crypto

from . import keys, search
from .facts import ActorFacts, Invalid, LicenceFacts, RelationFacts
from .models import (
    SCHEMA_OF,
    Actor,
    ActorEvent,
    CaseLink,
    Kind,
    Licence,
    Registry,
    Relation,
    RelationKind,
    Role,
    Schema,
)

NOT_A_REGISTRY_ENTRY = {"victim", "witness", "reporter", "source", "informant"}


def new_reference() -> str:
    """A random actor reference like 'A-K7QM-4X29' (40 bits), never sequential."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"A-{chars[:4]}-{chars[4:]}"


def record(action: str, *, by, actors=(), case: Case | None = None, detail=None):
    """Audit an act on actors; the actor page finds the event through ActorEvent."""
    actors = [a for a in actors if a is not None]
    described = dict(detail or {})
    if actors:
        described.setdefault("actor", actors[0].reference)
        described.setdefault("registry", actors[0].registry_id)
    event = audit.record(action, by=by, case=case, detail=described)
    ActorEvent.objects.bulk_create(ActorEvent(actor=a, event=event) for a in actors)
    return event


def _check_key(by, key: keys.RegistryKey | None, country: str) -> None:
    permissions.check(by, "edit_registry")
    covered = keys.covers(permissions.profile_of(by), country)
    if key is None or key.country != country or not covered:
        raise NotAllowed(_("You do not hold the key to this registry."))


def read(actor: Actor, key: keys.RegistryKey) -> ActorFacts:
    return ActorFacts.from_dict(key.open("actor", actor.id, actor.sealed))


def licences_of(actor: Actor, key: keys.RegistryKey) -> list[tuple[Licence, LicenceFacts]]:
    found = []
    for licence in actor.licences.all():
        data = key.open("licence", licence.id, licence.sealed)
        if data.pop("actor", None) != str(actor.id):
            raise crypto.CryptoError("licence sealed for another actor")
        found.append((licence, LicenceFacts.from_dict(data)))
    return found


def seal_licence(licence: Licence, facts: LicenceFacts, key: keys.RegistryKey) -> None:
    licence.sealed = key.seal(
        "licence", licence.id, {**facts.as_dict(), "actor": str(licence.actor_id)}
    )


def _reindex(actor: Actor, facts: ActorFacts, key: keys.RegistryKey) -> None:
    numbers = [f.number for _licence, f in licences_of(actor, key)]
    search.reindex(actor, facts, numbers, key)


# --- registries ---------------------------------------------------------------------------


def start_registry(country: str, *, by) -> keys.RegistryKey:
    """Make a country's registry: a fresh key wrapped to everyone in scope, `by` included.

    Raises NotAllowed if `by` does not cover the country or the registry already exists
    (then a coordinator who holds it must grant it)."""
    permissions.check(by, "edit_registry")
    profile = permissions.profile_of(by)
    if not keys.covers(profile, country):
        raise NotAllowed(_("This country is not in your scope."))
    now = clock.now()
    try:
        with transaction.atomic():
            registry = Registry.objects.create(country=country, created_at=now)
            key = keys.new_key(registry)
            # Routing's fallback may reach coordinators outside the country: not the registry.
            staff = {p.user_id: p for p in recipients(country) if keys.covers(p, country)}
            staff[profile.user_id] = profile
            keys.wrap_to(registry, key.key, staff.values(), now)
            audit.record(
                "registry_start", by=by, detail={"registry": country, "holders": len(staff)}
            )
    except IntegrityError:
        raise NotAllowed(
            _("This registry already exists: ask a coordinator of your region for its key.")
        ) from None
    return key


# --- actors -------------------------------------------------------------------------------


def _check_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise Invalid("kind", _("Choose from the list."))
    return SCHEMA_OF[kind]


@transaction.atomic
def create_actor(*, by, key: keys.RegistryKey, kind: str, facts: ActorFacts) -> Actor:
    """Record an actor in the registry `key` opens; names and details sealed, indexed."""
    _check_key(by, key, key.country)
    schema = _check_kind(kind)
    facts = facts.clean(key.country)
    now = clock.now()
    actor = Actor(
        reference=new_reference(),
        registry_id=key.country,
        schema=schema,
        kind=kind,
        created_at=now,
        updated_at=now,
    )
    actor.sealed = key.seal("actor", actor.id, facts.as_dict())
    actor._history_user = by
    actor.save(force_insert=True)
    search.reindex(actor, facts, [], key)
    record("actor_create", by=by, actors=[actor], detail={"kind": kind})
    return actor


def locked(actor: Actor) -> Actor:
    return Actor.objects.select_for_update().get(pk=actor.pk)


def _live(actor: Actor) -> None:
    if actor.merged_into_id is not None:
        raise NotAllowed(_("This record was merged into another one."))


@transaction.atomic
def update_actor(actor: Actor, *, by, key: keys.RegistryKey, kind: str, facts: ActorFacts):
    """Change an actor's kind and sealed details; the old version stays in its history."""
    actor = locked(actor)
    _check_key(by, key, actor.registry_id)
    _live(actor)
    actor.schema, actor.kind = _check_kind(kind), kind
    facts = facts.clean(actor.registry_id)
    actor.sealed = key.seal("actor", actor.id, facts.as_dict())
    actor.updated_at = clock.now()
    actor._history_user = by
    actor.save()
    _reindex(actor, facts, key)
    record("actor_update", by=by, actors=[actor], detail={"kind": kind})
    return actor


@transaction.atomic
def add_licence(actor: Actor, *, by, key: keys.RegistryKey, facts: LicenceFacts) -> Licence:
    """Record a licence the actor holds; its number becomes searchable like an identifier."""
    actor = locked(actor)
    _check_key(by, key, actor.registry_id)
    _live(actor)
    licence = Licence(actor=actor, created_at=clock.now())
    seal_licence(licence, facts.clean(), key)
    licence._history_user = by
    licence.save(force_insert=True)
    _reindex(actor, read(actor, key), key)
    record("actor_licence_add", by=by, actors=[actor])
    return licence


@transaction.atomic
def remove_licence(licence: Licence, *, by, key: keys.RegistryKey) -> None:
    actor = locked(licence.actor)
    _check_key(by, key, actor.registry_id)
    _live(actor)
    licence._history_user = by
    licence.delete()
    _reindex(actor, read(actor, key), key)
    record("actor_licence_remove", by=by, actors=[actor])


# --- relations ----------------------------------------------------------------------------

ORGANISATIONS = {Schema.ORGANIZATION, Schema.COMPANY, Schema.PUBLIC_BODY}


def relation_refusal(kind: str, subject: Actor, object_: Actor) -> str | None:
    """Why FollowTheMoney cannot say "subject <kind> object", or None when it can."""
    if kind not in RelationKind.values:
        return _("Choose from the list.")
    if subject.pk == object_.pk:
        return _("An actor cannot be related to itself.")
    if kind == RelationKind.OWNERSHIP and object_.schema != Schema.COMPANY:
        return _("Only a company can be owned.")
    if kind in (RelationKind.DIRECTORSHIP, RelationKind.MEMBERSHIP, RelationKind.EMPLOYMENT):
        if object_.schema not in ORGANISATIONS:
            return _("A person cannot be directed, joined or worked for: choose an organisation.")
    if kind == RelationKind.EMPLOYMENT and subject.schema != Schema.PERSON:
        return _("Only a person works for someone: use membership or ownership.")
    return None


@transaction.atomic
def add_relation(
    subject: Actor, object_: Actor, *, by, keyring: dict, kind: str, facts: RelationFacts
) -> Relation:
    """Record "subject <kind> object", sealed under the subject's registry key. Both ends
    must be in registries `by` holds."""
    subject, object_ = locked(subject), locked(object_)
    _check_key(by, keyring.get(subject.registry_id), subject.registry_id)
    _check_key(by, keyring.get(object_.registry_id), object_.registry_id)
    _live(subject)
    _live(object_)
    reason = relation_refusal(kind, subject, object_)
    if reason:
        raise NotAllowed(reason)
    relation = Relation(kind=kind, subject=subject, object=object_, created_at=clock.now())
    relation.sealed = keyring[subject.registry_id].seal(
        "relation", relation.id, facts.clean().as_dict()
    )
    relation._history_user = by
    relation.save(force_insert=True)
    record("actor_relation_add", by=by, actors=[subject, object_], detail={"kind": kind})
    return relation


@transaction.atomic
def remove_relation(relation: Relation, *, by, keyring: dict) -> None:
    subject, object_ = relation.subject, relation.object
    _check_key(by, keyring.get(subject.registry_id), subject.registry_id)
    _check_key(by, keyring.get(object_.registry_id), object_.registry_id)
    relation._history_user = by
    relation.delete()
    record(
        "actor_relation_remove", by=by, actors=[subject, object_], detail={"kind": relation.kind}
    )


# --- links to cases -----------------------------------------------------------------------


def link_purpose(link: CaseLink) -> str:
    return f"actor-link:{link.id}"  # as open_link_facts


def link_facts(link: CaseLink, case_key: bytes) -> dict:
    """What the link copied from its case (the incident date), opened with the case key."""
    return open_link_facts(link.id, link.case_id, link.facts, case_key)


def open_link_facts(link_id, case_id, facts, case_key: bytes) -> dict:
    purpose = f"actor-link:{link_id}"
    return json.loads(crypto.open_for_case(case_key, case_id.bytes, purpose, bytes(facts)))


@transaction.atomic
def link_case(
    actor: Actor, case: Case, *, by, key: keys.RegistryKey, case_key: bytes, role: str
) -> CaseLink:
    """Name an actor in a case she holds a key to, in a role.

    The link's facts (the report's incident date and how sure it is) are sealed under the
    case key, so red flags can be computed for case key holders and nobody else."""
    actor = locked(actor)
    _check_key(by, key, actor.registry_id)
    _live(actor)
    if role not in Role.values:
        if role in NOT_A_REGISTRY_ENTRY:
            raise NotAllowed(
                _("Victims and witnesses are never registry entries: they stay in the sealed case.")
            )
        raise NotAllowed(_("Choose a role from the list."))
    permissions.check(by, "edit_registry", case)
    if CaseLink.objects.filter(actor=actor, case=case, role=role).exists():
        raise NotAllowed(_("This actor is already linked to this case in this role."))
    try:
        answers = content.read_report(case, case_key)
    except crypto.CryptoError:
        raise NotAllowed(_("You do not hold a key to this case.")) from None
    link = CaseLink(actor=actor, case=case, role=role, by=by, created_at=clock.now())
    facts = {
        "incident_date": answers.get("incident_date", ""),
        "date_precision": answers.get("date_precision", ""),
    }
    link.facts = crypto.seal_for_case(
        case_key, case.id.bytes, link_purpose(link), json.dumps(facts).encode()
    )
    link._history_user = by
    link.save(force_insert=True)
    record("actor_link", by=by, actors=[actor], case=case, detail={"role": role})
    return link


@transaction.atomic
def unlink_case(link: CaseLink, *, by, key: keys.RegistryKey) -> None:
    """Remove an actor from a case; only someone holding both keys may."""
    actor = link.actor
    _check_key(by, key, actor.registry_id)
    permissions.check(by, "edit_registry", link.case)
    link._history_user = by
    link.delete()
    record("actor_unlink", by=by, actors=[actor], case=link.case, detail={"role": link.role})


# --- merging duplicates -------------------------------------------------------------------


def merged_facts(survivor: ActorFacts, absorbed: ActorFacts) -> ActorFacts:
    """The survivor's details, with the absorbed record's names as aliases and its
    identifiers, notes and sources added."""
    notes = "\n\n".join(n for n in (survivor.notes, absorbed.notes) if n)
    return ActorFacts(
        name=survivor.name,
        aliases=[*survivor.aliases, absorbed.name, *absorbed.aliases],
        province=survivor.province or absorbed.province,
        identifiers=[*survivor.identifiers, *absorbed.identifiers],
        notes=notes,
        sources=[*survivor.sources, *absorbed.sources],
    )


@transaction.atomic
def merge(survivor: Actor, absorbed: Actor, *, by, key: keys.RegistryKey) -> Actor:
    """Fold a duplicate into the survivor: names, identifiers, licences, relations and case
    links move over; the absorbed record stays, marked merged, with its own history."""
    survivor, absorbed = locked(survivor), locked(absorbed)
    _check_key(by, key, survivor.registry_id)
    if absorbed.registry_id != survivor.registry_id:
        raise NotAllowed(_("Only records of the same registry can be merged."))
    if survivor.pk == absorbed.pk:
        raise NotAllowed(_("A record cannot be merged into itself."))
    _live(survivor)
    _live(absorbed)
    facts = merged_facts(read(survivor, key), read(absorbed, key)).clean(survivor.registry_id)
    for licence, licence_facts in licences_of(absorbed, key):
        licence.actor = survivor
        seal_licence(licence, licence_facts, key)
        licence._history_user = by
        licence.save()
    for relation in Relation.objects.filter(subject=absorbed):
        relation.subject = survivor
        relation._history_user = by
        relation.save()
    for relation in Relation.objects.filter(object=absorbed):
        relation.object = survivor
        relation._history_user = by
        relation.save()
    Relation.objects.filter(subject=survivor, object=survivor).delete()
    held = set(CaseLink.objects.filter(actor=survivor).values_list("case_id", "role"))
    for link in CaseLink.objects.filter(actor=absorbed):
        link._history_user = by
        if (link.case_id, link.role) in held:
            link.delete()
        else:
            link.actor = survivor
            link.save()
    Actor.objects.filter(merged_into=absorbed).update(merged_into=survivor)
    absorbed.merged_into = survivor
    absorbed.updated_at = clock.now()
    absorbed._history_user = by
    absorbed.save()
    absorbed.tokens.all().delete()
    survivor.sealed = key.seal("actor", survivor.id, facts.as_dict())
    survivor.updated_at = clock.now()
    survivor._history_user = by
    survivor.save()
    _reindex(survivor, facts, key)
    record(
        "actor_merge",
        by=by,
        actors=[survivor, absorbed],
        detail={"merged": absorbed.reference},
    )
    return survivor
