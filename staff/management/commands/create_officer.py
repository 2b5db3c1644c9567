import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from cases.models import Role
from places import countries as places
from staff import accounts


class Command(BaseCommand):
    help = "Create a staff account with its key pair and TOTP device; print the once-only secrets."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--countries", default="", help="ISO 3166 alpha-2 codes, e.g. CD,CF")
        parser.add_argument(
            "--regions", default="", help=f"for coordinators: {', '.join(places.REGIONS)}"
        )
        parser.add_argument("--email", default="")

    def handle(self, username, role, countries, regions, email, **options):
        try:
            country_list = places.parse_codes(countries, places.COUNTRIES, "country")
            region_list = places.parse_codes(regions, places.REGIONS, "region")
        except ValueError as error:
            raise CommandError(str(error)) from None
        if role == Role.OFFICER and not country_list:
            raise CommandError("an officer needs --countries")
        if role == Role.COORDINATOR and not (country_list or region_list):
            raise CommandError("a coordinator needs --regions or --countries")
        password = os.environ.get("LANTERNE_OFFICER_PASSWORD") or self.ask_password()
        if len(password) < 12:
            raise CommandError("the password must have at least 12 characters")
        try:
            enrolment = accounts.enrol(
                username,
                role=role,
                password=password,
                countries=country_list,
                regions=region_list,
                email=email,
            )
        except IntegrityError:
            raise CommandError(f"a user named {username!r} already exists") from None
        profile = enrolment.profile
        self.stdout.write(
            f"Created {role} {username!r}"
            f" (countries: {profile.countries or '-'}; regions: {profile.regions or '-'})"
        )
        self.stdout.write(f"Authenticator (TOTP) URI: {enrolment.otpauth_uri}")
        self.stdout.write(f"Recovery key (shown once, keep it offline): {enrolment.recovery_key}")
        self.stdout.write(
            "Without the password or this recovery key, the cases sent to this "
            "account cannot be read: an administrator cannot restore them."
        )

    def ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        return first
