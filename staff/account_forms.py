"""The forms of staff accounts: the two sign-in steps, enrolment, recovery, and the reset."""

from django import forms
from django.contrib import auth
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PasswordStepForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app, or a backup code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code your app shows now"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class NewPasswordMixin:
    """Two new-password fields that must match and pass the configured validators."""

    def check_new_password(self, user) -> bool:
        """Add the errors of the new password for this user; True if it is acceptable."""
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
            return False
        if first:
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
                return False
        return bool(first)


def _new_password_field(label):
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )


class EnrolCodeForm(NewPasswordMixin, forms.Form):
    """The first step of enrolment; the password is checked against the code's account."""

    enrolment_code = forms.CharField(
        label=gettext_lazy("Enrolment code"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    new_password1 = _new_password_field(gettext_lazy("Choose your password"))
    new_password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class KeyPasswordChangeForm(PasswordChangeForm):
    """Django's form, except that the old password is checked by the act itself: for a key
    holder, by opening the key with it (staff.accounts.change_password, one Argon2id)."""

    def clean_old_password(self):
        return self.cleaned_data["old_password"]


class RecoveryForm(NewPasswordMixin, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    recovery_key = forms.CharField(
        label=gettext_lazy("Recovery key"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password1 = _new_password_field(gettext_lazy("New password"))
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        # Validated against the name as typed, not the account: nothing says whether it exists.
        typed = auth.get_user_model()(username=cleaned.get("username", ""))
        self.check_new_password(typed)
        return cleaned


class ResetKeysForm(forms.Form):
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand that this person loses their keys and every case sent to them, until "
            "they enrol again with the new code and a coordinator of their region gives the "
            "cases back."
        ),
    )


class InviteForm(forms.Form):
    """Who the new member is and what they cover; no password: they choose it themselves."""

    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        required=False,
        help_text=gettext_lazy("For content-free notices only."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    countries = forms.MultipleChoiceField(
        label=gettext_lazy("Countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    regions = forms.MultipleChoiceField(
        label=gettext_lazy("Regions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, by, **kwargs):
        from cases import permissions
        from cases.models import Role
        from places import countries as places

        super().__init__(*args, **kwargs)
        self.by = by
        if permissions.may(by, "manage_staff"):
            roles, regions = Role.choices, list(places.REGIONS)
        else:  # a coordinator: officers and coordinators of their own regions
            roles = [(r, n) for r, n in Role.choices if r in (Role.OFFICER, Role.COORDINATOR)]
            regions = permissions.profile_of(by).region_list
        covered = {c for r in regions for c in places.REGIONS[r][1]}
        self.fields["role"].choices = roles
        self.fields["countries"].choices = [
            (c, name) for c, name in places.country_choices() if c in covered
        ]
        self.fields["regions"].choices = [(r, places.REGIONS[r][0]) for r in regions]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if auth.get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean(self):
        from cases.models import Role

        data = super().clean()
        role = data.get("role")
        if role == Role.OFFICER and not data.get("countries"):
            self.add_error("countries", _("An officer covers at least one country."))
        if role == Role.COORDINATOR and not (data.get("countries") or data.get("regions")):
            self.add_error("regions", _("A coordinator covers at least one region."))
        return data


class AdmitForm(forms.Form):
    checked = forms.BooleanField(
        label=gettext_lazy(
            "I asked this person, in person or by a call I made myself, and they read me the "
            "same key fingerprint from their enrolment page."
        )
    )
