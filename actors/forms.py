"""The registry's forms: an actor's details, and one small form per act on its page.

Each act form knows its name (the URL's slug), its title and the one function of
actors.registry it calls; that function alone decides whether the act is allowed.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from cases.permissions import NotAllowed
from places import countries, provinces
from staff.forms import normalise_reference

from . import registry
from .facts import ActorFacts, Invalid, LicenceFacts, RelationFacts
from .models import Actor, CaseLink, Kind, Licence, LicenceStatus, Relation, RelationKind, Role

LINES = {"rows": 3}


def actor_reference(text: str) -> str:
    """'a-k7qm-4x29', 'AK7QM4X29', 'K7QM 4X29' all become 'A-K7QM-4X29' ('' if not one)."""
    chars = "".join(c for c in text.upper() if c.isalnum())
    if len(chars) == 9 and chars[0] == "A":
        chars = chars[1:]
    return f"A-{chars[:4]}-{chars[4:]}" if len(chars) == 8 else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ActorForm(forms.Form):
    """What an officer writes about an actor; everything but kind and country is sealed."""

    country = forms.ChoiceField(label=gettext_lazy("Country (registry)"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    aliases = forms.CharField(
        label=gettext_lazy("Other names (one per line)"),
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    registration = forms.CharField(
        label=gettext_lazy("Registration numbers (RCCM...), one per line"),
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )
    tax = forms.CharField(
        label=gettext_lazy("Tax numbers, one per line"),
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )
    other_ids = forms.CharField(
        label=gettext_lazy("Other identifiers, one per line"),
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=20000, widget=forms.Textarea
    )
    sources = forms.CharField(
        label=gettext_lazy("Sources (links or documents), one per line"),
        required=False,
        widget=forms.Textarea(attrs=LINES),
    )

    def __init__(self, *args, countries_: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(countries.country_choices())
        self.fields["country"].choices = [(c, names[c]) for c in countries_]
        groups = [(str(names[c]), provinces.choices(c)) for c in countries_]
        self.fields["province"].choices = [("", "—"), *[g for g in groups if g[1]]]

    @classmethod
    def initial_from(cls, actor: Actor, facts: ActorFacts) -> dict:
        return {
            "country": actor.registry_id,
            "kind": actor.kind,
            "name": facts.name,
            "aliases": "\n".join(facts.aliases),
            "province": facts.province,
            "registration": "\n".join(facts.identifier_values("registration")),
            "tax": "\n".join(facts.identifier_values("tax")),
            "other_ids": "\n".join(facts.identifier_values("other")),
            "notes": facts.notes,
            "sources": "\n".join(facts.sources),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        identifiers = [
            {"scheme": scheme, "value": value}
            for scheme, field in (
                ("registration", "registration"),
                ("tax", "tax"),
                ("other", "other_ids"),
            )
            for value in _lines(data.get(field))
        ]
        facts = ActorFacts(
            name=data["name"],
            aliases=_lines(data.get("aliases")),
            province=data.get("province", ""),
            identifiers=identifiers,
            notes=data.get("notes", ""),
            sources=_lines(data.get("sources")),
        )
        try:
            data["facts"] = facts.clean(data["country"])
        except Invalid as invalid:
            field = invalid.field if invalid.field in self.fields else None
            if invalid.field == "identifiers":
                field = "other_ids"
            self.add_error(field, invalid.message)
        return data


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name, other name or identifier"), max_length=300, required=False
    )


# --- acts on an actor's page ----------------------------------------------------------------


class ActForm(forms.Form):
    """One act on an actor; `context` carries the user, the actor, her keys."""

    name = title = button = ""
    danger = False

    def __init__(self, *args, context, **kwargs):
        super().__init__(*args, prefix=self.name, **kwargs)
        self.context = context

    def run(self) -> str:
        """Do the act; return the words of the message shown after it."""
        raise NotImplementedError


class Edit(ActForm):
    name = "edit"
    title = gettext_lazy("Edit the details")
    button = gettext_lazy("Save the changes")

    def __init__(self, *args, context, **kwargs):
        super().__init__(*args, context=context, **kwargs)
        self.details = ActorForm(
            self.data or None,
            prefix=self.name,
            countries_=[context.actor.registry_id],
            initial=ActorForm.initial_from(context.actor, context.facts),
        )
        self.details.fields["country"].disabled = True

    def is_valid(self) -> bool:
        return self.details.is_valid()

    @property
    def errors(self):
        return self.details.errors

    def run(self) -> str:
        data = self.details.cleaned_data
        registry.update_actor(
            self.context.actor,
            by=self.context.user,
            key=self.context.key,
            kind=data["kind"],
            facts=data["facts"],
        )
        return _("The details were saved.")


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": gettext_lazy("Write the date like 2025-03-31.")},
    )


class AddLicence(ActForm):
    name = "licence"
    title = gettext_lazy("Add a licence")
    button = gettext_lazy("Add the licence")
    number = forms.CharField(label=gettext_lazy("Licence number"), max_length=300)
    authority = forms.CharField(
        label=gettext_lazy("Issuing authority"), max_length=300, required=False
    )
    commodity = forms.CharField(label=gettext_lazy("Commodity"), max_length=300, required=False)
    area = forms.CharField(label=gettext_lazy("Area"), max_length=300, required=False)
    start = _date(gettext_lazy("Valid from"))
    end = _date(gettext_lazy("Valid until"))
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=LicenceStatus.choices)

    def run(self) -> str:
        data = self.cleaned_data
        facts = LicenceFacts(
            number=data["number"],
            authority=data["authority"],
            commodity=data["commodity"],
            area=data["area"],
            start=data["start"].isoformat() if data["start"] else "",
            end=data["end"].isoformat() if data["end"] else "",
            status=data["status"],
        )
        try:
            registry.add_licence(
                self.context.actor, by=self.context.user, key=self.context.key, facts=facts
            )
        except Invalid as invalid:
            raise NotAllowed(invalid.message) from None
        return _("The licence was added.")


class RemoveLicence(ActForm):
    name = "remove-licence"
    title = button = gettext_lazy("Remove")
    danger = True
    licence = forms.UUIDField(widget=forms.HiddenInput)

    def run(self) -> str:
        licence = Licence.objects.filter(
            actor=self.context.actor, id=self.cleaned_data["licence"]
        ).first()
        if licence is None:
            raise NotAllowed(_("This licence is not on this actor's record."))
        registry.remove_licence(licence, by=self.context.user, key=self.context.key)
        return _("The licence was removed.")


DIRECTIONS = [
    ("out", gettext_lazy("this actor → the other")),
    ("in", gettext_lazy("the other → this actor")),
]


class AddRelation(ActForm):
    name = "relation"
    title = gettext_lazy("Add a relation")
    button = gettext_lazy("Add the relation")
    kind = forms.ChoiceField(label=gettext_lazy("Relation"), choices=RelationKind.choices)
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"), choices=DIRECTIONS, widget=forms.RadioSelect, initial="out"
    )
    other = forms.CharField(
        label=gettext_lazy("The other actor's reference (e.g. A-K7QM-4X29)"), max_length=20
    )
    role = forms.CharField(label=gettext_lazy("Role or title"), max_length=300, required=False)
    share = forms.CharField(label=gettext_lazy("Share (ownership)"), max_length=50, required=False)
    start = _date(gettext_lazy("Since"))
    end = _date(gettext_lazy("Until"))

    def run(self) -> str:
        data = self.cleaned_data
        reference = actor_reference(data["other"])
        other = Actor.objects.filter(reference=reference).first()
        if other is not None and (
            other.registry_id not in self.context.keyring or other.merged_into_id is not None
        ):
            other = None
        if other is None:
            raise NotAllowed(_("No actor with this reference in your registries."))
        subject, object_ = (
            (self.context.actor, other)
            if data["direction"] == "out"
            else (other, self.context.actor)
        )
        facts = RelationFacts(
            role=data["role"],
            share=data["share"],
            start=data["start"].isoformat() if data["start"] else "",
            end=data["end"].isoformat() if data["end"] else "",
        )
        try:
            registry.add_relation(
                subject,
                object_,
                by=self.context.user,
                keyring=self.context.keyring,
                kind=data["kind"],
                facts=facts,
            )
        except Invalid as invalid:
            raise NotAllowed(invalid.message) from None
        return _("The relation was added.")


class RemoveRelation(ActForm):
    name = "remove-relation"
    title = button = gettext_lazy("Remove")
    danger = True
    relation = forms.UUIDField(widget=forms.HiddenInput)

    def run(self) -> str:
        actor = self.context.actor
        relation = (
            Relation.objects.filter(id=self.cleaned_data["relation"])
            .filter(models_q_either(actor))
            .select_related("subject", "object")
            .first()
        )
        if relation is None:
            raise NotAllowed(_("This relation is not on this actor's record."))
        registry.remove_relation(relation, by=self.context.user, keyring=self.context.keyring)
        return _("The relation was removed.")


def models_q_either(actor):
    from django.db.models import Q

    return Q(subject=actor) | Q(object=actor)


class LinkCase(ActForm):
    name = "link"
    title = gettext_lazy("Link to a case")
    button = gettext_lazy("Link")
    reference = forms.CharField(
        label=gettext_lazy("Case reference (e.g. K7QM-4X29)"), max_length=20
    )
    role = forms.ChoiceField(label=gettext_lazy("Role in the case"), choices=Role.choices)

    def run(self) -> str:
        from cases import access

        reference = normalise_reference(self.cleaned_data["reference"])
        case = Case.objects.filter(reference=reference).first() if len(reference) == 9 else None
        case_key = None
        if case is not None and self.context.private_key is not None:
            try:
                case_key = access.case_key_for_staff(
                    case, self.context.user, self.context.private_key
                )
            except access.NotFound:
                case_key = None
        if case_key is None:  # "missing" and "not yours" answer alike
            raise NotAllowed(_("No case with this reference among the cases you hold a key to."))
        registry.link_case(
            self.context.actor,
            case,
            by=self.context.user,
            key=self.context.key,
            case_key=case_key,
            role=self.cleaned_data["role"],
        )
        return _("Linked to case %(reference)s.") % {"reference": case.reference}


class Unlink(ActForm):
    name = "unlink"
    title = button = gettext_lazy("Unlink")
    danger = True
    link = forms.UUIDField(widget=forms.HiddenInput)

    def run(self) -> str:
        link = (
            CaseLink.objects.filter(actor=self.context.actor, id=self.cleaned_data["link"])
            .select_related("case")
            .first()
        )
        if link is None:
            raise NotAllowed(_("This link is not on this actor's record."))
        registry.unlink_case(link, by=self.context.user, key=self.context.key)
        return _("Unlinked from case %(reference)s.") % {"reference": link.case.reference}


ACTS = {
    form.name: form
    for form in (Edit, AddLicence, RemoveLicence, AddRelation, RemoveRelation, LinkCase, Unlink)
}

# --- registry pages -------------------------------------------------------------------------


class ImportForm(forms.Form):
    FORMATS = [
        ("csv", gettext_lazy("Licensed buyers (CSV: name, licence number, country, validity)")),
        ("ftm", gettext_lazy("FollowTheMoney JSON lines (Aleph, OpenSanctions)")),
    ]
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=FORMATS, widget=forms.RadioSelect, initial="csv"
    )
    country = forms.ChoiceField(label=gettext_lazy("Country of rows that name none"))
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, countries_: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(countries.country_choices())
        self.fields["country"].choices = [(c, names[c]) for c in countries_]


class ExportForm(forms.Form):
    countries = forms.MultipleChoiceField(
        label=gettext_lazy("Registries"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, countries_: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(countries.country_choices())
        self.fields["countries"].choices = [(c, names[c]) for c in countries_]
        self.fields["countries"].initial = countries_
