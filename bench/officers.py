"""The case officers' side of the bench (issue: "Case officers' workflow ... Performance").

Called by bench/run.py after the reporter sections (or alone: `bench/run.py --only staff`),
on the bench's own data dir and database: SQLite in the data dir, the way `make run` works,
or the database at BENCH_DATABASE_URL (e.g. PostgreSQL) if that is set. It measures:

  6. the officer queue with 100,000 cases: SQL queries per changelist page at 5,000 and at
     100,000 cases and at page sizes 25 and 100 (in-process, Django's test Client), and the
     median time to render a page over HTTP against the real gunicorn server (first page,
     a middle page, the "overdue" filter);
  7. staff login: the Argon2id floor (settings.LANTERNE_PASSWORD_KDF, in-process, in the
     same run) against the wall time of the two-step login over HTTP (password, then a
     TOTP code). Two targets: the password step ≤ 1.3 × the floor (the sealed key is the
     password's only verifier: a second KDF would show as 2 ×), and the rest of the flow (the
     two GETs and the code step) ≤ 100 ms. One ratio for the whole flow mixed a fixed cost
     (four requests, ~45 ms) with a machine-dependent one (the KDF), so it passed or failed
     with the machine's speed, not with what the login does;
  8. opening a case with ten attachments and fifty messages over HTTP, and its query count;
  6b. a word search inside the sealed cases at 100,000 cases (the queue's search box, over
     HTTP): a rare word ("Nyabibwe", in about 0.3 % of the cases), a common one (in every
     case), two words together, and a word in none.

100,000 real submissions would take hours at production KDF costs, so ONE case is made
through intake.submit and its rows are cloned in bulk (new ids, references, receipt tags,
spread dates, priorities, statuses and deadlines; categories; copies of its key wraps; some
unread reporter messages). For bench-officer each clone is really sealed: its own case key,
a report of its own (a town and a mine site drawn from a list, some words from a Zipf-like
vocabulary, then the ~1.5 KB story) sealed under it, the key wrapped to her public key and
the report's words in her blind index (cases/search.py), as her own search would write
them — so the queue's summaries and the search open and find real rows. The other holders'
wraps are copies, which open nothing. No history rows or audit events are made for clones.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from httpkit import NETWORK_ERRORS, Client, scan_html

ROOT = Path(__file__).resolve().parent.parent

TOTAL = 100_000
SMALL = 5_000
PASSWORD = "bench officer's long passphrase 42"  # noqa: S105 - bench accounts
LOGIN_ACCOUNTS = 5
# 15, plus the summaries (key wraps, sealed reports, their audited read), plus the staff
# header's count of alerts to acknowledge.
QUEUE_QUERY_TARGET = 22
QUEUE_MS_TARGET = 300
SEARCH_MS_TARGET = 500
TOWNS = ["Nyabibwe"] + [f"Town{n}" for n in range(299)]  # Nyabibwe: 1 clone in 300
VOCABULARY = [f"word{n}" for n in range(5000)]
LOGIN_TARGET = 1.3  # the password step, against one Argon2id run
LOGIN_REST_MS = 100  # the rest of the two-step login: GET form, GET code form, POST code


def bench_answers() -> dict:
    """The standard answers, with a story about as long as the reporter sections' (~1.5 KB):
    the sealed report is stored on the case row, so its size is part of what the queue reads."""
    from cases import samples

    story = (
        "Three trucks without plates arrived at the pit near the river. Men in mixed "
        "uniforms collected a 'tax' of two grams from every digger and took the bags to the "
        "buying house by the bridge. Those who refused were beaten. "
    )
    return samples.answers(what_happened=story * 6)


def say(text: str = "") -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def django_in_process(data_dir: Path, scrubbed: tuple[str, ...]) -> None:
    """Set up Django in this process on the bench's data dir (and BENCH_DATABASE_URL)."""
    for name in scrubbed:
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LANTERNE_DATA_DIR"] = str(data_dir)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def empty_database_in_process(data_dir: Path, scrubbed: tuple[str, ...], bench: str) -> str:
    """Django in this process on a migrated, empty database; return the database's vendor."""
    django_in_process(data_dir, scrubbed)
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case, StaffProfile

    call_command("migrate", verbosity=0)
    if Case.objects.exists() or StaffProfile.objects.exists():
        raise SystemExit(f"the {bench} bench needs an empty database")
    return connection.vendor


