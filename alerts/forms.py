"""The forms of the alert pages: a rule (coordinators) and an assessment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import taxonomy
from cases.models import Priority
from places import countries, provinces

from .models import Finding, Rule


class RuleForm(forms.ModelForm):
    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    provinces = forms.MultipleChoiceField(label=_("Provinces"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories (any of them; none: every category)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.MultipleChoiceField(
        label=_("Priorities (none: any)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Rule
        fields = [
            "name",
            "active",
            "countries",
            "region",
            "provinces",
            "categories",
            "priorities",
            "condition",
            "group_by",
            "threshold",
            "window_days",
            "baseline_weeks",
            "min_count",
            "significance",
            "notify_officers",
            "notify_coordinators",
            "notify_steering",
            "escalate_after_hours",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = countries.country_choices()
        self.fields["provinces"].choices = provinces.grouped_choices()
        self.fields["region"].choices = [("", "—")] + [
            (code, name) for code, (name, _members) in countries.REGIONS.items()
        ]
        self.fields["categories"].choices = taxonomy.choices(taxonomy.CATEGORIES)
        self.fields["priorities"].choices = Priority.choices
        self.fields["threshold"].min_value = 1
        self.fields["window_days"].validators.append(_at_least_one)
        self.fields["baseline_weeks"].validators.append(_at_least_one)

    def clean_significance(self):
        value = self.cleaned_data["significance"]
        if not 0 < value < 1:
            raise forms.ValidationError(_("The significance is a probability between 0 and 1."))
        return value

    def clean(self):
        data = super().clean()
        if not any(
            data.get(f) for f in ("notify_officers", "notify_coordinators", "notify_steering")
        ):
            raise forms.ValidationError(_("Choose at least one group to alert."))
        scope = set(data.get("countries") or [])
        if data.get("region"):
            scope |= set(countries.REGIONS[data["region"]][1])
        strays = [p for p in data.get("provinces") or [] if scope and p[:2] not in scope]
        if strays:
            raise forms.ValidationError(_("Choose provinces of the countries in scope."))
        return data


def _at_least_one(value):
    if value < 1:
        raise forms.ValidationError(_("At least 1."))


class AssessForm(forms.Form):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    text = forms.CharField(
        label=_("Assessment (sealed to the alert's recipients)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
