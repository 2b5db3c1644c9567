"""The rules a new organisation starts with (the demo is seeded with them)."""

from django.utils.translation import gettext_noop

from .models import Condition, Grouping, Rule

DEFAULT_RULES = [
    {
        "name": gettext_noop("Urgent report: someone's life or freedom is in danger"),
        "condition": Condition.EACH,
        "priorities": ["P1"],
        "group_by": Grouping.COUNTRY,
        "notify_officers": True,
        "escalate_after_hours": 2,
    },
    {
        "name": gettext_noop("Three early warnings in one province within 7 days"),
        "condition": Condition.COUNT,
        "categories": ["EWS"],
        "group_by": Grouping.PROVINCE,
        "threshold": 3,
        "window_days": 7,
        "notify_officers": False,
        "notify_coordinators": True,
        "escalate_after_hours": 24,
    },
]

DEFAULT_NAMES = frozenset(rule["name"] for rule in DEFAULT_RULES)


def seed() -> list[Rule]:
    """Create the default rules unless a rule of that name exists; return those created."""
    made = []
    for fields in DEFAULT_RULES:
        rule, created = Rule.objects.get_or_create(name=fields["name"], defaults=fields)
        if created:
            made.append(rule)
    return made
