"""Rules evaluated on commit: an alert raised, reports joining it, nothing raised twice."""

import pytest
from django.db import transaction

from alerts import evaluate
from alerts.models import Alert, Recipient
from cases import audit, workflow
from cases.models import AuditEvent
from tests.conftest import report


def send(capture, **answers):
    """A reporter's submission, with the commit's callbacks (the evaluation) run."""
    with capture(execute=True):
        return report(**answers).case


def test_an_urgent_report_alerts_its_countrys_focal_point(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    case = send(django_capture_on_commit_callbacks, urgent=True)
    alert = Alert.objects.get()
    assert (alert.rule, alert.area, alert.count, alert.urgent) == (urgent_rule, "CD", 1, True)
    assert list(alert.cases.all()) == [case]
    assert {r.user.username for r in Recipient.objects.filter(alert=alert)} == {"amani"}
    assert alert.raised_at.minute == alert.raised_at.second == 0  # cut to the hour
    assert AuditEvent.objects.filter(action="alert_raised").count() == 1
    assert audit.verify() is None


def test_a_report_that_matches_no_rule_raises_nothing(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, urgent=False)  # positive control above
    assert not Alert.objects.exists()


def test_two_evaluations_make_one_alert_and_new_reports_join_it(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    first = send(django_capture_on_commit_callbacks, urgent=True)
    evaluate.evaluate(first)
    again = evaluate.evaluate(first)  # the alert it is already in, unchanged
    assert again == [Alert.objects.get()] and Alert.objects.get().count == 1
    send(django_capture_on_commit_callbacks, urgent=True)
    alert = Alert.objects.get()
    assert alert.count == 2
    send(django_capture_on_commit_callbacks, urgent=True, country="SL")
    assert Alert.objects.count() == 2  # another country, another area


def test_three_early_warnings_in_one_province_alert_the_coordinators(
    coalition, ews_rule, django_capture_on_commit_callbacks
):
    for _ in range(2):
        send(django_capture_on_commit_callbacks, categories=["EWS"])
    send(django_capture_on_commit_callbacks, categories=["EWS"], province="CD-NK")
    assert not Alert.objects.exists()  # two in CD-KS, one in CD-NK
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    alert = Alert.objects.get()
    assert (alert.area, alert.count, alert.categories) == ("CD-KS", 3, ["EWS"])
    assert {r.user.username for r in alert.recipients.all()} == {"beatrice"}
    assert alert.regions == ",central,great-lakes,"


def test_early_warnings_older_than_the_window_do_not_count(
    coalition, ews_rule, frozen, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    frozen.advance(days=8)
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    assert not Alert.objects.exists()
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    send(django_capture_on_commit_callbacks, categories=["EWS"])
    assert Alert.objects.get().count == 3


def test_an_officers_change_of_priority_is_evaluated_on_commit(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    case = send(django_capture_on_commit_callbacks, urgent=False)
    assert not Alert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.set_priority(case, by=coalition["amani"].user, priority="P1")
    assert Alert.objects.get().count == 1


def test_an_officers_change_of_province_is_evaluated_on_commit(
    coalition, ews_rule, django_capture_on_commit_callbacks
):
    for _ in range(2):
        send(django_capture_on_commit_callbacks, categories=["EWS"])
    third = send(django_capture_on_commit_callbacks, categories=["EWS"], province="CD-NK")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.set_province(third, by=coalition["amani"].user, province="CD-KS")
    assert Alert.objects.get().count == 3


def test_a_rolled_back_change_is_never_evaluated(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    case = send(django_capture_on_commit_callbacks, urgent=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="changed her mind"), transaction.atomic():
            workflow.set_priority(case, by=coalition["amani"].user, priority="P1")
            raise RuntimeError("the officer changed her mind")
    assert callbacks == [] and not Alert.objects.exists()


def test_a_regional_only_report_never_alerts_the_focal_points(
    coalition, urgent_rule, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, urgent=True, regional_only=True)
    assert not Alert.objects.exists()


def test_a_broker_that_is_down_leaves_the_report_accepted_and_the_sweep_raises_the_alert(
    coalition, urgent_rule, monkeypatch, django_capture_on_commit_callbacks
):
    from alerts import tasks

    def down(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.evaluate_case, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        submission = report(urgent=True)
    assert submission.receipt and not Alert.objects.exists()
    assert tasks.evaluate_recent() == 1
    assert Alert.objects.get().count == 1
    assert tasks.evaluate_recent() == 1  # again: still one alert, same count
    assert Alert.objects.get().count == 1
