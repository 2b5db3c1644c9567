"""The registry's import and export pages: upload, preview, confirm; download.

An upload arrives sealed (cases.uploads) and is read in memory only; the parsed rows wait
sealed under a key that only the preview page holds (actors.imports). Nothing is recorded
before the preview is confirmed; the import and every export are audited acts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import permissions, storage, uploads
from cases.permissions import NotAllowed
from lib import clock, crypto

from . import buyers_csv, ftm, imports, registry
from .forms import ExportForm, ImportForm
from .models import Actor, Registry
from .views import base_context, covered, keyring_of

PARSERS = {"csv": buyers_csv.parse, "ftm": ftm.parse}
PREVIEW_ROWS = 50


def _preview(request, model_admin, batch, key_text, parsed):
    keyring = keyring_of(request)
    plan = imports.plan(parsed, keyring)
    rows = {
        action: [s for s in plan.steps if s.action == action][:PREVIEW_ROWS]
        for action in ("create", "update", "unchanged")
    }
    context = {
        **base_context(request, model_admin, _("Check the import")),
        "batch": batch,
        "key": key_text,
        "plan": plan,
        "rows": rows,
        "counts": {a: plan.count(a) for a in ("create", "update", "unchanged")},
        "errors": plan.errors[:PREVIEW_ROWS],
        "error_count": len(plan.errors),
        "shown": PREVIEW_ROWS,
    }
    return TemplateResponse(request, "admin/actors/actor/import_preview.html", context)


def import_file(request: HttpRequest, model_admin) -> HttpResponse:
    """Upload a file; the answer is its preview. Nothing is recorded before it is confirmed."""
    if not permissions.may(request.user, "edit_registry"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, countries_=covered(request))
    if request.method == "POST" and form.is_valid():
        data = _read_upload(form.cleaned_data["file"])
        if data is None:
            form.add_error("file", _("The file is too large (at most 20 MB)."))
        else:
            parse = PARSERS[form.cleaned_data["format"]]
            parsed = parse(data, default_country=form.cleaned_data["country"])
            _start_missing_registries(request, {r.country for r in parsed.records})
            batch, key_text = imports.stage(parsed, by=request.user)
            return _preview(request, model_admin, batch, key_text, parsed)
    return _import_page(request, model_admin, form)


def _read_upload(upload) -> bytes | None:
    """The uploaded file's bytes, in memory only: uploads arrive sealed (cases.uploads), and
    the sealed copy is removed at once. None if it is too large."""
    try:
        if getattr(upload, "too_large", False) or upload.size > imports.MAX_BYTES:
            return None
        if not isinstance(upload, uploads.SealedUpload):
            return upload.read()
        with storage.spool_path(upload.file_id).open("rb") as src:
            context = uploads.file_context(upload.file_id)
            return b"".join(crypto.open_stream(upload.key, src, context=context))
    finally:
        if isinstance(upload, uploads.SealedUpload):
            upload.discard()


def _start_missing_registries(request, wanted: set) -> None:
    """A first import into a country of her scope starts its registry, as a first actor does."""
    scope = set(covered(request))
    existing = set(Registry.objects.filter(country__in=wanted).values_list("country", flat=True))
    for country in sorted((wanted & scope) - existing):
        try:
            registry.start_registry(country, by=request.user)
        except NotAllowed:
            continue  # started meanwhile by someone else: a coordinator must grant it
    if hasattr(request, "_lanterne_keyring"):
        del request._lanterne_keyring


def _import_page(request, model_admin, form):
    context = {
        **base_context(request, model_admin, _("Import actors")),
        "form": form,
        "no_registry": not covered(request),
    }
    return TemplateResponse(request, "admin/actors/actor/import.html", context)


@require_POST
def import_confirm(request: HttpRequest, model_admin) -> HttpResponse:
    """Apply a previewed import (as one audited act), or say why it cannot be."""
    if not permissions.may(request.user, "edit_registry"):
        raise PermissionDenied
    try:
        batch, parsed = imports.unstage(
            request.POST.get("batch", ""), request.POST.get("key", ""), by=request.user
        )
        plan = imports.apply(batch, parsed, by=request.user, keyring=keyring_of(request))
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
        form = ImportForm(countries_=covered(request))
        return _import_page(request, model_admin, form)
    messages.success(
        request,
        _("Imported: %(created)d new actors, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "created": plan.count("create"),
            "updated": plan.count("update"),
            "unchanged": plan.count("unchanged"),
        },
    )
    return redirect("admin:actors_actor_changelist")


def export(request: HttpRequest, model_admin) -> HttpResponse:
    """Download the reader's registries as FollowTheMoney JSON lines (an audited act)."""
    if not permissions.may(request.user, "read_registry"):
        raise PermissionDenied
    keyring = keyring_of(request)
    form = ExportForm(request.POST or None, countries_=sorted(keyring))
    if request.method == "POST" and form.is_valid():
        chosen = sorted(form.cleaned_data["countries"])
        count = Actor.objects.filter(registry_id__in=chosen, merged_into=None).count()
        registry.record(
            "registry_export",
            by=request.user,
            detail={"registries": chosen, "actors": count, "format": "ftm"},
        )
        lines = (line + "\n" for line, _is_actor in ftm.export(keyring, chosen))
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        day = clock.now().date().isoformat()
        response["Content-Disposition"] = content_disposition_header(
            True, f"lanterne-actors-{'-'.join(chosen)}-{day}.ftm.json"
        )
        return response
    context = {
        **base_context(request, model_admin, _("Export actors")),
        "form": form,
        "no_registry": not keyring,
    }
    return TemplateResponse(request, "admin/actors/actor/export.html", context)
