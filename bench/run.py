"""Lanterne performance bench: `make bench` (or `.venv/bin/python bench/run.py [--quick]`).

Builds a private temporary data dir, migrates it, seeds the demo officers, starts the real
server (`manage.py serve`: gunicorn on 127.0.0.1 + a Celery worker on the filesystem broker)
with production KDF costs, and measures over loopback only:

  1. the floor: one receipt derivation (Argon2id, settings' defaults) in-process;
  2. sequential submission latency, text only and with a ~1 MB JPEG carrying EXIF GPS;
  3. throughput and failures with 8 concurrent reporters;
  4. the weight of the intake form page (HTML + every same-origin resource it links);
  4b. the time to the receipt on an emulated 2G link, in Debian's Chromium with JavaScript
     off (bench/slow_link.py), text only and (not with --quick) with a 200 kB photo;
  5. peak RSS growth of the gunicorn workers while a 100 MB attachment is uploaded;
  6-8. the case officers' side (bench/officers.py): the queue with 100,000 cases (queries per
     page and render time), staff login against its Argon2id floor, and opening a case
     with 10 attachments and 50 messages. `--only staff` runs just these; with
     BENCH_DATABASE_URL set (an empty, throwaway database) they run on that database;
  9. the fault run (bench/faults.py): reporters sending while web workers are SIGKILLed
     and the cache's Redis is stopped, with how many reports were accepted, lost and
     duplicated. `--only faults` runs just this.
  10-12. the actor registry (bench/registry_bench.py): search across 100,000 actors, the
     page of an actor linked to 1,000 cases, a 20,000-row licensed buyers' CSV import
     (`--only actors`; BENCH_DATABASE_URL as for the staff sections).
  13-15. the steering committee's side (bench/steering.py, its own process and data): the
     dashboard, the CSV and the quarterly report's PDF at 100,000 cases. `--only stats`.
  16-17. early warning (bench/alerts_bench.py, its own process and data): rule evaluation
     per submission with 100 rules and 100,000 cases, and commit → alert visible with the
     real worker (p95). `--only alerts`.

Missed targets print FAIL and exit 0; only a broken bench exits non-zero. Every process it
starts is stopped by PID and the temp dir is removed, whatever happens.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alerts_bench  # noqa: E402
import faults  # noqa: E402
import officers  # noqa: E402
import registry_bench  # noqa: E402
import steering  # noqa: E402
from httpkit import NETWORK_ERRORS, Client, Multipart, same_origin, scan_html  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MIB = 1024 * 1024

# Settings that would change what is measured: the bench wants the defaults.
SCRUBBED_ENV = (
    "LANTERNE_RECEIPT_KDF_KIB",
    "LANTERNE_PASSWORD_KDF_KIB",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "LANTERNE_MEDIA_DIR",
    "LANTERNE_ENV",
    "LANTERNE_MAX_ATTACHMENT_MB",
    "LANTERNE_SCRUB_MAX_MB",
    "LANTERNE_MAX_ATTACHMENTS",
    "WEB_WORKERS",
    "PORT",
    "HOST",
    "DEBUG",
    "LANTERNE_LOG_FILE",
    "DJANGO_SETTINGS_MODULE",
    "LANTERNE_SECURE_COOKIES",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "LANTERNE_RECEIPT_PEPPER",
)


class BenchError(Exception):
    """The bench itself could not do its job (not a missed target)."""


def say(text: str = "") -> None:
    print(text, flush=True)


def test_rng(seed) -> random.Random:
    """Reproducible test data (report text, noise pixels): nothing here is a secret."""
    return random.Random(seed)  # noqa: S311


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- processes ---------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in ticks) of a live process, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat and stat[0] == pid:
                found.append(int(entry))
    return found


def descendants(pid: int) -> dict[int, int]:
    """pid -> start time of every live descendant of ``pid``."""
    result, todo = {}, [pid]
    while todo:
        for child in children_of(todo.pop()):
            stat = _proc_stat(child)
            if stat and child not in result:
                result[child] = stat[1]
                todo.append(child)
    return result


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load() -> str:
    try:
        one, five = Path("/proc/loadavg").read_text().split()[:2]
    except OSError:
        return "load average unknown"
    return f"machine load average {one} (1 min), {five} (5 min)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Server:
    """`manage.py serve` in its own session, stopped by PID: terminate, then kill."""

    def __init__(self, env: dict, log_path: Path, label: str) -> None:
        self.port = free_port()
        self.label = label
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [PYTHON, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.known: dict[int, int] = {}

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        client = Client(self.port, timeout=10)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.label} server exited early:\n{self.log_tail()}")
            try:
                if client.get("/report/").status == 200 and len(self.workers()) >= 1:
                    self.known.update(descendants(self.proc.pid))
                    return
            except NETWORK_ERRORS:
                pass
            time.sleep(0.3)
        raise BenchError(f"{self.label} server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def master(self) -> int | None:
        for child in children_of(self.proc.pid):
            if "gunicorn" in _cmdline(child):
                return child
        return None

    def workers(self) -> list[int]:
        master = self.master()
        return children_of(master) if master else []

    def log_tail(self, lines: int = 40) -> str:
        try:
            self.log.flush()
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _alive(self, pid: int, started: int) -> bool:
        stat = _proc_stat(pid)
        return stat is not None and stat[1] == started

    def stop(self) -> None:
        self.known.update(descendants(self.proc.pid))
        if self.proc.poll() is None:
            self.proc.terminate()  # serve terminates its gunicorn and celery children
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        left = {p: s for p, s in self.known.items() if self._alive(p, s)}
        for pid in left:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            left = {p: s for p, s in left.items() if self._alive(p, s)}
            time.sleep(0.1)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


# --- the reporter --------------------------------------------------------------------------

TEXT = (
    "On the morning of the market day, three trucks without plates arrived at the pit near "
    "the river. Men in mixed uniforms collected a 'tax' of two grams from every digger and "
    "took the bags to the buying house by the bridge. Those who refused were beaten. "
)


@dataclass
class FormPage:
    csrf: str
    submission: str
    categories: list[str]
    countries: list[str]
    selects: dict[str, list[str]]
    actors: list[str]


def fetch_form(client: Client) -> FormPage:
    resp = client.get("/report/")
    if resp.status != 200:
        raise BenchError(f"GET /report/ gave {resp.status}")
    scan = scan_html(resp.body)
    csrf, token = scan.hidden.get("csrfmiddlewaretoken"), scan.hidden.get("submission")
    if not csrf or not token:
        raise BenchError("the report form has no csrfmiddlewaretoken or submission token")
    return FormPage(
        csrf,
        token,
        scan.checkboxes.get("categories", []),
        [c for c in scan.selects.get("country", []) if c],
        scan.selects,
        scan.checkboxes.get("actors", []),
    )


def report_form(
    page: FormPage, rng: random.Random, photo: bytes | None = None, marker: str = ""
) -> Multipart:
    def pick(name: str) -> str:
        options = [o for o in page.selects.get(name, []) if o]
        return rng.choice(options) if options else ""

    country = "CD" if "CD" in page.countries else page.countries[0]
    form = Multipart()
    form.field("csrfmiddlewaretoken", page.csrf).field("submission", page.submission)
    for code in rng.sample(page.categories, k=min(2, len(page.categories))):
        form.field("categories", code)
    form.field("country", country)
    form.field("province", "CD-IT" if country == "CD" else "").field("place", "Mongbwalu")
    form.field("mine_site", "Site 14, near the river")
    form.field("mineral", pick("mineral")).field("stage", pick("stage"))
    form.field("incident_date", "2025-03-14").field("date_precision", pick("date_precision"))
    form.field("what_happened", TEXT * 6 + f" (#{rng.randrange(10**9)}) {marker}".rstrip())
    for code in page.actors[:2]:
        form.field("actors", code)
    form.field("people_affected", "about forty")
    if photo is None:  # what a browser sends when no file was chosen
        form.file_bytes("attachments", "", "application/octet-stream", b"")
    else:
        form.file_bytes("attachments", "IMG_20250314_0712.jpg", "image/jpeg", photo)
    form.field("contact", "")
    return form


def has_receipt(body: bytes) -> bool:
    return re.search(rb"""id=["']?receipt["'\s>]""", body) is not None


@dataclass
class Outcome:
    ok: bool
    seconds: float
    detail: str = ""


def submit_once(
    client: Client, rng: random.Random, photo: bytes | None = None, body_hook=None
) -> Outcome:
    """GET the form, then POST it; only the POST is timed."""
    try:
        page = fetch_form(client)
        form = report_form(page, rng, photo)
        if body_hook is not None:
            form = body_hook(page, rng)
        started = time.perf_counter()
        resp = client.post_multipart("/report/", form, client.url("/report/"))
        elapsed = time.perf_counter() - started
    except NETWORK_ERRORS as error:
        return Outcome(False, 0.0, f"network: {type(error).__name__}: {error}")
    except BenchError as error:
        return Outcome(False, 0.0, str(error))
    draft = scan_html(resp.body).hidden.get("draft") if resp.status == 200 else None
    if draft and not has_receipt(resp.body):
        # A file that cannot be cleaned (a 100 MB video, say) is named before anything is
        # sent; she sends again, as the page asks, with the files kept in its draft.
        again = Multipart()
        again.boundary = form.boundary
        again._parts = [p for p in form._parts if b'name="attachments"' not in p[0]]
        again.field("draft", draft)
        started = time.perf_counter()
        try:
            resp = client.post_multipart("/report/", again, client.url("/report/"))
        except NETWORK_ERRORS as error:
            return Outcome(False, 0.0, f"network: {type(error).__name__}: {error}")
        elapsed += time.perf_counter() - started
    if resp.status != 200:
        return Outcome(False, elapsed, f"HTTP {resp.status}")
    if not has_receipt(resp.body):
        snippet = re.findall(rb'class="error"[^>]*>([^<]{0,160})', resp.body)[:2]
        return Outcome(False, elapsed, f"200 without receipt {snippet!r}")
    return Outcome(True, elapsed)


def make_photo(target: int = 1_000_000) -> bytes:
    """A real JPEG of random noise (incompressible) with EXIF GPS, about ``target`` bytes."""
    from PIL import Image

    rng = test_rng(7)
    side, data = 420, b""
    for _ in range(12):
        pixels = rng.randbytes(side * side * 3)
        image = Image.frombytes("RGB", (side, side), pixels)
        exif = Image.Exif()
        exif[0x010F] = "BenchPhone"  # Make
        exif[0x0110] = "Model X1"  # Model
        exif[0x0132] = "2025:03:14 07:12:09"  # DateTime
        exif[0x8825] = {  # GPSInfo: 1°34'N 30°15'E, Ituri
            1: "N",
            2: (1.0, 34.0, 12.5),
            3: "E",
            4: (30.0, 15.0, 3.25),
        }
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, exif=exif)
        data = out.getvalue()
        if abs(len(data) - target) < target * 0.05:
            break
        side = int(side * math.sqrt(target / len(data)))
    with Image.open(io.BytesIO(data)) as check:
        gps = check.getexif().get_ifd(0x8825)
    if not gps or gps.get(1) != "N":
        raise BenchError("the test photo lost its EXIF GPS")
    return data