# --- HTTP -------------------------------------------------------------------------------


def post_form(client: Client, path: str, fields: dict, referer: str):
    body = urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(body)),
        "Origin": f"http://{client.host}:{client.port}",
        "Referer": client.url(referer),
    }
    return client.request("POST", path, body=body, headers=headers)


def csrf_of(resp, what: str, error) -> str:
    token = scan_html(resp.body).hidden.get("csrfmiddlewaretoken")
    if resp.status != 200 or not token:
        raise error(f"{what}: HTTP {resp.status} without a CSRF token")
    return token


def http_login(port: int, username: str, device, error) -> tuple[Client, dict]:
    """The two real steps over HTTP; returns the logged-in client and the step timings."""
    from django.urls import reverse
    from django_otp.oath import totp

    login, code_url = reverse("admin:login"), reverse("admin:login_code")
    client = Client(port, timeout=60)
    t0 = time.perf_counter()
    token = csrf_of(client.get(login), "GET login", error)
    t1 = time.perf_counter()
    resp = post_form(
        client,
        login,
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        login,
    )
    t2 = time.perf_counter()
    if resp.status != 302 or urlsplit(resp.headers.get("Location", "")).path != code_url:
        raise error(f"password step for {username}: HTTP {resp.status}, not the code step")
    token = csrf_of(client.get(code_url), "GET code step", error)
    t3 = time.perf_counter()
    now = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    code = f"{now:0{device.digits}d}"
    resp = post_form(client, code_url, {"csrfmiddlewaretoken": token, "code": code}, code_url)
    t4 = time.perf_counter()
    if resp.status != 302 or urlsplit(resp.headers.get("Location", "")).path != reverse(
        "admin:index"
    ):
        raise error(f"code step for {username}: HTTP {resp.status}, not logged in")
    return client, {"password": t2 - t1, "code": t4 - t3, "flow": t4 - t0}


def timed_gets(client: Client, path: str, count: int, budget: float, error) -> list[float]:
    times, deadline = [], time.monotonic() + budget
    for _ in range(count):
        if times and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        resp = client.get(path)
        times.append(time.perf_counter() - started)
        if resp.status != 200:
            raise error(f"GET {path} gave HTTP {resp.status}")
    return times


# --- data -------------------------------------------------------------------------------


def enrol_bench_staff(logins: int) -> tuple:
    from staff import accounts

    t0 = time.monotonic()
    officer = accounts.enrol("bench-officer", role="officer", password=PASSWORD, countries=["CD"])
    accounts = [
        accounts.enrol(f"bench-login-{i}", role="officer", password=PASSWORD).profile
        for i in range(1, logins + 1)
    ]
    say(
        f"  enrolled bench-officer (CD) and {logins} login accounts with production KDF costs "
        f"in {time.monotonic() - t0:.1f} s"
    )
    return officer.profile, accounts


def template_case():
    from cases import intake
    from cases.models import KeyWrap

    case = intake.submit(answers=bench_answers(), language="fr").case
    wraps = list(KeyWrap.objects.filter(case=case).values_list("user_id", "wrapped"))
    return case, [(user_id, bytes(w)) for user_id, w in wraps]


STATUS_WEIGHTS = {
    "received": 5,
    "acknowledged": 10,
    "assessing": 5,
    "investigating": 15,
    "escalated": 3,
    "concluded": 10,
    "closed": 45,
    "inadmissible": 5,
    "duplicate": 2,
}


