"""System checks on the cases' routing: warn about countries nobody would receive."""

from django.core.checks import Warning, register
from django.db import DatabaseError

from places.countries import COUNTRIES

from .routing import recipients


@register()
def check_every_country_has_a_recipient(app_configs, **kwargs):
    try:
        missing = [code for code in COUNTRIES if not recipients(code)]
    except DatabaseError:  # before the first migrate
        return []
    if not missing:
        return []
    return [
        Warning(
            f"No officer or coordinator would receive reports from: {', '.join(missing)}.",
            hint="Enrol staff with: manage.py create_officer NAME --role officer --countries XX",
            id="lanterne.W010",
        )
    ]