# --- measurements ---------------------------------------------------------------------------


def measure_floor(data_dir: Path, runs: int) -> float:
    officers.django_in_process(data_dir, SCRUBBED_ENV)
    from django.conf import settings

    from cases import keys
    from lib import crypto

    params = keys.receipt_kdf()
    pepper = settings.LANTERNE_RECEIPT_PEPPER.encode()
    say(
        f"  receipt KDF: Argon2id {params.memory_kib} KiB, {params.iterations} passes, "
        f"{params.lanes} lane(s)"
    )
    crypto.derive_receipt_keys(crypto.generate_receipt(), pepper, params)  # warm-up
    rounds = []
    for _round in range(3):  # another round only if this one was visibly disturbed
        times = []
        for _ in range(runs):
            receipt = crypto.generate_receipt()
            started = time.perf_counter()
            crypto.derive_receipt_keys(receipt, pepper, params)
            times.append(time.perf_counter() - started)
        rounds.append(times)
        if max(times) <= 1.5 * min(times):
            break
        say(
            f"  (floor round {len(rounds)} was noisy: {ms(min(times))}..{ms(max(times))}, "
            f"median {ms(statistics.median(times))}; {load()})"
        )
    times = min(rounds, key=statistics.median)  # the least disturbed: the strictest floor
    floor = statistics.median(times)
    say(
        f"  [1] floor: one receipt derivation = {ms(floor)} median of {runs} "
        f"(min {ms(min(times))}, max {ms(max(times))})"
    )
    return floor


