"""Cases, the keys that open them, and what reporters and officers exchange.

In clear, because routing, workflow and statistics need it (docs/threat-model.md keeps the
list): reference, status, priority, country, province (from the closed ISO 3166-2 list,
never free text), category codes, "regional only", the reporter's interface language, and
dates. Everything a person wrote or uploaded is a
ciphertext made by lib.crypto; every ciphertext is bound to its row's id and purpose.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.clock import coarse_now
from places import countries

from . import deadlines, taxonomy


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer (national focal point)")
    COORDINATOR = "coordinator", _("Coordinator (regional lead)")
    STEERING = "steering", _("Steering committee")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    """A staff member's role, scope and X25519 key pair (private half sealed, never clear)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name=_("staff member"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    countries = models.CharField(
        _("countries"), max_length=200, blank=True, help_text=_("ISO codes, comma-separated")
    )
    regions = models.CharField(
        _("regions"), max_length=100, blank=True, help_text=_("region codes, comma-separated")
    )
    # All three empty until the member enrols with a one-time code (staff.accounts).
    public_key = models.BinaryField(max_length=32, blank=True, default=b"")
    sealed_private_key = models.BinaryField(
        blank=True, default=b"", help_text="sealed under the password (Argon2id)"
    )
    recovery_sealed_private_key = models.BinaryField(
        blank=True, default=b"", help_text="sealed under the recovery key"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Cases are routed and granted only to admitted members: a coordinator of their region
    # admits them (staff.accounts.admit), never the administrator who enrolled or reset them.
    admitted_at = models.DateTimeField(_("admitted"), null=True, blank=True)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("admitted by"),
    )
    # Cases whose key wraps a reset took away, to give back when a coordinator admits again.
    lost_cases = models.JSONField(default=list, blank=True)
    # The staff site and her e-mails are in this language (empty: her browser's, and the
    # site's default for e-mails); staff.language applies it after login.
    language = models.CharField(
        _("language"), max_length=8, blank=True, default="", choices=settings.LANGUAGES
    )

    # Key material never enters history: an old seal must not outlive a password change.
    history = HistoricalRecords(
        excluded_fields=["public_key", "sealed_private_key", "recovery_sealed_private_key"]
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"

    @property
    def country_list(self) -> list[str]:
        return [c for c in self.countries.split(",") if c]

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]

    @property
    def has_keys(self) -> bool:
        return bool(self.public_key) and bool(self.sealed_private_key)


class EnrolmentCode(models.Model):
    """A one-time code that lets a new (or reset) member set a password and make their keys.

    Only a hash of the code is kept; it expires and works once (staff.accounts)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    digest = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


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


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.ASSESSING,
    Status.INVESTIGATING,
    Status.ESCALATED,
)


class Priority(models.TextChoices):
    P1 = "P1", _("P1 — imminent threat to life or liberty")
    P2 = "P2", _("P2 — serious and ongoing")
    P3 = "P3", _("P3 — standard")
    P4 = "P4", _("P4 — information or early warning")


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    STEERING = "steering", _("Coalition steering")
    EXTERNAL = "external", _("External (KP working group, authority, partner)")


class Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=9, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)
    admissible = models.BooleanField(_("admissible"), null=True)
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.NATIONAL
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    country = models.CharField(
        _("country"), max_length=2, choices=list(countries.COUNTRIES.items()), db_index=True
    )
    # A first-level subdivision code ("CD-KS") from places.provinces, or empty: optional for
    # the reporter, set or corrected by officers (workflow.set_province).
    province = models.CharField(_("province"), max_length=6, blank=True, default="")
    regional_only = models.BooleanField(
        default=False, help_text="the reporter asked to leave the national team out"
    )
    language = models.CharField(max_length=8, help_text="the reporter's interface language")
    # To the hour only, so the row cannot be matched against a network log.
    received_at = models.DateTimeField(_("received"))  # indexed with the place (Meta.indexes)
    # The clocks run from these explicit timestamps, never from "last modified".
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    # Feedback is what the officer said gave the reporter feedback (workflow.message_reporter).
    first_feedback_at = models.DateTimeField(null=True, blank=True)
    last_feedback_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ack_due = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateTimeField(null=True, blank=True)
    # The earliest deadline still to meet (None when none is running).
    next_due = models.DateTimeField(_("next deadline"), null=True, blank=True, db_index=True)
    # Set (to the hour, like the message) when the reporter writes on a finished case;
    # cleared when an officer reopens it or decides to leave it finished.
    flagged_at = models.DateTimeField(null=True, blank=True)
    # The queue's order, stored so an index serves it: flagged first (0), then P1 (1), then
    # the earliest deadline (cases without one last), then the newest. Kept by
    # deadlines.refresh.
    queue_rank = models.PositiveSmallIntegerField(default=2)
    queue_due = models.DateTimeField(default=deadlines.NO_DEADLINE)
    # Set when retention destroyed the keys: the content can never be opened again.
    shredded_at = models.DateTimeField(null=True, blank=True)

    # Lookup tag from the receipt derivation; the receipt itself is never stored.
    reporter_tag = models.CharField(max_length=64, unique=True)
    # The case key sealed under the receipt-derived key: the reporter's way in.
    reporter_key = models.BinaryField()
    # The report's answers as sealed JSON (purpose "report").
    report = models.BinaryField()

    # The reporter's key wrap stays out of history, so crypto-shredding needs one update.
    history = HistoricalRecords(excluded_fields=["reporter_key"])

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        indexes = [
            # The id (descending, as the admin adds it to break ties) makes the key check need no
            # visit to the table.
            models.Index(
                fields=["queue_rank", "queue_due", "-received_at", "-id"], name="case_queue"
            ),
            # "Assigned to me" in the queue's order.
            models.Index(
                fields=["assignee", "queue_rank", "queue_due", "-received_at", "-id"],
                name="case_queue_assignee",
            ),
            models.Index(fields=["status", "next_due"], name="case_status_due"),
            # Early warning counts an area's reports in a window (alerts.evaluate): the place
            # first, then the time, then every column the count filters on, so the count
            # reads the index alone.
            models.Index(
                fields=[
                    "country",
                    "received_at",
                    "province",
                    "priority",
                    "status",
                    "regional_only",
                    "shredded_at",
                ],
                name="case_alert_window",
            ),
            # Statistics count the cases whose step or deadline falls in a fixed period. Each
            # index holds the columns its query reads, so the sealed rows are never touched.
            *(
                models.Index(fields=fields, name=name)
                for name, fields in (
                    (  # with the id, for the join to the categories
                        "case_stats_received",
                        ["received_at", "country", "province", "regional_only", "id"],
                    ),
                    ("case_stats_acknowledged", ["acknowledged_at", "received_at", "country"]),
                    ("case_stats_assessed", ["assessed_at", "received_at", "country"]),
                    ("case_stats_feedback", ["first_feedback_at", "received_at", "country"]),
                    ("case_stats_closed", ["closed_at", "received_at", "country"]),
                    ("case_stats_concluded", ["concluded_at", "level", "outcome", "country"]),
                    ("case_stats_ack_due", ["ack_due", "acknowledged_at", "country"]),
                    ("case_stats_feedback_due", ["feedback_due", "first_feedback_at", "country"]),
                    ("case_stats_open", ["status", "received_at", "level", "country"]),
                )
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

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
    created_at = models.DateTimeField(default=coarse_now)

    # History records who held a key when, never the wrapped key: revoking really revokes.
    history = HistoricalRecords(excluded_fields=["wrapped"])

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
    # The body is bound to sender and author (cases.content.message_purposes): a staff
    # member who wrote a message cannot be deleted, or it would no longer open.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    body = models.BinaryField(help_text="sealed text (purpose message.2:<uid>:<sender>:<author>)")
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


class Note(models.Model):
    """An internal note: sealed, readable by key holders only, never shown to the reporter."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.BinaryField(help_text="sealed text (purpose note:<uid>)")
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]


