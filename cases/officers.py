"""Staff accounts and their key pairs: enrolment, unsealing, password change, recovery."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import crypto, geography, keys
from .models import Role, StaffProfile


def password_kdf() -> crypto.KdfParams:
    memory_kib, iterations = settings.LANTERNE_PASSWORD_KDF
    return crypto.KdfParams(memory_kib=memory_kib, iterations=iterations)


@dataclass(frozen=True)
class Enrolment:
    profile: StaffProfile
    recovery_key: str
    otpauth_uri: str


def regions_for(role: str, countries: list[str], regions: list[str]) -> list[str]:
    """A coordinator named only by countries leads every region those countries are in."""
    if role == Role.COORDINATOR and not regions:
        return sorted({r for c in countries for r in geography.regions_of(c)})
    return regions


@transaction.atomic
def enrol(
    username: str,
    *,
    role: str,
    password: str,
    countries: list[str] = (),
    regions: list[str] = (),
    email: str = "",
) -> Enrolment:
    """Create a staff account, its key pair and its TOTP device; return the once-only secrets."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user = get_user_model().objects.create_user(
        username,
        email=email,
        password=password,
        is_staff=True,
        is_superuser=(role == Role.ADMIN),
    )
    private, public = crypto.generate_keypair()
    recovery_key = crypto.generate_recovery_key()
    profile = StaffProfile.objects.create(
        user=user,
        role=role,
        countries=",".join(countries),
        regions=",".join(regions_for(role, list(countries), list(regions))),
        public_key=public,
        sealed_private_key=seal_private_key(password, private),
        recovery_sealed_private_key=crypto.seal_with_recovery_key(recovery_key, private),
    )
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Enrolment(profile, recovery_key, device.config_url)


def seal_private_key(password: str, private_key: bytes) -> bytes:
    """Seal a private key under a password (Argon2id, its parameters in the blob)."""
    with keys.kdf_slot():
        return crypto.seal_with_password(password, private_key, password_kdf())


def unseal_private_key(profile: StaffProfile, password: str) -> bytes:
    """Open the private key with the account password; raise crypto.CryptoError if wrong."""
    with keys.kdf_slot():
        return crypto.open_with_password(password, bytes(profile.sealed_private_key))
