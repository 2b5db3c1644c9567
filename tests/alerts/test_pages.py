"""The staff pages of early warning: header count, list, one alert, its acts, the rules."""

import pytest
from django.db import connection
from django.urls import reverse

from alerts.models import Alert, Assessment, Rule
from tests.conftest import report, sign_in

SECRET = "canary-the-convoy-left-at-dawn"


@pytest.fixture
def alert(coalition, urgent_rule, django_capture_on_commit_callbacks) -> Alert:
    with django_capture_on_commit_callbacks(execute=True):
        report(urgent=True)
    return Alert.objects.get()


def test_the_header_counts_unacknowledged_alerts_and_the_list_shows_them(client, alert, amani):
    sign_in(client, amani)
    page = client.get(reverse("admin:index")).content.decode()
    assert "1 alert to acknowledge" in page
    listing = client.get(reverse("admin:alerts")).content.decode()
    assert reverse("admin:alert", args=[alert.pk]) in listing and "urgent" in listing


def test_a_focal_point_acknowledges_and_assesses_with_sealed_text(client, alert, amani):
    sign_in(client, amani)
    url = reverse("admin:alert", args=[alert.pk])
    client.post(reverse("admin:alert_act", args=[alert.pk, "acknowledge"]))
    response = client.post(
        reverse("admin:alert_act", args=[alert.pk, "assess"]),
        {"finding": "confirmed", "text": SECRET},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.finding) == ("assessed", "confirmed")
    assert SECRET in client.get(url).content.decode()  # opened with her key
    assert SECRET.encode() not in bytes(Assessment.objects.get().text)
    with connection.cursor() as cursor:  # nowhere in the alert tables in clear
        cursor.execute("SELECT text FROM alerts_assessment")
        assert all(SECRET.encode() not in bytes(row[0]) for row in cursor.fetchall())
    assert "0 alerts to acknowledge" in client.get(reverse("admin:index")).content.decode()


def test_an_officer_of_another_country_gets_not_found(client, alert, sia):
    sign_in(client, sia)
    assert client.get(reverse("admin:alert", args=[alert.pk])).status_code == 404
    act = client.post(reverse("admin:alert_act", args=[alert.pk, "acknowledge"]))
    assert act.status_code == 404
    assert client.get(reverse("admin:alert", args=["nonsense"])).status_code == 404
    alert.refresh_from_db()
    assert alert.status == "raised"
    assert (
        reverse("admin:alert", args=[alert.pk])
        not in client.get(reverse("admin:alerts")).content.decode()
    )


def test_a_refused_act_says_why(client, alert, amani):
    sign_in(client, amani)
    response = client.post(reverse("admin:alert_act", args=[alert.pk, "close"]), follow=True)
    assert "cannot be done while the alert is" in response.content.decode()


RULE_FIELDS = {
    "name": "x",
    "condition": "count",
    "group_by": "country",
    "threshold": "3",
    "window_days": "7",
    "baseline_weeks": "8",
    "min_count": "3",
    "significance": "0.01",
    "notify_coordinators": "on",
    "escalate_after_hours": "12",
}


def test_a_coordinator_edits_rules_and_an_officer_may_not(client, beatrice, amani, urgent_rule):
    sign_in(client, amani)
    assert client.get(reverse("admin:alert_rules")).status_code == 403
    client.logout()
    sign_in(client, beatrice)
    assert "urgent" in client.get(reverse("admin:alert_rules")).content.decode()
    fields = {
        **RULE_FIELDS,
        "name": "Surge of armed-group reports in South Kivu",
        "active": "on",
        "countries": ["CD"],
        "provinces": ["CD-SK"],
        "categories": ["NSAG"],
        "condition": "surge",
        "group_by": "province",
    }
    response = client.post(reverse("admin:alert_rule_add"), fields)
    assert response.status_code == 302
    rule = Rule.objects.get(name=fields["name"])
    assert (rule.provinces, rule.categories, rule.condition) == (["CD-SK"], ["NSAG"], "surge")


def test_a_rule_belongs_to_the_coordinators_of_the_countries_it_reaches(
    client, beatrice, urgent_rule
):
    """West Africa's coordinator cannot open, change or create a rule about the DRC (nor one
    naming only a Kivu province); she edits her own region's and the coalition's rules."""
    from staff import accounts
    from tests.conftest import PASSWORD

    kadi = accounts.enrol("kadi", role="coordinator", password=PASSWORD, regions=["west"])
    drc = Rule.objects.create(name="DRC surge", condition="surge", countries=["CD"])
    kivu = Rule.objects.create(name="Kivu", condition="each", provinces=["CD-SK"])
    outside = "This rule reaches countries outside your regions (Democratic Republic of the Congo)"
    sign_in(client, kadi.profile)
    listing = client.get(reverse("admin:alert_rules")).content.decode()
    assert "DRC surge" in listing and reverse("admin:alert_rule", args=[drc.pk]) not in listing
    assert reverse("admin:alert_rule", args=[urgent_rule.pk]) in listing
    for rule in (drc, kivu):
        opened = client.get(reverse("admin:alert_rule", args=[rule.pk]), follow=True)
        assert outside in opened.content.decode()
        changed = client.post(
            reverse("admin:alert_rule", args=[rule.pk]),
            {**RULE_FIELDS, "name": "silenced", "countries": ["SL"]},
            follow=True,
        )
        assert outside in changed.content.decode()
    assert not Rule.objects.filter(name="silenced").exists()
    made = client.post(reverse("admin:alert_rule_add"), {**RULE_FIELDS, "countries": ["CD"]})
    assert made.status_code == 200 and outside in made.content.decode()
    assert "Choose countries of your regions" in made.content.decode()
    assert not Rule.objects.filter(name="x").exists()

    # Positive controls: her region's rule, and the coalition's default.
    ok = client.post(reverse("admin:alert_rule_add"), {**RULE_FIELDS, "countries": ["SL"]})
    assert ok.status_code == 302 and Rule.objects.get(name="x").countries == ["SL"]
    fields = {**RULE_FIELDS, "name": "urgent", "priorities": ["P1"], "condition": "each"}
    default = client.post(reverse("admin:alert_rule", args=[urgent_rule.pk]), fields)
    assert default.status_code == 302
    client.logout()
    sign_in(client, beatrice)  # the DRC's coordinator edits the DRC's rule
    mine = client.post(
        reverse("admin:alert_rule", args=[drc.pk]), {**RULE_FIELDS, "countries": ["CD"]}
    )
    assert mine.status_code == 302
    drc.refresh_from_db()
    assert drc.name == "x"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"provinces": ["SL-E"]}, "Choose provinces of the countries in scope."),
        ({"significance": "2"}, "The significance is a probability between 0 and 1."),
        ({"notify_coordinators": ""}, "Choose at least one group to alert."),
        ({"condition": "sometimes"}, "Select a valid choice."),
    ],
)
def test_a_bad_rule_gets_a_message_not_an_error(client, beatrice, change, message):
    sign_in(client, beatrice)
    fields = {**RULE_FIELDS, "countries": ["CD"], **change}
    response = client.post(reverse("admin:alert_rule_add"), fields)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Rule.objects.exists()
