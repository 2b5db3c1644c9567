"""A real Celery worker on real Redis raises the alert of a real submission.

The submission commits in this process; the on-commit announcement queues
alerts.tasks.evaluate_case (the case's id, nothing else) on Redis; a worker process picks
it up and raises the alert, which its recipient then sees.
"""

import os
import uuid

import pytest
import redis
from django.urls import reverse

from alerts.models import Alert
from config.celery import app as celery_app
from tests.cases.test_worker import kill, start_worker, wait_for
from tests.conftest import ANSWERS, report, sign_in

# This test's own Redis database, flushed freely. Not tests/cases/test_worker.py's: the two
# run at once on the suite's two processes, and each one's flush would drop the other's
# queued task.
REDIS_URL = os.environ.get("LANTERNE_TEST_ALERT_WORKER_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_raises_the_alert_of_a_real_submission(
    coalition, urgent_rule, monkeypatch, tmp_path, client
):
    broker = redis.Redis.from_url(REDIS_URL)
    broker.ping()  # Redis must be there: this test fails rather than skips without it
    broker.flushdb()
    queue = f"test-alerts-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    # This process sends to the worker's Redis queue instead of running the task itself.
    wanted = {
        "task_always_eager": False,
        "broker_url": REDIS_URL,
        "broker_transport": None,  # not the file broker of a default run
        "broker_transport_options": {},
        "task_routes": {"alerts.tasks.evaluate_case": {"queue": queue}},
    }
    saved = {key: celery_app.conf.get(key) for key in wanted}
    celery_app.conf.update(wanted)
    celery_app._after_fork()  # drop connections pooled for another broker by earlier tests
    log = tmp_path / "worker.log"
    worker = start_worker(queue, 1, log, broker=REDIS_URL)
    try:
        case = report(urgent=True).case
        assert not Alert.objects.exists()  # not raised in this process
        wait_for(lambda: Alert.objects.exists(), 90, "the alert from the worker", [log])
        # What went over the broker: the task's name and the case id, never content.
        payloads = b"".join(broker.dump(k) or b"" for k in broker.keys())
        for secret in (ANSWERS["what_happened"], ANSWERS["mine_site"]):
            assert secret.encode() not in payloads
    finally:
        kill(worker)
        broker.flushdb()
        broker.close()
        celery_app.conf.update(saved)
        # Drop our references only: closing would close kombu's shared pool for this broker
        # URL, which other tests' apps then get back.
        celery_app._after_fork()
    alert = Alert.objects.get()
    assert list(alert.cases.all()) == [case]
    sign_in(client, coalition["amani"])
    assert (
        reverse("admin:alert", args=[alert.pk])
        in client.get(reverse("admin:alerts")).content.decode()
    )
