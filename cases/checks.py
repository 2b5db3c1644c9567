"""System checks on routing: every report must reach somebody who can read it.

W010 (always): countries without an active officer and regions without an active
coordinator, with the level their reports fall back to (cases.routing).
E011 (`check --deploy` in production; a warning otherwise): a country whose reports —
ordinary or "regional team only" — would reach nobody at any level. Submissions from
there are refused until somebody is enrolled or reactivated.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from . import routing


def _staff():
    try:
        return routing.active_staff()
    except DatabaseError:  # before the first migrate
        return None


@register()
def check_every_scope_has_a_recipient(app_configs, **kwargs):
    staff = _staff()
    if staff is None:
        return []
    gaps = routing.gaps(staff)
    if not gaps:
        return []
    lines = [
        f"{gap.kind} {gap.scope}: reports go to the {gap.falls_to} level"
        if gap.falls_to != routing.NOBODY
        else f"{gap.kind} {gap.scope}: reports would reach nobody"
        for gap in gaps
    ]
    return [
        Warning(
            "Some scopes have no active recipient of their own: " + "; ".join(lines) + ".",
            hint="Enrol staff with: manage.py create_officer NAME --role officer --countries XX "
            "(or --role coordinator --regions ...)",
            id="lanterne.W010",
        )
    ]


@register(Tags.security, deploy=True)
def check_no_report_reaches_nobody(app_configs, **kwargs):
    staff = _staff()
    if staff is None:
        return []
    routes = routing.every_route(staff)
    lost = sorted(
        f"{country}{' (regional team only)' if regional_only else ''}"
        for (country, regional_only), route in routes.items()
        if route.level == routing.NOBODY
    )
    if not lost:
        return []
    level = Error if settings.PRODUCTION else Warning
    return [
        level(
            "Reports from these countries would reach nobody and are refused: "
            + ", ".join(lost)
            + ".",
            hint="Enrol or reactivate at least one coordinator: reports fall back to every "
            "active coordinator when their country and region have nobody.",
            id="lanterne.E011",
        )
    ]