def sequential(
    port: int, count: int, photo: bytes | None, label: str, budget: float, workers: list[int]
) -> dict:
    client, rng = Client(port), test_rng(label)
    outcomes, deadline = [], time.monotonic() + budget
    cpu0 = cpu_seconds(workers)
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        outcomes.append(submit_once(client, rng, photo))
    cpu = (cpu_seconds(workers) - cpu0) / max(1, len(outcomes))
    good = [o.seconds for o in outcomes if o.ok]
    bad = [o.detail for o in outcomes if not o.ok]
    result = {"n": len(outcomes), "failures": len(bad), "median": None, "p95": None}
    if good:
        result["median"], result["p95"] = statistics.median(good), percentile(good, 95)
        say(
            f"  [2] {label}: median {ms(result['median'])}, p95 {ms(result['p95'])}, "
            f"min {ms(min(good))}, max {ms(max(good))} over {len(good)} submissions"
            f" ({len(bad)} failed)"
        )
        say(f"      server CPU per form GET + submission: {ms(cpu)} (gunicorn workers); {load()}")
    else:
        say(f"  [2] {label}: no successful submission out of {len(outcomes)}")
    for detail in sorted(set(bad))[:5]:
        say(f"      failure: {detail}")
    return result


def concurrent(port: int, reporters: int, total: int, seconds: float, workers: list[int]) -> dict:
    lock = threading.Lock()
    state = {"started": 0}
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + seconds

    def reporter(index: int) -> None:
        client, rng = Client(port), test_rng(f"reporter-{index}")
        while time.monotonic() < deadline:
            with lock:
                if state["started"] >= total:
                    return
                state["started"] += 1
            outcome = submit_once(client, rng)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=reporter, args=(i,), daemon=True) for i in range(reporters)]
    began, cpu0, own0 = time.perf_counter(), cpu_seconds(workers), sum(os.times()[:2])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 200)
    wall = time.perf_counter() - began
    cpu, own = cpu_seconds(workers) - cpu0, sum(os.times()[:2]) - own0
    if any(t.is_alive() for t in threads):
        raise BenchError("a concurrent reporter did not finish in time")
    good = [o.seconds for o in outcomes if o.ok]
    bad = [o.detail for o in outcomes if not o.ok]
    rps = len(good) / wall if wall else 0.0
    say(
        f"  [3] {reporters} concurrent reporters: {len(outcomes)} submissions in {wall:.1f} s"
        f" = {rps:.2f} successful submissions/s; FAILED: {len(bad)}"
    )
    if good:
        say(
            f"      POST latency under load: median {ms(statistics.median(good))}, "
            f"p95 {ms(percentile(good, 95))}, max {ms(max(good))}"
        )
    if outcomes:
        per = cpu / len(outcomes)
        say(
            f"      server CPU {cpu:.1f} s = {ms(per)} per submission "
            f"(bound: {(os.cpu_count() or 1) / per:.1f}/s on {os.cpu_count()} CPUs if the server "
            f"had them alone); the bench's own client threads used {own:.1f} s CPU; {load()}"
        )
    for detail in sorted(set(bad))[:5]:
        say(f"      failure ({bad.count(detail)}x): {detail}")
    return {"n": len(outcomes), "failures": len(bad), "rps": rps}