def insert_rows(model, rows: list[dict]) -> int:
    """INSERT plain rows with executemany (no model instances): much faster than
    bulk_create for 100,000s of rows. Columns left out take the field's default."""
    from django.db import connection

    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.attname == "id" and f.get_internal_type() == "BigAutoField")
    ]
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [
        [f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection) for f in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start : start + 5000])
    return len(params)


class Sealer:
    """Seals each clone for bench-officer as intake and her own search would."""

    def __init__(self, officer) -> None:
        from cases import keys, search

        self.user_id = officer.user_id
        self.public = bytes(officer.public_key)
        self.index_key = search.index_key(keys.unseal_private_key(officer, PASSWORD))
        self.story = bench_answers()

    def answers(self, rng: random.Random) -> dict:
        town = rng.choice(TOWNS)
        words = " ".join(
            VOCABULARY[min(int(rng.paretovariate(1.1)) - 1, len(VOCABULARY) - 1)] for _ in range(12)
        )
        return {
            **self.story,
            "place": town,
            "mine_site": f"{town} pit {rng.randrange(40)}",
            "what_happened": f"At {town}: {words}. " + self.story["what_happened"],
        }

    def seal(self, case_id: uuid.UUID, rng: random.Random) -> tuple[bytes, bytes, list[bytes]]:
        """(sealed report, her wrap, her digests) of one clone."""
        import json

        from cases import keys, search
        from lib import blind_index, crypto

        answers, case_key = self.answers(rng), crypto.random_key()
        sealed = crypto.seal_for_case(
            case_key, case_id.bytes, "report", json.dumps(answers).encode()
        )
        words = {
            w
            for name in ("place", "mine_site", "what_happened", "people_affected")
            for w in blind_index.tokens(answers[name])
        }
        digests = sorted(blind_index.digests(self.index_key, search.KIND, words))
        return sealed, keys.wrap(self.public, case_key, case_id), digests


