"""The registry on the staff site: one admin entry ("Actors") on the home page, whose list
is the registry's search (or counts, for the steering committee), whose page is an actor's
page, and whose other URLs are the registry's own pages (actors.views).

Nothing goes through the admin's generic forms: names are sealed, so the admin can neither
list nor sort them; every view is ours and every change one function of the registry.
"""

from django.contrib import admin
from django.http import Http404
from django.urls import path

from cases import permissions
from staff.sites import ReadOnlyAdmin

from . import transfers, views
from .models import Actor


@admin.register(Actor)
class ActorAdmin(ReadOnlyAdmin):
    def has_module_permission(self, request) -> bool:
        return permissions.may(request.user, "read_registry") or permissions.may(
            request.user, "registry_counts"
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return permissions.may(request.user, "edit_registry")

    def get_urls(self):
        view = self.admin_site.admin_view

        def bound(function):
            def with_admin(request, *args, **kwargs):
                return function(request, *args, model_admin=self, **kwargs)

            return view(with_admin)

        return [
            path("duplicates/", bound(views.duplicates), name="actors_actor_duplicates"),
            path("import/", bound(transfers.import_file), name="actors_actor_import"),
            path(
                "import/confirm/",
                bound(transfers.import_confirm),
                name="actors_actor_import_confirm",
            ),
            path("export/", bound(transfers.export), name="actors_actor_export"),
            path("access/", bound(views.access), name="actors_actor_access"),
            path(
                "access/<slug:act_name>/",
                bound(views.access_act),
                name="actors_actor_access_act",
            ),
            path("<path:object_id>/act/<slug:name>/", view(views.act), name="actors_actor_act"),
            path(
                "<path:object_id>/merge/<uuid:other>/",
                bound(views.merge),
                name="actors_actor_merge",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return views.registry_home(request, self)

    def add_view(self, request, form_url="", extra_context=None):
        return views.new_actor(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.actor_page(request, object_id, self)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404  # the actor's page shows the audited history

    def delete_view(self, request, object_id, extra_context=None):
        raise Http404  # actors are merged, never deleted from the staff site
