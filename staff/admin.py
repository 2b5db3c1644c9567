"""The staff site's registrations: the queue (staff.queue), the audit log, staff and users.

Every admin here is read-only but the users', and Django's own set-password form is
replaced for key holders: an administrator may only reset WITHOUT the recovery key.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import permissions, routing
from cases.models import AuditEvent, StaffProfile
from places.countries import COUNTRIES, REGIONS

from . import accounts, queue  # noqa: F401  (queue registers the Case admin)
from .account_forms import ResetKeysForm
from .sites import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "case_reference")
    list_filter = ("action",)
    search_fields = ("=case_reference", "=actor")
    show_full_result_count = False
    ordering = ("-id",)

    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "read_audit_log")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.may(request.user, "read_audit_log")


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ("username", "role", "countries", "regions")
    list_filter = ("role",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "role", "countries", "regions", "created_at")  # never the key fields

    @admin.display(description=_("username"), ordering="user__username")
    def username(self, profile):
        return profile.user.get_username()

    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "manage_staff")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.may(request.user, "manage_staff")


admin.site.unregister(User)


def where_reports_go(gaps: list[routing.Gap]) -> str:
    """One sentence per fallback level: which countries' and regions' reports go where."""
    says = {
        routing.REGIONAL: gettext("reports from %(scopes)s would go to the regional coordinators"),
        routing.COALITION: gettext(
            "reports from %(scopes)s would go to every coordinator of the coalition"
        ),
        routing.NOBODY: gettext("reports from %(scopes)s would reach nobody and be refused"),
    }
    names = {
        **{c: str(n) for c, n in COUNTRIES.items()},
        **{r: str(n) for r, (n, _m) in REGIONS.items()},
    }
    sentences = []
    for level, sentence in says.items():
        scopes = [names[g.scope] for g in gaps if g.falls_to == level]
        if scopes:
            sentences.append(sentence % {"scopes": ", ".join(sorted(scopes))})
    return "; ".join(sentences)


class StaffUserChangeForm(UserChangeForm):
    """Warns, and waits for a confirmation, before the last recipient of a scope goes."""

    deactivate_anyway = forms.BooleanField(
        label=_("Deactivate even if reports lose their recipient"),
        required=False,
        help_text=_("Needed only when this person is the last to receive some reports."),
    )

    def clean(self):
        cleaned = super().clean()
        was_active = User.objects.filter(pk=self.instance.pk, is_active=True).exists()
        if was_active and not cleaned.get("is_active", True):
            gaps = routing.scopes_left_without(self.instance)
            if gaps and not cleaned.get("deactivate_anyway"):
                raise forms.ValidationError(
                    gettext(
                        "%(user)s is the last active recipient of some reports: without "
                        "them, %(where)s. Enrol or reactivate somebody first, or tick "
                        "“Deactivate even if reports lose their recipient”."
                    )
                    % {"user": self.instance.get_username(), "where": where_reports_go(gaps)}
                )
        return cleaned


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, except that a key holder's password cannot be set behind her back.

    Setting it would leave her private key sealed under the old password. Her own password
    change and the recovery-key page re-seal it; an administrator can only reset it WITHOUT
    the recovery key, which makes a new key pair and loses her access to past cases.
    Deactivating the last recipient of a country or region asks for a confirmation first.
    """

    form = StaffUserChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Deactivation"), {"fields": ("deactivate_anyway",)})]

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is None or not StaffProfile.objects.filter(user=user).exists():
            return super().user_change_password(request, id, form_url)
        if not (
            self.has_change_permission(request, user)
            and permissions.may(request.user, "reset_keys")
        ):
            raise PermissionDenied
        form = ResetKeysForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            recovery_key = accounts.reset_without_recovery(
                user, form.cleaned_data["new_password1"], by=request.user
            )
            return TemplateResponse(
                request,
                "admin/auth/user/keys_reset.html",
                {
                    **self.admin_site.each_context(request),
                    "person": user,
                    "recovery_key": recovery_key,
                    "title": _("New recovery key"),
                },
            )
        return TemplateResponse(
            request,
            "admin/auth/user/reset_keys.html",
            {
                **self.admin_site.each_context(request),
                "person": user,
                "form": form,
                "title": _("Reset without the recovery key"),
            },
        )