def clone_cases(
    template, wraps, count: int, officer_user, rng: random.Random, sealer: Sealer
) -> dict:
    """Add ``count`` copies of the template case with realistic spreads; return row counts."""
    from types import SimpleNamespace

    from django.db import connection, transaction

    from cases import deadlines, intake, taxonomy
    from cases.models import OPEN_STATUSES, Case, CaseCategory, KeyWrap, Message, SearchToken
    from lib import clock

    now = clock.coarse_now()
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    codes = list(taxonomy.CATEGORIES)
    taken = set(Case.objects.values_list("reference", flat=True))
    reporter_key = bytes(template.reporter_key)
    body = b"\x01" + rng.randbytes(120)  # a message ciphertext: never opened by the queue
    cases, cats, keys, msgs, tokens = [], [], [], [], []
    for _ in range(count):
        while True:
            chars = "".join(rng.choices(intake.REFERENCE_ALPHABET, k=8))
            reference = f"{chars[:4]}-{chars[4:]}"
            if reference not in taken:
                taken.add(reference)
                break
        received = now - timedelta(hours=rng.randrange(3 * 365 * 24))
        status = rng.choices(statuses, weights)[0]
        priority = rng.choices(["", "P1", "P2", "P3", "P4"], [30, 5, 20, 35, 10])[0]
        if status == "received" and priority not in ("", "P1"):
            priority = ""
        case_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        report, her_wrap, digests = sealer.seal(case_id, rng)
        case = SimpleNamespace(
            id=case_id,
            reference=reference,
            status=status,
            priority=priority,
            country=template.country,
            language=rng.choice(["fr", "en", "sw", "pt"]),
            received_at=received,
            reporter_tag=rng.randbytes(32).hex(),
            reporter_key=reporter_key,
            report=report,
            level="regional" if status == "escalated" else "national",
            is_open=status in OPEN_STATUSES,
            acknowledged_at=None,
            first_feedback_at=None,
            last_feedback_at=None,
            flagged_at=None,
            assignee_id=None,
        )
        if status != "received":
            case.acknowledged_at = received + timedelta(hours=rng.randrange(1, 24 * 8))
            if rng.random() < 0.7 or not case.is_open:
                case.first_feedback_at = case.acknowledged_at + timedelta(
                    days=rng.randrange(1, 100)
                )
            if rng.random() < 0.6:
                case.assignee_id = officer_user.pk
        deadlines.refresh(case)
        cases.append(vars(case))
        for code in rng.sample(codes, k=rng.choice((1, 1, 2, 2, 3))):
            cats.append({"case_id": case.id, "code": code})
        for user_id, wrapped in wraps:
            if user_id == sealer.user_id:
                wrapped = her_wrap
            keys.append(
                {"case_id": case.id, "user_id": user_id, "wrapped": wrapped, "created_at": received}
            )
        tokens += [{"case_id": case.id, "user_id": sealer.user_id, "digest": d} for d in digests]
        if rng.random() < 0.15:  # some reporter messages, most of them not read yet
            for _ in range(rng.randint(1, 3)):
                sent = received + timedelta(hours=rng.randrange(1, 24 * 60))
                msgs.append(
                    {
                        "uid": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "case_id": case.id,
                        "sender": "reporter",
                        "body": body,
                        "created_at": sent,
                        "read_at": None if rng.random() < 0.7 else sent + timedelta(days=1),
                    }
                )
    # In id order: the primary key index and the (case, user) indexes then grow at the end.
    for rows in (cases, cats, keys, msgs, tokens):
        rows.sort(key=lambda row: row.get("case_id", row.get("id")))
    made = {}
    with transaction.atomic():
        if connection.vendor == "sqlite":  # this connection only: a bigger page cache
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -131072")
        made["cases"] = insert_rows(Case, cases)
        made["categories"] = insert_rows(CaseCategory, cats)
        made["wraps"] = insert_rows(KeyWrap, keys)
        made["messages"] = insert_rows(Message, msgs)
        made["digests"] = insert_rows(SearchToken, tokens)
        if connection.vendor == "sqlite":  # back to what the server's connections use
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -2000")
    return made


def search_indexes(action: str) -> None:
    """Swap the digests' table for a bare one before the bulk load ("drop"), and make the
    real one, with its indexes, from it after ("build"): millions of random digests go in far
    faster into a table without indexes, then in index order into the real one."""
    from django.db import connection

    from cases.models import SearchToken

    table, bare = "cases_searchtoken", "bench_searchtoken_load"
    with connection.schema_editor() as editor:
        if action == "drop":
            editor.delete_model(SearchToken)
            if connection.vendor == "postgresql":
                columns = "id bigserial PRIMARY KEY, user_id integer, case_id uuid, digest bytea"
            else:
                columns = "id integer PRIMARY KEY, user_id integer, case_id char(32), digest blob"
            editor.execute(f"CREATE TABLE {table} ({columns})")
            return
        editor.execute(f"ALTER TABLE {table} RENAME TO {bare}")
        editor.create_model(SearchToken)
        editor.execute(
            f"INSERT INTO {table} (user_id, case_id, digest) "  # noqa: S608 - our own names
            f"SELECT user_id, case_id, digest FROM {bare} ORDER BY user_id, digest, case_id"
        )
        editor.execute(f"DROP TABLE {bare}")


def clone_in_chunks(template, wraps, count: int, officer_user, rng, sealer, chunk=10_000) -> dict:
    """clone_cases, ten thousand at a time: 50 digests a case stay out of memory."""
    made: dict = {}
    for start in range(0, count, chunk):
        part = clone_cases(template, wraps, min(chunk, count - start), officer_user, rng, sealer)
        for name, n in part.items():
            made[name] = made.get(name, 0) + n
    return made


