"""Evaluate every active rule against one case that changed: raise an alert, or join one.

Called by alerts.tasks.evaluate_case (ids only) once a submission, or an officer's change
of a case's category, province or priority, has committed. Idempotent: while an alert for
a rule and area is open, a matching report joins it (the link is unique, the count is the
number of links), so evaluating twice leaves one alert with the same count. Evaluations of
one rule are serialised on the rule's row, so two workers never raise the same alert.

The counts are index-backed (cases' received_at/country/province index, the categories'
unique (case, code) index): one or two COUNT queries per rule in scope, none for the rest.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from cases import audit
from cases.models import Case, CaseCategory, Priority, Status
from lib import clock

from . import conditions, lifecycle
from .models import OPEN, Alert, AlertCase, Condition, Grouping, Rule
from .rules import Facts, area_countries, area_of, matches, regions_key, scope_countries

# Cases no rule counts: they were found to be nothing, or to be another case.
NOT_COUNTED = (Status.INADMISSIBLE, Status.DUPLICATE)
# An N-in-D or surge alert links at most this many of its window's cases when raised.
LINK_LIMIT = 500


def facts_of(case: Case) -> Facts:
    return Facts(
        country=case.country,
        province=case.province,
        categories=frozenset(case.categories.values_list("code", flat=True)),
        priority=case.priority,
        regional_only=case.regional_only,
    )


def matching_cases(rule: Rule, area: str, start: datetime, end: datetime) -> QuerySet:
    """The cases of the rule's area received in (start, end], as an index-backed query."""
    found = Case.objects.filter(received_at__gt=start, received_at__lte=end, shredded_at=None)
    if rule.group_by == Grouping.PROVINCE:
        found = found.filter(country=area[:2], province=area)
    elif rule.group_by == Grouping.COUNTRY:
        found = found.filter(country=area)
    else:
        found = found.filter(country__in=sorted(scope_countries(rule)))
    if rule.provinces and rule.group_by != Grouping.PROVINCE:
        found = found.filter(province__in=rule.provinces)
    if rule.priorities:
        found = found.filter(priority__in=rule.priorities)
    if rule.notify_officers:
        found = found.filter(regional_only=False)
    found = found.exclude(status__in=NOT_COUNTED)
    if rule.categories:  # EXISTS on the (case, code) index: no join to de-duplicate
        tagged = CaseCategory.objects.filter(case=OuterRef("pk"), code__in=rule.categories)
        found = found.filter(Exists(tagged))
    return found


def fires(rule: Rule, area: str, now: datetime) -> tuple[bool, datetime]:
    """Whether an N-in-D or surge rule holds in the area now, and its window's start."""
    if rule.condition == Condition.COUNT:
        start = now - timedelta(days=rule.window_days)
        wanted = max(rule.threshold, 1)  # counting stops at N: all the condition asks
        found = matching_cases(rule, area, start, now).values("pk")[:wanted]
        return len(found) >= wanted, start
    base_start, recent_start, _now = conditions.surge_windows(now, rule.baseline_weeks)
    recent = matching_cases(rule, area, recent_start, now).count()
    if recent < max(rule.min_count, 1):  # the cheap test first: no baseline query
        return False, recent_start
    baseline = matching_cases(rule, area, base_start, recent_start).count()
    fired = conditions.surge(
        recent,
        baseline,
        weeks=rule.baseline_weeks,
        min_count=rule.min_count,
        significance=rule.significance,
    )
    return fired, recent_start


def evaluate(case: Case) -> list[Alert]:
    """Run every active rule on this case; return the alerts it raised or joined."""
    if case.shredded_at is not None or case.status in NOT_COUNTED:
        return []
    facts = facts_of(case)
    wanted = {}
    for rule in Rule.objects.filter(active=True):
        area = area_of(rule, facts) if matches(rule, facts) else None
        if area is not None:
            wanted[rule.pk] = (rule, area)
    if not wanted:
        return []
    open_alerts = {
        (a.rule_id, a.area): a
        for a in Alert.objects.filter(rule_id__in=wanted, status__in=OPEN)
        if wanted[a.rule_id][1] == a.area
    }
    now = clock.coarse_now()  # what an alert stores because of a report: to the hour
    todo, already_in = [], []
    for rule, area in wanted.values():
        alert = open_alerts.get((rule.pk, area))
        if alert is not None and AlertCase.objects.filter(alert=alert, case=case).exists():
            already_in.append(alert)  # nothing to do (idempotence)
            continue
        if alert is None and not _fires_for(rule, area, case, now)[0]:
            continue  # the common case: no alert, no lock, one bounded count
        todo.append((rule.pk, area))
    if not todo:
        return already_in
    return _act_on(todo, case, now)


