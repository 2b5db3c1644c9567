"""Escalating to a named steering member hands them the case key; nothing else does."""

import pytest
from django.urls import reverse

from cases import access, keys, sharing, workflow
from cases.models import AuditEvent, KeyWrap, Level, StaffProfile
from cases.permissions import NotAllowed
from staff import forms
from tests.conftest import PASSWORD, key_of, report, sign_in

pytestmark = pytest.mark.django_db


def investigating(officer):
    case = report().case
    key = key_of(case, officer)
    workflow.acknowledge(case, by=officer.user, case_key=key)
    workflow.assess(case, by=officer.user, priority="P2", categories=["TRD"], admissible=True)
    return case, key


def test_escalating_to_a_named_steering_member_gives_him_the_key_and_is_audited(coalition):
    amani, chidi = coalition["amani"], coalition["chidi"]
    case, key = investigating(amani)
    workflow.escalate(
        case, by=amani.user, case_key=key, level=Level.STEERING, reason="KP", to=chidi.user
    )
    private = keys.unseal_private_key(chidi, PASSWORD)
    assert access.case_key_for_staff(case, chidi.user, private) == key
    grant = AuditEvent.objects.get(case_id=case.id, action="grant_access")
    assert (grant.actor, grant.detail) == ("amani", {"to": "chidi", "via": "escalate"})


def test_escalating_to_steering_without_a_name_hands_no_key(coalition):
    amani, chidi = coalition["amani"], coalition["chidi"]
    case, key = investigating(amani)
    workflow.escalate(case, by=amani.user, case_key=key, level=Level.STEERING, reason="KP")
    assert not KeyWrap.objects.filter(case=case, user=chidi.user).exists()
    assert not AuditEvent.objects.filter(case_id=case.id, action="grant_access").exists()


def test_a_steering_member_is_named_only_at_the_steering_level(coalition):
    amani, chidi = coalition["amani"], coalition["chidi"]
    case, key = investigating(amani)
    with pytest.raises(NotAllowed, match="only at the steering level"):
        workflow.escalate(
            case, by=amani.user, case_key=key, level=Level.REGIONAL, reason="r", to=chidi.user
        )
    assert not KeyWrap.objects.filter(case=case, user=chidi.user).exists()
    chidi.user.is_active = False
    chidi.user.save()
    with pytest.raises(NotAllowed, match="cannot receive cases"):
        workflow.escalate(
            case, by=amani.user, case_key=key, level=Level.STEERING, reason="r", to=chidi.user
        )


def test_chidi_reads_exactly_the_cases_escalated_to_him_and_404_on_any_other(client, coalition):
    amani, chidi = coalition["amani"], coalition["chidi"]
    escalated, key = investigating(amani)
    workflow.escalate(
        escalated, by=amani.user, case_key=key, level=Level.STEERING, reason="KP", to=chidi.user
    )
    other, other_key = investigating(amani)
    workflow.escalate(other, by=amani.user, case_key=other_key, level=Level.STEERING, reason="x")
    sign_in(client, chidi)
    page = client.get(reverse("admin:cases_case_change", args=[escalated.pk]))
    assert page.status_code == 200
    assert "Soldiers seized the diamonds" in page.content.decode()
    assert client.get(reverse("admin:cases_case_change", args=[other.pk])).status_code == 404
    queue = client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert escalated.reference in queue and other.reference not in queue
    assert forms.acts_on_page(escalated, chidi.user) == []  # he reads; officers act


def test_a_coordinator_can_take_the_key_back(client, coalition):
    amani, beatrice, chidi = coalition["amani"], coalition["beatrice"], coalition["chidi"]
    case, key = investigating(amani)
    workflow.escalate(
        case, by=amani.user, case_key=key, level=Level.STEERING, reason="KP", to=chidi.user
    )
    sharing.revoke_access(case, by=beatrice.user, who=chidi.user)
    sign_in(client, chidi)
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 404


def test_a_steering_member_not_yet_admitted_receives_no_case(coalition):
    from staff import accounts

    amani, beatrice = coalition["amani"], coalition["beatrice"]
    ada = accounts.enrol("ada", role="admin", password=PASSWORD).profile
    invitation = accounts.invite("kofi", role="steering", email="", by=ada.user)
    kofi = accounts.redeem(invitation.code, accounts.make_keys(PASSWORD), totp_key=b"k" * 20)
    kofi = kofi.profile
    case, key = investigating(amani)
    with pytest.raises(NotAllowed, match="must admit this person to cases first"):
        workflow.escalate(
            case, by=amani.user, case_key=key, level=Level.STEERING, reason="KP", to=kofi.user
        )
    assert not KeyWrap.objects.filter(case=case, user=kofi.user).exists()
    # Any coordinator may admit a steering member, who serves the whole coalition.
    accounts.admit(kofi, by=beatrice.user, private_key=keys.unseal_private_key(beatrice, PASSWORD))
    kofi = StaffProfile.objects.get(pk=kofi.pk)  # as the next request sees him
    workflow.escalate(
        case, by=amani.user, case_key=key, level=Level.STEERING, reason="KP", to=kofi.user
    )
    assert KeyWrap.objects.filter(case=case, user=kofi.user).exists()
