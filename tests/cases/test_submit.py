import re

import pytest

from cases import access, content, keys
from cases.intake import REFERENCE_ALPHABET, new_reference
from cases.models import Case, KeyWrap
from lib import crypto
from staff import accounts
from tests.conftest import ANSWERS, PASSWORD, report

pytestmark = pytest.mark.django_db


def wrapped_users(case):
    return {w.user.username for w in KeyWrap.objects.filter(case=case).select_related("user")}


def test_a_report_is_wrapped_for_national_officers_and_regional_coordinators(coalition):
    case = report().case
    assert wrapped_users(case) == {"amani", "beatrice"}


def test_regional_only_leaves_the_national_team_out(coalition):
    case = report(regional_only=True).case
    assert wrapped_users(case) == {"beatrice"}
    assert case.regional_only


def test_an_officer_of_another_country_gets_no_key(coalition):
    case = report(country="SL").case
    assert "amani" not in wrapped_users(case)
    assert "sia" in wrapped_users(case)


def test_the_receipt_opens_the_case_and_its_report(coalition):
    submission = report()
    case, case_key = access.case_for_receipt(submission.receipt)
    assert case == submission.case
    assert content.read_report(case, case_key)["what_happened"] == ANSWERS["what_happened"]


def test_the_receipt_works_with_the_spaces_it_is_shown_with(coalition):
    submission = report()
    shown = crypto.format_receipt(submission.receipt)
    assert access.case_for_receipt(shown)[0] == submission.case


def test_a_wrong_receipt_finds_nothing(coalition):
    report()
    with pytest.raises(access.NotFound, match="no such case"):
        access.case_for_receipt("1111 2222 3333 4444 5555")


def test_an_officer_reads_the_report_with_her_password(coalition):
    case = report().case
    private = keys.unseal_private_key(coalition["amani"], PASSWORD)
    case_key = access.case_key_for_staff(case, coalition["amani"].user, private)
    assert content.read_report(case, case_key)["mine_site"] == ANSWERS["mine_site"]


def test_an_officer_without_a_wrap_gets_not_found(coalition):
    case = report().case
    private = keys.unseal_private_key(coalition["sia"], PASSWORD)
    with pytest.raises(access.NotFound, match="no such case"):
        access.case_key_for_staff(case, coalition["sia"].user, private)


def test_the_recovery_key_opens_the_same_private_key(db):
    enrolment = accounts.enrol("nadia", role="officer", password=PASSWORD, countries=["RW"])
    profile = enrolment.profile
    from_recovery = crypto.open_with_recovery_key(
        enrolment.recovery_key, bytes(profile.recovery_sealed_private_key)
    )
    assert from_recovery == keys.unseal_private_key(profile, PASSWORD)
    assert crypto.public_key_of(from_recovery) == bytes(profile.public_key)


def test_only_metadata_needed_for_workflow_is_in_clear(coalition):
    case = report().case
    assert case.country == "CD" and sorted(case.category_codes) == ["DEF", "TRD"]
    assert case.language == "fr" and case.status == "received"
    assert case.received_at.minute == 0 and case.received_at.second == 0
    assert ANSWERS["what_happened"].encode() not in bytes(case.report)


def test_references_are_random_and_readable_over_the_phone(coalition):
    refs = {report().case.reference for _ in range(5)} | {new_reference() for _ in range(200)}
    assert len(refs) == 205
    for ref in refs:
        assert re.fullmatch(f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}", ref)


def test_escrow_gets_a_wrap_when_configured(coalition, settings):
    private, public = crypto.generate_keypair()
    settings.LANTERNE_ESCROW_PUBLIC_KEY = crypto.b64(public)
    case = report().case
    escrow = KeyWrap.objects.get(case=case, user=None)

    case_key = keys.unwrap(private, bytes(escrow.wrapped), case.id)
    assert content.read_report(case, case_key)["country"] == "CD"


def test_a_reference_collision_draws_again(coalition, monkeypatch):
    first = report().case
    draws = iter([first.reference, "ABCD-EFGH"])
    monkeypatch.setattr("cases.intake.new_reference", lambda: next(draws))
    second = report().case
    assert second.reference == "ABCD-EFGH"
    assert Case.objects.count() == 2
