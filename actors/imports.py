"""Imports into the registry, whatever the format: stage, preview, apply.

A parser (actors.buyers_csv, actors.ftm) turns a file into Records. `stage` seals them
under a fresh random key that goes back to the importer's preview page in a hidden field
and is never stored, so the waiting rows are unreadable at rest; `plan` decides, for the
current registry, which records are new, which update an actor already there (same
identifier or licence number, same FollowTheMoney id, or the same whole name in the same
registry) and which change nothing; `apply` does it as one audited act. Within a file,
records with the same identifier or whole name in one country are one actor.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from cases.permissions import NotAllowed
from lib import blind_index, clock, crypto

from . import bulk, keys, registry, search
from .facts import ActorFacts, Invalid, LicenceFacts, RelationFacts
from .models import SCHEMA_OF, Actor, ActorEvent, ImportBatch, Licence, Relation, Token

MAX_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 50_000
STAGED_HOURS = 24
EXTERNAL_PREFIX = "lanterne-actor-"


@dataclass
class Record:
    line: int
    country: str
    kind: str
    facts: ActorFacts
    licences: list[LicenceFacts] = field(default_factory=list)
    external_id: str = ""

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "country": self.country,
            "kind": self.kind,
            "facts": self.facts.as_dict(),
            "licences": [lic.as_dict() for lic in self.licences],
            "external_id": self.external_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        return cls(
            data["line"],
            data["country"],
            data["kind"],
            ActorFacts.from_dict(data["facts"]),
            [LicenceFacts.from_dict(lic) for lic in data["licences"]],
            data.get("external_id", ""),
        )


@dataclass
class RelationRecord:
    kind: str
    subject: str  # external ids
    object: str
    facts: RelationFacts


@dataclass
class Parsed:
    format: str
    records: list[Record] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "records": [r.as_dict() for r in self.records],
            "relations": [
                {"kind": r.kind, "subject": r.subject, "object": r.object, **r.facts.as_dict()}
                for r in self.relations
            ],
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Parsed:
        return cls(
            data["format"],
            [Record.from_dict(r) for r in data["records"]],
            [
                RelationRecord(r["kind"], r["subject"], r["object"], RelationFacts.from_dict(r))
                for r in data["relations"]
            ],
            [tuple(e) for e in data["errors"]],
        )


def clean_record(record: Record) -> Record:
    """The record as it would be sealed; raise Invalid for what a form would refuse."""
    if record.kind not in SCHEMA_OF:
        raise Invalid("kind", _("Unknown kind of actor."))
    return Record(
        record.line,
        record.country,
        record.kind,
        record.facts.clean(record.country),
        [lic.clean() for lic in record.licences],
        record.external_id,
    )


# --- staging ------------------------------------------------------------------------------


def _context(batch_id: uuid.UUID) -> bytes:
    return b"lanterne|actor-import|" + batch_id.bytes


def stage(parsed: Parsed, *, by) -> tuple[ImportBatch, str]:
    """Keep the parsed file, sealed, until its preview is confirmed; return the batch and
    the key (b64) for the preview page's hidden field."""
    permissions.check(by, "edit_registry")
    purge()
    key = crypto.random_key()
    batch = ImportBatch(by=by, format=parsed.format, created_at=clock.now())
    payload = json.dumps(parsed.as_dict(), ensure_ascii=False).encode()
    batch.payload = crypto.seal(key, payload, context=_context(batch.id))
    batch.save(force_insert=True)
    return batch, crypto.b64(key)


def unstage(batch_id, key_text: str, *, by) -> tuple[ImportBatch, Parsed]:
    """The staged batch of this user and its records; NotAllowed if gone, applied or not
    openable with this key."""
    try:
        batch_id = uuid.UUID(str(batch_id))
    except ValueError:
        batch_id = None
    batch = ImportBatch.objects.filter(id=batch_id, by=by, applied_at=None).first()
    if batch is None:
        raise NotAllowed(_("This import is no longer waiting: upload the file again."))
    try:
        opened = crypto.open_sealed(
            crypto.unb64(key_text), bytes(batch.payload), context=_context(batch.id)
        )
    except crypto.CryptoError:
        raise NotAllowed(_("This import is no longer waiting: upload the file again.")) from None
    return batch, Parsed.from_dict(json.loads(opened))


