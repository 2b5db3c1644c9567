"""Parallel submissions must all succeed: GlobaLeaks loses five of six; we lose none."""

import threading

import pytest
from django.db import connection

from cases.models import Case
from tests.conftest import report


@pytest.mark.django_db(transaction=True)
def test_sixteen_parallel_submissions_all_succeed(coalition):
    results, errors = [], []
    start = threading.Barrier(16)

    def send(n):
        try:
            start.wait(timeout=10)
            results.append(report(what_happened=f"parallel report {n}").case.id)
        except Exception as error:  # noqa: BLE001 - every failure is what we count
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 16
    assert Case.objects.count() == 16
    assert Case.objects.values("reference").distinct().count() == 16
