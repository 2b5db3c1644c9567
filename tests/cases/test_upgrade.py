"""A database made by an earlier release migrates, and every case still opens.

The code of the commit before the layout by domain (BEFORE) is taken from git, runs its own
migrations and fills a database the way its users did: staff, reports with a file, a
reporter's follow-up, an officer's acknowledgement and note. Today's code then migrates
that database and must open every case with its receipt and with an officer's key, and
read back every text and file. Runs on SQLite, or on PostgreSQL when DATABASE_URL says so
(in a database of its own).
"""

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE = "d761e33"  # "One keyed hash and one cache counter for both throttles"
PASSWORD = "upgrade test passphrase 42"

FILL = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from cases import access, officers, uploads, workflow
PW = %(password)r
amani = officers.enrol("amani", role="officer", password=PW, countries=["CD"]).profile
officers.enrol("beatrice", role="coordinator", password=PW, regions=["central"])
answers = %(answers)r
photo = uploads.seal_new(b"JPEG-ISH BYTES 1234", "roadblock.jpg", "image/jpeg", True)
first = workflow.submit(answers=answers, files=[photo], language="fr")
second = workflow.submit(answers={**answers, "regional_only": True}, language="en")
case, key = access.case_for_receipt(first.receipt)
workflow.add_reporter_message(case, case_key=key, text="They came back at night.")
private = officers.unseal_private_key(amani, PW)
staff_key = access.case_key_for_staff(case, amani.user, private)
workflow.acknowledge(case, by=amani.user, case_key=staff_key)
workflow.add_note(case, by=amani.user, case_key=staff_key, text="Check the comptoir.")
print(json.dumps({"receipts": [first.receipt, second.receipt]}))
"""

CHECK = """
import json, sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from cases import access, audit, content, keys
from cases.models import StaffProfile
PW = %(password)r
seen = []
for receipt in json.loads(sys.argv[1])["receipts"]:
    case, key = access.case_for_receipt(receipt)
    holders = []
    for name in ("amani", "beatrice"):
        profile = StaffProfile.objects.get(user__username=name)
        try:
            staff_key = access.case_key_for_staff(
                case, profile.user, keys.unseal_private_key(profile, PW)
            )
        except access.NotFound:
            continue
        assert staff_key == key
        holders.append(name)
    files = []
    for info in content.report_files(case, key):
        _info, chunks = content.open_file(case, key, info.id)
        files.append([info.name, b"".join(chunks).decode()])
    seen.append({
        "reference": case.reference,
        "status": case.status,
        "what_happened": content.read_report(case, key)["what_happened"],
        "conversation": [[e.sender, e.text] for e in content.conversation(case, key)],
        "notes": [n.text for n in content.notes(case, key)],
        "files": files,
        "holders": holders,
    })
broken = audit.verify()
print(json.dumps({"cases": seen, "audit": None if broken is None else broken.reason}))
"""

# The answers the earlier release took, fixed here: cases/samples.py follows today's fields.
ANSWERS = {
    "categories": ["DEF", "TRD"],
    "country": "CD",
    "province": "Kasaï",
    "mine_site": "Tshikapa river bank",
    "mineral": "diamonds",
    "stage": "trading",
    "incident_date": "2026-10-03",
    "date_precision": "exact",
    "what_happened": "Soldiers seized the diamonds of the diggers at the comptoir.",
    "actors": ["state"],
    "people_affected": "about 40",
    "contact": "",
    "regional_only": False,
}


def old_code(tmp_path: Path) -> Path:
    """The tree of BEFORE, from git (a clone without that commit fails, never skips)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"git cannot give commit {BEFORE} (a shallow clone?): {archive.stderr.decode()}"
    )
    tree = tmp_path / "before"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


@pytest.fixture
def database_url(tmp_path):
    """A database of this test's own: a SQLite file, or a fresh PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path}/upgrade.sqlite3"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'lanterne'}_upgrade_test"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(cwd: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"in {cwd.name}:\n{result.stderr[-3000:]}"
    return result.stdout


def test_a_database_of_the_earlier_release_migrates_and_every_case_still_opens(
    tmp_path, database_url
):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LANTERNE_DATA_DIR": str(data),
        "DATABASE_URL": database_url,
        "LANTERNE_RECEIPT_KDF_KIB": "64",
        "LANTERNE_PASSWORD_KDF_KIB": "64",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    before = old_code(tmp_path)
    made = run(
        before,
        {**env, "PYTHONPATH": str(before)},
        "-c",
        FILL
        % {
            "password": PASSWORD,
            "answers": ANSWERS,
        },
    )
    receipts = made.strip().splitlines()[-1]

    found = json.loads(
        run(
            ROOT,
            {**env, "PYTHONPATH": str(ROOT)},
            "-c",
            CHECK % {"password": PASSWORD},
            receipts,
        )
        .strip()
        .splitlines()[-1]
    )

    first, second = found["cases"]
    assert found["audit"] is None
    assert first["what_happened"] == ANSWERS["what_happened"]
    assert first["status"] == "acknowledged"
    assert first["files"] == [["roadblock.jpg", "JPEG-ISH BYTES 1234"]]
    assert [sender for sender, _text in first["conversation"]] == ["reporter", "staff"]
    assert first["conversation"][0][1] == "They came back at night."
    assert first["notes"] == ["Check the comptoir."]
    assert first["holders"] == ["amani", "beatrice"]
    assert second["holders"] == ["beatrice"]  # regional only, as the reporter asked
