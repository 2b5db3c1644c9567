"""FollowTheMoney JSON lines, both ways: what Aleph and OpenSanctions read and write.

One entity per line: {"id", "schema", "properties": {name: [values]}}. An actor is a
Person, Company, Organization or PublicBody with name, alias, country, registrationNumber,
taxNumber, idNumber, licenseNumber, notes, sourceUrl / publisher, classification (our kind)
and, for its province, an Address entity (region = the province's ISO 3166-2 name).
A licence is a License (name = its number; commodities, address = area, status) awarded
to its holder by a ContractAward (startDate, endDate), its authority a PublicBody.
Relations are Ownership, Directorship, Membership and Employment. Links to cases are never
exported: they belong to the sealed cases.

Our ids are "lanterne-<what>-<uuid>", so a file exported here and imported again finds the
same actors; ids from elsewhere are kept only to join a file's entities together.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from django.utils.translation import gettext as _

from lib import blind_index
from places import provinces

from . import registry
from .facts import SCHEMES, ActorFacts, Invalid, LicenceFacts, RelationFacts, clean_date
from .imports import EXTERNAL_PREFIX, MAX_RECORDS, Parsed, Record, RelationRecord
from .models import DEFAULT_KIND, SCHEMA_OF, Actor, Kind, LicenceStatus, Relation, Schema

ACTOR_SCHEMATA = {s.value for s in Schema}
# Relation kind: (FtM schema, subject property, object property).
INTERESTS = {
    "ownership": ("Ownership", "owner", "asset"),
    "directorship": ("Directorship", "director", "organization"),
    "membership": ("Membership", "member", "organization"),
    "employment": ("Employment", "employee", "employer"),
}
AUTHORITY_PREFIX = "lanterne-authority-"


def _entity(entity_id: str, schema: str, properties: dict) -> str:
    cleaned = {k: [v for v in vs if v] for k, vs in properties.items()}
    cleaned = {k: vs for k, vs in cleaned.items() if vs}
    entity = {"id": entity_id, "schema": schema, "properties": cleaned}
    return json.dumps(entity, ensure_ascii=False, sort_keys=True)


def actor_id(actor_uuid) -> str:
    return f"{EXTERNAL_PREFIX}{actor_uuid}"


def authority_id(country: str, authority: str) -> str:
    # The same authority named alike in one registry is one entity.
    name = blind_index.phrase(authority)
    return f"{AUTHORITY_PREFIX}{uuid.uuid5(uuid.NAMESPACE_URL, f'{country}|{name}')}"


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def actor_entities(actor: Actor, facts: ActorFacts, licences) -> Iterator[str]:
    country = actor.registry_id.lower()
    properties = {
        "name": [facts.name],
        "alias": facts.aliases,
        "country": [country],
        "notes": [facts.notes],
        "sourceUrl": [s for s in facts.sources if _is_url(s)],
        "publisher": [s for s in facts.sources if not _is_url(s)],
        "classification": [actor.kind],
        "licenseNumber": [f.number for _lic, f in licences],
    }
    for scheme, prop in SCHEMES.items():
        properties[prop] = facts.identifier_values(scheme)
    if facts.province:
        address = f"lanterne-address-{actor.id}"
        properties["addressEntity"] = [address]
        region = provinces.name(facts.province, "en")
        yield _entity(
            address,
            "Address",
            {"full": [f"{region}, {actor.registry_id}"], "region": [region], "country": [country]},
        )
    yield _entity(actor_id(actor.id), actor.schema, properties)
    for licence, lic in licences:
        licence_id = f"lanterne-licence-{licence.id}"
        authority = authority_id(actor.registry_id, lic.authority) if lic.authority else ""
        if authority:
            yield _entity(authority, "PublicBody", {"name": [lic.authority], "country": [country]})
        yield _entity(
            licence_id,
            "License",
            {
                "name": [lic.number],
                "authority": [authority],
                "commodities": [lic.commodity],
                "address": [lic.area],
                "status": [lic.status],
                "contractDate": [lic.start],
                "country": [country],
            },
        )
        yield _entity(
            f"lanterne-award-{licence.id}",
            "ContractAward",
            {
                "contract": [licence_id],
                "supplier": [actor_id(actor.id)],
                "startDate": [lic.start],
                "endDate": [lic.end],
                "status": [lic.status],
            },
        )


def relation_entity(relation: Relation, facts: RelationFacts) -> str:
    schema, subject, object_ = INTERESTS[relation.kind]
    properties = {
        subject: [actor_id(relation.subject_id)],
        object_: [actor_id(relation.object_id)],
        "role": [facts.role],
        "startDate": [facts.start],
        "endDate": [facts.end],
    }
    if relation.kind == "ownership":
        properties["percentage"] = [facts.share]
    return _entity(f"lanterne-relation-{relation.id}", schema, properties)


def export(keyring: dict, countries) -> Iterator[str]:
    """Lines of the live actors of these registries, their licences and the relations
    between actors whose registries the reader holds. Yields (line, is_actor)."""
    countries = [c for c in countries if c in keyring]
    actors = Actor.objects.filter(registry_id__in=countries, merged_into=None).order_by(
        "registry_id", "reference"
    )
    for actor in actors.prefetch_related("licences").iterator(chunk_size=1000):
        key = keyring[actor.registry_id]
        facts = registry.read(actor, key)
        for line in actor_entities(actor, facts, registry.licences_of(actor, key)):
            yield line, line.startswith('{"id": "lanterne-actor-')
    relations = Relation.objects.filter(
        subject__registry_id__in=countries,
        object__registry_id__in=list(keyring),
        subject__merged_into=None,
        object__merged_into=None,
    ).order_by("created_at", "id")
    for relation in relations.iterator(chunk_size=1000):
        key = keyring[relation.subject.registry_id]
        facts = RelationFacts.from_dict(key.open("relation", relation.id, relation.sealed))
        yield relation_entity(relation, facts), False


# --- import -------------------------------------------------------------------------------


def _values(entity: dict, *names: str) -> list[str]:
    found = []
    for name in names:
        for value in entity["properties"].get(name, []):
            if isinstance(value, str) and value.strip() and value.strip() not in found:
                found.append(value.strip())
    return found


def _first(entity: dict, *names: str) -> str:
    values = _values(entity, *names)
    return values[0] if values else ""


def read_lines(data: bytes) -> tuple[dict, list[tuple[int, str]], dict]:
    """({id: entity}, errors, {id: line}) from JSON lines; bad lines are reported."""
    entities, errors, lines = {}, [], {}
    text = data.decode("utf-8-sig", errors="replace")
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(entities) >= MAX_RECORDS * 4:
            errors.append((number, _("Too many entities: the rest was not read.")))
            break
        try:
            entity = json.loads(raw)
        except (ValueError, RecursionError):
            errors.append((number, _("This line is not JSON.")))
            continue
        ok = (
            isinstance(entity, dict)
            and isinstance(entity.get("id"), str)
            and isinstance(entity.get("schema"), str)
            and isinstance(entity.get("properties", {}), dict)
            and all(isinstance(v, list) for v in entity.get("properties", {}).values())
        )
        if not ok:
            errors.append((number, _("Not a FollowTheMoney entity (id, schema, properties).")))
            continue
        entity.setdefault("properties", {})
        entities[entity["id"]] = entity
        lines[entity["id"]] = number
    return entities, errors, lines


def _date(text: str) -> str:
    """A full date of a FollowTheMoney prefix date ("2024-03-31T10:00" → "2024-03-31");
    a year or a month alone ("2024", "2024-03") says too little for a validity: ""."""
    text = text[:10]
    try:
        return clean_date("date", text) if len(text) == 10 else ""
    except Invalid:
        return ""


def _province(entity: dict, entities: dict, country: str) -> str:
    for address_id in _values(entity, "addressEntity"):
        address = entities.get(address_id)
        if not address:
            continue
        for region in _values(address, "region", "state"):
            wanted = blind_index.phrase(region)
            for code in provinces.codes(country):
                if wanted in (
                    blind_index.phrase(code),
                    blind_index.phrase(provinces.name(code, "en")),
                    blind_index.phrase(provinces.name(code, "fr")),
                ):
                    return code
    return ""


def _licences(holder: str, entity: dict, entities: dict, awards: dict) -> list[LicenceFacts]:
    found = []
    for award in awards.get(holder, []):
        contract = entities.get(_first(award, "contract"))
        if not contract or contract["schema"] != "License":
            continue
        authority = entities.get(_first(contract, "authority"))
        status = _first(award, "status") or _first(contract, "status")
        found.append(
            LicenceFacts(
                number=_first(contract, "name", "procedureNumber", "title"),
                authority=_first(authority, "name") if authority else "",
                commodity=_first(contract, "commodities"),
                area=_first(contract, "address"),
                start=_date(_first(award, "startDate") or _first(contract, "contractDate")),
                end=_date(_first(award, "endDate")),
                status=status if status in LicenceStatus.values else LicenceStatus.UNKNOWN,
            )
        )
    numbers = {blind_index.compact(lic.number) for lic in found}
    for number in _values(entity, "licenseNumber"):
        if blind_index.compact(number) not in numbers:
            found.append(LicenceFacts(number=number, status=LicenceStatus.UNKNOWN))
    return found


def parse(data: bytes, *, default_country: str = "") -> Parsed:
    """Read FollowTheMoney JSON lines into records and relations."""
    from places.countries import COUNTRIES

    parsed = Parsed("ftm")
    entities, parsed.errors, lines = read_lines(data)
    awards: dict = {}
    for entity in entities.values():
        if entity["schema"] == "ContractAward":
            for supplier in _values(entity, "supplier"):
                awards.setdefault(supplier, []).append(entity)
    for entity_id, entity in entities.items():
        if entity["schema"] not in ACTOR_SCHEMATA or entity_id.startswith(AUTHORITY_PREFIX):
            continue
        line = lines[entity_id]
        written = _first(entity, "country", "jurisdiction", "mainCountry").upper()
        country = written or default_country
        if country not in COUNTRIES:
            parsed.errors.append((line, _("Unknown country: use a code like CD or a name.")))
            continue
        kinds = [k for k in _values(entity, "classification") if k in Kind.values]
        kind = next((k for k in kinds if SCHEMA_OF[k] == entity["schema"]), None)
        names = _values(entity, "name")
        if not names:
            parsed.errors.append((line, _("No name on this line.")))
            continue
        identifiers = [
            {"scheme": scheme, "value": value}
            for scheme, prop in SCHEMES.items()
            for value in _values(entity, prop)
        ]
        try:
            facts = ActorFacts(
                name=names[0],
                aliases=[*names[1:], *_values(entity, "alias", "weakAlias", "previousName")],
                province=_province(entity, entities, country),
                identifiers=identifiers,
                notes="\n\n".join(_values(entity, "notes", "description")),
                sources=_values(entity, "sourceUrl", "publisher"),
            )
        except Invalid as invalid:
            parsed.errors.append((line, invalid.message))
            continue
        parsed.records.append(
            Record(
                line,
                country,
                kind or DEFAULT_KIND[entity["schema"]],
                facts,
                _licences(entity_id, entity, entities, awards),
                entity_id,
            )
        )
    for entity in entities.values():
        for kind, (schema, subject, object_) in INTERESTS.items():
            if entity["schema"] != schema:
                continue
            facts = RelationFacts(
                role=_first(entity, "role"),
                share=_first(entity, "percentage") if kind == "ownership" else "",
                start=_date(_first(entity, "startDate")),
                end=_date(_first(entity, "endDate")),
            )
            for a in _values(entity, subject):
                for b in _values(entity, object_):
                    parsed.relations.append(RelationRecord(kind, a, b, facts))
    return parsed