def purge() -> int:
    """Drop staged imports never confirmed within STAGED_HOURS, and applied ones' rows."""
    old = clock.now() - timedelta(hours=STAGED_HOURS)
    deleted, _rows = ImportBatch.objects.filter(created_at__lt=old, applied_at=None).delete()
    ImportBatch.objects.exclude(applied_at=None).exclude(payload=b"").update(payload=b"")
    return deleted


# --- planning -----------------------------------------------------------------------------


@dataclass
class Step:
    """What applying does with one actor: create it, add to an existing one, or nothing."""

    action: str  # "create", "update", "unchanged"
    country: str
    kind: str
    facts: ActorFacts
    licences: list[LicenceFacts]
    lines: list[int]
    external_ids: list[str]
    actor: Actor | None = None
    new_licences: list[LicenceFacts] = field(default_factory=list)
    changed_licences: list[tuple] = field(default_factory=list)  # (Licence, LicenceFacts)
    numbers: list[str] = field(default_factory=list)  # every licence number after the update


@dataclass
class Plan:
    steps: list[Step]
    errors: list[tuple[int, str]]

    def count(self, action: str) -> int:
        return sum(1 for step in self.steps if step.action == action)


def _keys_of(record: Record, key: keys.RegistryKey) -> tuple[set, set]:
    """(identifier digests, whole-name digests) of a record, under its registry's key."""
    ids = {blind_index.compact(i["value"]) for i in record.facts.identifiers}
    ids |= {blind_index.compact(lic.number) for lic in record.licences}
    names = {blind_index.phrase(n) for n in [record.facts.name, *record.facts.aliases]}
    return (
        blind_index.digests(key.index_key, "id", ids),
        blind_index.digests(key.index_key, "phrase", names),
    )


def _existing(digests: set, kind: str) -> dict:
    """{digest: live actor id} for stored digests of a kind, in chunks."""
    found, digests = {}, list(digests)
    for start in range(0, len(digests), 500):
        rows = Token.objects.filter(kind=kind, digest__in=digests[start : start + 500]).values_list(
            "digest", "actor_id"
        )
        for digest, actor_id in rows:
            found.setdefault(bytes(digest), actor_id)
    return found


def _merge_into(step: Step, record: Record) -> None:
    step.facts = registry.merged_facts(step.facts, record.facts)
    step.facts.aliases = [a for a in step.facts.aliases if a != step.facts.name]
    step.licences = _merge_licences(step.licences, record.licences)
    step.lines.append(record.line)
    if record.external_id:
        step.external_ids.append(record.external_id)


def _merge_licences(known: list[LicenceFacts], more: list[LicenceFacts]) -> list[LicenceFacts]:
    """Licences by number: a later row with the same number replaces the earlier one."""
    by_number = {blind_index.compact(lic.number): lic for lic in known}
    for lic in more:
        by_number[blind_index.compact(lic.number)] = lic
    return list(by_number.values())


def plan(parsed: Parsed, keyring: dict) -> Plan:
    """Decide what applying the parsed file does now, for a reader holding `keyring`."""
    errors = list(parsed.errors)
    steps: list[Step] = []
    index: dict = {}  # (country, digest) -> step, for records within the file
    pending = []
    for record in parsed.records:
        key = keyring.get(record.country)
        if key is None:
            errors.append((record.line, _("You do not hold the key to this country's registry.")))
            continue
        try:
            record = clean_record(record)
        except Invalid as invalid:
            errors.append((record.line, f"{invalid.field}: {invalid.message}"))
            continue
        ids, names = _keys_of(record, key)
        step = next(
            (index[(record.country, d)] for d in (*ids, *names) if (record.country, d) in index),
            None,
        )
        if step is None:
            step = Step(
                "create",
                record.country,
                record.kind,
                record.facts,
                list(record.licences),
                [record.line],
                [record.external_id] if record.external_id else [],
            )
            steps.append(step)
            pending.append((step, ids, names))
        else:
            _merge_into(step, record)
        for digest in (*ids, *names):
            index.setdefault((record.country, digest), step)
    kept = []
    for step, ids, names in pending:
        if len(step.lines) == 1:  # cleaned already, as its one record
            kept.append((step, ids, names))
            continue
        try:  # rows folded together may exceed a limit one row alone keeps to
            step.facts = step.facts.clean(step.country)
            step.licences = [lic.clean() for lic in step.licences]
        except Invalid as invalid:
            errors += [(line, f"{invalid.field}: {invalid.message}") for line in step.lines]
            steps.remove(step)
            continue
        kept.append((step, ids, names))
    _match_existing(kept, keyring)
    return Plan(steps, sorted(errors))


