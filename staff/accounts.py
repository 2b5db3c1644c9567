"""Staff accounts and what is done to them: enrolment with a key pair and a second factor,
password change and recovery (both re-seal the private key), and the administrator's reset.

Nothing here is a view: the sign-in pages are staff.login, the forms staff.account_forms.
"""

from dataclasses import dataclass

import django_otp
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import audit, keys, permissions
from cases.models import KeyWrap, Role, StaffProfile
from lib import crypto
from places import countries as places

BACKUP_CODES = 10


@dataclass(frozen=True)
class Enrolment:
    profile: StaffProfile
    recovery_key: str
    otpauth_uri: str


def regions_for(role: str, countries: list[str], regions: list[str]) -> list[str]:
    """A coordinator named only by countries leads every region those countries are in."""
    if role == Role.COORDINATOR and not regions:
        return sorted({r for c in countries for r in places.regions_of(c)})
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
        sealed_private_key=keys.seal_private_key(password, private),
        recovery_sealed_private_key=crypto.seal_with_recovery_key(recovery_key, private),
    )
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Enrolment(profile, recovery_key, device.config_url)


class Refused(Exception):
    """Wrong credentials; the caller shows one message whatever was wrong."""


def verify_code(user, code: str, *, devices=None) -> django_otp.models.Device | None:
    """The confirmed device (TOTP or backup codes) that accepts ``code``, or None."""
    code = "".join(code.split()).replace("-", "").lower()
    if not code:
        return None
    with transaction.atomic():
        if devices is None:
            devices = django_otp.devices_for_user(user, for_verify=True)
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES fresh ones; each works once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def change_password(user, *, old_password: str, new_password: str) -> bytes | None:
    """Re-seal the private key under the new password and set it; return the key.

    Raises Refused if the old password is wrong or does not open the key."""
    if not user.check_password(old_password):
        raise Refused
    profile = permissions.profile_of(user)
    private_key = sealed = None
    if profile is not None:
        try:
            private_key = keys.unseal_private_key(profile, old_password)
        except crypto.CryptoError:
            raise Refused from None
        # Argon2id runs outside the transaction: SQLite would hold its write lock meanwhile.
        sealed = keys.seal_private_key(new_password, private_key)
    with transaction.atomic():
        if profile is not None:
            profile.sealed_private_key = sealed
            profile.save(update_fields=["sealed_private_key"])
        user.set_password(new_password)
        user.save(update_fields=["password"])
    return private_key


def recover(username: str, *, recovery_key: str, code: str, new_password: str) -> None:
    """Open the key with the recovery key, check a TOTP code, re-seal under a new password."""
    user = auth.get_user_model().objects.filter(username=username).first()
    profile = permissions.profile_of(user) if user is not None and user.is_active else None
    if profile is None:
        raise Refused
    try:
        private_key = crypto.open_with_recovery_key(
            recovery_key, bytes(profile.recovery_sealed_private_key)
        )
    except crypto.CryptoError:
        raise Refused from None
    totp = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
    if verify_code(user, code, devices=totp) is None:
        raise Refused
    sealed = keys.seal_private_key(new_password, private_key)
    with transaction.atomic():
        profile.sealed_private_key = sealed
        profile.save(update_fields=["sealed_private_key"])
        user.set_password(new_password)
        user.save(update_fields=["password"])


def reset_without_recovery(user, new_password: str, *, by) -> str | None:
    """Give an officer who lost password and recovery key a new password and a NEW key pair.

    Every case wrapped to the old key becomes unreadable to them (its wraps are deleted) until
    a coordinator grants access again. Returns the new recovery key, to hand over once; None
    for an account without keys. Only an administrator may do this (cases.permissions)."""
    if not permissions.may(by, "reset_keys"):
        raise PermissionDenied("Only an administrator may reset an account without its key.")
    profile = permissions.profile_of(user)
    recovery_key = None
    if profile is not None:
        private_key, public_key = crypto.generate_keypair()
        recovery_key = crypto.generate_recovery_key()
        sealed = keys.seal_private_key(new_password, private_key)
        recovery_sealed = crypto.seal_with_recovery_key(recovery_key, private_key)
    with transaction.atomic():
        if profile is not None:
            KeyWrap.objects.filter(user=user).delete()
            profile.public_key = public_key
            profile.sealed_private_key = sealed
            profile.recovery_sealed_private_key = recovery_sealed
            profile._history_user = by
            profile.save()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(
            "reset_without_recovery",
            by=by,
            detail={"who": user.get_username(), "keys_replaced": profile is not None},
        )
    return recovery_key
