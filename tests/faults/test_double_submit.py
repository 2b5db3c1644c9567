"""The same form sent twice at the same instant to two worker processes makes one case,
and both answers show its receipt — on SQLite (the file cache's claim made 19 duplicates
in 50 pairs) and on PostgreSQL alike, since the claim is a unique row in the database."""

import threading
from collections import Counter

from bench.httpkit import NETWORK_ERRORS
from cases.models import Case
from tests.servers import Reporter, receipt_in

PAIRS = 20


def test_a_double_tap_reaching_two_workers_at_once_makes_one_case(serve):
    server = serve(workers=2, threads=1)  # sync workers: one request each at a time
    results, failures = [], []

    def tap(n, reporter, form, start):
        try:
            start.wait(10)
            results.append((n, receipt_in(reporter.send(form).body)))
        except NETWORK_ERRORS as error:
            failures.append(repr(error))

    for n in range(PAIRS):
        reporter = Reporter(server.port)
        pair = (n, reporter, reporter.form(mine_site=f"pit {n}"), threading.Barrier(2))
        taps = [threading.Thread(target=tap, args=pair) for _ in range(2)]
        for thread in taps:
            thread.start()
        for thread in taps:
            thread.join(60)

    assert failures == []
    receipts = {}
    for n, receipt in results:
        assert receipt, f"pair {n}: an answer without a receipt"
        assert receipts.setdefault(n, receipt) == receipt, f"pair {n}: two receipts"
    assert len(receipts) == PAIRS and Case.objects.count() == PAIRS
    # Both workers served the taps: the pairs really were split across two processes.
    served_by = Counter(line.split()[0] for line in server.requests_done("POST"))
    assert len(served_by) == 2 and min(served_by.values()) >= PAIRS // 2