def _match_existing(pending: list, keyring: dict) -> None:
    """Point steps at actors already in the registry: by our own id, identifier, name."""
    own_ids = {}
    for step, _ids, _names in pending:
        for external in step.external_ids:
            if external.startswith(EXTERNAL_PREFIX):
                try:
                    own_ids[uuid.UUID(external[len(EXTERNAL_PREFIX) :])] = step
                except ValueError:
                    pass
    # By primary key alone: a second condition lets SQLite's planner walk another index.
    by_own = {
        a.id: a for a in Actor.objects.filter(id__in=list(own_ids)) if a.merged_into_id is None
    }
    by_id = _existing({d for _s, ids, _n in pending for d in ids}, Token.IDENTIFIER)
    by_name = _existing({d for _s, _i, names in pending for d in names}, Token.PHRASE)
    matched = {}
    for step, ids, names in pending:
        own = next((by_own[i] for i, s in own_ids.items() if s is step and i in by_own), None)
        actor_id = (
            (own.id if own else None)
            or next((by_id[d] for d in ids if d in by_id), None)
            or next((by_name[d] for d in names if d in by_name), None)
        )
        if actor_id is not None:
            matched[actor_id] = step
    actors = Actor.objects.prefetch_related("licences").in_bulk(list(matched))
    for actor_id, step in matched.items():
        actor = actors.get(actor_id)
        key = keyring.get(actor.registry_id) if actor else None
        if actor is None or key is None or actor.registry_id != step.country:
            continue
        _compare(step, actor, key)


def _compare(step: Step, actor: Actor, key: keys.RegistryKey) -> None:
    """Turn a create into an update (or nothing) against the actor already there."""
    current = registry.read(actor, key)
    merged = registry.merged_facts(current, step.facts).clean(actor.registry_id)
    merged.aliases = [a for a in merged.aliases if a != merged.name]
    merged.notes = current.notes if step.facts.notes in current.notes else merged.notes
    licences = registry.licences_of(actor, key)
    known = {blind_index.compact(f.number): (lic, f) for lic, f in licences}
    step.actor, step.kind = actor, actor.kind
    step.new_licences, step.changed_licences = [], []
    for lic in step.licences:
        there = known.get(blind_index.compact(lic.number))
        if there is None:
            step.new_licences.append(lic)
        elif _licence_changes(there[1], lic) != there[1]:
            step.changed_licences.append((there[0], _licence_changes(there[1], lic)))
    step.facts = merged
    step.numbers = [f.number for _lic, f in licences] + [f.number for f in step.new_licences]
    same = merged.as_dict() == current.as_dict()
    step.action = (
        "unchanged" if same and not step.new_licences and not step.changed_licences else "update"
    )


def _licence_changes(old: LicenceFacts, new: LicenceFacts) -> LicenceFacts:
    """An imported licence refreshes what it says; what it leaves empty stays."""
    merged = old.as_dict()
    merged.update({k: v for k, v in new.as_dict().items() if v and k != "number"})
    return LicenceFacts.from_dict(merged)


# --- applying -----------------------------------------------------------------------------


