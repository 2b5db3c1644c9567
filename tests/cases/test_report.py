"""The report's fields, declared once: submit refuses what the form could never have sent."""

from datetime import timedelta

import pytest

from cases import intake, report, samples
from cases.models import Case
from lib import clock
from whistle.forms import ReportForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"country": "XX"}, "country", "Choose from the list"),
        ({"categories": ["DEF", "XXX"]}, "categories", "Choose from the list"),
        ({"mineral": "uranium"}, "mineral", "Choose from the list"),
        ({"stage": "mining"}, "stage", "Choose from the list"),
        ({"what_happened": ""}, "what_happened", "the heart of your report"),
        ({"what_happened": "x" * 20001}, "what_happened", "under 20000 characters"),
        ({"incident_date": "31/03/2025"}, "incident_date", "like 2025-03-31"),
        ({"urgent": "yes"}, "urgent", "Yes or no"),
        ({"regional_only": 1}, "regional_only", "Yes or no"),
        ({"province": ["a list"]}, "province", "Not a text"),
        ({"colour": "blue"}, "colour", "Not a field of the report"),
    ],
)
def test_submit_refuses_an_answer_outside_its_field(coalition, changes, field, reason):
    with pytest.raises(report.InvalidReport, match=reason) as refused:
        intake.submit(answers=samples.answers(**changes))
    assert refused.value.field == field
    assert not Case.objects.exists()


def test_a_date_in_the_future_is_refused(coalition):
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    with pytest.raises(report.InvalidReport, match="in the future"):
        intake.submit(answers=samples.answers(incident_date=tomorrow))


def test_the_standard_answers_are_accepted_and_missing_optional_ones_filled_in(coalition):
    case = intake.submit(answers=samples.answers()).case
    assert case.country == "CD" and sorted(case.category_codes) == ["DEF", "TRD"]
    minimal = {"categories": ["EWS"], "country": "SL", "what_happened": "Armed men arrived."}
    assert report.clean_answers(minimal) == {
        **{spec.name: spec.empty for spec in report.FIELDS},
        **minimal,
    }


def test_a_report_without_a_category_is_not_sure_yet_until_an_officer_assesses_it(coalition):
    assert report.clean_answers(samples.answers(categories=[]))["categories"] == ["OTH"]
    assert report.clean_answers(samples.answers(categories=["EWS"]))["categories"] == ["EWS"]
    case = intake.submit(answers=samples.answers(categories=[])).case
    assert case.category_codes == ["OTH"]


def test_the_public_form_asks_exactly_the_declared_fields():
    from whistle import forms, plain

    fields = ReportForm().fields
    assert sorted(fields) == sorted(spec.name for spec in report.FIELDS)
    assert list(fields)[: len(forms.FIRST)] == list(forms.FIRST)  # what happened first
    assert {name: str(f.label) for name, f in fields.items()} == {
        spec.name: str(plain.LABELS.get(spec.name, spec.label)) for spec in report.FIELDS
    }


def test_the_case_page_labels_answers_in_the_forms_order_and_keeps_unknown_ones():
    answers = report.labelled({"what_happened": "x", "categories": ["DEF"], "old_key": "kept"})
    assert [a.key for a in answers] == ["categories", "what_happened", "old_key"]
    assert answers[0].text.startswith("Threats or reprisals")
    assert answers[1].long and not answers[0].long
    assert answers[2].label == "old_key" and answers[2].text == "kept"
