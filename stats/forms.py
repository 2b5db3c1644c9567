"""The dashboard's filters (fixed choices only) and the quarterly report's narrative."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import permissions, taxonomy
from lib import clock
from places import countries

from . import periods

RECENT = {periods.MONTH: 24, periods.QUARTER: 12, periods.YEAR: 5}


def period_choices() -> list:
    now = clock.now()
    groups = (
        (_("Quarters"), periods.QUARTER),
        (_("Months"), periods.MONTH),
        (_("Years"), periods.YEAR),
    )
    return [
        (label, [(p.code, p.label()) for p in periods.recent(now, kind, RECENT[kind])])
        for label, kind in groups
    ]


class Filters(forms.Form):
    """Period, country, region, category: each a closed list within the reader's scope."""

    period = forms.ChoiceField(label=_("Period"))
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = permissions.statistics_scope(user)
        mine = scope.countries if scope else ()
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = periods.last_quarter(clock.now()).code
        everyone = ("", _("All"))
        self.fields["country"].choices = [everyone] + [
            (c, name) for c, name in countries.country_choices() if c in mine
        ]
        self.fields["region"].choices = [everyone] + [
            (code, name)
            for code, (name, members) in countries.REGIONS.items()
            if set(members) & set(mine)
        ]
        self.fields["category"].choices = [everyone] + [
            (code, f"{code} — {words}") for code, words in taxonomy.CATEGORIES.items()
        ]

    def chosen(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "period": data.get("period") or self.fields["period"].initial,
            "country": data.get("country", ""),
            "region": data.get("region", ""),
            "category": data.get("category", ""),
        }


class Narrative(forms.Form):
    narrative_fr = forms.CharField(
        label=_("Narrative in French"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    narrative_en = forms.CharField(
        label=_("Narrative in English"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
