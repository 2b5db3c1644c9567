"""Early-warning rules, the alerts they raise, and who receives them.

Everything here is clear metadata (places, category codes, counts, windows, who did what
when) and links to cases. The only free text, an assessment, is a ciphertext sealed to the
alert's recipients (staff.alert_page seals it through cases.alert_seal); the server cannot
read it back. Times an alert stores because of a report (raised, a report joining it) are
cut to the hour, like the report's own; staff acts keep their exact times.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class Condition(models.TextChoices):
    EACH = "each", _("Each matching report")
    COUNT = "count", _("N or more matching reports within D days")
    SURGE = "surge", _("A surge above the area's own baseline")


class Grouping(models.TextChoices):
    """What one alert covers: the reports of one province, one country, or the whole scope."""

    PROVINCE = "province", _("One province")
    COUNTRY = "country", _("One country")
    SCOPE = "scope", _("The whole scope")


# The names of the rules a new organisation starts with (alerts/defaults.py): shown in the
# reader's language, where a coordinator's own rule names are shown as typed.
URGENT_RULE = gettext_noop("Urgent report: someone's life or freedom is in danger")
EARLY_WARNINGS_RULE = gettext_noop("Three early warnings in one province within 7 days")
DEFAULT_RULE_NAMES = frozenset({URGENT_RULE, EARLY_WARNINGS_RULE})


class Rule(models.Model):
    """Which reports matter (scope, categories, priority), when they fire, and whom to tell.

    Empty scope lists mean "any"; a region adds its countries to the countries listed.
    """

    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    region = models.CharField(_("region"), max_length=20, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    condition = models.CharField(_("condition"), max_length=8, choices=Condition.choices)
    group_by = models.CharField(
        _("one alert per"), max_length=8, choices=Grouping.choices, default=Grouping.COUNTRY
    )
    # COUNT: at least `threshold` reports within `window_days`. SURGE: the last 7 days
    # against the previous `baseline_weeks`, firing at `min_count` reports or more when a
    # Poisson tail that small (below `significance`) is unlikely by chance.
    threshold = models.PositiveSmallIntegerField(_("N (reports)"), default=3)
    window_days = models.PositiveSmallIntegerField(_("D (days)"), default=7)
    baseline_weeks = models.PositiveSmallIntegerField(_("baseline (weeks)"), default=8)
    min_count = models.PositiveSmallIntegerField(_("minimum count"), default=3)
    significance = models.FloatField(_("significance"), default=0.01)
    notify_officers = models.BooleanField(_("the countries' focal points"), default=True)
    notify_coordinators = models.BooleanField(_("the region's coordinators"), default=False)
    notify_steering = models.BooleanField(_("the steering committee"), default=False)
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("escalate after (hours, 0: never)"), default=24
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name as the reader reads it: a default rule's in her language, others as typed."""
        return gettext(self.name) if self.name in DEFAULT_RULE_NAMES else self.name


class Status(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSESSED = "assessed", _("Assessed")
    CLOSED = "closed", _("Closed")


OPEN = (Status.RAISED, Status.ACKNOWLEDGED, Status.ASSESSED)


class Finding(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    FALSE_ALARM = "false_alarm", _("False alarm")
    WATCHING = "watching", _("Keep watching")


class Tier(models.IntegerChoices):
    """Who an alert reaches, in escalation order."""

    OFFICERS = 0, _("Focal points")
    COORDINATORS = 1, _("Coordinators")
    STEERING = 2, _("Steering committee")


class Alert(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alerts")
    # The area one alert covers: a province code, a country code, or "*" (the whole scope).
    area = models.CharField(max_length=8)
    # The countries of the area (clear, for who may see it, and for statistics).
    countries = models.JSONField(default=list)
    # ",central,great-lakes,": the regions of those countries, for coordinators' oversight.
    regions = models.CharField(max_length=100, blank=True)
    categories = models.JSONField(default=list)
    urgent = models.BooleanField(default=False, help_text="a P1 report is among its cases")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RAISED)
    finding = models.CharField(max_length=12, choices=Finding.choices, blank=True)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.OFFICERS)
    count = models.PositiveIntegerField(default=0)
    window_days = models.PositiveSmallIntegerField(default=0)
    # Cut to the hour: they follow from reports.
    raised_at = models.DateTimeField()
    last_joined_at = models.DateTimeField()
    # Staff and system acts: exact.
    tier_since = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cases = models.ManyToManyField(Case, through="AlertCase", related_name="alerts")

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Idempotence: while an alert for a rule and area is open, reports join it.
            models.UniqueConstraint(
                fields=["rule", "area"],
                condition=~models.Q(status="closed"),
                name="one_open_alert_per_rule_and_area",
            )
        ]
        indexes = [
            models.Index(fields=["status", "tier_since"], name="alert_open"),
            models.Index(fields=["raised_at", "regions"], name="alert_stats"),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class AlertCase(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alert_links")
    joined_at = models.DateTimeField()  # to the hour

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "case"], name="one_link_per_alert_case")
        ]


class Recipient(models.Model):
    """Someone an alert was sent to (at a tier): they see it and may act on it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="one_recipient_per_alert")
        ]


class Assessment(models.Model):
    """One assessment act: the finding in clear, the text sealed to the recipients then."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="assessments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    finding = models.CharField(max_length=12, choices=Finding.choices)
    at = models.DateTimeField()
    text = models.BinaryField(blank=True, default=b"", help_text="sealed (cases.alert_seal)")

    class Meta:
        ordering = ["id"]


class AssessmentWrap(models.Model):
    """The assessment's key wrapped to one recipient's public key."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="wraps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    wrapped = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="one_wrap_per_assessor")
        ]


class PendingAlertMail(models.Model):
    """The alert outbox, like cases.models.PendingMail: written with the act, sent in the
    fixed mail slots by alerts.tasks.deliver_alert_mail, deleted once sent."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="pending_mail")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="one_pending_alert_mail")
        ]


class FeedToken(models.Model):
    """A partner system's key to one person's CAP feed: only its SHA-256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
