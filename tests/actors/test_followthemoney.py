"""FollowTheMoney JSON lines both ways: the export is valid FollowTheMoney (checked with the
followthemoney package itself), and reading it back gives the same registry."""

import json

import pytest
from django.urls import reverse
from followthemoney import model

from actors import ftm, imports, registry
from actors.facts import RelationFacts
from actors.models import Actor, Kind, Relation
from cases.models import AuditEvent
from tests.actors.conftest import record, ring
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_registry(amani, beatrice):
    etoile = record(
        amani,
        "Comptoir Étoile",
        aliases=["Étoile Diamonds"],
        province="CD-KS",
        identifiers=[
            {"scheme": "registration", "value": "CD/KNG/RCCM/14-B-0042"},
            {"scheme": "tax", "value": "A1234567B"},
        ],
        notes="Buys at the Tshikapa bridge.",
        sources=["https://mines.example/liste-2024.pdf", "Journal officiel, mars 2024"],
        licences=[
            {
                "number": "BA-2023/117",
                "authority": "Ministère des Mines",
                "commodity": "diamonds",
                "area": "Tshikapa",
                "start": "2023-07-01",
                "end": "2024-06-30",
                "status": "valid",
            }
        ],
    )
    owner = record(amani, "Jean-Pierre Kabeya", kind=Kind.PERSON)
    key = ring(amani)["CD"]
    registry.add_relation(
        owner,
        etoile,
        by=amani.user,
        keyring=ring(amani),
        kind="ownership",
        facts=RelationFacts(role="shareholder", share="60%", start="2019-01-01"),
    )
    return etoile, owner, key


def exported(profile) -> list[dict]:
    return [json.loads(line) for line, _is_actor in ftm.export(ring(profile), ["CD"])]


def test_the_export_is_valid_followthemoney(amani, small_registry):
    entities = exported(amani)
    ids = {e["id"]: e for e in entities}
    assert {e["schema"] for e in entities} == {
        "Company",
        "Person",
        "Address",
        "PublicBody",
        "License",
        "ContractAward",
        "Ownership",
    }
    for entity in entities:
        schema = model.get(entity["schema"])
        assert schema is not None and not schema.abstract, entity["schema"]
        assert set(entity["properties"]) <= set(schema.properties), entity
        assert set(schema.required) <= set(entity["properties"]), entity
        schema.validate(entity)  # raises followthemoney.exc.InvalidData
        proxy = model.get_proxy(entity)
        for prop in proxy.iterprops():
            if prop.type.name == "entity":
                for target in proxy.get(prop):
                    assert target in ids, f"{entity['schema']}.{prop.name} → {target}"
                    assert model.get(ids[target]["schema"]).is_a(prop.range), prop.name
    company = next(e for e in entities if e["schema"] == "Company")
    assert company["properties"]["name"] == ["Comptoir Étoile"]
    assert company["properties"]["country"] == ["cd"]
    assert company["properties"]["registrationNumber"] == ["CD/KNG/RCCM/14-B-0042"]
    assert company["properties"]["licenseNumber"] == ["BA-2023/117"]


def test_reading_the_export_back_finds_the_same_actors_unchanged(amani, small_registry):
    etoile, owner, _key = small_registry
    data = "\n".join(json.dumps(e, ensure_ascii=False) for e in exported(amani)).encode()
    parsed = ftm.parse(data)
    assert parsed.errors == []
    plan = imports.plan(parsed, ring(amani))
    assert {(s.action, s.actor) for s in plan.steps} == {
        ("unchanged", etoile),
        ("unchanged", owner),
    }
    record_of = {r.facts.name: r for r in parsed.records}
    back = record_of["Comptoir Étoile"]
    assert back.kind == Kind.BUYING_HOUSE and back.country == "CD"
    assert back.facts.as_dict() == registry.read(etoile, ring(amani)["CD"]).as_dict()
    assert [lic.as_dict() for lic in back.licences] == [
        f.as_dict() for _l, f in registry.licences_of(etoile, ring(amani)["CD"])
    ]
    assert [(r.kind, r.facts.share) for r in parsed.relations] == [("ownership", "60%")]


def test_the_export_imported_into_an_empty_registry_rebuilds_it(amani, small_registry):
    key = ring(amani)["CD"]
    before = {
        a.reference: (a.kind, registry.read(a, key).as_dict())
        for a in Actor.objects.order_by("reference")
    }
    licences = {
        f.number: f.as_dict() for a in Actor.objects.all() for _l, f in registry.licences_of(a, key)
    }
    data = "\n".join(json.dumps(e) for e in exported(amani)).encode()
    Relation.objects.all().delete()
    Actor.objects.all().delete()  # the registry and its key stay
    parsed = ftm.parse(data)
    batch, key_text = imports.stage(parsed, by=amani.user)
    batch, parsed = imports.unstage(batch.pk, key_text, by=amani.user)
    result = imports.apply(batch, parsed, by=amani.user, keyring=ring(amani))
    assert result.count("create") == 2
    after = sorted((a.kind, registry.read(a, key).as_dict()) for a in Actor.objects.all())
    assert after == sorted(before.values())
    assert {
        f.number: f.as_dict() for a in Actor.objects.all() for _l, f in registry.licences_of(a, key)
    } == licences
    relation = Relation.objects.get()
    assert (relation.kind, relation.subject.kind, relation.object.kind) == (
        "ownership",
        Kind.PERSON,
        Kind.BUYING_HOUSE,
    )


OPENSANCTIONS = [
    {
        "id": "os-1",
        "schema": "Company",
        "properties": {
            "name": ["Kasai Precious Stones SARL"],
            "alias": ["KPS"],
            "jurisdiction": ["cd"],
            "registrationNumber": ["CD/KIN/RCCM/09-B-777"],
            "topics": ["crime"],
        },
    },
    {"id": "os-2", "schema": "Person", "properties": {"name": ["Marie Tshala"], "country": ["cd"]}},
    {
        "id": "os-3",
        "schema": "Directorship",
        "properties": {"director": ["os-2"], "organization": ["os-1"], "role": ["gérante"]},
    },
    {"id": "os-4", "schema": "Vessel", "properties": {"name": ["MV Something"]}},
]


def test_an_opensanctions_file_is_previewed_then_imported_as_one_audited_act(client, amani):
    sign_in(client, amani)
    data = "\n".join(json.dumps(e) for e in OPENSANCTIONS) + "\nnot json\n"
    upload = _upload("opensanctions.json", data.encode())
    preview = client.post(
        reverse("admin:actors_actor_import"), {"format": "ftm", "country": "CD", "file": upload}
    )
    page = preview.content.decode()
    assert preview.status_code == 200 and "Kasai Precious Stones SARL" in page
    assert "This line is not JSON." in page
    assert not Actor.objects.exists(), "the preview records nothing"
    batch = preview.context["batch"]
    client.post(
        reverse("admin:actors_actor_import_confirm"),
        {"batch": batch.pk, "key": preview.context["key"]},
    )
    names = sorted(registry.read(a, ring(amani)["CD"]).name for a in Actor.objects.all())
    assert names == ["Kasai Precious Stones SARL", "Marie Tshala"]
    assert Relation.objects.get().kind == "directorship"
    event = AuditEvent.objects.get(action="registry_import")
    assert (event.detail["created"], event.detail["relations"], event.detail["format"]) == (
        2,
        1,
        "ftm",
    )


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
