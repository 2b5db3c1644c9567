"""Staff accounts and what is done to them: enrolment by one-time code, admission to cases,
password change and recovery (both re-seal the private key), and the administrator's reset.

Nobody chooses a member's password but the member. An administrator (or a coordinator, in
their regions) invites a member: the account has no password and no keys, only a one-time
enrolment code (`invite`). The member redeems it (`redeem`): sets a password, confirms an
authenticator, gets a recovery key; their key pair is made then. Cases are routed and
granted only to admitted members, and admission is a coordinator's act (`admit`), never an
administrator's: a reset (`reset_without_recovery`) takes away the member's keys and
admission and issues a new code, and a coordinator of their region gives the cases back.
At the server's console, `enrol` does all of it at once (manage.py create_officer).

Nothing here is a view: the pages are staff.login and staff.enrolment.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import access, audit, keys, permissions
from cases.models import Case, EnrolmentCode, KeyWrap, Role, StaffProfile
from cases.permissions import NotAllowed
from lib import clock, crypto
from places import countries as places

BACKUP_CODES = 10
CONSOLE = "console"  # the actor for what an operator does at the server's console


class Refused(Exception):
    """Wrong credentials or a code that does not work; the caller shows one message."""


def regions_for(role: str, countries: list[str], regions: list[str]) -> list[str]:
    """A coordinator named only by countries leads every region those countries are in."""
    if role == Role.COORDINATOR and not regions:
        return sorted({r for c in countries for r in places.regions_of(c)})
    return regions


# --- enrolment codes --------------------------------------------------------------------

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: read aloud, typed back
_CODE_LENGTH = 25  # 125 bits


def _code_digest(canonical: str) -> str:
    return hashlib.sha256(b"lanterne|enrolment|" + canonical.encode("ascii")).hexdigest()


def normalise_code(text: str) -> str | None:
    """The canonical code (upper case, no separators, O→0, I/L→1), or None if malformed."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    chars = "".join(c for c in text.upper() if c.isalnum()).translate(
        str.maketrans({"O": "0", "I": "1", "L": "1"})
    )
    if len(chars) != _CODE_LENGTH or any(c not in _CODE_ALPHABET for c in chars):
        return None
    return chars


def format_code(canonical: str) -> str:
    return "-".join(canonical[i : i + 5] for i in range(0, len(canonical), 5))


def issue_code(user, *, by) -> tuple[str, datetime]:
    """A fresh one-time enrolment code for this account (earlier unused ones stop working)."""
    canonical = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    now = clock.now()
    expires = now + timedelta(hours=settings.LANTERNE_ENROLMENT_HOURS)
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at=None).delete()
        EnrolmentCode.objects.create(
            user=user,
            digest=_code_digest(canonical),
            issued_by=None if isinstance(by, str) else by,
            issued_at=now,
            expires_at=expires,
        )
        audit.record(
            "enrolment_code",
            by=by,
            detail={"who": user.get_username(), "expires_at": expires.isoformat()},
        )
    return format_code(canonical), expires


def _live_code(code: str, *, lock: bool = False) -> EnrolmentCode | None:
    canonical = normalise_code(code)
    if canonical is None:
        return None
    found = EnrolmentCode.objects.filter(
        digest=_code_digest(canonical), used_at=None, expires_at__gt=clock.now()
    ).select_related("user")
    found = (found.select_for_update() if lock else found).first()
    if found is None or not found.user.is_active:
        return None
    return found


def code_holder(code: str):
    """The account a live (unused, unexpired) enrolment code belongs to, or None."""
    found = _live_code(code)
    return found.user if found else None


# --- invitation and enrolment -----------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    profile: StaffProfile
    code: str
    expires_at: datetime


def may_enrol(by, role: str, countries: list[str], regions: list[str]) -> bool:
    """Administrators enrol anyone; a coordinator, officers and coordinators of their regions."""
    if by == CONSOLE or permissions.may(by, "manage_staff"):
        return True
    if not permissions.may(by, "enrol_staff") or role not in (Role.OFFICER, Role.COORDINATOR):
        return False
    mine = permissions.profile_of(by)
    covered = {c for r in mine.region_list for c in places.REGIONS[r][1]}
    return bool(countries or regions) and (
        set(countries) <= covered and set(regions) <= set(mine.region_list)
    )


