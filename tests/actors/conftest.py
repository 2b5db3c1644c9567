"""The registry's helpers: the named people's keyrings, and actors recorded the real way."""

from actors import keys, registry
from actors.facts import ActorFacts, LicenceFacts
from actors.models import Kind, Registry
from cases import keys as case_keys
from tests.conftest import PASSWORD


def private(profile) -> bytes:
    return case_keys.unseal_private_key(profile, PASSWORD)


def ring(profile) -> dict:
    """The registry keys this person's browser session would open."""
    return keys.keyring(profile.user, private(profile))


def key_for(profile, country: str = "CD") -> keys.RegistryKey:
    """Her key to the country's registry, starting the registry if it does not exist yet."""
    opened = ring(profile)
    if country not in opened and not Registry.objects.filter(country=country).exists():
        return registry.start_registry(country, by=profile.user)
    return opened[country]


def record(
    profile,
    name: str,
    *,
    country: str = "CD",
    kind: str = Kind.BUYING_HOUSE,
    licences=(),
    **facts,
):
    """An actor recorded by this person through the real acts, with its licences."""
    key = key_for(profile, country)
    actor = registry.create_actor(
        by=profile.user, key=key, kind=kind, facts=ActorFacts(name=name, **facts)
    )
    for licence in licences:
        registry.add_licence(actor, by=profile.user, key=key, facts=LicenceFacts(**licence))
    return actor
