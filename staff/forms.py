"""One small form per act on a case, each calling the one function of the act.

Each form knows its URL name, the permission cases.permissions names, and which function of
cases.workflow or cases.sharing does the act; that function alone decides whether the act
is allowed. Choices offered (people,
cases) are limited to what the acting person may already see.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions, sharing, taxonomy, workflow
from cases.models import Case, KeyWrap, Level, Outcome, Priority, Role
from places import provinces

User = get_user_model()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        profile = getattr(user, "staff", None)
        role = profile.get_role_display() if profile else ""
        return f"{user.get_username()} — {role}" if role else user.get_username()


def staff(**filters):
    return (
        User.objects.filter(is_active=True, staff__isnull=False, **filters)
        .select_related("staff")
        .order_by("username")
    )


def key_holders(case: Case):
    return staff(key_wraps__case=case)


def colleagues(case: Case, *, exclude=None):
    """The people who may be put in charge of the case: they work on its country and hold
    its key or may be given it (cases.sharing.put_in_charge decides again)."""
    held = set(KeyWrap.objects.filter(case=case).values_list("user_id", flat=True))
    candidates = staff(
        staff__role__in=permissions.roles_with("hold_case_keys"), staff__admitted_at__isnull=False
    )
    chosen = [
        user.pk
        for user in candidates
        if permissions.covers_country(user.staff, case.country)
        and (user.pk in held or sharing.receiver_refusal(case, user) is None)
    ]
    people = staff(pk__in=chosen)
    return people.exclude(pk=exclude.pk) if exclude is not None else people


def text_field(label) -> forms.CharField:
    return forms.CharField(label=label, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


def people(label, required: bool = True) -> UserChoiceField:
    return UserChoiceField(label=label, required=required, queryset=User.objects.none())


class ActForm(forms.Form):
    name = permission = ""
    title = button = ""
    danger = False
    # A second page asks "are you sure?" before the act is done (staff.case_page.act).
    confirm = False

    def __init__(self, *args, case: Case, user, **kwargs):
        super().__init__(*args, prefix=self.name, **kwargs)
        self.case, self.user = case, user

    @classmethod
    def permission_for(cls, case: Case) -> str:
        return cls.permission

    def usable(self) -> bool:
        """False when a required choice has no one to choose: the page leaves the form out."""
        return all(
            not isinstance(f, forms.ModelChoiceField) or not f.required or f.queryset.exists()
            for f in self.fields.values()
        )

    def question(self) -> str:
        """What the confirmation page asks (for the acts that have one)."""
        return str(self.title)

    def consequence(self) -> str:
        """What the confirmation page says will follow."""
        return ""

    def run(self, case_key: bytes) -> None:
        raise NotImplementedError


class Acknowledge(ActForm):
    name = permission = "acknowledge"
    title = gettext_lazy("Acknowledge receipt")
    button = gettext_lazy("Acknowledge and tell the reporter")

    def run(self, case_key):
        workflow.acknowledge(self.case, by=self.user, case_key=case_key)


class SetPriority(ActForm):
    name = permission = "set_priority"
    title = button = gettext_lazy("Set the priority")
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), choices=Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.case.priority or Priority.P3

    def run(self, case_key):
        workflow.set_priority(self.case, by=self.user, priority=self.cleaned_data["priority"])


class SetProvince(ActForm):
    name = permission = "set_province"
    title = gettext_lazy("Set or correct the province")
    button = gettext_lazy("Save the province")
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        field.choices = [("", _("Not known")), *provinces.choices(self.case.country)]
        field.initial = self.case.province

    def run(self, case_key):
        workflow.set_province(self.case, by=self.user, province=self.cleaned_data["province"])


ADMISSIBLE = {"yes": True, "no": False, "": None}


class Assess(SetPriority):
    name = permission = "assess"
    title = gettext_lazy("Assess")
    button = gettext_lazy("Record the assessment")
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Categories"),
        choices=taxonomy.choices(taxonomy.CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
    )
    admissible = forms.ChoiceField(
        label=gettext_lazy("Admissible?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("", gettext_lazy("Not decided yet")),
            ("yes", gettext_lazy("Yes: investigate")),
            ("no", gettext_lazy("No: inadmissible")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].initial = self.case.category_codes
        self.fields["admissible"].initial = {True: "yes", False: "no"}.get(self.case.admissible, "")

    def run(self, case_key):
        data = self.cleaned_data
        workflow.assess(
            self.case,
            by=self.user,
            priority=data["priority"],
            categories=data["categories"],
            admissible=ADMISSIBLE[data["admissible"]],
        )


class AddNote(ActForm):
    name, permission = "note", "note"
    title = gettext_lazy("Add an internal note")
    button = gettext_lazy("Add the note")
    text = text_field(gettext_lazy("Note (only key holders can read it)"))

    def run(self, case_key):
        workflow.add_note(
            self.case, by=self.user, case_key=case_key, text=self.cleaned_data["text"]
        )


def feedback_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=gettext_lazy("This message gives the reporter feedback"),
        help_text=gettext_lazy(
            "Tick it when the message tells the reporter what was done or will be done: "
            "only then does it meet the 3-month feedback deadline."
        ),
        required=False,
    )


class MessageReporter(ActForm):
    name, permission = "message", "message"
    title = gettext_lazy("Write to the reporter")
    button = gettext_lazy("Send")
    text = text_field(gettext_lazy("Message to the reporter"))
    feedback = feedback_field()

    def run(self, case_key):
        data = self.cleaned_data
        workflow.message_reporter(
            self.case, by=self.user, case_key=case_key, text=data["text"], feedback=data["feedback"]
        )


class RequestInformation(ActForm):
    name, permission = "request_information", "message"
    title = gettext_lazy("Ask the reporter for information")
    button = gettext_lazy("Ask")
    text = text_field(gettext_lazy("Question for the reporter"))
    feedback = feedback_field()

    def run(self, case_key):
        data = self.cleaned_data
        workflow.request_information(
            self.case, by=self.user, case_key=case_key, text=data["text"], feedback=data["feedback"]
        )


class Take(ActForm):
    name = permission = "take"
    title = button = gettext_lazy("Assign to me")

    def usable(self) -> bool:
        return self.case.assignee_id is None

    def run(self, case_key):
        sharing.take(self.case, by=self.user)


class Assign(ActForm):
    name = permission = "assign"
    title = button = gettext_lazy("Assign")
    to = people(gettext_lazy("Assign to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = colleagues(self.case)
        self.fields["to"].initial = self.case.assignee_id

    def run(self, case_key):
        sharing.assign(self.case, by=self.user, to=self.cleaned_data["to"], case_key=case_key)


class HandOver(ActForm):
    name = permission = "hand_over"
    title = gettext_lazy("Hand over to a colleague")
    button = gettext_lazy("Hand over")
    to = people(gettext_lazy("Colleague who takes the case over"))
    note = text_field(gettext_lazy("Where the case stands (a sealed note for key holders)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = colleagues(self.case, exclude=self.user)

    def usable(self) -> bool:
        return self.case.assignee_id == self.user.pk and super().usable()

    def run(self, case_key):
        data = self.cleaned_data
        sharing.hand_over(
            self.case, by=self.user, to=data["to"], case_key=case_key, note=data["note"]
        )


class Escalate(ActForm):
    name = permission = "escalate"
    title = button = gettext_lazy("Escalate")
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=[])
    to = people(gettext_lazy("To whom (optional)"), required=False)
    reason = text_field(gettext_lazy("Why"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = workflow.LEVEL_ORDER
        higher = order[order.index(self.case.level) + 1 :]
        self.fields["level"].choices = [(level, Level(level).label) for level in higher]
        roles = [Role.OFFICER, Role.COORDINATOR, Role.STEERING]
        self.fields["to"].queryset = staff(staff__role__in=roles)

    def usable(self) -> bool:
        return bool(self.fields["level"].choices)

    def run(self, case_key):
        data = self.cleaned_data
        workflow.escalate(
            self.case,
            by=self.user,
            case_key=case_key,
            level=data["level"],
            reason=data["reason"],
            to=data["to"],
        )


class Resume(ActForm):
    name = permission = "resume"
    title = gettext_lazy("Resume the investigation")
    button = gettext_lazy("Resume the investigation")

    def run(self, case_key):
        workflow.resume(self.case, by=self.user)


class GrantAccess(ActForm):
    name, permission = "grant", "grant"
    title = button = gettext_lazy("Grant access")
    to = people(gettext_lazy("Give a key to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = permissions.roles_with("hold_case_keys")
        self.fields["to"].queryset = staff(
            staff__role__in=roles, staff__admitted_at__isnull=False
        ).exclude(key_wraps__case=self.case)

    def run(self, case_key):
        sharing.grant_access(self.case, by=self.user, to=self.cleaned_data["to"], case_key=case_key)


class RevokeAccess(ActForm):
    name, permission = "revoke", "revoke"
    title = button = gettext_lazy("Revoke access")
    danger = confirm = True
    who = people(gettext_lazy("Take the key from"))

    def question(self):
        return _("Take the key of case %(reference)s from %(name)s?") % {
            "reference": self.case.reference,
            "name": self.cleaned_data["who"].get_username(),
        }

    def consequence(self):
        return _("They will no longer find the case; only a new grant gives it back.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].queryset = key_holders(self.case).exclude(pk=self.user.pk)

    def run(self, case_key):
        sharing.revoke_access(self.case, by=self.user, who=self.cleaned_data["who"])


class Recuse(ActForm):
    """Officers recuse themselves; coordinators may also recuse another key holder."""

    name = permission = "recuse"
    title = button = gettext_lazy("Recuse")
    danger = confirm = True

    def question(self):
        who = self.cleaned_data.get("who") or self.user
        if who == self.user:
            return _("Step away from case %(reference)s?") % {"reference": self.case.reference}
        return _("Recuse %(name)s from case %(reference)s?") % {
            "name": who.get_username(),
            "reference": self.case.reference,
        }

    def consequence(self):
        return _("The key is deleted: the case leaves that queue until someone grants it again.")

    who = people(gettext_lazy("Who steps away"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if permissions.may(self.user, "recuse_others"):
            self.fields["who"].queryset = key_holders(self.case)
            self.fields["who"].initial = self.user.pk
        else:
            del self.fields["who"]

    def run(self, case_key):
        sharing.recuse(self.case, by=self.user, who=self.cleaned_data.get("who"))


class MarkDuplicate(ActForm):
    name = permission = "mark_duplicate"
    title = gettext_lazy("Mark as a duplicate")
    button = gettext_lazy("Mark as a duplicate")
    danger = confirm = True

    def question(self):
        return _("Mark case %(reference)s as a duplicate of %(other)s?") % {
            "reference": self.case.reference,
            "other": self.cleaned_data["reference"].reference,
        }

    def consequence(self):
        return _("This case is finished; the work carries on in the other one.")

    reference = forms.CharField(
        label=gettext_lazy("Reference of the case that carries on"), max_length=20
    )

    def clean_reference(self) -> Case:
        reference = normalise_reference(self.cleaned_data["reference"])
        # Only cases this person holds a key to: the answer says nothing about the others.
        survivor = Case.objects.filter(reference=reference, wraps__user=self.user).first()
        if survivor is None:
            raise forms.ValidationError(_("No case with this reference that you hold a key to."))
        return survivor

    def run(self, case_key):
        workflow.mark_duplicate(self.case, by=self.user, of=self.cleaned_data["reference"])


class Conclude(ActForm):
    name = permission = "conclude"
    title = button = gettext_lazy("Conclude")
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Outcome.choices)

    def run(self, case_key):
        workflow.conclude(self.case, by=self.user, outcome=self.cleaned_data["outcome"])


class Close(ActForm):
    name = permission = "close"
    title = button = gettext_lazy("Close the case")
    danger = confirm = True

    def question(self):
        return _("Close case %(reference)s?") % {"reference": self.case.reference}

    def consequence(self):
        return _(
            "The retention clock starts: once it runs out the case is destroyed for good. "
            "It can be reopened until then."
        )

    def run(self, case_key):
        workflow.close(self.case, by=self.user)


class Reopen(ActForm):
    name = permission = "reopen"
    title = button = gettext_lazy("Reopen")
    reason = text_field(gettext_lazy("Why the case is reopened (kept as a note)"))

    @classmethod
    def permission_for(cls, case):
        return workflow.flag_permission(case, "reopen")

    def run(self, case_key):
        reason = self.cleaned_data["reason"]
        workflow.reopen(self.case, by=self.user, case_key=case_key, reason=reason)


class KeepFinished(ActForm):
    name = permission = "keep_finished"
    title = gettext_lazy("Leave the case finished")
    button = gettext_lazy("Leave it finished and lower the flag")

    def usable(self) -> bool:
        return self.case.flagged_at is not None and not self.case.is_open

    def run(self, case_key):
        workflow.keep_finished(self.case, by=self.user)


ACTS: dict[str, type[ActForm]] = {
    form.name: form
    for form in (
        Acknowledge,
        SetPriority,
        SetProvince,
        Assess,
        AddNote,
        MessageReporter,
        RequestInformation,
        Take,
        Assign,
        HandOver,
        Escalate,
        Resume,
        GrantAccess,
        RevokeAccess,
        Recuse,
        MarkDuplicate,
        Conclude,
        Close,
        Reopen,
        KeepFinished,
    )
}


def normalise_reference(text: str) -> str:
    """'k7qm 4x29', 'K7QM4X29' and 'K7QM-4X29' all become 'K7QM-4X29' (or a prefix of it)."""
    chars = "".join(c for c in text.upper() if c.isalnum())
    return f"{chars[:4]}-{chars[4:]}" if len(chars) > 4 else chars


def possible_now(form: type[ActForm], case: Case, allowed: set[str]) -> bool:
    """What the page offers: the role allows the act and the transition table the state."""
    if form.permission_for(case) not in allowed or case.shredded_at is not None:
        return False
    if form.name in workflow.TRANSITIONS:
        return case.status in workflow.TRANSITIONS[form.name][0]
    return True


def acts_on_page(case: Case, user) -> list[tuple[ActForm, str]]:
    """The forms for the acts this person may do on this case now, each with its URL."""
    allowed = permissions.permissions_of(user)
    shown = []
    for form_class in ACTS.values():
        if possible_now(form_class, case, allowed):
            form = form_class(case=case, user=user)
            if form.usable():
                shown.append((form, reverse("admin:cases_case_act", args=[case.pk, form.name])))
    return shown


def form_errors(form: forms.Form) -> list[str]:
    said = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        said += [f"{label}: {error}" if label else str(error) for error in errors]
    return said