@transaction.atomic
def invite(
    username: str,
    *,
    role: str,
    by,
    countries: list[str] = (),
    regions: list[str] = (),
    email: str = "",
) -> Invitation:
    """Create a staff account with no password and no keys, and its one-time enrolment code."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    countries, regions = list(countries), regions_for(role, list(countries), list(regions))
    if not may_enrol(by, role, countries, regions):
        raise NotAllowed(_("You may not enrol this member with this role and scope."))
    user = get_user_model().objects.create_user(
        username, email=email, password=None, is_staff=True, is_superuser=(role == Role.ADMIN)
    )
    profile = StaffProfile(
        user=user, role=role, countries=",".join(countries), regions=",".join(regions)
    )
    profile._history_user = None if by == CONSOLE else by
    profile.save()
    audit.record(
        "invite",
        by=by,
        detail={
            "who": username,
            "role": role,
            "countries": profile.countries,
            "regions": profile.regions,
        },
    )
    code, expires = issue_code(user, by=by)
    return Invitation(profile, code, expires)


@dataclass(frozen=True)
class NewKeys:
    """A fresh key pair, sealed under the password and under a new recovery key."""

    public: bytes
    sealed: bytes
    recovery_sealed: bytes
    recovery_key: str


def make_keys(password: str) -> NewKeys:
    """One Argon2id run; call it outside any transaction (SQLite holds its lock meanwhile)."""
    private, public = crypto.generate_keypair()
    recovery_key = crypto.generate_recovery_key()
    return NewKeys(
        public=public,
        sealed=keys.seal_private_key(password, private),
        recovery_sealed=crypto.seal_with_recovery_key(recovery_key, private),
        recovery_key=recovery_key,
    )


def fingerprint(public_key: bytes) -> str:
    """A short code for comparing a member's public key by phone: "3F9A-0C21-77DE-B410"."""
    digest = hashlib.sha256(b"lanterne|fingerprint|" + bytes(public_key)).hexdigest()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4)).upper()


@dataclass(frozen=True)
class Enrolment:
    profile: StaffProfile
    recovery_key: str
    otpauth_uri: str
    backup_codes: list[str]


def redeem(code: str, new_keys: NewKeys, *, totp_key: bytes, last_t: int = -1, drift: int = 0):
    """Finish an enrolment: the code's account gets its keys and its authenticator.

    The code is checked again under a lock, so it works once however many pages use it.
    Raises Refused for a code that is unknown, used or expired."""
    with transaction.atomic():
        found = _live_code(code, lock=True)
        if found is None:
            raise Refused
        user = found.user
        profile = StaffProfile.objects.select_for_update().get(user=user)
        profile.public_key = new_keys.public
        profile.sealed_private_key = new_keys.sealed
        profile.recovery_sealed_private_key = new_keys.recovery_sealed
        profile._history_user = user
        profile.save()
        # The sealed key is the password's only verifier (staff.backends).
        user.set_unusable_password()
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name="authenticator",
            key=totp_key.hex(),
            confirmed=True,
            last_t=last_t,
            drift=drift,
        )
        found.used_at = clock.now()
        found.save(update_fields=["used_at"])
        codes = new_backup_codes(user)
        audit.record(
            "enrol",
            by=user,
            detail={"who": user.get_username(), "key": fingerprint(new_keys.public)},
        )
    return Enrolment(profile, new_keys.recovery_key, device.config_url, codes)


def enrol(
    username: str,
    *,
    role: str,
    password: str,
    countries: list[str] = (),
    regions: list[str] = (),
    email: str = "",
) -> Enrolment:
    """At the server's console: invite, redeem and admit at once; return the once-only secrets.

    The operator at the console holds the whole server already, so admitting there adds no
    power (docs/threat-model.md)."""
    new_keys = make_keys(password)
    with transaction.atomic():
        invitation = invite(
            username, role=role, by=CONSOLE, countries=countries, regions=regions, email=email
        )
        enrolment = redeem(invitation.code, new_keys, totp_key=secrets.token_bytes(20))
        admit(enrolment.profile, by=CONSOLE, private_key=None)
    enrolment.profile.refresh_from_db()
    return enrolment


# --- admission to cases -----------------------------------------------------------------


def admission_refusal(member: StaffProfile, by) -> str | None:
    """Why `by` may not admit `member` to cases, in words; None when they may."""
    if by == CONSOLE:
        return None
    if not permissions.may(by, "admit_staff"):
        return _("Your role cannot do this.")
    if member.user_id == by.pk:
        return _("Nobody admits themselves.")
    if not permissions.covers(permissions.profile_of(by), member):
        return _("This member is not in your regions.")
    if not member.has_keys:
        return _("This member has not finished enrolling yet.")
    return None


def admit(member: StaffProfile, *, by, private_key: bytes | None) -> int:
    """Let an enrolled member receive cases; give back the cases a reset took that `by` holds.

    Returns how many cases came back. Audited; the member is told by a content-free e-mail.
    """
    with transaction.atomic():
        member = StaffProfile.objects.select_for_update().select_related("user").get(pk=member.pk)
        reason = admission_refusal(member, by)
        if reason:
            raise NotAllowed(reason)
        restored = _restore(member, by=by, private_key=private_key) if private_key else []
        first = member.admitted_at is None
        if first:
            member.admitted_at, member.admitted_by = clock.now(), None if by == CONSOLE else by
        member.lost_cases = [c for c in member.lost_cases if c not in restored]
        member._history_user = None if by == CONSOLE else by
        member.save(update_fields=["admitted_at", "admitted_by", "lost_cases"])
        audit.record(
            "admit_staff",
            by=by,
            detail={
                "who": member.user.get_username(),
                "key": fingerprint(member.public_key),
                "cases_restored": len(restored),
            },
        )
        if by != CONSOLE and member.user.email:
            mail = _admission_mail(member, by, first, len(restored))
            transaction.on_commit(lambda: mail.send(fail_silently=True))
    return len(restored)


