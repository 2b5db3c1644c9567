"""Every report reaches somebody who can read it: national → regional → coalition coordinators."""

import pytest

from cases import intake, routing, sharing
from cases.models import AuditEvent, Case, KeyWrap, Priority
from staff import accounts
from tests.conftest import PASSWORD, key_of, report

pytestmark = pytest.mark.django_db


def wrapped_users(case) -> set[str]:
    return {w.user.username for w in KeyWrap.objects.filter(case=case).select_related("user")}


def deactivate(profile) -> None:
    profile.user.is_active = False
    profile.user.save()


@pytest.fixture
def zola(db):
    """Coordinator of Southern Africa (Botswana's region)."""
    return accounts.enrol("zola", role="coordinator", password=PASSWORD, regions=["southern"])


@pytest.fixture
def kofi(db):
    """Coordinator of West Africa (Sierra Leone's region)."""
    return accounts.enrol("kofi", role="coordinator", password=PASSWORD, regions=["west"])


def route_of(case) -> str:
    return AuditEvent.objects.get(case_id=case.id, action="submit").detail["route"]


def test_a_country_with_officers_goes_to_them_and_its_regional_coordinators(coalition):
    case = report().case
    assert wrapped_users(case) == {"amani", "beatrice"} and route_of(case) == "national"


def test_a_country_without_an_officer_goes_to_its_region(coalition):
    case = report(country="RW").case
    assert wrapped_users(case) == {"beatrice"} and route_of(case) == "regional"


def test_a_p1_report_from_botswana_reaches_the_coalition_when_its_coordinator_is_away(
    coalition, zola
):
    assert wrapped_users(report(country="BW").case) == {"zola"}  # positive control
    deactivate(zola.profile)
    case = report(country="BW", urgent=True).case
    assert case.priority == Priority.P1
    assert wrapped_users(case) == {"beatrice"} and route_of(case) == "coalition"


def test_a_regional_only_report_never_falls_back_to_the_national_team(coalition, kofi):
    assert wrapped_users(report(country="SL", regional_only=True).case) == {"kofi"}
    deactivate(kofi.profile)
    case = report(country="SL", regional_only=True).case
    assert wrapped_users(case) == {"beatrice"}
    assert "sia" not in wrapped_users(case) and route_of(case) == "coalition"


def test_a_fallback_case_can_be_shared_with_the_coordinator_once_back(coalition, zola):
    deactivate(zola.profile)
    case = report(country="BW", urgent=True).case
    zola.profile.user.is_active = True
    zola.profile.user.save()
    beatrice = coalition["beatrice"]
    sharing.grant_access(
        case, by=beatrice.user, to=zola.profile.user, case_key=key_of(case, beatrice)
    )
    assert wrapped_users(case) == {"beatrice", "zola"}
    assert key_of(case, zola.profile)


def test_a_report_nobody_could_read_is_refused_and_nothing_is_made(amani):
    with pytest.raises(intake.NobodyToReceive, match="SL"):
        report(country="SL")
    with pytest.raises(intake.NobodyToReceive, match="CD"):
        report(country="CD", regional_only=True)
    assert not Case.objects.exists()
    assert wrapped_users(report(country="CD").case) == {"amani"}  # positive control


def test_deactivated_staff_receive_nothing(coalition):
    deactivate(coalition["amani"])
    case = report().case
    assert wrapped_users(case) == {"beatrice"} and route_of(case) == "regional"


def test_the_last_officer_of_a_country_leaves_a_gap_at_the_regional_level(coalition):
    gaps = routing.scopes_left_without(coalition["sia"].user)
    assert gaps == [routing.Gap("SL", "country", routing.COALITION)]


def test_the_last_coordinator_leaves_regional_only_reports_with_nobody(coalition):
    gaps = set(routing.scopes_left_without(coalition["beatrice"].user))
    assert routing.Gap("central", "region", routing.NOBODY) in gaps
    assert routing.Gap("great-lakes", "region", routing.NOBODY) in gaps
    assert routing.Gap("RW", "country", routing.NOBODY) in gaps
    assert not [g for g in gaps if g.scope == "CD" and g.kind == "country"]  # Amani stays


def test_one_of_two_officers_leaving_leaves_no_gap(coalition):
    accounts.enrol("jean", role="officer", password=PASSWORD, countries=["CD"])
    assert routing.scopes_left_without(coalition["amani"].user) == []
