"""Record actors with everything that can name them, use every page, then look everywhere
for those names: the database (and its files), the media folder, the logs, the cache."""

import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from actors.models import Actor, CaseLink
from tests.conftest import report, sign_in
from tests.dump import cache_contents, database_dump, files_under

CANARIES = {
    "name": "Comptoir Canari-Q7X2",
    "alias": "Oiseau-Jaune-Q7X2",
    "registration": "RCCM-CANARI-0042",
    "tax": "IMPOT-CANARI-77",
    "notes": "Le colonel Canari-Mukendi passe le mardi",
    "source": "https://canari.example/liste",
    "licence": "LIC-CANARI-117",
    "authority": "Ministère-Canari",
    "area": "Zone-Canari-Tshikapa",
    "relation role": "Gérant-Canari",
    "other actor": "Transports-Canari-Rapides",
    "imported": "Négociant-Canari-Importé",
    "imported licence": "IMP-CANARI-555",
}


@pytest.mark.django_db(transaction=True)
def test_no_name_or_detail_of_an_actor_is_stored_anywhere(
    client, coalition, settings, caplog, tmp_path
):
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    log_file = tmp_path / "lanterne.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        case = report(country="CD", categories=["TRD"], incident_date="2024-09-15").case
        sign_in(client, coalition["amani"])
        client.post(
            reverse("admin:actors_actor_add"),
            {
                "country": "CD",
                "kind": "buying-house",
                "name": CANARIES["name"],
                "aliases": CANARIES["alias"],
                "province": "CD-KS",
                "registration": CANARIES["registration"],
                "tax": CANARIES["tax"],
                "notes": CANARIES["notes"],
                "sources": CANARIES["source"],
            },
        )
        actor = Actor.objects.get()
        client.post(
            reverse("admin:actors_actor_add"),
            {"country": "CD", "kind": "company", "name": CANARIES["other actor"]},
        )
        other = Actor.objects.exclude(pk=actor.pk).get()
        act = lambda name, data: client.post(  # noqa: E731
            reverse("admin:actors_actor_act", args=[actor.pk, name]), data
        )
        act(
            "licence",
            {
                "licence-number": CANARIES["licence"],
                "licence-authority": CANARIES["authority"],
                "licence-area": CANARIES["area"],
                "licence-end": "2024-06-30",
                "licence-status": "valid",
            },
        )
        act(
            "relation",
            {
                "relation-kind": "ownership",
                "relation-direction": "in",
                "relation-other": other.reference,
                "relation-role": CANARIES["relation role"],
            },
        )
        act("link", {"link-reference": case.reference, "link-role": "buyer"})
        assert CaseLink.objects.count() == 1
        page = client.get(reverse("admin:actors_actor_change", args=[actor.pk])).content.decode()
        assert CANARIES["notes"] in page and CANARIES["other actor"] in page
        assert "Licence expired on 2024-06-30" in page
        found = client.get(reverse("admin:actors_actor_changelist"), {"q": "comptoir canari q7x2"})
        assert actor.reference in found.content.decode()
        csv = f"Nom;N° de licence;Pays\n{CANARIES['imported']};{CANARIES['imported licence']};CD\n"
        preview = client.post(
            reverse("admin:actors_actor_import"),
            {"format": "csv", "country": "CD", "file": SimpleUploadedFile("a.csv", csv.encode())},
        )
        client.post(
            reverse("admin:actors_actor_import_confirm"),
            {"batch": preview.context["batch"].pk, "key": preview.context["key"]},
        )
        assert Actor.objects.count() == 3
        exported = client.post(reverse("admin:actors_actor_export"), {"countries": ["CD"]})
        assert CANARIES["imported"].encode() in b"".join(exported.streaming_content)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    places = {
        "database": database_dump(),
        "database files": files_under(Path(settings.DATABASES["default"]["NAME"]).parent)
        if connection.vendor == "sqlite"
        else b"",
        "media folder": files_under(Path(settings.LANTERNE_MEDIA_DIR)),
        "logs": log_file.read_bytes() + caplog.text.encode(),
        "cache": cache_contents(settings),
    }
    for place, blob in places.items():
        for what, canary in CANARIES.items():
            for form in {
                canary,
                canary.lower(),
                canary.split("-")[-1] if what == "name" else canary,
            }:
                assert form.encode() not in blob, f"{what} found in {place}"
    assert places["database"], "the sealed rows should be there"
