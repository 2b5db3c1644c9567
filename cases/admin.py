"""The officers' admin: the queue, the case page, and read-only views of the audit and staff.

Nothing here changes a case: the Case admin is read-only, and the acts on the case page
post to views in cases.staff_views that call one function of cases.workflow each.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import acts, clock, geography, staff_auth, staff_views, taxonomy
from .models import AuditEvent, Case, KeyWrap, Message, Role, Sender, StaffProfile


def profile(request) -> StaffProfile | None:
    """The user's staff profile, looked up once per request."""
    if not hasattr(request, "_lanterne_profile"):
        request._lanterne_profile = StaffProfile.objects.filter(user=request.user).first()
    return request._lanterne_profile


def role(request) -> str | None:
    found = profile(request)
    return found.role if found else None


def is_staff_member(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or role(request) is not None)


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CountryFilter(admin.SimpleListFilter):
    """The countries this person covers."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        # The person's own scope, without reading the queue: a query over every case they
        # hold would cost more than the page itself at 100,000 cases.
        person = profile(request)
        codes = set(person.country_list) if person else set()
        for region in person.region_list if person else ():
            codes |= set(geography.REGIONS[region][1])
        return [(c, name) for c, name in geography.COUNTRIES.items() if c in codes]

    def queryset(self, request, queryset):
        if self.value() in geography.COUNTRIES:
            return queryset.filter(country=self.value())
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(code, f"{code} — {words}") for code, words in taxonomy.CATEGORIES.items()]

    def queryset(self, request, queryset):
        if self.value() in taxonomy.CATEGORIES:
            return queryset.filter(categories__code=self.value())
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("Due within 48 hours"))]

    def queryset(self, request, queryset):
        now = clock.now()
        if self.value() == "overdue":
            return queryset.filter(next_due__lt=now)
        if self.value() == "soon":
            return queryset.filter(next_due__gte=now, next_due__lt=now + staff_views.SOON_DELTA)
        return queryset


class QueueChangeList(ChangeList):
    """The admin's list, plus unread reporter messages counted for the shown page only."""

    def get_results(self, request):
        super().get_results(request)
        counts = dict(
            Message.objects.filter(
                case__in=[case.pk for case in self.result_list],
                sender=Sender.REPORTER,
                read_at__isnull=True,
            )
            .order_by()
            .values_list("case")
            .annotate(n=Count("id"))
        )
        for case in self.result_list:
            case.unread = counts.get(case.pk, 0)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "received",
        "category_codes",
        "country_code",
        "priority_code",
        "status",
        "assigned_to",
        "deadline",
        "unread",
    )
    list_display_links = ("reference",)
    list_filter = ("status", CountryFilter, CategoryFilter, "priority", DeadlineFilter)
    # The assignee's name comes by a scalar subquery: computed for the shown rows only, where
    # a join would be evaluated for every row an OFFSET skips.
    list_select_related = False
    search_fields = ("reference",)
    search_help_text = _("A case reference, like K7QM-4X29, or its first characters.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # counts per filter choice would cost a query each
    list_per_page = 50
    sortable_by = (
        "reference",
        "received",
        "country_code",
        "priority_code",
        "status",
        "deadline",
    )

    def get_queryset(self, request):
        # Only the cases this person holds a key to. EXISTS, not a join or IN: the database
        # then walks the case_queue index in order and stops at the page, instead of sorting
        # every case the person holds; the sealed blobs stay out of the rows.
        held = KeyWrap.objects.filter(case=OuterRef("pk"), user=request.user)
        return (
            Case.objects.filter(Exists(held))
            .defer("report", "reporter_key", "reporter_tag")
            .annotate(
                assignee_name=Subquery(
                    User.objects.filter(pk=OuterRef("assignee_id")).values("username")[:1]
                )
            )
            .prefetch_related("categories")
        )

    def get_ordering(self, request):
        return ["queue_rank", "queue_due", "-received_at"]  # the case_queue index

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_search_results(self, request, queryset, search_term):
        reference = acts.normalise_reference(search_term)
        if not reference:
            return queryset, False
        return queryset.filter(reference__istartswith=reference), False

    def has_module_permission(self, request) -> bool:
        return is_staff_member(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff_member(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/<slug:name>/", view(staff_views.act), name="cases_case_act"),
            path(
                "<path:object_id>/file/<uuid:file_id>/",
                view(staff_views.attachment),
                name="cases_case_attachment",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": _("Your queue"), **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return staff_views.case_page(request, object_id, self)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404  # the case page shows the audited history

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, case):
        return case.received_at.date().isoformat()

    @admin.display(description=_("categories"))
    def category_codes(self, case):
        return format_html_join(
            " ",
            '<abbr title="{}">{}</abbr>',
            ((taxonomy.CATEGORIES.get(c.code, c.code), c.code) for c in case.categories.all()),
        )

    @admin.display(description=_("country"), ordering="country")
    def country_code(self, case):
        return format_html('<abbr title="{}">{}</abbr>', case.get_country_display(), case.country)

    @admin.display(description=_("priority"), ordering="priority")
    def priority_code(self, case):
        if not case.priority:
            return "—"
        return format_html(
            '<abbr class="priority-{}" title="{}">{}</abbr>',
            case.priority.lower(),
            case.get_priority_display(),
            case.priority,
        )

    @admin.display(description=_("assignee"))
    def assigned_to(self, case):
        return case.assignee_name or "—"

    @admin.display(description=_("next deadline"), ordering="queue_due")
    def deadline(self, case):
        due = staff_views.due(case.next_due)
        if due is None:
            return "—"
        return format_html(
            '<span class="deadline {}">{}</span><br><time class="quiet">{}</time>',
            due.css,
            due.words,
            due.at.strftime("%Y-%m-%d %H:%M UTC"),
        )

    @admin.display(description=_("unread"))
    def unread(self, case):
        if not case.unread:
            return "0"
        return format_html('<strong class="unread">{}</strong>', case.unread)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "case_reference")
    list_filter = ("action",)
    search_fields = ("=case_reference", "=actor")
    show_full_result_count = False
    ordering = ("-id",)

    def allowed(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.is_superuser or role(request) == Role.COORDINATOR)
        )

    def has_module_permission(self, request) -> bool:
        return self.allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.allowed(request)


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
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class ResetKeysForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    understood = forms.BooleanField(
        label=_(
            "I understand that this person loses access to every case sent to them until a "
            "coordinator grants it again."
        ),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if data.get("new_password1") != data.get("new_password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if data.get("new_password1"):
            password_validation.validate_password(data["new_password1"], self.user)
        return data


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, except that a key holder's password cannot be set behind her back.

    Setting it would leave her private key sealed under the old password. Her own password
    change and the recovery-key page re-seal it; an administrator can only reset it WITHOUT
    the recovery key, which makes a new key pair and loses her access to past cases.
    """

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is None or not StaffProfile.objects.filter(user=user).exists():
            return super().user_change_password(request, id, form_url)
        if not (self.has_change_permission(request, user) and request.user.is_superuser):
            raise PermissionDenied
        form = ResetKeysForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            recovery_key = staff_auth.reset_without_recovery(
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
