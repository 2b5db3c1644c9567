"""Registry keys: one random key per country's registry, wrapped to the staff who cover it.

The scope of a registry is a country, and its staff are the people a new case from that
country is routed to (cases.routing): the country's officers and the coordinators of the
regions it belongs to. The key is made when the registry's first actor is recorded and
wrapped then to everyone in scope. Whoever joins the scope later gets it from a
coordinator who holds it (actors.sharing.grant) — never from the server or an
administrator, who cannot unwrap it. A wrap made to a public key its holder no longer has
(her keys were reset) is stale and opens nothing; so is a wrap whose holder left the
scope (`covers` is checked before any unwrap).

Everything of a registry is sealed with lib.crypto's format 0x01 under
subkey(registry key, purpose), bound to the row's id and purpose — the same construction
as a case's texts (`crypto.seal_for_case`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from cases.models import Role, StaffProfile
from cases.permissions import profile_of, role_of
from lib import blind_index, crypto
from places import countries

from .models import Registry, RegistryWrap


def covers(profile: StaffProfile | None, country: str) -> bool:
    """Whether this staff member's role and scope take in the country's registry."""
    if profile is None:
        return False
    if profile.role == Role.OFFICER:
        return country in profile.country_list
    if profile.role == Role.COORDINATOR:
        return bool(set(countries.regions_of(country)) & set(profile.region_list))
    return False


def countries_covered(profile: StaffProfile | None) -> list[str]:
    """Every country whose registry this staff member's scope takes in, sorted."""
    return [c for c in sorted(countries.COUNTRIES) if covers(profile, c)]


def context(country: str, generation: int) -> bytes:
    return b"lanterne|registry|" + country.encode("ascii") + b"|" + str(generation).encode()


def wrap(public_key: bytes, key: bytes, registry: Registry) -> bytes:
    """The registry key wrapped to one public key, bound to the registry and generation."""
    return crypto.wrap_for_recipient(
        public_key, key, context=context(registry.country, registry.generation)
    )


def wrap_to(registry: Registry, key: bytes, profiles, at) -> list[RegistryWrap]:
    """Store the registry key wrapped to each of these staff members' current public key."""
    return RegistryWrap.objects.bulk_create(
        RegistryWrap(
            registry=registry,
            user_id=p.user_id,
            public_key=bytes(p.public_key),
            wrapped=wrap(bytes(p.public_key), key, registry),
            generation=registry.generation,
            created_at=at,
        )
        for p in profiles
    )


@dataclass
class RegistryKey:
    """An opened registry key, for one request: seals and opens that registry's rows."""

    country: str
    generation: int
    key: bytes
    _subkeys: dict = field(default_factory=dict, repr=False)

    def _subkey(self, purpose: str) -> bytes:
        if purpose not in self._subkeys:
            self._subkeys[purpose] = crypto.subkey(self.key, purpose)
        return self._subkeys[purpose]

    def seal(self, purpose: str, row_id: uuid.UUID, data: dict) -> bytes:
        """Seal JSON under subkey(purpose), bound to the row — as crypto.seal_for_case."""
        plaintext = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        return crypto.seal(self._subkey(purpose), plaintext, context=_bound(row_id, purpose))

    def open(self, purpose: str, row_id: uuid.UUID, blob) -> dict:
        """Open a sealed row; raise crypto.CryptoError if it is not this row's."""
        plaintext = crypto.open_sealed(
            self._subkey(purpose), bytes(blob), context=_bound(row_id, purpose)
        )
        return json.loads(plaintext)

    @property
    def index_key(self) -> bytes:
        if "index" not in self._subkeys:
            self._subkeys["index"] = blind_index.index_key(self.key)
        return self._subkeys["index"]


def _bound(row_id: uuid.UUID, purpose: str) -> bytes:
    return row_id.bytes + b"|" + purpose.encode("ascii")


def new_key(registry: Registry) -> RegistryKey:
    return RegistryKey(registry.country, registry.generation, crypto.random_key())


def holds(user, country: str) -> bool:
    """Whether the user covers the country and holds a wrap to her current public key (the
    wrap may still fail to open if tampered; keyring() is the real test)."""
    profile = profile_of(user)
    if not covers(profile, country) or role_of(user) is None:
        return False
    return RegistryWrap.objects.filter(
        registry_id=country, user=user, public_key=bytes(profile.public_key)
    ).exists()


def keyring(user, private_key: bytes | None) -> dict[str, RegistryKey]:
    """Every registry key this user can open now: {country: RegistryKey}.

    Only registries of her scope, only wraps to her current public key and of the
    registry's current generation; a wrap that fails to open is left out like a missing one.
    """
    profile = profile_of(user)
    if profile is None or private_key is None or role_of(user) is None:
        return {}
    scope = countries_covered(profile)
    wraps = RegistryWrap.objects.filter(
        user=user, registry_id__in=scope, public_key=bytes(profile.public_key)
    ).select_related("registry")
    opened = {}
    for item in wraps:
        registry = item.registry
        if item.generation != registry.generation:
            continue
        try:
            key = crypto.unwrap_for_recipient(
                private_key,
                bytes(item.wrapped),
                context=context(registry.country, registry.generation),
            )
        except crypto.CryptoError:
            continue
        opened[registry.country] = RegistryKey(registry.country, registry.generation, key)
    return opened
