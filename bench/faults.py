"""9. The fault run: reporters keep sending while the server is hurt, and every report is
counted — accepted, lost or duplicated (`bench/run.py --only faults`).

The real server (`manage.py serve`, as `make run`: gunicorn 2 workers × 4 threads, a
Celery worker on the filesystem broker, production key-derivation cost) with its cache on
a private redis-server. Reporters send in bursts, a third with a 1 MB photo; meanwhile a
random gunicorn worker is SIGKILLed every KILL_EVERY seconds (mid-upload, mid-transaction,
whatever it was doing) and Redis is stopped for REDIS_DOWN seconds. A reporter whose
request fails — a dropped connection, an error page — sends the same form again, as a
person would, up to ATTEMPTS times. Afterwards each receipt shown is opened through the
follow-up page and must show that reporter's own report.

  accepted    reporters whose receipt opens their own report
  lost        reporters shown a receipt that opens nothing, or another report: a report
              the reporter believes sent and the coalition does not have
  duplicated  cases in the database beyond one per accepted report (a second case, or a
              case whose receipt nobody was shown)
  gave up     reporters who saw only errors in ATTEMPTS tries: told each time that it had
              not arrived, they still hold what they wrote
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

from httpkit import NETWORK_ERRORS, Client, scan_html
from processes import PrivateRedis

KILL_EVERY = 5.0
REDIS_DOWN = 15.0
ATTEMPTS = 10
PAUSE = 2.0  # between a failed try and the next
SPREAD = 40.0  # the bursts start over this many seconds
CONCURRENCY = 8


@dataclass
class Reporter:
    number: int
    marker: str
    receipt: str | None = None
    tries: int = 0
    errors: list[str] = field(default_factory=list)


def receipt_of(body: bytes) -> str | None:
    match = re.search(rb'id="receipt">([^<]+)<', body)
    return match.group(1).decode().replace(" ", "") if match else None


def send(port: int, reporter: Reporter, photo: bytes | None, h, start: float) -> Reporter:
    """One reporter: the form filled once, sent again after each failure."""
    time.sleep(max(0.0, start - time.monotonic()))
    client = Client(port, timeout=90)
    rng = random.Random(reporter.number)  # noqa: S311 - test data
    form = None
    while reporter.tries < ATTEMPTS and reporter.receipt is None:
        reporter.tries += 1
        try:
            if form is None:
                form = h.report_form(h.fetch_form(client), rng, photo, reporter.marker)
            response = client.post_multipart("/report/", form, client.url("/report/"))
        except NETWORK_ERRORS as error:
            reporter.errors.append(type(error).__name__)
        except h.BenchError as error:
            reporter.errors.append(str(error)[:60])
        else:
            reporter.receipt = receipt_of(response.body)
            if reporter.receipt is None:
                reporter.errors.append(f"HTTP {response.status}")
        if reporter.receipt is None:
            time.sleep(PAUSE)
    return reporter


def opens_own_report(port: int, reporter: Reporter) -> bool:
    client = Client(port, timeout=90)
    csrf = scan_html(client.get("/follow-up/").body).hidden["csrfmiddlewaretoken"]
    body = urlencode({"csrfmiddlewaretoken": csrf, "receipt": reporter.receipt}).encode()
    opened = client.request(
        "POST",
        "/follow-up/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return opened.status == 302 and reporter.marker.encode() in client.get("/follow-up/case/").body


def chaos(server, redis: PrivateRedis, stop: threading.Event, log: list[str]) -> None:
    rng = random.Random(99)  # noqa: S311 - which worker dies is not a secret
    began, redis_back_at = time.monotonic(), None
    while not stop.wait(KILL_EVERY):
        workers = server.workers()
        if workers:
            victim = rng.choice(workers)
            try:
                os.kill(victim, signal.SIGKILL)
                log.append(f"{time.monotonic() - began:5.1f} s  SIGKILL web worker {victim}")
            except ProcessLookupError:
                pass
        elapsed = time.monotonic() - began
        if redis_back_at is None and elapsed > 4:
            redis.stop()
            redis_back_at = elapsed + REDIS_DOWN
            log.append(f"{elapsed:5.1f} s  Redis stopped")
        elif redis_back_at is not None and redis.process is None and elapsed > redis_back_at:
            redis.start()
            log.append(f"{elapsed:5.1f} s  Redis started again")
    if redis.process is None:
        redis.start()


def count_cases(data_dir) -> int:
    with sqlite3.connect(f"file:{data_dir / 'lanterne.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM cases_case").fetchone()[0]


def section(*, tmp, data_dir, quick: bool, servers: list, helpers) -> dict:
    """Run the fault run; return its figures for the targets."""
    h, say = helpers, helpers.say
    total = 24 if quick else 60
    say()
    say(f"9. Fault run: {total} reporters in bursts of {CONCURRENCY} over {SPREAD:.0f} s, a web")
    say(f"   worker SIGKILLed every {KILL_EVERY:.0f} s, Redis stopped for {REDIS_DOWN:.0f} s; a")
    say(f"   failed form is sent again after {PAUSE:.0f} s, {ATTEMPTS} tries at most")
    redis = PrivateRedis(tmp)
    try:
        server = h.Server(h.server_env(data_dir, REDIS_URL=redis.url), tmp / "faults.log", "faults")
        servers.append(server)
        server.wait_ready()
        before = count_cases(data_dir)
        photo = h.make_photo()
        reporters = [
            Reporter(n, f"fault run report {n}-{random.getrandbits(32):08x}") for n in range(total)
        ]
        stop, events = threading.Event(), []
        hurting = threading.Thread(target=chaos, args=(server, redis, stop, events))
        began = time.monotonic()
        hurting.start()
        try:
            bursts = -(-total // CONCURRENCY)

            def reporter_goes(r: Reporter) -> Reporter:
                start = began + (r.number // CONCURRENCY) * SPREAD / bursts
                return send(server.port, r, photo if r.number % 3 == 0 else None, h, start)

            with ThreadPoolExecutor(total) as pool:
                done = list(pool.map(reporter_goes, reporters))
        finally:
            stop.set()
            hurting.join()
        took = time.monotonic() - began
        for line in events:
            say(f"   {line}")
        server.wait_ready()
        shown = [r for r in done if r.receipt]
        with ThreadPoolExecutor(4) as pool:
            opened = list(pool.map(lambda r: opens_own_report(server.port, r), shown))
        cases = count_cases(data_dir) - before
    finally:
        redis.stop()
    accepted = sum(opened)
    retried = sum(1 for r in done if r.receipt and r.tries > 1)
    errors = [e for r in done for e in r.errors]
    gave_up = total - len(shown)
    results = {
        "sent": total,
        "accepted": accepted,
        "lost": len(shown) - accepted,
        "duplicated": cases - accepted,
        "gave_up": gave_up,
        "retried": retried,
        "kills": sum("SIGKILL" in e for e in events),
        "took": took,
        "errors": errors,
    }
    say(
        f"   {total} reports in {took:.0f} s: {accepted} accepted, {results['lost']} lost, "
        f"{results['duplicated']} duplicated ({cases} new cases), {gave_up} gave up after "
        f"{ATTEMPTS} tries; {retried} accepted after more than one try; failed tries: "
        f"{summary(errors)}"
    )
    return results


def summary(errors: list[str]) -> str:
    counts: dict[str, int] = {}
    for error in errors:
        counts[error] = counts.get(error, 0) + 1
    return ", ".join(f"{n} × {e}" for e, n in sorted(counts.items())) or "none"


def verdicts(results: dict, verdict, say) -> None:
    say(
        f"  fault run: {results['accepted']}/{results['sent']} accepted within {ATTEMPTS} tries, "
        f"target all: {verdict(results['accepted'] == results['sent'])}"
    )
    say(f"  fault run: {results['lost']} lost, target 0: {verdict(results['lost'] == 0)}")
    say(
        f"  fault run: {results['duplicated']} duplicated, target 0: "
        f"{verdict(results['duplicated'] == 0)}"
    )
    fivexx = sum(e.startswith("HTTP 5") for e in results["errors"])
    say(f"  fault run: {fivexx} server errors (5xx), target 0: {verdict(fivexx == 0)}")
