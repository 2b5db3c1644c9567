"""The statistics side of the bench (issue: "The steering committee's view ... Speed").

Run by bench/run.py in a process of its own (Django is set up once per process), or alone:
`.venv/bin/python bench/steering.py --data-dir DIR [--quick]`. On SQLite in that data
dir, or on BENCH_DATABASE_URL (an empty, throwaway database, emptied again at the end).

100,000 cases over three years in every country of the coalition are written in bulk:
one case made through intake.submit is the template for the sealed columns (never opened
by statistics), and the clear metadata — country, province, categories, status, level,
outcome, the workflow's timestamps, escalations — is spread the way a busy coalition's
would be. A steering member then asks, through Django's test Client (the whole request:
middleware, login and key session checks, the view, suppression, templates):

  9. the dashboard for the last quarter (whole coalition; one country by province; a year),
  10. the CSV of the whole page,
  11. the quarterly report's PDF (a draft: built from live figures, the slowest case),

printing each one's median time and SQL query count against its target. The last line is
the figures as JSON, for run.py's verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import officers  # noqa: E402

TOTAL = 100_000
TARGETS = {"dashboard": 0.5, "csv": 1.0, "pdf": 3.0}
SCRUBBED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "LANTERNE_ENV", "DEBUG")
COUNTRY_WEIGHTS = {
    "CD": 30, "CF": 10, "SL": 10, "ZW": 8, "LR": 6, "GN": 5, "CI": 5, "CM": 5,
    "AO": 4, "RW": 3, "BI": 3, "UG": 3, "CG": 2, "GA": 2, "BW": 1, "LS": 1, "NA": 1, "ZA": 1,
}  # fmt: skip


def say(text: str = "") -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def build_cases(count: int, rng: random.Random) -> dict:
    """Write `count` cases with realistic clear metadata in bulk; return row counts."""
    from django.db import connection, transaction

    from cases import deadlines, intake, samples, taxonomy
    from cases.models import OPEN_STATUSES, Case, CaseCategory, Escalation
    from lib import clock
    from places import provinces

    template = intake.submit(answers=samples.answers(), language="fr").case
    report, reporter_key = bytes(template.report), bytes(template.reporter_key)
    now = clock.coarse_now()
    statuses, weights = zip(*officers.STATUS_WEIGHTS.items(), strict=True)
    places, place_weights = zip(*COUNTRY_WEIGHTS.items(), strict=True)
    codes = list(taxonomy.CATEGORIES)
    outcomes = ["substantiated", "partly", "unsubstantiated", "inconclusive"]
    cases, cats, escalations = [], [], []
    for i in range(count):
        received = now - timedelta(hours=rng.randrange(3 * 365 * 24))
        country = rng.choices(places, place_weights)[0]
        status = rng.choices(statuses, weights)[0]
        priority = rng.choices(["", "P1", "P2", "P3", "P4"], [30, 5, 20, 35, 10])[0]
        if status == "received" and priority not in ("", "P1"):
            priority = ""
        case = {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "reference": f"B{i:08d}"[:9],
            "status": status,
            "priority": priority,
            "country": country,
            "province": rng.choice(provinces.codes(country)) if rng.random() < 0.7 else "",
            "regional_only": rng.random() < 0.04,
            "language": rng.choice(["fr", "en", "sw", "pt"]),
            "received_at": received,
            "reporter_tag": rng.randbytes(32).hex(),
            "reporter_key": reporter_key,
            "report": report,
            "level": "national",
            "outcome": "",
        }
        step = received
        if status != "received":
            step = received + timedelta(hours=rng.choice((2, 10, 20, 30, 60, 150, 250)))
            case["acknowledged_at"] = step
        if status not in ("received", "acknowledged"):
            step += timedelta(days=rng.randrange(1, 15))
            case["assessed_at"] = step
            case["admissible"] = status != "inadmissible"
        if status in ("investigating", "escalated", "concluded", "closed") or rng.random() < 0.3:
            if case.get("acknowledged_at"):
                case["first_feedback_at"] = case["acknowledged_at"] + timedelta(
                    days=rng.randrange(1, 120)
                )
        if status == "escalated" or (status in ("concluded", "closed") and rng.random() < 0.2):
            level = rng.choice(("regional", "regional", "steering", "external"))
            case["level"] = level
            escalations.append(
                {
                    "uid": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "case_id": case["id"],
                    "level": level,
                    "automatic": rng.random() < 0.3,
                    "reason": b"",
                    "created_at": step + timedelta(days=rng.randrange(1, 20)),
                }
            )
        if status in ("concluded", "closed"):
            step += timedelta(days=rng.randrange(10, 120))
            case["concluded_at"], case["outcome"] = step, rng.choice(outcomes)
        if status == "closed":
            case["closed_at"] = step + timedelta(days=rng.randrange(1, 30))
        view = type("CaseView", (), {})()
        for key, value in case.items():
            setattr(view, key, value)
        for key in ("acknowledged_at", "first_feedback_at", "last_feedback_at", "flagged_at"):
            setattr(view, key, case.get(key))
        view.is_open = status in OPEN_STATUSES
        deadlines.refresh(view)
        for key in ("ack_due", "feedback_due", "next_due", "queue_rank", "queue_due"):
            case[key] = getattr(view, key)
        cases.append(case)
        for code in rng.sample(codes, k=rng.choice((1, 1, 1, 2, 2, 3))):
            cats.append({"case_id": case["id"], "code": code})
    for rows in (cases, cats, escalations):
        rows.sort(key=lambda row: row.get("case_id", row.get("id")))
    with transaction.atomic():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -131072")
        made = {
            "cases": officers.insert_rows(Case, cases),
            "categories": officers.insert_rows(CaseCategory, cats),
            "escalations": officers.insert_rows(Escalation, escalations),
        }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return made


def timed(client, path: str, reps: int) -> tuple[float, int, int]:
    """(median seconds, SQL queries, bytes) of GET `path`, after one warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"GET {path} gave HTTP {first.status_code}")
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(captured), len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "vendor": officers.empty_database_in_process(args.data_dir, SCRUBBED, "statistics")
    }
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from lib import clock
    from staff import accounts
    from stats import periods, reports

    db_url = os.environ.get("BENCH_DATABASE_URL", "")
    try:
        count = 20_000 if args.quick else TOTAL
        t0 = time.monotonic()
        chidi = accounts.enrol("bench-steering", role="steering", password=officers.PASSWORD)
        # The template report needs an admitted recipient in its country (cases/routing.py).
        accounts.enrol(
            "bench-officer", role="officer", password=officers.PASSWORD, countries=["CD"]
        )
        made = build_cases(count, random.Random("lanterne-stats-bench"))  # noqa: S311
        say(
            f"  [stats] {made['cases']:,} cases ({made['categories']:,} categories, "
            f"{made['escalations']:,} escalations) written in {time.monotonic() - t0:.0f} s on "
            f"{connection.vendor}{' (BENCH_DATABASE_URL)' if db_url else ''}"
        )
        client = officers.InProcess(chidi.profile, SystemExit).client
        quarter = periods.last_quarter(clock.now())
        reps = 3 if args.quick else 7
        dashboard = reverse("admin:statistics")
        pages = {
            "dashboard, last quarter, whole coalition": f"{dashboard}?period={quarter.code}",
            "dashboard, last quarter, DRC by province": f"{dashboard}?period={quarter.code}"
            "&country=CD",
            "dashboard, this year, whole coalition": f"{dashboard}?period={clock.now().year}",
            "CSV of the whole page, last quarter": f"{reverse('admin:statistics_csv')}"
            f"?period={quarter.code}",
        }
        say(f"  [13-14] in-process GET as a steering member, median of {reps} after a warm-up:")
        figures = {}
        for name, path in pages.items():
            median, queries, size = timed(client, path, reps)
            figures[name] = {"seconds": median, "queries": queries}
            say(f"      {name}: {ms(median)}, {queries} SQL queries, {size:,} bytes")
        reports.save_draft(
            quarter, by=chidi.profile.user, narrative_fr="Banc d'essai.", narrative_en="Bench."
        )
        pdf = reverse("admin:statistics_report_file", args=[quarter.code, "fr", "pdf"])
        median, queries, size = timed(client, pdf, max(3, reps // 2))
        figures["quarterly report PDF (draft, French)"] = {"seconds": median, "queries": queries}
        say(
            f"  [15] quarterly report PDF (draft, French, live figures): {ms(median)}, "
            f"{queries} SQL queries, {size:,} bytes"
        )
        results["figures"] = figures
        results["cases"] = made["cases"]
    finally:
        connection.close()
        if db_url:
            call_command("flush", "--noinput", verbosity=0)
    print("STATS-RESULTS " + json.dumps(results), flush=True)
    return 0


def verdicts(results: dict, verdict, say_=say) -> None:
    for name, figure in results["figures"].items():
        target = (
            TARGETS["pdf"]
            if "PDF" in name
            else TARGETS["csv"]
            if name.startswith("CSV")
            else TARGETS["dashboard"]
        )
        say_(
            f"  {verdict(figure['seconds'] <= target)}  {name} ≤ {ms(target)} at "
            f"{results['cases']:,} cases ({results['vendor']}): {ms(figure['seconds'])}, "
            f"{figure['queries']} queries"
        )


if __name__ == "__main__":
    sys.exit(main())
