"""The actor registry: buying houses, companies, traders, armed groups, offices, and their
licences, relations and links to cases.

One registry per country. Everything that names an actor (names, aliases, identifiers,
province, notes, sources) and every licence's and relation's details are sealed under the
registry's key, which is wrapped to the staff of that country like a case key. In clear,
because access, search, counts and the network need it (docs/threat-model.md keeps the
list): ids, random references, the registry's country, the FollowTheMoney schema and our
kind, which actors a merge joined, how many licences and relations each has and their
kinds, which case each link points to and in which role, the blind index's digests, and
dates of staff acts.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import AuditEvent, Case
from places import countries


class Schema(models.TextChoices):
    """FollowTheMoney's names for the kinds of actor (followthemoney.tech)."""

    PERSON = "Person", _("Person")
    COMPANY = "Company", _("Company")
    ORGANIZATION = "Organization", _("Organization")
    PUBLIC_BODY = "PublicBody", _("Public body")


class Kind(models.TextChoices):
    BUYING_HOUSE = "buying-house", _("Buying house (comptoir, bureau d'achat)")
    EXPORTER = "exporter", _("Exporter")
    COMPANY = "company", _("Company (mining, trading, transport, security)")
    TRADER = "trader", _("Trader or middleman (négociant)")
    PERSON = "person", _("Person (official, owner, manager, commander)")
    COOPERATIVE = "cooperative", _("Mining cooperative")
    DIGGERS = "diggers-association", _("Diggers' association")
    ARMED_GROUP = "armed-group", _("Armed group")
    SECURITY_UNIT = "security-unit", _("Security unit (army, police, private guards)")
    ORGANIZATION = "organization", _("Other organisation")
    MINING_OFFICE = "mining-office", _("Mining office or cadastre")
    CUSTOMS_OFFICE = "customs-office", _("Customs office")
    KP_OFFICE = "kp-office", _("Kimberley Process office")
    PUBLIC_BODY = "public-body", _("Other public body")


# Each kind is one FollowTheMoney schema, so an export is always valid FollowTheMoney.
SCHEMA_OF = {
    Kind.BUYING_HOUSE: Schema.COMPANY,
    Kind.EXPORTER: Schema.COMPANY,
    Kind.COMPANY: Schema.COMPANY,
    Kind.TRADER: Schema.PERSON,
    Kind.PERSON: Schema.PERSON,
    Kind.COOPERATIVE: Schema.ORGANIZATION,
    Kind.DIGGERS: Schema.ORGANIZATION,
    Kind.ARMED_GROUP: Schema.ORGANIZATION,
    Kind.SECURITY_UNIT: Schema.ORGANIZATION,
    Kind.ORGANIZATION: Schema.ORGANIZATION,
    Kind.MINING_OFFICE: Schema.PUBLIC_BODY,
    Kind.CUSTOMS_OFFICE: Schema.PUBLIC_BODY,
    Kind.KP_OFFICE: Schema.PUBLIC_BODY,
    Kind.PUBLIC_BODY: Schema.PUBLIC_BODY,
}
# The kind an imported actor gets when its record names none of ours.
DEFAULT_KIND = {
    Schema.PERSON: Kind.PERSON,
    Schema.COMPANY: Kind.COMPANY,
    Schema.ORGANIZATION: Kind.ORGANIZATION,
    Schema.PUBLIC_BODY: Kind.PUBLIC_BODY,
}
# Kinds that trade under a licence: "no licence on record" is a red flag for them.
LICENSED_KINDS = frozenset({Kind.BUYING_HOUSE, Kind.EXPORTER, Kind.TRADER})


class Registry(models.Model):
    """One country's registry and the generation of its key (raised when re-keyed)."""

    country = models.CharField(
        max_length=2, primary_key=True, choices=list(countries.COUNTRIES.items())
    )
    generation = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "registries"

    def __str__(self) -> str:
        return self.country


class RegistryWrap(models.Model):
    """The registry key wrapped to one staff member's public key; deleting it revokes."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="wraps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registry_wraps"
    )
    # The public key it was wrapped to: after a key reset the wrap is stale, not an error.
    public_key = models.BinaryField(max_length=32)
    wrapped = models.BinaryField()
    generation = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    history = HistoricalRecords(excluded_fields=["wrapped", "public_key"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registry", "user"], name="one_registry_wrap")
        ]


class Actor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=11, unique=True)
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="actors")
    schema = models.CharField(max_length=16, choices=Schema.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # Names, aliases, identifiers, province, notes, sources: sealed JSON (purpose "actor").
    sealed = models.BinaryField()
    # Set when a merge folded this record into another; it then stays only for its history.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        indexes = [models.Index(fields=["registry", "kind"], name="actor_registry_kind")]

    def __str__(self) -> str:
        return self.reference

    @property
    def country(self) -> str:
        return self.registry_id


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    UNKNOWN = "unknown", _("Unknown")


class Licence(models.Model):
    """A licence held by an actor: authority, number, commodity, area, validity, status —
    all sealed (purpose "licence", bound to the licence and its actor)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="licences")
    sealed = models.BinaryField()
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]


class RelationKind(models.TextChoices):
    """FollowTheMoney's interests: subject → object."""

    OWNERSHIP = "ownership", _("owns")
    DIRECTORSHIP = "directorship", _("directs or holds a role in")
    MEMBERSHIP = "membership", _("is a member of")
    EMPLOYMENT = "employment", _("works for")


class Relation(models.Model):
    """Subject → object (e.g. owner → company); role, share and dates sealed under the
    subject's registry key (purpose "relation", bound to both ends)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=RelationKind.choices)
    subject = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations_out")
    object = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations_in")
    sealed = models.BinaryField()
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]


class Role(models.TextChoices):
    """An actor's part in a case. Victims and witnesses are never registry entries."""

    PERPETRATOR = "perpetrator", _("Alleged perpetrator")
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    EXPORTER = "exporter", _("Exporter")
    TRANSPORTER = "transporter", _("Transporter")
    FINANCIER = "financier", _("Financier or pre-financer")
    OFFICIAL = "official", _("Official involved")
    ARMED_GROUP = "armed-group", _("Armed group present")
    SECURITY = "security", _("Security force present")
    SITE_OWNER = "site-owner", _("Site owner or concession holder")
    MENTIONED = "mentioned", _("Mentioned")


class CaseLink(models.Model):
    """An actor named in a case, in a role. What the link needs from the case (its incident
    date, for red flags) is sealed under the CASE key, so only the case's key holders read
    it (purpose "actor-link:<id>")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actor_links")
    role = models.CharField(max_length=16, choices=Role.choices)
    facts = models.BinaryField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "case", "role"], name="one_link_per_role")
        ]
        indexes = [models.Index(fields=["case", "actor"], name="link_case_actor")]


class Token(models.Model):
    """One blind-index digest of an actor: a name word, a whole name, or an identifier."""

    NAME, PHRASE, IDENTIFIER = "n", "p", "i"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=1)
    digest = models.BinaryField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["digest", "actor"], name="token_digest"),
            models.Index(fields=["kind", "digest"], name="token_kind_digest"),
        ]


class ActorEvent(models.Model):
    """Which audit events concern which actor: the actor page's history, by index."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="events")
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["actor", "-event"], name="actor_event")]


class ImportBatch(models.Model):
    """An import waiting for its preview to be confirmed: the parsed rows, sealed under a
    random key that only the importer's preview page holds (never stored)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8)
    payload = models.BinaryField()
    created_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)
