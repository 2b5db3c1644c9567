"""A ministry's list of licensed buyers, imported from CSV: read as published, deduplicated,
previewed, applied once and audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actors import buyers_csv, imports, registry, search
from actors.models import Actor, ImportBatch
from cases.models import AuditEvent
from cases.permissions import NotAllowed
from tests.actors.conftest import record, ring
from tests.conftest import sign_in
from tests.dump import database_dump

pytestmark = pytest.mark.django_db

MINISTRY = (
    "N°;Raison sociale;N° de licence;Pays;Date de début;Date d'expiration;Substance\n"
    "1;Comptoir Étoile;BA-2024/117;RDC;01/07/2024;30/06/2025;Diamant\n"
    "2;Maison Lumière SPRL;BA-2024/118;CD;01/07/2024;30/06/2025;Diamant\n"
    "3;Comptoir Etoile;BA 2024 117;CD;01/07/2024;30/06/2025;Diamant\n"
    "4;;BA-2024/119;CD;01/07/2024;30/06/2025;Diamant\n"
    "5;Ghost Buyer;BA-2024/120;Narnia;01/07/2024;30/06/2025;Or\n"
    "6;Diamants du Lac;BA-2024/121;CD;le 1er juillet;30/06/2025;Diamant\n"
)


def test_a_french_list_is_read_as_the_ministry_published_it():
    parsed = buyers_csv.parse(MINISTRY.encode("cp1252"))
    names = [r.facts.name for r in parsed.records]
    assert names == ["Comptoir Étoile", "Maison Lumière SPRL", "Comptoir Etoile"]
    first = parsed.records[0]
    assert first.country == "CD" and first.kind == "buying-house"
    lic = first.licences[0]
    assert (lic.number, lic.start, lic.end, lic.commodity) == (
        "BA-2024/117",
        "2024-07-01",
        "2025-06-30",
        "Diamant",
    )
    assert dict(parsed.errors) == {
        5: "No name on this line.",
        6: "Unknown country: use a code like CD or a name.",
        7: "Write the date like 2025-03-31 or 31/03/2025.",
    }


def test_a_validity_column_and_an_english_header_are_read_too():
    text = (
        "Name,License number,Country,Validity\n"
        "Star Diamonds,EX-9,Sierra Leone,2024-01-01 - 2024-12-31\n"
    )
    record_ = buyers_csv.parse(text.encode()).records[0]
    assert record_.country == "SL"
    assert (record_.licences[0].start, record_.licences[0].end) == ("2024-01-01", "2024-12-31")


def test_a_file_without_a_name_column_says_so():
    parsed = buyers_csv.parse(b"a,b\n1,2\n")
    assert parsed.records == [] and parsed.errors[0][0] == 1


def test_rows_are_deduplicated_in_the_file_and_against_the_registry(amani, beatrice):
    known = record(
        amani, "Maison Lumière SPRL", licences=[{"number": "BA-2023/118", "end": "2024-06-30"}]
    )
    plan = imports.plan(buyers_csv.parse(MINISTRY.encode("cp1252")), ring(amani))
    steps = {s.facts.name: s for s in plan.steps}
    assert set(steps) == {"Comptoir Étoile", "Maison Lumière SPRL"}
    assert steps["Comptoir Étoile"].action == "create" and steps["Comptoir Étoile"].lines == [2, 4]
    assert "Comptoir Etoile" in steps["Comptoir Étoile"].facts.aliases
    lumiere = steps["Maison Lumière SPRL"]
    assert lumiere.action == "update" and lumiere.actor == known
    assert [lic.number for lic in lumiere.new_licences] == ["BA-2024/118"]


def test_the_import_is_previewed_applied_once_and_audited(client, amani, beatrice):
    sign_in(client, amani)
    upload = SimpleUploadedFile("acheteurs.csv", MINISTRY.encode("cp1252"))
    preview = client.post(
        reverse("admin:actors_actor_import"), {"format": "csv", "country": "CD", "file": upload}
    )
    page = preview.content.decode()
    assert "Comptoir Étoile" in page and "Maison Lumière SPRL" in page
    assert not Actor.objects.exists(), "the preview records nothing"
    assert b"Comptoir" not in database_dump(), "the waiting rows are sealed"
    batch, key = preview.context["batch"], preview.context["key"]
    done = client.post(
        reverse("admin:actors_actor_import_confirm"), {"batch": batch.pk, "key": key}
    )
    assert done.status_code == 302
    assert Actor.objects.count() == 2
    event = AuditEvent.objects.get(action="registry_import")
    assert (event.detail["created"], event.detail["errors"], event.actor) == (2, 3, "amani")
    assert not bytes(ImportBatch.objects.get().payload), "an applied import keeps no rows"
    again = client.post(
        reverse("admin:actors_actor_import_confirm"), {"batch": batch.pk, "key": key}
    )
    assert "no longer waiting" in again.content.decode()
    assert Actor.objects.count() == 2

    etoile = next(
        a
        for a in Actor.objects.all()
        if registry.read(a, ring(amani)["CD"]).name == "Comptoir Étoile"
    )
    assert [f.end for _l, f in registry.licences_of(etoile, ring(amani)["CD"])] == ["2025-06-30"]


def test_a_staged_import_opens_only_with_the_preview_s_key_and_for_its_importer(amani, beatrice):
    batch, key = imports.stage(buyers_csv.parse(MINISTRY.encode("cp1252")), by=amani.user)
    with pytest.raises(NotAllowed, match="no longer waiting"):
        imports.unstage(batch.pk, "A" * 43, by=amani.user)
    with pytest.raises(NotAllowed, match="no longer waiting"):
        imports.unstage(batch.pk, key, by=beatrice.user)
    _batch, parsed = imports.unstage(batch.pk, key, by=amani.user)  # positive control
    assert len(parsed.records) == 3


def test_an_unconfirmed_import_is_purged_after_a_day(amani, frozen):
    imports.stage(buyers_csv.parse(MINISTRY.encode("cp1252")), by=amani.user)
    frozen.advance(hours=imports.STAGED_HOURS + 1)
    assert imports.purge() == 1 and not ImportBatch.objects.exists()


def test_an_import_updates_an_actor_already_recorded_and_keeps_its_history(amani, beatrice):
    known = record(
        amani, "Maison Lumière SPRL", licences=[{"number": "BA-2024/118", "end": "2024-06-30"}]
    )
    batch, key = imports.stage(buyers_csv.parse(MINISTRY.encode("cp1252")), by=amani.user)
    batch, parsed = imports.unstage(batch.pk, key, by=amani.user)
    result = imports.apply(batch, parsed, by=amani.user, keyring=ring(amani))
    assert result.count("update") == 1 and result.count("create") == 1
    known.refresh_from_db()
    licences = registry.licences_of(known, ring(amani)["CD"])
    assert [(f.number, f.start, f.end) for _l, f in licences] == [
        ("BA-2024/118", "2024-07-01", "2025-06-30")
    ], "the same licence number is renewed, not doubled"
    assert list(known.history.values_list("history_type", flat=True)) == ["~", "+"]
    hits, _more = search.search(ring(amani), "BA-2024/118")
    assert [h.actor for h in hits] == [known]
