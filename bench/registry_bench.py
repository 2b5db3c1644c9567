"""The actor registry's side of the bench (issue: "Know your customer"). Called by
bench/run.py after the staff sections (or alone: `bench/run.py --only actors`), on the
bench's own data dir and database — SQLite in the data dir, or BENCH_DATABASE_URL (an
empty, throwaway database, e.g. PostgreSQL). It measures, each against its target:

  9. search across 100,000 actors: the blind-index lookup alone and the whole registry
     page (in-process, Django's test Client through every middleware, logged in through
     the two real steps), for a common word, two words, a rare name typed without its
     accents, and an identifier;
 10. the page of an actor linked to 1,000 cases (with a licence, so every trade case's
     key is unwrapped for its red flag, and 30 co-occurring actors for the graph);
 11. a 20,000-row licensed buyers' CSV: parse, stage (sealed), preview (plan), apply.

The 100,000 actors are sealed and indexed with the real functions (actors.search,
RegistryKey.seal) and inserted in bulk, without history rows or audit events. The 1,000
cases are real sealed cases — a random key each, wrapped to the bench officer, the report
sealed under it — inserted in bulk, and each link's facts sealed under its case's key, so
the page does exactly the work it does in production.

Module name: not "actors", which would shadow the app on the bench's sys.path.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from datetime import timedelta

from officers import PASSWORD, InProcess, bench_answers, django_in_process, insert_rows, ms, say

ACTORS = 100_000
LINKED_CASES = 1_000
CSV_ROWS = 20_000
SEARCH_MS_TARGET = 200
PAGE_MS_TARGET = 500
IMPORT_S_TARGET = 60

PREFIXES = ["Comptoir", "Bureau d'achat", "Société", "Établissements", "Coopérative", "Maison"]
PARTS = (
    "Étoile Lumière Kasaï Tshikapa Lubumbashi Kivu Lualaba Mbuji Kananga Diamant Or Cristal "
    "Soleil Lac Fleuve Rivière Mont Savane Forêt Espoir Union Progrès Avenir Frères Amis "
    "Kabeya Tshala Mukendi Ilunga Kalonji Mulumba Ngoy Kasongo Mbuyi Tshibangu Lukusa Banza"
).split()


def fake_name(rng: random.Random) -> str:
    words = rng.sample(PARTS, k=rng.choice((1, 2, 2, 3)))
    return f"{rng.choice(PREFIXES)} {' '.join(words)} {rng.randrange(1, 9999)}"


def timed(fn, runs: int) -> tuple[float, list[float], float]:
    """(median wall time, wall times, median CPU time of this process) after a warm-up.
    The CPU time shows the work apart from waiting for a busy machine (the database
    server's own CPU is not in it on PostgreSQL)."""
    fn()  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), times, statistics.median(cpu)


def build_actors(key, count: int, rng: random.Random) -> dict:
    """Insert `count` sealed, indexed actors into the key's registry; return row counts."""
    from django.db import transaction

    from actors import search
    from actors.facts import ActorFacts
    from actors.models import Actor, Kind, Token
    from actors.registry import new_reference
    from lib import clock

    now = clock.now()
    actors, tokens, taken = [], [], set()
    kinds = [Kind.BUYING_HOUSE, Kind.EXPORTER, Kind.COMPANY, Kind.TRADER, Kind.COOPERATIVE]
    from actors.models import SCHEMA_OF

    for i in range(count):
        reference = new_reference()
        while reference in taken:
            reference = new_reference()
        taken.add(reference)
        facts = ActorFacts(
            name=fake_name(rng),
            aliases=[fake_name(rng)] if rng.random() < 0.3 else [],
            identifiers=[{"scheme": "registration", "value": f"CD/KIN/RCCM/{i:06d}-B"}],
        )
        kind = rng.choice(kinds)
        actor = Actor(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            reference=reference,
            registry_id=key.country,
            schema=SCHEMA_OF[kind],
            kind=kind,
            created_at=now,
            updated_at=now,
        )
        actor.sealed = key.seal("actor", actor.id, facts.as_dict())
        actors.append(vars(actor))
        for token in search.token_rows(actor, facts, [], key):
            tokens.append({"actor_id": actor.id, "kind": token.kind, "digest": token.digest})
    actors.sort(key=lambda row: row["id"])
    with transaction.atomic():
        made = {"actors": insert_rows(Actor, actors), "tokens": insert_rows(Token, tokens)}
    return made


