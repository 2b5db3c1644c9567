"""The staff admin: two-factor login of our own, and a live key session on every page.

Imported while Django loads its apps, so it imports no models at module level.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LanterneAdminSite(AdminSite):
    """Open only to active staff verified by a second factor, whose key session is live.

    A session cookie without the key cookie (or the reverse) is not enough: the browser
    that logged in must hold both halves."""

    site_header = "Lanterne"
    site_title = "Lanterne"
    index_title = _("Case management")

    def has_permission(self, request) -> bool:
        from . import key_session

        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and getattr(user, "is_verified", lambda: False)()
            and key_session.is_live(request)
        )

    index_template = "staff/index.html"

    def each_context(self, request):
        """Every staff page also knows which of the coalition's tools this person may open."""
        from django.urls import reverse

        from cases import permissions

        context = super().each_context(request)
        tools = []
        if permissions.may(request.user, "view_statistics"):
            tools.append((reverse("admin:statistics"), _("Statistics")))
        if permissions.may(request.user, "quarterly_report"):
            tools.append((reverse("admin:statistics_reports"), _("Quarterly reports")))
        if permissions.may(request.user, "view_alerts"):
            from alerts.access import unacknowledged_count

            tools.append((reverse("admin:alerts"), _("Alerts")))
            context["lanterne_alerts_url"] = reverse("admin:alerts")
            context["lanterne_unacknowledged"] = unacknowledged_count(request.user)
        context["lanterne_tools"] = tools
        return context

    def get_urls(self):
        from django.urls import path

        from alerts import views as alerts
        from stats import views as stats

        from . import alert_page, enrolment, language, login

        view = self.admin_view
        # Ours come first, so they win over the admin's own views of the same path.
        return [
            path("login/code/", self._with_site(login.second_factor), name="login_code"),
            path("enrol/", self._with_site(enrolment.enrol), name="enrol"),
            path("recover/", self._with_site(login.recovery), name="recover"),
            # Not behind has_permission: a broken key session must still be able to log out.
            path("logout/", self._with_site(login.logout), name="logout"),
            path(
                "language/",
                view(lambda request: language.language_page(request, self)),
                name="language",
            ),
            path("statistics/", view(stats.dashboard), name="statistics"),
            path("statistics/csv/", view(stats.export_csv), name="statistics_csv"),
            path("statistics/reports/", view(stats.report_list), name="statistics_reports"),
            path(
                "statistics/reports/<str:quarter>/",
                view(stats.report),
                name="statistics_report",
            ),
            path(
                "statistics/reports/<str:quarter>/issue/",
                view(stats.finalise),
                name="statistics_report_finalise",
            ),
            path(
                "statistics/reports/<str:quarter>/<slug:language>.<slug:kind>",
                view(stats.report_file),
                name="statistics_report_file",
            ),
            path("alerts/", view(alerts.alert_list), name="alerts"),
            path("alerts/rules/", view(alerts.rule_list), name="alert_rules"),
            path("alerts/feed/", view(alerts.feed_tokens), name="alert_feed_tokens"),
            # For partners' systems: a bearer token, not a staff session.
            path("alerts/feed.xml", login_not_required(alerts.cap_feed), name="alert_feed"),
            path("alerts/rules/new/", view(alerts.rule_edit), name="alert_rule_add"),
            path("alerts/rules/<str:rule_id>/", view(alerts.rule_edit), name="alert_rule"),
            path("alerts/<str:alert_id>/", view(alert_page.alert_page), name="alert"),
            path(
                "alerts/<str:alert_id>/act/<slug:act>/",
                view(alert_page.alert_act),
                name="alert_act",
            ),
            *super().get_urls(),
        ]

    def _with_site(self, view):
        def bound(request, *args, **kwargs):
            return view(request, self, *args, **kwargs)

        return login_not_required(bound)

    def login(self, request, extra_context=None):
        from . import login

        return login.login(request, self)

    def password_change(self, request, extra_context=None):
        from . import login

        return login.password_change(request, self)


class LanterneAdminConfig(AdminConfig):
    default_site = "staff.sites.LanterneAdminSite"
