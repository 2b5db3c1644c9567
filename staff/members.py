"""Staff members in the admin: the list, enrolling a new member by one-time code, and a
coordinator's admission of a member to cases (which gives back what a reset took).

The acts are staff.accounts.invite and staff.accounts.admit; this module only shows them.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.models import StaffProfile
from cases.permissions import NotAllowed

from . import accounts, key_session
from .account_forms import AdmitForm, InviteForm
from .sites import ReadOnlyAdmin


def enrolment_link(code: str) -> str:
    return f"{settings.LANTERNE_BASE_URL}{reverse('admin:enrol')}?code={code}"


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ("username", "role", "countries", "regions", "state")
    list_filter = ("role",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    # Never the key fields.
    fields = ("user", "role", "countries", "regions", "created_at", "admitted_at", "admitted_by")
    change_form_template = "admin/cases/staffprofile/change_form.html"

    @admin.display(description=gettext_lazy("username"), ordering="user__username")
    def username(self, profile):
        return profile.user.get_username()

    @admin.display(description=gettext_lazy("state"))
    def state(self, profile):
        if not profile.has_keys:
            return _("waiting for enrolment")
        if profile.admitted_at is None:
            return _("enrolled, waiting for a coordinator's admission")
        return _("admitted to cases")

    def _may_see(self, request) -> bool:
        return any(
            permissions.may(request.user, p) for p in ("manage_staff", "enrol_staff", "admit_staff")
        )

    def has_module_permission(self, request) -> bool:
        return self._may_see(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_see(request)

    def has_add_permission(self, request) -> bool:
        return permissions.may(request.user, "enrol_staff")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/admit/", view(self.admit_view), name="cases_staffprofile_admit"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, context: dict):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, f"admin/cases/staffprofile/{template}", context)

    def add_view(self, request, form_url="", extra_context=None):
        """Enrol a member: their account, role and scope, and a one-time code to hand over."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST if request.method == "POST" else None, by=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                invitation = accounts.invite(
                    data["username"],
                    role=data["role"],
                    by=request.user,
                    countries=data["countries"],
                    regions=data["regions"],
                    email=data["email"],
                )
            except NotAllowed as refusal:
                form.add_error(None, str(refusal))
            except IntegrityError:  # taken between the form's check and the insert
                form.add_error("username", _("This username is taken."))
            else:
                return self._page(
                    request,
                    "invited.html",
                    {
                        "title": _("Enrolment code"),
                        "person": invitation.profile.user,
                        "code": invitation.code,
                        "link": enrolment_link(invitation.code),
                        "expires_at": invitation.expires_at,
                    },
                )
        return self._page(request, "invite.html", {"title": _("Enrol a member"), "form": form})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        profile = self.get_object(request, object_id)
        extra = {}
        if profile is not None and profile.has_keys:
            extra["fingerprint"] = accounts.fingerprint(profile.public_key)
            extra["may_admit"] = accounts.admission_refusal(profile, request.user) is None
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def admit_view(self, request, object_id):
        """A coordinator admits a member to cases, after checking their key by phone."""
        if not permissions.may(request.user, "admit_staff"):
            raise PermissionDenied
        profile = self.get_object(request, object_id)
        if profile is None:
            raise Http404
        refusal = accounts.admission_refusal(profile, request.user)
        form = AdmitForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and refusal is None and form.is_valid():
            try:
                restored = accounts.admit(
                    profile, by=request.user, private_key=key_session.private_key(request)
                )
            except NotAllowed as error:
                refusal = str(error)
            else:
                messages.success(
                    request,
                    _("%(name)s is admitted to cases; %(count)d case(s) given back.")
                    % {"name": profile.user.get_username(), "count": restored},
                )
                return redirect("admin:cases_staffprofile_change", profile.pk)
        return self._page(
            request,
            "admit.html",
            {
                "title": _("Admit to cases"),
                "person": profile.user,
                "profile": profile,
                "fingerprint": accounts.fingerprint(profile.public_key) if profile.has_keys else "",
                "lost": len(profile.lost_cases),
                "refusal": refusal,
                "form": form,
            },
        )
