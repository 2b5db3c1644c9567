"""The early-warning side of the bench (issue: "Early warning ... Speed").

Run by bench/run.py in a process of its own (`--only alerts`), or alone:
`.venv/bin/python bench/alerts_bench.py --data-dir DIR [--quick]`. On SQLite in that data
dir, or on BENCH_DATABASE_URL (an empty, throwaway database, emptied again at the end).

100,000 cases over three years (bench/steering.py's generator) and 100 rules (the two
seeded defaults and 98 more over random countries, provinces, categories and all three
conditions), then:

  16. the evaluation cost per submission: after one pass over the most recent cases (which
      raises the alerts the generated data calls for, printed apart), fresh submissions
      made through intake.submit, each evaluated in process as the worker would (median
      and p95) — target ≤ 50 ms;
  17. commit to alert visible, with the real worker: a Celery worker as `make run` starts
      it (the embedded file broker, concurrency 1) and urgent reports sent through
      intake.submit one after another; for each, the time from the commit to the case
      being on one of the recipient's visible alerts (alerts.access.visible, what her
      alerts page lists) — p95 target ≤ 60 s.

The last line is the figures as JSON, for run.py's verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import officers  # noqa: E402
import steering  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOTAL = 100_000
RULES = 100
TARGETS = {"evaluation": 0.050, "visible_p95": 60.0}
SCRUBBED = steering.SCRUBBED + ("CELERY_TASK_ALWAYS_EAGER",)


def say(text: str = "") -> None:
    print(text, flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def make_rules(rng: random.Random) -> None:
    from alerts import defaults
    from alerts.models import Condition, Grouping, Rule
    from cases import taxonomy
    from places import provinces
    from places.countries import COUNTRIES, REGIONS

    defaults.seed()
    codes, countries = list(taxonomy.CATEGORIES), list(COUNTRIES)
    for i in range(RULES - len(defaults.DEFAULT_RULES)):
        country = rng.choice(countries)
        scope = {"countries": [country]}
        if rng.random() < 0.3:
            scope = {"region": rng.choice(list(REGIONS)), "countries": []}
        elif rng.random() < 0.3 and provinces.codes(country):
            scope["provinces"] = rng.sample(provinces.codes(country), k=1)
        Rule.objects.create(
            name=f"bench rule {i}",
            condition=rng.choice(list(Condition.values)),
            group_by=rng.choice(list(Grouping.values)),
            categories=rng.sample(codes, k=rng.choice((0, 1, 2))),
            priorities=rng.choice(([], [], ["P1"], ["P1", "P2"])),
            threshold=rng.choice((3, 5, 10)),
            window_days=rng.choice((7, 14, 30)),
            notify_officers=rng.random() < 0.6,
            notify_coordinators=True,
            **scope,
        )


def catch_up(reps: int) -> list[float]:
    """Evaluate the most recent cases once: the alerts the generated data calls for are
    raised here (the heavier path: recipients, outbox, audit)."""
    from alerts import evaluate
    from cases.models import Case

    times = []
    for case in Case.objects.order_by("-received_at")[:reps]:
        started = time.perf_counter()
        evaluate.evaluate(case)
        times.append(time.perf_counter() - started)
    return times


def per_submission(n: int, rng: random.Random) -> list[float]:
    """Fresh submissions (intake.submit, random country and categories), each evaluated as
    the worker would, timed alone; the on-commit announcement is held back meanwhile."""
    from alerts import evaluate
    from cases import events, intake, samples, taxonomy
    from places import provinces
    from places.countries import COUNTRIES

    receiver = events.metadata_changed.receivers[:]
    events.metadata_changed.receivers.clear()
    events.metadata_changed.sender_receivers_cache.clear()
    times = []
    try:
        for _ in range(n):
            country = rng.choice(list(COUNTRIES))
            answers = samples.answers(
                country=country,
                province=rng.choice(provinces.codes(country) or [""]),
                categories=rng.sample(list(taxonomy.CATEGORIES), k=rng.choice((1, 2))),
                urgent=rng.random() < 0.1,
            )
            case = intake.submit(answers=answers, language="fr").case
            started = time.perf_counter()
            evaluate.evaluate(case)
            times.append(time.perf_counter() - started)
    finally:
        events.metadata_changed.receivers[:] = receiver
        events.metadata_changed.sender_receivers_cache.clear()
    return times


def start_worker(data_dir: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update({"LANTERNE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"]
    command += ["--loglevel", "WARNING", "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle"]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


def commit_to_visible(officer, n: int, rng: random.Random) -> list[float]:
    from alerts import access
    from cases import intake, samples

    delays = []
    for _ in range(n):
        answers = samples.answers(urgent=True, categories=[rng.choice(["NSAG", "DEF", "EWS"])])
        case = intake.submit(answers=answers, language="fr").case  # returns once committed
        committed = time.monotonic()
        visible = access.visible(officer.user)
        while not visible.filter(links__case=case).exists():
            if time.monotonic() - committed > 180:
                raise SystemExit("an alert was not visible after 180 s: is the worker up?")
            time.sleep(0.05)
        delays.append(time.monotonic() - committed)
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "vendor": officers.empty_database_in_process(args.data_dir, SCRUBBED, "alerts")
    }
    from django.core.management import call_command
    from django.db import connection

    from staff import accounts

    db_url = os.environ.get("BENCH_DATABASE_URL", "")
    worker = None
    rng = random.Random("lanterne-alerts-bench")  # noqa: S311
    try:
        count = 20_000 if args.quick else TOTAL
        t0 = time.monotonic()
        officer = accounts.enrol(
            "bench-officer-cd", role="officer", password=officers.PASSWORD, countries=["CD"]
        ).profile
        accounts.enrol(
            "bench-coordinator", role="coordinator", password=officers.PASSWORD,
            regions=["central", "great-lakes"],
        )  # fmt: skip
        made = steering.build_cases(count, rng)
        make_rules(rng)
        say(
            f"  [alerts] {made['cases']:,} cases and {RULES} rules written in "
            f"{time.monotonic() - t0:.0f} s on {connection.vendor}"
            f"{' (BENCH_DATABASE_URL)' if db_url else ''}"
        )
        reps = 40 if args.quick else 200
        first = catch_up(reps)
        say(
            f"      catching up on the {reps} most recent cases (raising what the data calls "
            f"for): median {statistics.median(first) * 1000:.1f} ms, p95 {p95(first) * 1000:.1f} ms"
        )
        times = per_submission(20 if args.quick else 60, rng)
        results["evaluation"] = {"median": statistics.median(times), "p95": p95(times)}
        say(
            f"  [16] rule evaluation per submission ({RULES} rules, {made['cases']:,} cases, "
            f"{len(times)} fresh submissions): median {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {p95(times) * 1000:.1f} ms"
        )
        connection.close()  # the worker writes the same database
        worker = start_worker(args.data_dir, args.data_dir / "alerts-worker.log")
        n = 10 if args.quick else 30
        delays = commit_to_visible(officer, n, rng)
        results["visible"] = {"median": statistics.median(delays), "p95": p95(delays), "n": n}
        say(
            f"  [17] commit → alert visible to the focal point, real worker (file broker), "
            f"{n} urgent reports: median {statistics.median(delays):.2f} s, "
            f"p95 {p95(delays):.2f} s (the first includes the worker's start)"
        )
        results["cases"] = made["cases"]
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        connection.close()
        if db_url:
            call_command("flush", "--noinput", verbosity=0)
    print("ALERTS-RESULTS " + json.dumps(results), flush=True)
    return 0


def verdicts(results: dict, verdict, say_=say) -> None:
    cost, seen = results["evaluation"], results["visible"]
    say_(
        f"  {verdict(cost['p95'] <= TARGETS['evaluation'])}  rule evaluation per submission "
        f"≤ {TARGETS['evaluation'] * 1000:.0f} ms (p95) with {RULES} rules and "
        f"{results['cases']:,} cases ({results['vendor']}): {cost['p95'] * 1000:.1f} ms "
        f"(median {cost['median'] * 1000:.1f} ms)"
    )
    say_(
        f"  {verdict(seen['p95'] <= TARGETS['visible_p95'])}  commit → alert visible "
        f"≤ {TARGETS['visible_p95']:.0f} s (p95, real worker, {seen['n']} reports): "
        f"{seen['p95']:.2f} s (median {seen['median']:.2f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
