"""The staff site's registrations: the queue (staff.queue), members (staff.members), the
audit log, authenticators and users.

Every admin here is read-only but the users', and Django's own set-password form is
replaced for staff members: an administrator may only reset WITHOUT the recovery key, which
issues a new enrolment code. Authenticator secrets and backup codes are never shown.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import history, permissions, routing
from cases.models import AuditEvent, KeyWrap, StaffProfile
from places.countries import COUNTRIES, REGIONS

from . import accounts, members, queue  # noqa: F401  (they register Case and StaffProfile)
from .account_forms import ResetKeysForm
from .sites import ReadOnlyAdmin


class ActionFilter(admin.SimpleListFilter):
    """The audit log's acts by their names in the reader's language, not their codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("action", flat=True).distinct()
        return sorted(((c, history.action_name(c)) for c in codes), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, scoped like cases: an event about a case is shown to those who hold
    its key; account events (no case) to administrators and coordinators."""

    list_display = ("number", "at", "actor", "what", "case_reference")
    list_filter = (ActionFilter,)
    search_fields = ("=case_reference", "=actor")
    show_full_result_count = False
    ordering = ("-id",)

    @admin.display(description=_("number"), ordering="id")
    def number(self, event: AuditEvent) -> int:
        return event.id

    @admin.display(description=_("what"), ordering="action")
    def what(self, event: AuditEvent) -> str:
        return history.action_name(event.action)

    def get_queryset(self, request):
        held = KeyWrap.objects.filter(case_id=OuterRef("case_id"), user=request.user)
        return super().get_queryset(request).filter(Q(case_id=None) | Exists(held))

    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "read_audit_log")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.may(request.user, "read_audit_log")


class DeviceAdmin(ReadOnlyAdmin):
    """Which authenticators exist, never their secret: no key, no QR code, no backup code."""

    list_display = ("user", "name", "confirmed")
    fields = ("user", "name", "confirmed")

    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "manage_staff")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.may(request.user, "manage_staff")


for device_model in (TOTPDevice, StaticDevice):
    admin.site.unregister(device_model)  # django-otp's own admins show the secrets
    admin.site.register(device_model, DeviceAdmin)
admin.site.unregister(User)


def name_in_our_words(model, app_name, singular, plural) -> None:
    """django-otp names its app, models and fields in English only: name them translatably."""
    apps.get_app_config(model._meta.app_label).verbose_name = app_name
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural
    for field, words in (
        ("user", _("staff member")),
        ("name", _("name")),
        ("confirmed", _("confirmed")),
    ):
        model._meta.get_field(field).verbose_name = words


name_in_our_words(
    TOTPDevice, _("Authenticator apps"), _("authenticator app"), _("authenticator apps")
)
name_in_our_words(
    StaticDevice, _("Backup codes"), _("set of backup codes"), _("sets of backup codes")
)


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
    """Django's user admin, except that nobody sets a staff member's password for them.

    Staff are created by enrolment (staff.members), never here. A member who lost password
    and recovery key is reset WITHOUT the recovery key: a new enrolment code, no password
    the administrator could know, and no case until a coordinator admits them again.
    Deactivating the last recipient of a country or region asks for a confirmation first.
    """

    form = StaffUserChangeForm

    def has_add_permission(self, request) -> bool:
        return False

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
        form = ResetKeysForm(request.POST if request.method == "POST" else None)
        context = {**self.admin_site.each_context(request), "person": user}
        if request.method == "POST" and form.is_valid():
            code, expires = accounts.reset_without_recovery(user, by=request.user)
            context |= {
                "code": code,
                "link": members.enrolment_link(code),
                "expires_at": expires,
                "title": _("New enrolment code"),
            }
            return TemplateResponse(request, "admin/auth/user/keys_reset.html", context)
        context |= {"form": form, "title": _("Reset without the recovery key")}
        return TemplateResponse(request, "admin/auth/user/reset_keys.html", context)
