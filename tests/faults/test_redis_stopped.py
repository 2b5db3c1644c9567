"""Redis — cache and broker — stopped while reporters send reports and follow-ups.

Our own redis-server on a free port (never the machine's) backs a real gunicorn's cache
and Celery broker. While it is stopped every report gets its receipt and every follow-up
its mailbox (before: 75 of 100 and 21 of 30 got a 500, the throttles' cache.get raising);
the notifications wait in the database and go out once it is back.
"""

from concurrent.futures import ThreadPoolExecutor

from django.core import mail

from bench.processes import PrivateRedis
from cases import notifications
from cases.models import Case, Message, PendingMail, Sender
from tests.servers import Reporter, follow_up, receipt_in

REPORTERS = 12


def report_once(port: int, n: int) -> str | None:
    reporter = Reporter(port)
    return receipt_in(reporter.send(reporter.form(mine_site=f"pit {n}")).body)


def test_reports_and_follow_ups_go_on_while_redis_is_stopped(serve, tmp_path):
    redis = PrivateRedis(tmp_path)
    try:
        server = serve(
            workers=2, threads=2, REDIS_URL=redis.url, CELERY_BROKER_URL=redis.url[:-1] + "1"
        )
        before = report_once(server.port, 0)
        assert before and follow_up(server.port, before, "Before the outage") == (302, 302)

        redis.stop()
        assert not redis.answers()
        with ThreadPoolExecutor(4) as pool:
            receipts = list(pool.map(lambda n: report_once(server.port, n), range(1, REPORTERS)))
            answers = list(pool.map(lambda r: follow_up(server.port, r, "During"), receipts))
        assert all(receipts), receipts
        assert answers == [(302, 302)] * len(receipts)

        redis.start()
        after = report_once(server.port, REPORTERS)
        assert after and follow_up(server.port, after, "After") == (302, 302)
    finally:
        redis.stop()

    assert Case.objects.count() == REPORTERS + 1
    assert Message.objects.filter(sender=Sender.REPORTER).count() == REPORTERS + 1
    # Every notification waited in the outbox, none was lost with the broker...
    assert PendingMail.objects.filter(kind="new_case").count() == REPORTERS + 1
    assert PendingMail.objects.filter(kind="reporter_message:1").count() == REPORTERS + 1
    # ...and the next mail slot sends them, one mail per key holder and case.
    assert notifications.deliver() == 2 * (REPORTERS + 1)
    assert len(mail.outbox) == 2 * (REPORTERS + 1) and not PendingMail.objects.exists()
