import pytest
from django.core import checks

pytestmark = pytest.mark.django_db


def warning_ids():
    return {m.id: m.msg for m in checks.run_checks() if m.id and m.id.startswith("lanterne")}


def test_it_warns_about_countries_nobody_would_receive(amani):
    message = warning_ids()["lanterne.W010"]
    assert "SL" in message and "CD" not in message.split(":")[1].split(", ")


def test_no_warning_when_every_country_is_covered(db):
    from places.countries import REGIONS
    from staff import accounts

    accounts.enrol("all", role="coordinator", password="x" * 12, regions=list(REGIONS))
    assert "lanterne.W010" not in warning_ids()