def _restore(member: StaffProfile, *, by, private_key: bytes) -> list[str]:
    """Wrap to the member the lost cases that `by` holds and may still share with them."""
    restored = []
    cases = Case.objects.filter(id__in=member.lost_cases, shredded_at=None, wraps__user=by)
    for case in cases:
        if (
            case.regional_only
            and member.role == Role.OFFICER
            and case.country in member.country_list
        ):
            continue
        try:
            case_key = access.case_key_for_staff(case, by, private_key)
        except access.NotFound:
            continue
        KeyWrap.objects.get_or_create(
            case=case,
            user=member.user,
            defaults={"wrapped": keys.wrap(bytes(member.public_key), case_key, case.id)},
        )
        audit.record("grant_access", by=by, case=case, detail={"to": member.user.get_username()})
        restored.append(str(case.id))
    return restored


def _admission_mail(member: StaffProfile, by, first: bool, restored: int) -> EmailMessage:
    """Says that it happened and who did it, in the member's language; nothing about any case."""
    with translation.override(member.language or settings.LANGUAGE_CODE):
        who = {"who": by.get_username(), "n": restored}
        if first and restored:
            body = ngettext(
                "%(who)s admitted you to cases and gave you back access to %(n)d case on Lanterne.",
                "%(who)s admitted you to cases and gave you back access to %(n)d cases on "
                "Lanterne.",
                restored,
            )
        elif first:
            body = _("%(who)s admitted you to cases on Lanterne.")
        elif restored:
            body = ngettext(
                "%(who)s gave you back access to %(n)d case on Lanterne.",
                "%(who)s gave you back access to %(n)d cases on Lanterne.",
                restored,
            )
        else:
            body = _("%(who)s confirmed your access to cases on Lanterne.")
        warning = _("If you did not expect this, tell your coordinator at once.")
        return EmailMessage(
            subject=_("[Lanterne] Your access to cases"),
            body=f"{body % who}\n\n{warning}\n",
            to=[member.user.email],
        )


# --- signing in, changing and recovering the password -----------------------------------


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


def _set_sealed_key(user, profile: StaffProfile, sealed: bytes) -> None:
    with transaction.atomic():
        profile.sealed_private_key = sealed
        profile.save(update_fields=["sealed_private_key"])
        user.set_unusable_password()  # a new value: the other sessions end
        user.save(update_fields=["password"])


def change_password(user, *, old_password: str, new_password: str) -> bytes | None:
    """Re-seal the private key under the new password; return the key.

    For a key holder the old password is checked by opening the key with it (one Argon2id);
    an account without keys keeps Django's password hash. Raises Refused if it is wrong."""
    profile = permissions.profile_of(user)
    if profile is None or not profile.has_keys:
        if not user.check_password(old_password):
            raise Refused
        user.set_password(new_password)
        user.save(update_fields=["password"])
        return None
    try:
        private_key = keys.unseal_private_key(profile, old_password)
    except crypto.CryptoError:
        raise Refused from None
    # Argon2id runs outside the transaction: SQLite would hold its write lock meanwhile.
    _set_sealed_key(user, profile, keys.seal_private_key(new_password, private_key))
    return private_key


def recover(username: str, *, recovery_key: str, code: str, new_password: str) -> None:
    """Open the key with the recovery key, check a TOTP code, re-seal under a new password."""
    user = auth.get_user_model().objects.filter(username=username).first()
    profile = permissions.profile_of(user) if user is not None and user.is_active else None
    if profile is None or not profile.has_keys:
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
    _set_sealed_key(user, profile, keys.seal_private_key(new_password, private_key))


# --- the administrator's reset ----------------------------------------------------------


def reset_without_recovery(user, *, by) -> tuple[str, datetime]:
    """For a member who lost password and recovery key: a new enrolment code, nothing more.

    Their keys, authenticator, backup codes, password and admission go; so do their key
    wraps, each case remembered so that a coordinator of their region can give it back
    (`admit`). The administrator never learns a password and gains no way into a case.
    Returns the new code and its expiry. Only an administrator may do this."""
    if not permissions.may(by, "reset_keys"):
        raise PermissionDenied("Only an administrator may reset an account without its key.")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().get(user=user)
        held = [str(c) for c in KeyWrap.objects.filter(user=user).values_list("case_id", flat=True)]
        for wrap in KeyWrap.objects.filter(user=user):
            wrap._history_user = by
            wrap.delete()
        profile.public_key = profile.sealed_private_key = profile.recovery_sealed_private_key = b""
        profile.admitted_at = profile.admitted_by = None
        profile.lost_cases = sorted(set(profile.lost_cases) | set(held))
        profile._history_user = by
        profile.save()
        user.set_unusable_password()
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record(
            "reset_without_recovery",
            by=by,
            detail={"who": user.get_username(), "cases_lost": len(held)},
        )
        return issue_code(user, by=by)
