"""The reporter's forms. Every message is translated; nothing typed is lost on an error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import clock, geography, taxonomy
from cases.crypto import normalise_receipt


def blank(label):
    return [("", label)]


class ReportForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("What is it about?"),
        help_text=_("Choose every one that fits."),
        choices=taxonomy.choices(taxonomy.CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of problem.")},
    )
    urgent = forms.BooleanField(
        label=_("Someone's life or freedom is in danger right now"),
        help_text=_("We then treat your report within hours."),
        required=False,
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=blank(_("Choose a country")) + geography.country_choices(),
        error_messages={"required": _("Choose the country where it happened.")},
    )
    province = forms.CharField(
        label=_("Province, territory or town"), max_length=200, required=False
    )
    mine_site = forms.CharField(
        label=_("Mine site, if there is one"), max_length=200, required=False
    )
    mineral = forms.ChoiceField(
        label=_("Mineral"), required=False, choices=blank("—") + taxonomy.choices(taxonomy.MINERALS)
    )
    stage = forms.ChoiceField(
        label=_("Where in the supply chain?"),
        required=False,
        choices=blank("—") + taxonomy.choices(taxonomy.STAGES),
    )
    incident_date = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Write the date like 2025-03-31, or leave it empty.")},
    )
    date_precision = forms.ChoiceField(
        label=_("How sure are you of the date?"),
        required=False,
        choices=blank("—") + taxonomy.choices(taxonomy.DATE_PRECISION),
    )
    what_happened = forms.CharField(
        label=_("What happened?"),
        help_text=_("Who, what, where, when. Leave out anything that could identify you."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={
            "required": _("Describe what happened: this is the heart of your report."),
            "max_length": _(
                "Please keep it under %(limit_value)d characters (it has "
                "%(show_value)d). You can add more later with your receipt."
            ),
        },
    )
    actors = forms.MultipleChoiceField(
        label=_("Who was involved?"),
        required=False,
        choices=taxonomy.choices(taxonomy.ACTORS),
        widget=forms.CheckboxSelectMultiple,
    )
    people_affected = forms.CharField(
        label=_("How many people were affected?"), max_length=200, required=False
    )
    contact = forms.CharField(
        label=_("A way to contact you (optional, not recommended)"),
        help_text=_(
            "It is encrypted like the rest, but you are safer without it: your "
            "receipt is enough to receive our answers."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )
    regional_only = forms.BooleanField(
        label=_("Send only to the regional team"),
        help_text=_("Tick this if people in the national team may be involved."),
        required=False,
    )

    def clean_incident_date(self):
        date = self.cleaned_data["incident_date"]
        if date and date > clock.now().date():
            raise forms.ValidationError(_("This date is in the future."))
        return date

    def answers(self) -> dict:
        """The cleaned answers as JSON-ready values: what gets sealed."""
        data = dict(self.cleaned_data)
        data["categories"] = sorted(data["categories"])
        data["incident_date"] = data["incident_date"].isoformat() if data["incident_date"] else ""
        return data


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
