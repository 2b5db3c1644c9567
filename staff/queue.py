"""The officer's queue: the cases she holds a key to, in the order their clocks demand.

Nothing here changes a case directly: the Case admin is read-only; its change view is the
case page (staff.case_page), whose acts each call one function of cases.workflow or
cases.sharing. The queue's bulk acts (acknowledge, assign to me, assign to someone) are
those same functions run once per ticked case (cases.bulk). A case a reporter wrote on
after it was finished heads the queue, flagged (cases.deadlines.queue_rank).
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import bulk, deadlines, intake, permissions, search, taxonomy
from cases.models import OPEN_STATUSES, Case, Escalation, KeyWrap, Message, Sender, Status
from lib import clock
from places import countries

from . import case_page, display, dossier, forms, summaries
from .key_session import private_key
from .sites import ReadOnlyAdmin

FEEDBACK_SOON = timedelta(days=14)


class CountryFilter(admin.SimpleListFilter):
    """The countries this person covers."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        # The person's own scope, without reading the queue: a query over every case they
        # hold would cost more than the page itself at 100,000 cases.
        person = permissions.profile_of(request.user)
        codes = set(person.country_list) if person else set()
        for region in person.region_list if person else ():
            codes |= set(countries.REGIONS[region][1])
        return [(c, name) for c, name in countries.COUNTRIES.items() if c in codes]

    def queryset(self, request, queryset):
        if self.value() in countries.COUNTRIES:
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
            return queryset.filter(next_due__gte=now, next_due__lt=now + display.SOON_DELTA)
        return queryset


class ShowFilter(admin.SimpleListFilter):
    """The officer's own views of the queue: what is hers, what waits for her."""

    title = _("show")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("Assigned to me")),
            ("unread", _("Unread reporter messages")),
            ("feedback", _("Feedback due within 14 days or late")),
            ("p1", _("P1 — threat to life or liberty")),
            ("escalated", _("Escalated to me")),
        ]

    def queryset(self, request, queryset):
        user, value = request.user, self.value()
        if value == "mine":
            return queryset.filter(assignee=user)
        if value == "unread":
            unread = Message.objects.filter(
                case=OuterRef("pk"), sender=Sender.REPORTER, read_at__isnull=True
            )
            return queryset.filter(Exists(unread))
        if value == "feedback":
            return queryset.filter(
                status__in=OPEN_STATUSES,
                first_feedback_at__isnull=True,
                feedback_due__lt=clock.now() + FEEDBACK_SOON,
            )
        if value == "p1":
            return queryset.filter(priority="P1")
        if value == "escalated":
            to_me = Escalation.objects.filter(case=OuterRef("pk"), to=user)
            return queryset.filter(Exists(to_me), status=Status.ESCALATED)
        return queryset


class QueueChangeList(ChangeList):
    """The admin's list, plus unread reporter messages counted and summaries opened for the
    shown page only."""

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
        opened = summaries.for_page(list(self.result_list), request.user, private_key(request))
        for case in self.result_list:
            case.unread = counts.get(case.pk, 0)
            case.summary = opened.get(case.pk)


class BulkActForm(helpers.ActionForm):
    """The queue's action bar, with the person to assign ticked cases to."""

    to = forms.UserChoiceField(
        label=_("Assign to"),
        required=False,
        queryset=forms.staff(
            staff__role__in=permissions.roles_with("hold_case_keys"),
            staff__admitted_at__isnull=False,
        ),
    )