@transaction.atomic
def _act_on(todo: list[tuple[int, str]], case: Case, now: datetime) -> list[Alert]:
    """Join or raise under the rules' row locks (one evaluation per rule at once, taken in
    id order so two evaluations never wait on each other), in one transaction."""
    locked = {
        r.pk: r
        for r in Rule.objects.select_for_update()
        .filter(pk__in=[r for r, _a in todo])
        .order_by("pk")
    }
    touched = []
    for rule_id, area in todo:
        alert = _evaluate_rule(locked[rule_id], area, case, now)
        if alert is not None:
            touched.append(alert)
    return touched


def _fires_for(rule: Rule, area: str, case: Case, now: datetime) -> tuple[bool, datetime]:
    if rule.condition == Condition.EACH:
        # A report older than the rule's window is no early warning (an old case re-filed).
        return case.received_at > now - timedelta(days=rule.window_days), now
    return fires(rule, area, now)


def _evaluate_rule(rule: Rule, area: str, case: Case, now: datetime) -> Alert | None:
    """Under the rule's row lock: join the open alert, or raise one if the condition holds."""
    alert = Alert.objects.filter(rule=rule, area=area, status__in=OPEN).first()
    if alert is not None:
        join(alert, [case.pk], at=now)
        return alert
    fired, start = _fires_for(rule, area, case, now)
    if not fired:
        return None
    ids = [case.pk]
    if rule.condition != Condition.EACH:
        window = matching_cases(rule, area, start, now).order_by("received_at")
        ids = list(window.values_list("pk", flat=True)[:LINK_LIMIT]) or ids
        if case.pk not in ids:
            ids.append(case.pk)
    return raise_alert(rule, area, ids, at=now)


def raise_alert(rule: Rule, area: str, case_ids: list, *, at: datetime) -> Alert:
    countries = area_countries(rule, area)
    alert = Alert.objects.create(
        rule=rule,
        area=area,
        countries=countries,
        regions=regions_key(countries),
        categories=sorted(rule.categories),
        window_days=rule.window_days if rule.condition == Condition.COUNT else 0,
        raised_at=at,
        last_joined_at=at,
        tier_since=clock.now(),
    )
    join(alert, case_ids, at=at, record=False)
    for tier in lifecycle.first_tiers(rule):
        lifecycle.add_tier(alert, tier)
    audit.record(
        "alert_raised",
        by="system",
        at=at,
        detail={"alert": alert.pk, "rule": rule.pk, "area": area, "count": alert.count},
    )
    return alert


def join(alert: Alert, case_ids: list, *, at: datetime, record: bool = True) -> int:
    """Link these cases to the alert (once each); return how many joined."""
    ids = list(dict.fromkeys(case_ids))
    known = set(
        AlertCase.objects.filter(alert=alert, case_id__in=ids).values_list("case_id", flat=True)
    )
    new = [cid for cid in ids if cid not in known]
    if not new:
        return 0
    AlertCase.objects.bulk_create(
        [AlertCase(alert=alert, case_id=cid, joined_at=at) for cid in new], ignore_conflicts=True
    )
    alert.count += len(new)  # exact: the rule's row lock is held, links are unique
    if not alert.urgent:
        alert.urgent = Case.objects.filter(pk__in=new, priority=Priority.P1).exists()
    if not alert.rule.categories:  # a rule about any category: the categories it saw
        codes = CaseCategory.objects.filter(case_id__in=new).values_list("code", flat=True)
        alert.categories = sorted(set(alert.categories) | set(codes))
    alert.last_joined_at = at
    alert.save(update_fields=["count", "urgent", "categories", "last_joined_at"])
    if record:
        audit.record(
            "alert_joined", by="system", at=at, detail={"alert": alert.pk, "count": alert.count}
        )
    return len(new)