class Escalation(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=10, choices=Level.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False, help_text="raised by an overdue deadline")
    reason = models.BinaryField(help_text="sealed text (purpose escalation:<uid>)")
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["created_at", "level", "automatic"], name="escalation_stats")
        ]


class Notice(models.Model):
    """A reminder or notification already sent: makes background tasks safe to run twice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    # To the hour: a notice of a new case or message would otherwise date the reporter's act.
    created_at = models.DateTimeField(default=coarse_now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_notice")]


class AuditEvent(models.Model):
    """One act on, or read of, case content; hash-chained to the event before it.

    Rows are only ever added (save refuses updates). Who, what, when and which case are in
    clear; content never is. `verify_audit` recomputes the chain.
    """

    at = models.DateTimeField(_("when"))
    actor = models.CharField(
        _("who"), max_length=150, help_text=_("username, or 'reporter' or 'system'")
    )
    action = models.CharField(_("action"), max_length=40)
    case_id = models.UUIDField(null=True, db_index=True)
    case_reference = models.CharField(_("case"), max_length=9, blank=True)
    detail = models.JSONField(default=dict)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)


class AuditHead(models.Model):
    """The single row holding the chain's last digest; locking it orders the writers."""

    digest = models.CharField(max_length=64)


class SubmissionClaim(models.Model):
    """One filled-in report form, committed with its case: "already sent" means it exists.

    The tag is a hash of the form's submission token (a random value only the reporter's
    page holds); the receipt is sealed under a key derived from the same token, so the
    server alone can neither recognise the page nor read the receipt. Rows are deleted a
    day after the case arrived (cases.claims.forget_old); no history is kept of them.
    """

    tag = models.CharField(max_length=64, unique=True)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="claim")
    sealed_receipt = models.BinaryField()
    # To the hour, like the case's received_at.
    created_at = models.DateTimeField()


class PendingMail(models.Model):
    """The transactional outbox: a notification written with the act that causes it.

    Nothing is sent when the act commits: cases.tasks.deliver_notifications sends what
    waits here in fixed slots (LANTERNE_MAIL_SLOT_MINUTES), records a Notice and deletes
    the row. A broker that is down only delays the mail; it can never lose it.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pending_mail")
    kind = models.CharField(max_length=40)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_pending_mail")]


class SearchToken(models.Model):
    """One word of a case, as a blind digest under one key holder's own index key.

    The digest is keyed with a key derived from that staff member's private key
    (cases.search), so nobody else — the server included — can compute or test it. Rows go
    when her key wrap goes (revoke, recuse, reset, shredding)."""

    # No index of their own: the two below lead with them (millions of rows, so it counts).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    digest = models.BinaryField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest", "case"], name="one_search_token")
        ]
        indexes = [models.Index(fields=["case", "user"], name="search_token_case")]


class SearchBacklog(models.Model):
    """A case with content a key holder has not indexed yet: written with the content (the
    server cannot compute her digests), worked off in her next signed-in search or queue."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="one_search_backlog")]
