import pytest
from django.core import checks

from staff import accounts

pytestmark = pytest.mark.django_db


def messages(deploy=False):
    return {
        m.id: m
        for m in checks.run_checks(include_deployment_checks=deploy)
        if m.id and m.id.startswith("lanterne")
    }


def test_it_warns_about_scopes_without_their_own_recipient_and_says_where_reports_go(amani):
    message = messages()["lanterne.W010"].msg
    assert "country SL: reports would reach nobody" in message
    assert "country CD" not in message  # Amani covers it


def test_the_warning_names_the_fallback_level(amani, beatrice):
    message = messages()["lanterne.W010"].msg
    assert "country RW: reports go to the regional level" in message
    assert "country BW: reports go to the coalition level" in message
    assert "region southern: reports go to the coalition level" in message


def test_no_warning_when_every_scope_has_its_own_recipient(db):
    from places.countries import COUNTRIES, REGIONS

    accounts.enrol("all", role="coordinator", password="x" * 12, regions=list(REGIONS))
    accounts.enrol("every", role="officer", password="x" * 12, countries=list(COUNTRIES))
    assert "lanterne.W010" not in messages()


def test_in_production_a_country_whose_reports_reach_nobody_is_an_error(amani, settings):
    settings.PRODUCTION = True
    error = messages(deploy=True)["lanterne.E011"]
    assert error.level == checks.ERROR
    assert "CD (regional team only)" in error.msg and "SL" in error.msg
    assert "CD," not in error.msg.replace("CD (regional team only)", "")


def test_one_active_coordinator_anywhere_clears_the_error(amani, sia, settings):
    settings.PRODUCTION = True
    assert "lanterne.E011" in messages(deploy=True)
    accounts.enrol("zola", role="coordinator", password="x" * 12, regions=["southern"])
    assert "lanterne.E011" not in messages(deploy=True)


def test_outside_production_it_is_only_a_warning(amani, settings):
    settings.PRODUCTION = False
    assert messages(deploy=True)["lanterne.E011"].level == checks.WARNING
