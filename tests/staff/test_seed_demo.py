"""`make run`'s demo organisation: staff, and a few months of labelled, fictitious cases."""

import io
import re

import pytest
from django.core.management import call_command

from cases import access, content, keys, search
from cases.models import AuditEvent, Case, StaffProfile
from staff import demo_cases

pytestmark = pytest.mark.django_db


def test_the_demo_has_months_of_labelled_cases_in_several_countries_and_states(
    settings, tmp_path, monkeypatch
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(demo_cases, "CASES", 50)  # the same mix as make run's 140, quicker
    call_command("seed_demo", stdout=io.StringIO())
    cases = Case.objects.all()
    assert cases.count() == demo_cases.CASES
    assert len(set(cases.values_list("country", flat=True))) >= 5
    assert {"received", "acknowledged", "investigating", "concluded"} <= set(
        cases.values_list("status", flat=True)
    )
    months = {c.received_at.strftime("%Y-%m") for c in cases}
    assert len(months) >= 4
    assert cases.exclude(province="").exists()
    # Made through intake.submit and the workflow: each left its audit event.
    assert AuditEvent.objects.filter(action="submit").count() == demo_cases.CASES
    assert AuditEvent.objects.filter(action="acknowledge").exists()
    # Every report says it is a demo.
    logins = (tmp_path / "demo-logins.txt").read_text()
    password = re.search(r"demo-officer-cd .* password: (\S+)", logins).group(1)
    officer = StaffProfile.objects.get(user__username="demo-officer-cd")
    private = keys.unseal_private_key(officer, password)
    for case in cases.filter(country="CD", regional_only=False)[:10]:
        key = access.case_key_for_staff(case, officer.user, private)
        assert content.read_report(case, key)["what_happened"].startswith("DEMO — fictitious")
    # Search inside sealed cases can be tried at once: a town named in some DRC reports.
    search.catch_up(officer.user, private)
    found = search.matching(Case.objects.all(), officer.user, private, "nyabibwe")
    assert found.exists() and all(c.province == "CD-SK" for c in found)
    assert not search.matching(Case.objects.all(), officer.user, private, "timbuktu").exists()
    # Run again: nothing more is made, the logins are printed again.
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert Case.objects.count() == demo_cases.CASES
    assert "demo-steering" in again.getvalue()


def test_the_demo_staff_have_addresses_and_their_mail_lands_in_files(
    settings, tmp_path, monkeypatch
):
    from cases import notifications

    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    monkeypatch.setattr(demo_cases, "CASES", 6)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert f"written to {tmp_path / 'mail'}/" in out.getvalue()
    profiles = StaffProfile.objects.select_related("user")
    assert all(p.user.email.endswith("@demo.lanterne.invalid") for p in profiles)
    assert notifications.deliver() > 0
    mails = "".join(f.read_text() for f in (tmp_path / "mail").iterdir())
    assert "demo-officer-cd@demo.lanterne.invalid" in mails
    assert "needs attention" in mails