def linked_actor(officer, key, rng: random.Random):
    """'Comptoir Étoile Bench', licensed until 2024-06-30, named in 1,000 real sealed cases
    (two thirds about smuggling), with 30 other actors sharing some of them."""
    from django.db import transaction

    from actors import registry
    from actors.facts import ActorFacts, LicenceFacts
    from actors.models import CaseLink, Kind
    from cases import deadlines, intake, keys
    from cases.models import Case, CaseCategory, KeyWrap
    from lib import clock, crypto

    user = officer.user
    etoile = registry.create_actor(
        by=user, key=key, kind=Kind.BUYING_HOUSE, facts=ActorFacts(name="Comptoir Étoile Bench")
    )
    registry.add_licence(
        etoile,
        by=user,
        key=key,
        facts=LicenceFacts(number="BA-2023/117", start="2023-07-01", end="2024-06-30"),
    )
    others = [
        registry.create_actor(
            by=user, key=key, kind=Kind.COMPANY, facts=ActorFacts(name=f"Partenaire {i} Bench")
        )
        for i in range(30)
    ]
    now = clock.coarse_now()
    taken = set(Case.objects.values_list("reference", flat=True))
    cases, cats, wraps, links = [], [], [], []
    public = bytes(officer.public_key)
    for i in range(LINKED_CASES):
        case_id, case_key = uuid.UUID(int=rng.getrandbits(128), version=4), crypto.random_key()
        reference = intake.new_reference()
        while reference in taken:
            reference = intake.new_reference()
        taken.add(reference)
        day = (now - timedelta(days=rng.randrange(900))).date().isoformat()
        answers = bench_answers() | {"incident_date": day, "date_precision": "exact"}
        case = Case(
            id=case_id,
            reference=reference,
            country="CD",
            language="fr",
            received_at=now - timedelta(hours=i),
            reporter_tag=rng.randbytes(32).hex(),
            reporter_key=rng.randbytes(80),
            report=crypto.seal_for_case(
                case_key, case_id.bytes, "report", json.dumps(answers).encode()
            ),
        )
        deadlines.refresh(case)
        row = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
        cases.append(row)
        cats.append({"case_id": case_id, "code": "TRD" if i % 3 else "DEF"})
        wraps.append(
            {
                "case_id": case_id,
                "user_id": user.pk,
                "wrapped": keys.wrap(public, case_key, case_id),
                "created_at": case.received_at,
            }
        )
        named = [(etoile, "buyer")] + [
            (o, "mentioned") for o in rng.sample(others, k=rng.randint(0, 3))
        ]
        for actor, role in named:
            link_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            facts = json.dumps({"incident_date": day, "date_precision": "exact"}).encode()
            links.append(
                {
                    "id": link_id,
                    "actor_id": actor.id,
                    "case_id": case_id,
                    "role": role,
                    "by_id": user.pk,
                    "created_at": clock.now(),
                    "facts": crypto.seal_for_case(
                        case_key, case_id.bytes, f"actor-link:{link_id}", facts
                    ),
                }
            )
    with transaction.atomic():
        insert_rows(Case, cases)
        insert_rows(CaseCategory, cats)
        insert_rows(KeyWrap, wraps)
        insert_rows(CaseLink, links)
    return etoile, len(links)


def ministry_csv(rng: random.Random, rows: int, known: list[str]) -> bytes:
    """A French licensed buyers' list: 5% rows repeat an earlier licence (renewals), 5%
    name actors already in the registry by their registration number's licence."""
    lines = ["N°;Raison sociale;N° de licence;Pays;Date de début;Date d'expiration;Substance"]
    numbers = []
    for i in range(rows):
        if numbers and rng.random() < 0.05:
            number = rng.choice(numbers)
        elif known and rng.random() < 0.05:
            number = rng.choice(known)
        else:
            number = f"BA-{2020 + i % 5}/{i:05d}"
            numbers.append(number)
        lines.append(
            f"{i + 1};{fake_name(rng)};{number};RDC;01/07/2024;30/06/2025;"
            f"{rng.choice(['Diamant', 'Or'])}"
        )
    return ("\n".join(lines) + "\n").encode("cp1252", errors="replace")


