"""The rules a new organisation starts with (the demo is seeded with them)."""

from .models import EARLY_WARNINGS_RULE, URGENT_RULE, Condition, Grouping, Rule

DEFAULT_RULES = [
    {
        "name": URGENT_RULE,
        "condition": Condition.EACH,
        "priorities": ["P1"],
        "group_by": Grouping.COUNTRY,
        "notify_officers": True,
        "escalate_after_hours": 2,
    },
    {
        "name": EARLY_WARNINGS_RULE,
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


def seed() -> list[Rule]:
    """Create the default rules unless a rule of that name exists; return those created."""
    made = []
    for fields in DEFAULT_RULES:
        rule, created = Rule.objects.get_or_create(name=fields["name"], defaults=fields)
        if created:
            made.append(rule)
    return made
