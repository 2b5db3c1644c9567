""" "Already sent" means a committed case exists: the claim is written in the case's transaction."""

import pytest
from django.db import DatabaseError

from cases import access, audit, claims, intake
from cases.models import Case, PendingMail, SubmissionClaim
from tests.conftest import ANSWERS

pytestmark = pytest.mark.django_db

TOKEN = "form-token-from-the-reporters-page-0123456789"


def send(token=TOKEN, **changes) -> intake.Submission:
    return intake.submit(answers={**ANSWERS, **changes}, language="fr", token=token)


def test_the_same_form_sent_twice_returns_the_first_case_and_receipt(coalition):
    first = send()
    again = send()
    assert again.repeated and not first.repeated
    assert again.case == first.case and again.receipt == first.receipt
    assert access.case_for_receipt(again.receipt)[0] == first.case
    assert Case.objects.count() == 1


def test_another_form_makes_another_case(coalition):
    assert send("one-form").case != send("another-form").case
    assert Case.objects.count() == 2


def test_a_failure_before_the_commit_leaves_no_claim_nor_mail_and_the_form_can_be_sent_again(
    coalition, monkeypatch
):
    def fails(*args, **kwargs):
        raise DatabaseError("the audit log could not be written")

    monkeypatch.setattr(audit, "record", fails)
    with pytest.raises(DatabaseError, match="audit log"):
        send()
    assert not SubmissionClaim.objects.exists() and not Case.objects.exists()
    assert not PendingMail.objects.exists()  # the outbox is part of the same transaction
    monkeypatch.undo()
    resent = send()
    assert not resent.repeated and access.case_for_receipt(resent.receipt)[0] == resent.case
    assert PendingMail.objects.filter(case=resent.case, kind="new_case").exists()


def test_the_database_holds_neither_the_token_nor_the_receipt(coalition):
    submission = send()
    claim = SubmissionClaim.objects.get(case=submission.case)
    assert claim.tag == claims.tag_of(TOKEN) and TOKEN not in claim.tag
    assert submission.receipt.encode() not in bytes(claim.sealed_receipt)
    assert claim.created_at == submission.case.received_at  # to the hour


def test_claims_are_forgotten_after_a_day(coalition, frozen):
    send()
    frozen.advance(hours=23)
    assert claims.forget_old() == 0 and send().repeated
    frozen.advance(hours=2)
    assert claims.forget_old() == 1
    assert not send().repeated  # a form re-sent after a day makes a new case
    assert Case.objects.count() == 2


def test_an_unusable_token_is_ignored_rather_than_trusted(coalition):
    assert not send("x" * 101).repeated and not send("x" * 101).repeated
    assert not send(None).repeated
    assert Case.objects.count() == 3
    assert not SubmissionClaim.objects.exists()


def test_a_claim_is_found_by_its_own_token_only(coalition):
    submission = send()
    assert claims.find(TOKEN).receipt == submission.receipt
    assert claims.find(TOKEN + "x") is None