def tiny_jpeg(rng: random.Random, index: int) -> bytes:
    from PIL import Image

    image = Image.frombytes("RGB", (96, 72), rng.randbytes(96 * 72 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def busy_case(officer, rng: random.Random):
    """A real case with 10 JPEG attachments and 50 messages, all made through workflow."""
    from cases import access, intake, keys, uploads, workflow

    staged = [
        uploads.seal_new(tiny_jpeg(rng, i), f"IMG_{i:04d}.jpg", "image/jpeg", True)
        for i in range(10)
    ]
    case = intake.submit(answers=bench_answers(), files=staged, language="fr").case
    private = keys.unseal_private_key(officer, PASSWORD)
    key = access.case_key_for_staff(case, officer.user, private)
    workflow.acknowledge(case, by=officer.user, case_key=key)  # message 1 (staff)
    for i in range(49):
        if i % 2:
            workflow.message_reporter(
                case, by=officer.user, case_key=key, text=f"Question {i}: where exactly?"
            )
        else:
            intake.add_reporter_message(
                case, case_key=key, text=f"Follow-up {i}: " + "more details. " * 20
            )
    case.refresh_from_db()
    return case


# --- in-process queries ------------------------------------------------------------------


class InProcess:
    """Django's test Client, logged in through the two real steps (with a backup code)."""

    def __init__(self, profile, error) -> None:
        from django.test import Client as DjangoClient
        from django.urls import reverse

        from staff import accounts

        self.client = DjangoClient(HTTP_HOST="127.0.0.1")
        self.client.post(
            reverse("admin:login"), {"username": profile.user.username, "password": PASSWORD}
        )
        code = accounts.new_backup_codes(profile.user)[0]
        resp = self.client.post(reverse("admin:login_code"), {"code": code})
        if resp.status_code != 302 or resp.url != reverse("admin:index"):
            raise error(f"in-process login of {profile.user.username} failed ({resp.status_code})")

    def queries(self, path: str, error) -> tuple[int, float, list]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            resp = self.client.get(path)
        elapsed = time.perf_counter() - started
        if resp.status_code != 200:
            raise error(f"in-process GET {path} gave {resp.status_code}")
        return len(captured), elapsed, list(captured.captured_queries)


def queue_model_admin():
    from django.contrib import admin

    from cases.models import Case

    return admin.site._registry[Case]


def queue_paths(total_visible: int, per_page: int) -> dict[str, str]:
    from django.urls import reverse

    base = reverse("admin:cases_case_changelist")
    middle = max(1, (total_visible // per_page) // 2)
    return {
        "first page": base,
        f"middle page (p={middle})": f"{base}?p={middle}",
        "overdue filter": f"{base}?deadline=overdue",
        '"assigned to me" filter': f"{base}?show=mine",
    }


def count_queue_queries(inproc: InProcess, label: str, visible: int, error) -> dict:
    model_admin = queue_model_admin()
    default = model_admin.list_per_page
    counts = {}
    try:
        for per_page in (25, 100):
            model_admin.list_per_page = per_page
            for name, path in queue_paths(visible, per_page).items():
                n, elapsed, captured = inproc.queries(path, error)
                counts[(per_page, name.split(" (")[0])] = n
                slowest = max(captured, key=lambda q: float(q["time"]))
                say(
                    f"      {label}, page size {per_page:3}, {name}: {n} queries "
                    f"({ms(elapsed)} in-process; slowest SQL "
                    f"{float(slowest['time']) * 1000:.0f} ms: "
                    f"{slowest['sql'][:90]}...)"
                )
    finally:
        model_admin.list_per_page = default
    return counts


# --- the section ------------------------------------------------------------------------


def section(*, data_dir: Path, tmp: Path, quick: bool, servers: list, helpers) -> dict:
    """Run sections 6-8; returns the figures for the targets. ``helpers`` carries run.py's
    Server, server_env, manage, BenchError and SCRUBBED_ENV (no import cycle)."""
    error = helpers.BenchError
    began = time.monotonic()
    db_url = os.environ.get("BENCH_DATABASE_URL", "")
    extra = {"DATABASE_URL": db_url} if db_url else {}
    env = helpers.server_env(data_dir, **extra)
    if db_url:
        helpers.manage(env, "migrate", "--noinput")
    django_in_process(data_dir, helpers.SCRUBBED_ENV)
    from django.conf import settings
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases.models import Case, SearchToken, StaffProfile
    from lib import crypto

    if db_url:
        if Case.objects.exists() or StaffProfile.objects.exists():
            raise error("BENCH_DATABASE_URL must point at an empty, throwaway database")
        helpers.manage(env, "seed_demo")
    vendor = connection.vendor
    say(
        f"  staff section on {vendor} ({'BENCH_DATABASE_URL' if db_url else 'the data dir'}); "
        f"{LOGIN_ACCOUNTS if not quick else 3} login accounts"
    )
    rng = random.Random("lanterne-staff-bench")  # noqa: S311 - test data, not secrets
    results: dict = {"db_url": bool(db_url)}
    try:
        officer, accounts = enrol_bench_staff(3 if quick else LOGIN_ACCOUNTS)
        template, wraps = template_case()
        say(
            f"  template case {template.reference} made through intake.submit "
            f"(wrapped to {len(wraps)} holders: bench-officer and the demo staff routing picks)"
        )

        # --- [6] queue at 5,000 then 100,000 cases -----------------------------------
        t0 = time.monotonic()
        sealer = Sealer(officer)
        search_indexes("drop")
        made = clone_in_chunks(template, wraps, SMALL - 1, officer.user, rng, sealer)
        say(
            f"  cloned {made['cases']:,} cases in {time.monotonic() - t0:.1f} s "
            f"({made['categories']:,} categories, {made['wraps']:,} key wraps, "
            f"{made['messages']:,} reporter messages, {made['digests']:,} search digests)"
        )
        inproc = InProcess(officer, error)
        say("  [6] queue queries per changelist page (in-process, Django test Client):")
        small = count_queue_queries(inproc, f"{SMALL:,} cases", SMALL, error)
        t0 = time.monotonic()
        more = clone_in_chunks(template, wraps, TOTAL - SMALL, officer.user, rng, sealer)
        say(
            f"  cloned {more['cases']:,} more cases in {time.monotonic() - t0:.1f} s "
            f"({more['categories']:,} categories, {more['wraps']:,} key wraps, "
            f"{more['messages']:,} reporter messages, {more['digests']:,} search digests); "
            f"{Case.objects.count():,} cases in the database"
        )
        t0 = time.monotonic()
        search_indexes("build")
        say(f"  put the search digests in their indexed table in {time.monotonic() - t0:.1f} s")
        big = count_queue_queries(inproc, f"{TOTAL:,} cases", TOTAL, error)
        results["queries"] = {"small": small, "big": big}

        # --- [8] prepare the busy case (before the server, in-process) ----------------
        t0 = time.monotonic()
        busy = busy_case(officer, rng)
        say(
            f"  busy case {busy.reference}: 10 JPEG attachments + {busy.messages.count()} "
            f"messages made through workflow in {time.monotonic() - t0:.1f} s"
        )

        # --- the server --------------------------------------------------------------
        server = helpers.Server(env, tmp / "serve-staff.log", "staff")
        servers.append(server)
        server.wait_ready()
        say(f"  staff server up on 127.0.0.1:{server.port}: gunicorn workers {server.workers()}")

        # --- [7] login ---------------------------------------------------------------
        memory_kib, iterations = settings.LANTERNE_PASSWORD_KDF
        params = crypto.KdfParams(memory_kib=memory_kib, iterations=iterations)
        crypto._password_key(PASSWORD, b"\0" * 16, params)  # warm-up
        floors = []
        for _ in range(3):
            started = time.perf_counter()
            crypto._password_key(PASSWORD, os.urandom(16), params)
            floors.append(time.perf_counter() - started)
        floor = statistics.median(floors)
        say(
            f"  [7] login floor: one Argon2id ({memory_kib} KiB, {iterations} passes, 1 lane) = "
            f"{ms(floor)} median of 3 in-process, measured now, in this run"
        )
        steps = []
        for profile in accounts:  # one login per account: a TOTP code is accepted only once
            device = TOTPDevice.objects.get(user=profile.user, confirmed=True)
            _client, step = http_login(server.port, profile.user.username, device, error)
            steps.append(step)
        flow = statistics.median(s["flow"] for s in steps)
        post_pw = statistics.median(s["password"] for s in steps)
        post_code = statistics.median(s["code"] for s in steps)
        say(
            f"      two-step login over HTTP, median of {len(steps)} (one account each): "
            f"whole flow {ms(flow)} (GET form, POST password, GET code form, POST TOTP code); "
            f"POST password {ms(post_pw)}, POST code {ms(post_code)}; "
            f"min {ms(min(s['flow'] for s in steps))}, max {ms(max(s['flow'] for s in steps))}"
        )
        say(
            f"      = {flow / floor:.2f} × the Argon2id floor (POST password alone "
            f"{post_pw / floor:.2f} ×): the password is checked by opening the sealed key, "
            "its only verifier (staff/backends.py)"
        )
        rest = statistics.median(s["flow"] - s["password"] for s in steps)
        results["login"] = {"floor": floor, "flow": flow, "post_password": post_pw, "rest": rest}

        # --- [6] queue timing over HTTP ----------------------------------------------
        device = TOTPDevice.objects.get(user=officer.user, confirmed=True)
        client, _ = http_login(server.port, officer.user.username, device, error)
        per_page = queue_model_admin().list_per_page
        reps, budget = (5, 20.0) if quick else (20, 40.0)
        say(
            f"  [6] queue over HTTP with {TOTAL:,} cases, page size {per_page} "
            f"(the admin's), up to {reps} requests each after one warm-up:"
        )
        timing = {}
        for name, path in queue_paths(TOTAL, per_page).items():
            client.get(path)  # warm-up
            times = timed_gets(client, path, reps, budget, error)
            timing[name] = statistics.median(times)
            say(
                f"      {name}: median {ms(timing[name])}, min {ms(min(times))}, "
                f"max {ms(max(times))} over {len(times)}"
            )
        results["queue_ms"] = timing
        first = client.get(queue_paths(TOTAL, per_page)["first page"]).body
        shown = first.count(b'class="summary"')
        say(f"      first page: {shown} of {per_page} rows show a summary opened from the report")
        results["summaries"] = (shown, per_page)

        # --- [6b] search inside the sealed cases ---------------------------------------
        base = queue_paths(TOTAL, per_page)["first page"]
        say(
            f"  [6b] word search inside {TOTAL:,} sealed cases over HTTP (her blind index, "
            f"{SearchToken.objects.filter(user=officer.user).count():,} digests), "
            f"up to {reps} requests each after one warm-up:"
        )
        searches = {}
        for name, words in (
            ("rare word", "Nyabibwe"),
            ("common word", "trucks"),
            ("two words", "NYABIBWE buying"),
            ("word in no case", "Kilimanjaro"),
        ):
            path = f"{base}?{urlencode({'q': words})}"
            warm = client.get(path)  # the warm-up also works off her backlog (two real cases)
            times = timed_gets(client, path, reps, budget, error)
            searches[name] = statistics.median(times)
            rows = warm.body.count(b'class="summary"')
            say(
                f"      {name} ({words!r}): median {ms(searches[name])}, min {ms(min(times))}, "
                f"max {ms(max(times))} over {len(times)}; {rows} rows on the first page"
            )
        results["search_ms"] = searches

        # --- [8] the busy case page ----------------------------------------------------
        from django.urls import reverse

        path = reverse("admin:cases_case_change", args=[busy.pk])
        first_n, first_t, _ = inproc.queries(path, error)
        again_n, again_t, captured = inproc.queries(path, error)
        say(
            f"  [8] case page with 10 attachments + 50 messages: {first_n} queries on the "
            f"first open (marks 25 unread messages read), {again_n} after "
            f"(in-process: {ms(first_t)}, {ms(again_t)})"
        )
        reps = 5 if quick else 10
        client.get(path)  # warm-up
        times = timed_gets(client, path, reps, 60.0, error)
        page = client.get(path)
        links = page.body.count(b"/file/")
        say(
            f"      over HTTP: median {ms(statistics.median(times))}, min {ms(min(times))}, "
            f"max {ms(max(times))} over {len(times)} opens; {len(page.body):,} bytes, "
            f"{links} file links"
        )
        results["case_page"] = {
            "median": statistics.median(times),
            "queries": again_n,
            "first_queries": first_n,
        }
        server.stop()
        servers.remove(server)
    except NETWORK_ERRORS as failure:
        raise error(f"staff section: network error {type(failure).__name__}: {failure}") from None
    finally:
        connection.close()
        if db_url:  # it was empty when we began: leave it so
            try:
                helpers.manage(env, "flush", "--noinput")
            except error as failure:
                say(f"  could not empty BENCH_DATABASE_URL: {failure}")
    say(f"  staff section took {time.monotonic() - began:.0f} s")
    return results


def verdicts(results: dict, verdict, say_=say) -> None:
    """The staff targets, for run.py's Targets block."""
    small, big = results["queries"]["small"], results["queries"]["big"]
    worst = max([*small.values(), *big.values()])
    same = all(small[k] == big[k] for k in small) and all(
        small[(25, name)] == small[(100, name)] for (_p, name) in small
    )
    shown = ", ".join(
        f"{name} {small[(25, name)]}/{small[(100, name)]}/{big[(25, name)]}/{big[(100, name)]}"
        for (p, name) in small
        if p == 25
    )
    say_(
        f"  {verdict(worst <= QUEUE_QUERY_TARGET)}  queue ≤ {QUEUE_QUERY_TARGET} queries per page: "
        f"at most {worst} (5k/25, 5k/100, 100k/25, 100k/100 — {shown})"
    )
    say_(
        f"  {verdict(same)}  queue query count independent of page size and of the number of cases"
    )
    for name, median in results["queue_ms"].items():
        say_(
            f"  {verdict(median * 1000 < QUEUE_MS_TARGET)}  queue < {QUEUE_MS_TARGET} ms median at "
            f"100,000 cases, {name}: {ms(median)}"
        )
    shown, per_page = results["summaries"]
    say_(
        f"  {verdict(shown == per_page)}  every row of the queue's first page shows its summary: "
        f"{shown} of {per_page}"
    )
    for name, median in results["search_ms"].items():
        say_(
            f"  {verdict(median * 1000 <= SEARCH_MS_TARGET)}  search inside sealed cases ≤ "
            f"{SEARCH_MS_TARGET} ms median at 100,000 cases, {name}: {ms(median)}"
        )
    login = results["login"]
    ratio = login["post_password"] / login["floor"]
    say_(
        f"  {verdict(ratio <= LOGIN_TARGET)}  staff login's password step over HTTP ≤ "
        f"{LOGIN_TARGET} × one Argon2id: {ms(login['post_password'])} = {ratio:.2f} × the "
        f"{ms(login['floor'])} floor measured in the same run"
    )
    say_(
        f"  {verdict(login['rest'] * 1000 <= LOGIN_REST_MS)}  the rest of the two-step login "
        f"(GET form, GET code form, POST code) ≤ {LOGIN_REST_MS} ms: {ms(login['rest'])} "
        f"(whole flow {ms(login['flow'])} = {login['flow'] / login['floor']:.2f} × the floor)"
    )
    page = results["case_page"]
    say_(
        f"  info  case page with 10 files + 50 messages: {ms(page['median'])} median over HTTP, "
        f"{page['queries']} queries ({page['first_queries']} on the first open) (no target set)"
    )
