"""Create the clearly-labelled demo organisation once (staff, and a few months of fictitious
cases made through the real functions), and print its logins every time."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from alerts import defaults as alert_rules
from cases.models import Role, StaffProfile
from lib import clock
from staff import accounts, demo_cases

DEMO_STAFF = [
    ("demo-coordinator-central", Role.COORDINATOR, [], ["central", "great-lakes"]),
    ("demo-coordinator-west", Role.COORDINATOR, [], ["west"]),
    ("demo-coordinator-southern", Role.COORDINATOR, [], ["southern"]),
    ("demo-officer-cd", Role.OFFICER, ["CD"], []),
    ("demo-officer-cf", Role.OFFICER, ["CF"], []),
    ("demo-officer-sl", Role.OFFICER, ["SL"], []),
    ("demo-officer-zw", Role.OFFICER, ["ZW"], []),
    ("demo-steering", Role.STEERING, [], []),
    ("demo-admin", Role.ADMIN, [], []),
]


class Command(BaseCommand):
    help = "Seed the DEMO organisation (first run only) and print its demo logins."

    def handle(self, **options):
        logins = settings.DATA_DIR / "demo-logins.txt"
        if not StaffProfile.objects.exists():
            lines = self.seed()
            logins.touch(mode=0o600)
            logins.write_text("\n".join(lines) + "\n")
        if logins.exists():
            self.stdout.write("=" * 72)
            self.stdout.write("DEMO ORGANISATION — fictitious staff for trying Lanterne out.")
            self.stdout.write("Never use these accounts for real reports.")
            self.stdout.write("=" * 72)
            self.stdout.write(logins.read_text())

    @transaction.atomic
    def seed(self) -> list[str]:
        lines, staff = [], {}
        for username, role, countries, regions in DEMO_STAFF:
            password = f"demo-{secrets.token_hex(6)}"
            enrolment = accounts.enrol(
                username,
                role=role,
                password=password,
                countries=countries,
                regions=regions,
                email=f"{username}@demo.lanterne.invalid",
            )
            if role != Role.ADMIN:
                staff[username] = (enrolment.profile, password)
            scope = ",".join(countries or enrolment.profile.region_list) or "-"
            lines.append(f"{username:28} {role:12} {scope:20} password: {password}")
            lines.append(f"    TOTP: {enrolment.otpauth_uri}")
            lines.append(f"    recovery key: {enrolment.recovery_key}")
            lines.append(f"    e-mail: {enrolment.profile.user.email}")
        rules = alert_rules.seed()
        lines.append(f"{len(rules)} early-warning rules (Alerts, in the staff site).")
        made = demo_cases.make(staff, now=clock.now())
        lines.append(f"{made} DEMO cases over the last {demo_cases.DAYS} days (fictitious).")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            lines.append(
                f"Mail (notifications, reminders) is written to {settings.EMAIL_FILE_PATH}/"
            )
        return lines
