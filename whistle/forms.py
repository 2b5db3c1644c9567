"""The reporter's forms. Every message is translated; nothing typed is lost on an error.

The report form is built from the report's fields (cases.report), so a field, its label,
its vocabulary and its limits are declared once, for the form, the case page and submit.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import report
from lib.crypto import normalise_receipt

from . import plain


def form_field(spec: report.Field) -> forms.Field:
    """The Django form field for one of the report's fields."""
    common = {
        "label": plain.LABELS.get(spec.name, spec.label),
        "required": spec.required,
        "help_text": plain.HELP_TEXTS.get(spec.name, spec.help_text),
        "error_messages": dict(spec.errors),
    }
    if spec.kind == report.CHOICES:
        return forms.MultipleChoiceField(
            choices=lambda: plain.choices(spec.name, spec.choices()),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if spec.kind == report.CHOICE:
        offered = lambda: [("", spec.prompt), *plain.choices(spec.name, spec.choices())]  # noqa: E731
        return forms.ChoiceField(choices=offered, **common)
    if spec.kind == report.FLAG:
        return forms.BooleanField(**common)
    if spec.kind == report.DATE:
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, **common)
    widget = forms.Textarea(attrs={"rows": spec.rows}) if spec.kind == report.LONG_TEXT else None
    return forms.CharField(max_length=spec.max_length, widget=widget, **common)


# On a small phone the one text that matters comes first, with what routing needs (the
# country, the kind of problem) and the one box that makes a case urgent; a send button
# follows, and everything after it is optional. Errors are listed in this order too.
FIRST = ("what_happened", "country", "categories", "urgent")
AFTER_FILES = ("contact", "regional_only")


class ReportForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rest = [spec for spec in report.FIELDS if spec.name not in FIRST]
        for spec in [report.BY_NAME[name] for name in FIRST] + rest:
            self.fields[spec.name] = form_field(spec)

    def first(self) -> list:
        return [self[name] for name in FIRST]

    def details(self) -> list:
        """The optional details, before the files (contact and routing come after them)."""
        return [self[name] for name in self.fields if name not in FIRST + AFTER_FILES]

    def after_files(self) -> list:
        return [self[name] for name in AFTER_FILES]

    def json_ready(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("incident_date"):
            data["incident_date"] = data["incident_date"].isoformat()
        return data

    def clean(self):
        """Check each answer against its rules (no future date), then the answers together."""
        cleaned = super().clean()
        answers = self.json_ready()
        for name, value in answers.items():
            try:
                report.clean_value(name, value)
            except report.InvalidReport as invalid:
                self.add_error(name, invalid.message)
        try:
            report.check_together(answers)
        except report.InvalidReport as invalid:
            self.add_error(invalid.field, invalid.message)
        return cleaned

    def answers(self) -> dict:
        """The cleaned answers as JSON-ready values: what gets sealed."""
        return report.clean_answers(self.json_ready())


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        max_length=80,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Type the 20 digits of your receipt.")},
    )

    def clean_receipt(self):
        digits = normalise_receipt(self.cleaned_data["receipt"])
        if digits is None:
            raise forms.ValidationError(
                _("A receipt has exactly 20 digits. Check it and try again.")
            )
        return digits


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
    )