# Which permission each bulk act needs, so the bar offers only what the role may do.
BULK_PERMISSIONS = {
    "acknowledge_selected": "acknowledge",
    "take_selected": "take",
    "assign_selected": "assign",
}


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    actions = tuple(BULK_PERMISSIONS)
    action_form = BulkActForm
    list_display = (
        "reference",
        "about",
        "received",
        "category_codes",
        "country_code",
        "priority_code",
        "status_shown",
        "assigned_to",
        "deadline",
        "unread",
    )
    list_display_links = ("reference",)
    list_filter = (ShowFilter, "status", CountryFilter, CategoryFilter, "priority", DeadlineFilter)
    # The assignee's name comes by a scalar subquery: computed for the shown rows only, where
    # a join would be evaluated for every row an OFFSET skips.
    list_select_related = False
    search_fields = ("reference",)
    search_help_text = _(
        "A case reference, like K7QM-4X29, or its first characters; or words from the "
        "reports, messages, notes and file names of your cases."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # counts per filter choice would cost a query each
    list_per_page = 50
    sortable_by = (
        "reference",
        "received",
        "country_code",
        "priority_code",
        "status_shown",
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
        """A reference (or its start) finds that case; otherwise, or when no reference
        matches, the words are looked up in this officer's own index of her cases."""
        reference = forms.normalise_reference(search_term)
        if not reference:
            return queryset, False
        if set(reference) <= set(intake.REFERENCE_ALPHABET + "-"):
            by_reference = queryset.filter(reference__istartswith=reference)
            if len(reference) == 9:
                by_reference = queryset.filter(reference=reference)
            if by_reference.exists() or not search.has_words(search_term):
                return by_reference, False
        key = private_key(request)
        left = search.catch_up(request.user, key)
        if left:
            messages.warning(
                request,
                ngettext(
                    "%(n)d case is not searchable yet: search again to index it.",
                    "%(n)d or more cases are not searchable yet: search again to index them.",
                    left,
                )
                % {"n": left},
            )
        return search.matching(queryset, request.user, key, search_term), False

    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "staff_site")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.may(request.user, "staff_site")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/<slug:name>/", view(case_page.act), name="cases_case_act"),
            path("<path:object_id>/dossier/", view(dossier.export), name="cases_case_dossier"),
            path(
                "<path:object_id>/file/<uuid:file_id>/",
                view(case_page.attachment),
                name="cases_case_attachment",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(
            request, {"title": _("Your queue"), **(extra_context or {})}
        )
        action_form = getattr(response, "context_data", {}).get("action_form")
        if action_form is not None and "to" in action_form.fields:
            if "assign_selected" in self.get_actions(request):
                # Only the people this coordinator covers (each case is checked again).
                me = permissions.profile_of(request.user)
                field = action_form.fields["to"]
                field.queryset = field.queryset.filter(
                    pk__in=[u.pk for u in field.queryset if permissions.covers(me, u.staff)]
                )
            else:
                del action_form.fields["to"]
        return response

    # --- bulk acts ---------------------------------------------------------------------

    def get_actions(self, request):
        return {
            name: action
            for name, action in super().get_actions(request).items()
            if permissions.may(request.user, BULK_PERMISSIONS.get(name, "-"))
        }

    def response_action(self, request, queryset):
        # The ticked ids as sent: a malformed one opens no case (and is reported as such)
        # rather than failing the admin's own filter on them.
        request.lanterne_chosen = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        valid = [str(i) for i in bulk.ids_of(request.lanterne_chosen) if i is not None]
        if len(valid) != len(request.lanterne_chosen):
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, valid)
        return super().response_action(request, queryset)

    def run_bulk(self, request, queryset, act: str, **arguments) -> None:
        if request.POST.get("select_across") == "1":
            chosen = list(queryset.values_list("pk", flat=True))
        else:
            chosen = getattr(request, "lanterne_chosen", [])
        try:
            outcomes = bulk.run(
                act, chosen, by=request.user, private_key=private_key(request), **arguments
            )
        except permissions.NotAllowed as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        done = [o.case.reference for o in outcomes if o.done]
        if done:
            self.message_user(
                request,
                ngettext(
                    "Done for %(n)d case: %(references)s.",
                    "Done for %(n)d cases: %(references)s.",
                    len(done),
                )
                % {"n": len(done), "references": ", ".join(done)},
                messages.SUCCESS,
            )
        for outcome in outcomes:
            if not outcome.done:
                where = outcome.case.reference + ": " if outcome.case else ""
                self.message_user(request, where + outcome.refusal, messages.ERROR)

    @admin.action(description=_("Acknowledge (standard message in each reporter's language)"))
    def acknowledge_selected(self, request, queryset):
        self.run_bulk(request, queryset, "acknowledge")

    @admin.action(description=_("Assign to me"))
    def take_selected(self, request, queryset):
        self.run_bulk(request, queryset, "take")

    @admin.action(description=_("Assign to the person chosen"))
    def assign_selected(self, request, queryset):
        try:
            to = self.action_form.base_fields["to"].clean(request.POST.get("to"))
        except ValidationError:
            to = None
        if to is None:
            self.message_user(
                request, gettext("Choose the person to assign the cases to."), messages.ERROR
            )
            return
        self.run_bulk(request, queryset, "assign", to=to)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return case_page.case_page(request, object_id, self)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404  # the case page shows the audited history

    @admin.display(description=_("about"))
    def about(self, case):
        if case.summary is None:
            return "—"
        if not case.summary.where:
            return format_html('<span class="summary">{}</span>', case.summary.what)
        return format_html(
            '<span class="summary">{}</span><br><span class="quiet">{}</span>',
            case.summary.what,
            case.summary.where,
        )

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

    @admin.display(description=_("Status"), ordering="status")
    def status_shown(self, case):
        if case.queue_rank == deadlines.FLAGGED_RANK:
            return format_html(
                '{} <strong class="flagged">{}</strong>',
                case.get_status_display(),
                gettext("the reporter wrote again"),
            )
        return case.get_status_display()

    @admin.display(description=_("assignee"))
    def assigned_to(self, case):
        return case.assignee_name or "—"

    @admin.display(description=_("next deadline"), ordering="queue_due")
    def deadline(self, case):
        due = display.due(case.next_due)
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