def section(*, data_dir, quick: bool, helpers) -> dict:
    """Run sections 9-11; return the figures for the targets."""
    error = helpers.BenchError
    began = time.monotonic()
    db_url = os.environ.get("BENCH_DATABASE_URL", "")
    env = helpers.server_env(data_dir, **({"DATABASE_URL": db_url} if db_url else {}))
    if db_url:
        helpers.manage(env, "migrate", "--noinput")
    django_in_process(data_dir, helpers.SCRUBBED_ENV)
    from django.db import connection
    from django.urls import reverse

    from actors import buyers_csv, imports, keys, registry, search
    from actors.models import Actor
    from cases import keys as case_keys
    from staff import accounts

    if Actor.objects.exists():
        raise error("the actor bench needs a database without actors")
    rng = random.Random("lanterne-registry-bench")  # noqa: S311 - test data, not secrets
    results: dict = {}
    say(f"  actor registry section on {connection.vendor}")
    try:
        officer = accounts.enrol(
            f"bench-registry-{uuid.uuid4().hex[:6]}",
            role="officer",
            password=PASSWORD,
            countries=["CD"],
        ).profile
        private = case_keys.unseal_private_key(officer, PASSWORD)
        key = keys.keyring(officer.user, private).get("CD") or registry.start_registry(
            "CD", by=officer.user
        )
        count = 10_000 if quick else ACTORS
        t0 = time.monotonic()
        made = build_actors(key, count, rng)
        say(
            f"  {made['actors']:,} actors sealed and indexed ({made['tokens']:,} blind-index "
            f"digests) in {time.monotonic() - t0:.1f} s"
        )
        t0 = time.monotonic()
        etoile, link_count = linked_actor(officer, key, rng)
        say(
            f"  actor {etoile.reference} linked to {LINKED_CASES:,} real sealed cases "
            f"({link_count:,} links with 30 co-occurring actors) in {time.monotonic() - t0:.1f} s"
        )
        inproc = InProcess(officer, error)
        ring = keys.keyring(officer.user, private)
        home = reverse("admin:actors_actor_changelist")
        runs = 5 if quick else 15
        queries = {
            "a common word ('comptoir')": "comptoir",
            "two words ('comptoir kasai')": "comptoir kasai",
            "a name without accents": "comptoir etoile bench",
            "an identifier": "CD/KIN/RCCM/004242-B",
        }
        say(f"  [10] search across {Actor.objects.count():,} actors, median of {runs}:")
        results["search"] = {}
        for label, query in queries.items():
            hits, more = search.search(ring, query)
            lookup, _t, _c = timed(lambda q=query: search.search(ring, q), runs)
            page, _t, cpu = timed(lambda q=query: inproc.queries(f"{home}?q={q}", error), runs)
            results["search"][label] = page
            say(
                f"      {label}: {len(hits)}{'+' if more else ''} shown; lookup {ms(lookup)}, "
                f"whole page {ms(page)} ({ms(cpu)} CPU)"
            )
        path = reverse("admin:actors_actor_change", args=[etoile.pk])
        n, _elapsed, _captured = inproc.queries(path, error)
        median, times, cpu = timed(lambda: inproc.queries(path, error), 3 if quick else 7)
        body = inproc.client.get(path).content
        flags = body.count(b'class="flagged"')
        results["page"] = median
        say(
            f"  [11] actor page with {LINKED_CASES:,} linked cases: median {ms(median)} "
            f"(min {ms(min(times))}, max {ms(max(times))}; {ms(cpu)} CPU), {n} queries, "
            f"{len(body):,} bytes, "
            f"{flags} flagged rows on its first page"
        )
        rows = 2_000 if quick else CSV_ROWS
        data = ministry_csv(rng, rows, [f"CD/KIN/RCCM/{i:06d}-B" for i in range(0, 5000, 7)])
        t0, cpu0 = time.perf_counter(), time.process_time()
        parsed = buyers_csv.parse(data)
        t1 = time.perf_counter()
        batch, key_text = imports.stage(parsed, by=officer.user)
        t2 = time.perf_counter()
        batch, parsed = imports.unstage(batch.pk, key_text, by=officer.user)
        preview = imports.plan(parsed, ring)
        t3 = time.perf_counter()
        applied = imports.apply(batch, parsed, by=officer.user, keyring=ring)
        t4 = time.perf_counter()
        results["import"] = t4 - t0
        say(
            f"  [12] {rows:,}-row CSV ({len(data) / 1e6:.1f} MB): parse {t1 - t0:.1f} s, stage "
            f"{t2 - t1:.1f} s, preview {t3 - t2:.1f} s ({preview.count('create'):,} new, "
            f"{preview.count('update'):,} updates, {len(preview.errors)} errors), apply "
            f"{t4 - t3:.1f} s ({applied.count('create'):,} created); total {t4 - t0:.1f} s "
            f"({time.process_time() - cpu0:.1f} s CPU in this process)"
        )
    finally:
        connection.close()
        if db_url:
            try:
                helpers.manage(env, "flush", "--noinput")
            except error as failure:
                say(f"  could not empty BENCH_DATABASE_URL: {failure}")
    say(f"  actor registry section took {time.monotonic() - began:.0f} s")
    results["quick"] = quick
    return results


def verdicts(results: dict, verdict, say_=say) -> None:
    scale = " (quick: 10,000 actors, 2,000 rows)" if results["quick"] else ""
    worst = max(results["search"].values())
    say_(
        f"  {verdict(worst * 1000 <= SEARCH_MS_TARGET)}  registry search ≤ {SEARCH_MS_TARGET} ms "
        f"across {ACTORS:,} actors{scale}: slowest page median {ms(worst)} ("
        + ", ".join(f"{k} {ms(v)}" for k, v in results["search"].items())
        + ")"
    )
    say_(
        f"  {verdict(results['page'] * 1000 <= PAGE_MS_TARGET)}  actor page with "
        f"{LINKED_CASES:,} linked cases ≤ {PAGE_MS_TARGET} ms: {ms(results['page'])}"
    )
    say_(
        f"  {verdict(results['import'] <= IMPORT_S_TARGET)}  {CSV_ROWS:,}-row CSV import ≤ "
        f"{IMPORT_S_TARGET} s{scale}: {results['import']:.1f} s"
    )