def apply(batch: ImportBatch, parsed: Parsed, *, by, keyring: dict) -> Plan:
    """Do what the plan says, as one transaction and one audited act; return the plan."""
    permissions.check(by, "edit_registry")
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.applied_at is not None:
            raise NotAllowed(_("This import was already applied."))
        result = plan(parsed, keyring)
        now = clock.now()
        created = _create(result, keyring, by, now)
        touched = _update([s for s in result.steps if s.action == "update"], keyring, by, now)
        by_external = {
            external: step.actor for step in result.steps for external in step.external_ids
        }
        relations = _relations(parsed.relations, by_external, keyring, by, now)
        counts = {
            "created": result.count("create"),
            "updated": result.count("update"),
            "unchanged": result.count("unchanged"),
            "relations": relations,
            "errors": len(result.errors),
        }
        event = registry.record(
            "registry_import",
            by=by,
            detail={
                "format": batch.format,
                "batch": str(batch.id),
                "registries": sorted({s.country for s in result.steps}),
                **counts,
            },
        )
        bulk.insert_plain(
            ActorEvent, ("actor_id", "event_id"), [(a.id, event.id) for a in [*created, *touched]]
        )
        batch.applied_at, batch.counts, batch.payload = now, counts, b""
        batch.save()
    return result


def _create(result: Plan, keyring: dict, by, now) -> list[Actor]:
    actors, licences, tokens = [], [], []
    taken = set()
    for step in (s for s in result.steps if s.action == "create"):
        key = keyring[step.country]
        reference = registry.new_reference()
        while reference in taken:
            reference = registry.new_reference()
        taken.add(reference)
        actor = Actor(
            reference=reference,
            registry_id=step.country,
            schema=SCHEMA_OF[step.kind],
            kind=step.kind,
            created_at=now,
            updated_at=now,
        )
        actor.sealed = key.seal("actor", actor.id, step.facts.as_dict())
        actor._history_user = by
        step.actor = actor
        actors.append(actor)
        for facts in step.licences:
            licence = Licence(actor=actor, created_at=now)
            registry.seal_licence(licence, facts, key)
            licences.append(licence)
        numbers = [f.number for f in step.licences]
        tokens += [(actor.id, kind, d) for kind, d in search.entries(step.facts, numbers, key)]
    bulk.insert_with_history(Actor, actors, by=by, at=now)
    bulk.insert_with_history(Licence, licences, by=by, at=now)
    bulk.insert_plain(Token, ("actor_id", "kind", "digest"), tokens)
    return actors


def _update(steps: list[Step], keyring: dict, by, now) -> list[Actor]:
    """Apply every update at once: re-sealed actors and licences (with history rows),
    new licences, and the updated actors' digests replaced."""
    actors, changed, new, tokens = [], [], [], []
    for step in steps:
        key, actor = keyring[step.country], step.actor
        actor.sealed = key.seal("actor", actor.id, step.facts.as_dict())
        actor.updated_at = now
        actors.append(actor)
        for facts in step.new_licences:
            licence = Licence(actor=actor, created_at=now)
            registry.seal_licence(licence, facts, key)
            new.append(licence)
        for licence, facts in step.changed_licences:
            registry.seal_licence(licence, facts, key)
            changed.append(licence)
        tokens += [(actor.id, kind, d) for kind, d in search.entries(step.facts, step.numbers, key)]
    Actor.objects.bulk_update(actors, ["sealed", "updated_at"], batch_size=1000)
    Licence.objects.bulk_update(changed, ["sealed"], batch_size=1000)
    bulk.history(Actor, actors, "~", by=by, at=now)
    bulk.history(Licence, changed, "~", by=by, at=now)
    bulk.insert_with_history(Licence, new, by=by, at=now)
    ids = [a.id for a in actors]
    for start in range(0, len(ids), 500):
        Token.objects.filter(actor_id__in=ids[start : start + 500]).delete()
    bulk.insert_plain(Token, ("actor_id", "kind", "digest"), tokens)
    return actors


def _relations(records: list[RelationRecord], by_external: dict, keyring, by, now) -> int:
    made = 0
    for rel in records:
        subject, object_ = by_external.get(rel.subject), by_external.get(rel.object)
        if subject is None or object_ is None:
            continue
        if registry.relation_refusal(rel.kind, subject, object_):
            continue
        exists = Relation.objects.filter(kind=rel.kind, subject=subject, object=object_).exists()
        if exists:
            continue
        try:
            facts = rel.facts.clean()
        except Invalid:
            continue
        relation = Relation(kind=rel.kind, subject=subject, object=object_, created_at=now)
        key = keyring[subject.registry_id]
        relation.sealed = key.seal("relation", relation.id, facts.as_dict())
        relation._history_user = by
        relation.save(force_insert=True)
        made += 1
    return made
