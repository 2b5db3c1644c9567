"""The quarterly report to the KP Working Group on Artisanal and Alluvial Production.

A draft holds the steering committee's narrative; its figures are computed afresh each
time it is shown. Finalising freezes it: the figures as they stood (in French and English),
the narrative, and the PDF and CSV files exactly as issued, each with its SHA-256 digest in
the audit log. An issued report never changes again (save refuses it).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuarterlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Issued")

    quarter = models.CharField(max_length=7, unique=True, help_text="e.g. 2026-Q3")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Written for the working group about aggregate figures: not case content, kept in clear.
    narrative_fr = models.TextField(blank=True)
    narrative_en = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    # As issued: {"fr": [[section, table, row, column, row words, column words, kind, value]],
    # "en": [...]}; empty for a draft.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return f"{self.quarter} ({self.status})"

    def save(self, *args, **kwargs):
        if self.pk and QuarterlyReport.objects.filter(pk=self.pk, status="final").exists():
            raise ValueError("an issued report is frozen")
        super().save(*args, **kwargs)

    @property
    def issued(self) -> bool:
        return self.status == self.Status.FINAL


class IssuedFile(models.Model):
    """One file of an issued report, byte for byte as it was issued."""

    report = models.ForeignKey(QuarterlyReport, on_delete=models.PROTECT, related_name="files")
    language = models.CharField(max_length=8)
    kind = models.CharField(max_length=8, help_text="pdf or csv")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "language", "kind"], name="one_issued_file")
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("issued files are never changed")
        super().save(*args, **kwargs)