CSS_URL = re.compile(rb"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def page_weight(port: int) -> dict:
    client = Client(port)
    base = client.url("/report/")
    resp = client.get("/report/")
    if resp.status != 200:
        raise BenchError(f"GET /report/ gave {resp.status}")
    items = [("/report/ (HTML)", resp.body)]
    seen, queue = {"/report/"}, list(scan_html(resp.body).resources)
    while queue and len(items) < 50:
        ref = queue.pop(0)
        path = same_origin(base, ref)
        if path is None or path in seen:
            continue
        seen.add(path)
        sub = client.get(path)
        if sub.status != 200:
            raise BenchError(f"linked resource {path} gave {sub.status}")
        items.append((path, sub.body))
        if path.endswith(".css") or "css" in (sub.headers.get("Content-Type") or ""):
            for a, b in CSS_URL.findall(sub.body):
                ref2 = (a or b).decode("utf-8", "replace")
                if not ref2.startswith("data:"):
                    queue.append(urljoin_path(client.url(path), ref2))
    total = sum(len(body) for _, body in items)
    gz = sum(len(gzip.compress(body, compresslevel=6)) for _, body in items)
    for path, body in items:
        say(f"      {path}: {len(body):,} bytes ({len(gzip.compress(body, 6)):,} gzipped)")
    say(
        f"  [4] intake page weight: {total:,} bytes = {total / 1024:.1f} KiB uncompressed, "
        f"{gz:,} bytes = {gz / 1024:.1f} KiB gzip -6 ({len(items)} requests; the server "
        f"sent Content-Encoding: {resp.headers.get('Content-Encoding') or 'none'})"
    )
    return {"bytes": total, "gzip": gz}


def urljoin_path(base: str, ref: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, ref)


@dataclass
class RssSampler:
    pids: list[int]
    interval: float = 0.02
    limit: float = 300.0
    phase: str = "baseline"
    samples: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    hwm_start: dict[int, int] = field(default_factory=dict)
    hwm_end: dict[int, int] = field(default_factory=dict)
    count: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def read(pid: int) -> tuple[int, int] | None:
        """(VmRSS, VmHWM) in KiB."""
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        rss = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
        hwm = int(re.search(r"VmHWM:\s+(\d+)", text).group(1))
        return rss, hwm

    def start(self) -> None:
        for pid in self.pids:
            got = self.read(pid)
            if got:
                self.hwm_start[pid] = got[1]
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            phase = self.phase
            for pid in self.pids:
                got = self.read(pid)
                if got:
                    self.samples.setdefault(phase, {}).setdefault(pid, []).append(got[0])
            self.count += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for pid in self.pids:
            got = self.read(pid)
            if got:
                self.hwm_end[pid] = got[1]


def big_upload(port: int, workers: list[int], size_mb: int) -> dict:
    client, rng = Client(port, timeout=300), test_rng("big")
    # Warm both workers (imports, first-request set-up) so the baseline is steady.
    for _ in range(4):
        submit_once(Client(port), rng)
    size = size_mb * MIB
    block = test_rng(11).randbytes(MIB)  # incompressible, not a known file type
    sampler = RssSampler(workers)
    sampler.start()
    time.sleep(1.0)
    timings = {}

    def chunks():
        sampler.phase = "upload"
        timings["upload_start"] = time.perf_counter()
        step, sent = 64 * 1024, 0
        while sent < size:
            for offset in range(0, MIB, step):
                n = min(step, size - sent)
                if n <= 0:
                    break
                yield block[offset : offset + n]
                sent += n
        timings["upload_end"] = time.perf_counter()
        sampler.phase = "after-upload"

    def body(page, rng2):
        form = report_form(page, rng2, photo=None)
        # replace the empty file part: rebuild with the large streamed file
        big = Multipart()
        big.boundary = form.boundary
        big._parts = [p for p in form._parts if b'name="attachments"' not in p[0]]
        big.file("attachments", "site-video.bin", "application/octet-stream", size, chunks)
        return big

    try:
        # Control: a text-only submission, to separate what every submission costs (the
        # Argon2id receipt derivation allocates its 64 MiB) from what the attachment costs.
        sampler.phase = "control"
        control = submit_once(client, rng)
        time.sleep(0.5)
        sampler.phase = "baseline2"
        time.sleep(0.5)
        outcome = submit_once(client, rng, body_hook=body)
        done = time.perf_counter()
        time.sleep(0.5)
    finally:
        sampler.stop()
    if not control.ok:
        raise BenchError(f"the control submission failed: {control.detail}")
    baseline_by_pid = {
        pid: statistics.median(v) for pid, v in sampler.samples.get("baseline", {}).items()
    }
    if not baseline_by_pid:
        raise BenchError("no RSS sample before the upload")

    def growth(phases: tuple[str, ...]) -> tuple[float, int, float]:
        best = (-1.0, 0, 0.0)
        for pid, base in baseline_by_pid.items():
            peak = max((max(sampler.samples.get(ph, {}).get(pid, [0])) for ph in phases), default=0)
            if peak - base > best[0]:
                best = (peak - base, pid, peak)
        return best

    ctl_growth, _ctl_pid, _ = growth(("control",))
    up_growth, up_pid, up_peak = growth(("upload",))
    all_growth, all_pid, all_peak = growth(("upload", "after-upload"))
    hwm_growth = max(
        self_hwm - sampler.hwm_start.get(pid, self_hwm) for pid, self_hwm in sampler.hwm_end.items()
    )
    transfer = timings.get("upload_end", done) - timings.get("upload_start", done)
    shown = "receipt shown" if outcome.ok else "FAILED: " + outcome.detail
    say(
        f"  [5] {size_mb} MB upload: {shown};"
        f" body sent in {transfer:.1f} s ({size_mb / transfer if transfer else 0:.0f} MB/s), "
        f"request total {outcome.seconds:.1f} s; {sampler.count} RSS samples of {len(workers)} "
        f"worker(s) every {sampler.interval * 1000:.0f} ms"
    )
    say(
        f"      while the body streams in: baseline {baseline_by_pid[up_pid] / 1024:.1f} MB, "
        f"peak {up_peak / 1024:.1f} MB, growth {up_growth / 1024:.1f} MB"
    )
    say(
        f"      whole request (incl. scrub check, Argon2id receipt, commit): baseline "
        f"{baseline_by_pid[all_pid] / 1024:.1f} MB, peak {all_peak / 1024:.1f} MB, "
        f"growth {all_growth / 1024:.1f} MB"
    )
    say(
        f"      control, text-only submission on the same server: growth {ctl_growth / 1024:.1f} MB"
        f" (Argon2id's {65536 // 1024} MiB is allocated by every submission); the attachment "
        f"adds {(all_growth - ctl_growth) / 1024:+.1f} MB over that"
    )
    say(f"      VmHWM (kernel high-water mark) rose by {hwm_growth / 1024:.1f} MB over the test")
    return {
        "ok": outcome.ok,
        "upload_growth": up_growth / 1024,
        "growth": all_growth / 1024,
        "control": ctl_growth / 1024,
        "hwm_growth": hwm_growth / 1024,
    }


# --- main --------------------------------------------------------------------------------


def server_env(data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(
        {"LANTERNE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"},
        **extra,
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    parser.add_argument("--upload-mb", type=int, default=100)
    parser.add_argument(
        "--only",
        choices=("reporter", "staff", "faults", "actors", "stats", "alerts"),
        help="run only the reporter sections (1-5), the staff sections (6-8), the fault run "
        "(9), the actor registry's (10-12), the statistics' (13-15) or early warning's "
        "(16-17)",
    )
    args = parser.parse_args()
    reporter_part, staff_part = args.only in (None, "reporter"), args.only in (None, "staff")
    fault_part = args.only in (None, "faults")
    actors_part = args.only in (None, "actors")
    stats_part = args.only in (None, "stats")
    alerts_part = args.only in (None, "alerts")
    quick = args.quick

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="lanterne-bench-"))
    data_dir = tmp / "data"
    servers: list[Server] = []
    results: dict = {}
    try:
        say(
            f"Lanterne bench{' (quick)' if quick else ''}: data dir {data_dir}, "
            f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; {load()}"
        )
        env = server_env(data_dir)
        if reporter_part or staff_part:
            say("  setting up: migrate, seed_demo (9 demo staff, production password KDF)...")
            t0 = time.monotonic()
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            say(f"  set-up took {time.monotonic() - t0:.1f} s")
        if reporter_part:
            reporter_sections(tmp, data_dir, env, args, quick, servers, results)
        # What the sections borrow from this module (passed in: no import cycle).
        helpers = argparse.Namespace(
            Server=Server,
            server_env=server_env,
            manage=manage,
            BenchError=BenchError,
            SCRUBBED_ENV=SCRUBBED_ENV,
            fetch_form=fetch_form,
            report_form=report_form,
            make_photo=make_photo,
            say=say,
        )
        if staff_part:
            results["staff"] = officers.section(
                data_dir=data_dir, tmp=tmp, quick=quick, servers=servers, helpers=helpers
            )
        if fault_part:
            results["faults"] = faults.section(
                tmp=tmp, data_dir=data_dir, quick=quick, servers=servers, helpers=helpers
            )
        if actors_part:
            results["actors"] = registry_bench.section(
                data_dir=data_dir,
                quick=quick,
                helpers=argparse.Namespace(
                    server_env=server_env,
                    manage=manage,
                    BenchError=BenchError,
                    SCRUBBED_ENV=SCRUBBED_ENV,
                ),
            )
        if stats_part:
            results["stats"] = steering_section(tmp, quick)
        if alerts_part:
            results["alerts"] = alerts_section(tmp, quick)

    except BenchError as error:
        say(f"BENCH BROKE: {error}")
        for server in servers:
            say(f"--- {server.label} server log (tail) ---\n{server.log_tail()}")
        return 2
    except KeyboardInterrupt as interrupt:
        say(f"interrupted ({interrupt})")
        return 130
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    say()
    say("Targets")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if reporter_part:
        reporter_verdicts(results, args, verdict)
    if staff_part:
        officers.verdicts(results["staff"], verdict)
    if fault_part:
        faults.verdicts(results["faults"], verdict, say)
    if actors_part:
        registry_bench.verdicts(results["actors"], verdict)
    if stats_part:
        steering.verdicts(results["stats"], verdict)
    if alerts_part:
        alerts_bench.verdicts(results["alerts"], verdict)
    say(
        f"Bench took {time.monotonic() - began:.0f} s; {load()} (other work on the machine "
        f"inflates latencies and lowers throughput)."
    )
    return 0


def steering_section(tmp: Path, quick: bool) -> dict:
    """Sections 13-15 in a process of their own (Django is set up once per process)."""
    say("  statistics section (bench/steering.py): 100,000 cases, a steering member's pages")
    return own_process("steering.py", tmp / "stats", quick, "STATS-RESULTS ")


def alerts_section(tmp: Path, quick: bool) -> dict:
    """Sections 16-17 in a process of their own, with a real Celery worker."""
    say("  early-warning section (bench/alerts_bench.py): 100 rules, 100,000 cases, a worker")
    return own_process("alerts_bench.py", tmp / "alerts", quick, "ALERTS-RESULTS ")


def own_process(script: str, data_dir: Path, quick: bool, marker: str) -> dict:
    command = [PYTHON, str(ROOT / "bench" / script), "--data-dir", str(data_dir)]
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    found = None
    with subprocess.Popen(
        command + (["--quick"] if quick else []),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        for line in process.stdout:
            if line.startswith(marker):
                found = json.loads(line.split(" ", 1)[1])
            elif "WARNING" not in line and "lanterne.W010" not in line:
                say(line.rstrip())
    if process.returncode or found is None:
        raise BenchError(f"bench/{script} failed (exit {process.returncode})")
    return found


def reporter_sections(tmp, data_dir, env, args, quick, servers, results) -> None:
    """Sections 1-5: the reporter's side. Servers it starts are in ``servers`` until stopped."""
    floor_runs, seq_n, conc_total, conc_seconds = (3, 5, 16, 8.0) if quick else (10, 30, 80, 15.0)
    results["floor"] = measure_floor(data_dir, floor_runs)

    server = Server(env, tmp / "serve.log", "main")
    servers.append(server)
    server.wait_ready()
    say(f"  server up on 127.0.0.1:{server.port}: gunicorn workers {server.workers()}")
    photo = make_photo()
    say(f"  test photo: {len(photo):,} byte JPEG of noise with EXIF GPS")
    workers = server.workers()
    results["text"] = sequential(server.port, seq_n, None, "text only", 120, workers)
    results["photo"] = sequential(server.port, seq_n, photo, "with 1 MB photo", 120, workers)
    results["conc"] = concurrent(server.port, 8, conc_total, conc_seconds, workers)
    results["page"] = page_weight(server.port)
    results["2g"] = on_2g(server.port, None if quick else make_photo(200_000))
    server.stop()
    servers.remove(server)

    big = Server(
        server_env(data_dir, LANTERNE_MAX_ATTACHMENT_MB="150"), tmp / "serve-big.log", "upload"
    )
    servers.append(big)
    big.wait_ready()
    workers = big.workers()
    say(
        f"  upload server up on 127.0.0.1:{big.port} (LANTERNE_MAX_ATTACHMENT_MB=150): "
        f"gunicorn workers {workers}"
    )
    results["mem"] = big_upload(big.port, workers, args.upload_mb)
    big.stop()
    servers.remove(big)


def on_2g(port: int, photo: bytes | None) -> dict:
    """[4b] The time to the receipt on an emulated 2G link (bench/slow_link.py)."""
    import slow_link

    out = {"text": slow_link.time_to_receipt(port, None)}
    say(
        f"  [4b] on emulated 2G (300 ms, 50 kbit/s up, 250 kbit/s down; Chromium, JS off, "
        f"320 px, French): form page {out['text']['form']:.1f} s, text only to the receipt "
        f"{out['text']['receipt']:.1f} s"
    )
    if photo is not None:
        out["photo"] = slow_link.time_to_receipt(port, photo)
        say(
            f"  [4b] with a {len(photo) // 1000} kB photo to the receipt: "
            f"{out['photo']['receipt']:.1f} s (the form tells her the size first, and that "
            "photos can follow from the mailbox)"
        )
    return out


def reporter_verdicts(results: dict, args, verdict) -> None:
    floor = results["floor"]
    text, photo_r, conc, page, mem = (results[k] for k in ("text", "photo", "conc", "page", "mem"))
    med = text["median"]
    ratio = med / floor if med else float("inf")
    say(
        f"  {verdict(med is not None and ratio <= 3)}  median text submission ≤ 3 × floor: "
        f"{ms(med) if med else 'n/a'} = {ratio:.2f} × {ms(floor)}"
        + (f"  (with 1 MB photo: {photo_r['median'] / floor:.2f} ×)" if photo_r["median"] else "")
    )
    seq_failures = text["failures"] + photo_r["failures"]
    say(
        f"  {verdict(mem['ok'] and mem['upload_growth'] < 64)}  {args.upload_mb} MB upload worker "
        f"growth < 64 MB: {mem['upload_growth']:.1f} MB while the body streams and is sealed"
        + ("" if mem["ok"] else "  [the upload itself failed]")
    )
    say(
        f"        (whole request incl. the Argon2id receipt: {mem['growth']:.1f} MB, "
        f"{verdict(mem['growth'] < 64)} if read strictly; a text-only submission alone: "
        f"{mem['control']:.1f} MB)"
    )
    say(
        f"  {verdict(conc['failures'] == 0 and conc['n'] > 0)}  zero failed submissions under "
        f"concurrency: {conc['failures']} failed of {conc['n']}"
        f" (sequential runs: {seq_failures} failed)"
    )
    say(
        f"  {verdict(page['bytes'] <= 30 * 1024)}  intake page ≤ 30 KB: "
        f"{page['bytes'] / 1024:.1f} KiB"
        f" ({page['gzip'] / 1024:.1f} KiB gzipped)"
    )


if __name__ == "__main__":
    sys.exit(main())
