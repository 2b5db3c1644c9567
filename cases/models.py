"""Cases, the keys that open them, and what reporters and officers exchange.

In clear, because routing, workflow and statistics need it (docs/threat-model.md keeps the
list): reference, status, priority, country, category codes, "regional only", the
reporter's interface language, and dates. Everything a person wrote or uploaded is a
ciphertext made by cases.crypto; every ciphertext is bound to its row's id and purpose.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import geography, taxonomy


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer (national focal point)")
    COORDINATOR = "coordinator", _("Coordinator (regional lead)")
    STEERING = "steering", _("Steering committee")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    """A staff member's role, scope and X25519 key pair (private half sealed, never clear)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    countries = models.CharField(max_length=200, blank=True, help_text="ISO codes, comma-separated")
    regions = models.CharField(
        max_length=100, blank=True, help_text="region codes, comma-separated"
    )
    public_key = models.BinaryField(max_length=32)
    sealed_private_key = models.BinaryField(help_text="sealed under the password (Argon2id)")
    recovery_sealed_private_key = models.BinaryField(help_text="sealed under the recovery key")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"

    @property
    def country_list(self) -> list[str]:
        return [c for c in self.countries.split(",") if c]

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSESSING = "assessing", _("Being assessed")
    INVESTIGATING = "investigating", _("Under investigation")
    ESCALATED = "escalated", _("Escalated")
    CONCLUDED = "concluded", _("Concluded")
    CLOSED = "closed", _("Closed")
    INADMISSIBLE = "inadmissible", _("Inadmissible")
    DUPLICATE = "duplicate", _("Duplicate")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=9, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    priority = models.CharField(max_length=2, blank=True)
    country = models.CharField(
        max_length=2, choices=list(geography.COUNTRIES.items()), db_index=True
    )
    regional_only = models.BooleanField(
        default=False, help_text="the reporter asked to leave the national team out"
    )
    language = models.CharField(max_length=8, help_text="the reporter's interface language")
    # To the hour only, so the row cannot be matched against a network log.
    received_at = models.DateTimeField(db_index=True)

    # Lookup tag from the receipt derivation; the receipt itself is never stored.
    reporter_tag = models.CharField(max_length=64, unique=True)
    # The case key sealed under the receipt-derived key: the reporter's way in.
    reporter_key = models.BinaryField()
    # The report's answers as sealed JSON (purpose "report").
    report = models.BinaryField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories.all()]


class CaseCategory(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(max_length=4, choices=list(taxonomy.CATEGORIES.items()))

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_code_per_case")]


class KeyWrap(models.Model):
    """The case key wrapped to one recipient's public key; deleting it revokes access."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="wraps")
    # Null for the optional disaster-recovery escrow key.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="key_wraps"
    )
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_wrap_per_recipient"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(user__isnull=True), name="one_escrow_wrap"
            ),
        ]


class Sender(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    STAFF = "staff", _("Coalition")


class Message(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.BinaryField(help_text="sealed text (purpose message:<uid>)")
    # Reporter messages are stored to the hour, like received_at.
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]


class Attachment(models.Model):
    """A sealed file in the private media folder, named by this row's id."""

    id = models.UUIDField(primary_key=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # Name, type, size and whether metadata was removed, sealed together.
    sealed_meta = models.BinaryField()
    # The file's own random key, sealed under the case key.
    sealed_file_key = models.BinaryField()
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
