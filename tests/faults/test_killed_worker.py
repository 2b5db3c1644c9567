"""A web worker killed between accepting the form and committing: the same form, sent again,
makes the case — once. (The cache claim of before said "already sent" and lost it.)"""

import os
import signal
import threading

from bench.httpkit import NETWORK_ERRORS
from cases import access, content
from cases.models import Case, SubmissionClaim
from tests.servers import Reporter, photo, receipt_in, wait_for


def test_a_worker_killed_before_the_commit_loses_nothing_and_the_resend_makes_one_case(serve):
    server = serve(workers=2, pause=True)
    reporter = Reporter(server.port)
    form = reporter.form(attachment=photo(), mine_site="Shabunda pit 4")
    server.arm_pause()

    first = {}

    def send_first():
        try:
            first["response"] = reporter.send(form)
        except NETWORK_ERRORS as error:
            first["error"] = error

    sending = threading.Thread(target=send_first)
    sending.start()
    wait_for(lambda: server.paused_worker() is not None, 60, "a worker paused before commit")
    worker = server.paused_worker()
    assert worker in server.workers()
    os.kill(worker, signal.SIGKILL)
    sending.join(30)
    assert "response" not in first, "the killed worker still answered"
    assert not Case.objects.exists() and not SubmissionClaim.objects.exists()

    wait_for(lambda: len(server.workers()) == 2, 30, "gunicorn replacing the worker")
    again = reporter.send(form)  # the reporter saw an error page and sends it again
    receipt = receipt_in(again.body)
    assert again.status == 200 and receipt
    case, case_key = access.case_for_receipt(receipt)
    assert content.read_report(case, case_key)["mine_site"] == "Shabunda pit 4"
    [attached] = content.report_files(case, case_key)
    assert attached.name == "IMG_0712.jpg" and attached.size > 0

    third = reporter.send(form)  # and a double tap after that shows the same receipt
    assert receipt_in(third.body) == receipt
    assert Case.objects.count() == 1
