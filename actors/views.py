"""The registry's pages on the staff site: search, an actor's page and its acts, merging,
duplicates, and who holds each registry's key (imports and export: actors.transfers).

Every view runs behind the admin site's checks (second factor, live key session). An
actor is loaded through `actor_for`, which answers 404 alike for a malformed id, a missing
actor and one of a registry the reader does not hold. Every change is one function of
actors.registry, actors.sharing or actors.imports; every read of an actor is audited.
Nothing decrypted is cached, logged or kept in the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import permissions
from cases.models import AuditEvent
from cases.permissions import NotAllowed
from places import countries, provinces
from staff.key_session import private_key

from . import keys, network, registry, search, sharing
from .facts import ActorFacts, Invalid, RelationFacts
from .forms import ACTS, ActorForm, SearchForm
from .models import Actor, ActorEvent, Kind, Registry, Relation

# --- loading ------------------------------------------------------------------------------


def keyring_of(request: HttpRequest) -> dict:
    """The registry keys this request's officer can open (unwrapped once per request)."""
    if not hasattr(request, "_lanterne_keyring"):
        request._lanterne_keyring = keys.keyring(request.user, private_key(request))
    return request._lanterne_keyring


def actor_for(request: HttpRequest, object_id) -> tuple[Actor, keys.RegistryKey]:
    """The actor and its registry's key for this reader, or Http404 (the same every time)."""
    if not permissions.may(request.user, "read_registry"):
        raise Http404
    try:
        actor_id = uuid.UUID(unquote(str(object_id)))
    except ValueError:
        raise Http404 from None
    actor = Actor.objects.filter(pk=actor_id).select_related("merged_into").first()
    key = keyring_of(request).get(actor.registry_id) if actor else None
    if key is None:
        raise Http404
    return actor, key


def page_url(actor: Actor) -> str:
    return reverse("admin:actors_actor_change", args=[actor.pk])


def base_context(request, model_admin, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Actor._meta,
        "title": title,
        "subtitle": "",
        "may_edit": permissions.may(request.user, "edit_registry"),
        "may_grant": permissions.may(request.user, "grant_registry"),
    }


def covered(request) -> list[str]:
    return keys.countries_covered(permissions.profile_of(request.user))


# --- the registry's home: search, or counts for the steering committee ----------------------


def registry_home(request: HttpRequest, model_admin) -> HttpResponse:
    user = request.user
    if permissions.may(user, "read_registry"):
        return _search_page(request, model_admin)
    if permissions.may(user, "registry_counts"):
        return _counts_page(request, model_admin)
    raise PermissionDenied


def _search_page(request, model_admin):
    keyring = keyring_of(request)
    form = SearchForm(request.GET or None)
    hits, more, query = [], False, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        hits, more = search.search(keyring, query)
        # The query itself is never recorded: it names someone.
        registry.record(
            "actor_search",
            by=request.user,
            detail={"registries": sorted(keyring), "results": len(hits)},
        )
    scope = covered(request)
    existing = set(Registry.objects.filter(country__in=scope).values_list("country", flat=True))
    context = {
        **base_context(request, model_admin, _("Actor registry")),
        "form": form,
        "query": query,
        "hits": hits,
        "more": more,
        "held": [(c, countries.COUNTRIES[c]) for c in sorted(keyring)],
        "waiting": [
            (c, countries.COUNTRIES[c]) for c in scope if c in existing and c not in keyring
        ],
    }
    return TemplateResponse(request, "admin/actors/actor/registry.html", context)


SMALL = 5  # counts from 1 to SMALL-1 show as "<5", as in every statistic


def shown_count(n: int) -> str:
    return f"<{SMALL}" if 0 < n < SMALL else str(n)


def _counts_page(request, model_admin):
    """How many live actors each registry holds, by kind: never a name, small counts hidden."""
    rows = (
        Actor.objects.filter(merged_into=None)
        .values("registry_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict = {}
    for row in rows:
        table.setdefault(row["registry_id"], {})[row["kind"]] = row["n"]
    kinds = [(k, label) for k, label in Kind.choices if any(k in t for t in table.values())]
    context = {
        **base_context(request, model_admin, _("Actor registry: counts")),
        "kinds": kinds,
        "rows": [
            (countries.COUNTRIES[c], [shown_count(table[c].get(k, 0)) for k, _l in kinds])
            for c in sorted(table)
        ],
        "small": SMALL,
    }
    return TemplateResponse(request, "admin/actors/actor/counts.html", context)


# --- a new actor ----------------------------------------------------------------------------


def new_actor(request: HttpRequest, model_admin) -> HttpResponse:
    if not permissions.may(request.user, "edit_registry"):
        raise PermissionDenied
    scope = covered(request)
    form = ActorForm(request.POST or None, countries_=scope)
    if request.method == "POST" and form.is_valid():
        country = form.cleaned_data["country"]
        try:
            key = keyring_of(request).get(country) or registry.start_registry(
                country, by=request.user
            )
            actor = registry.create_actor(
                by=request.user,
                key=key,
                kind=form.cleaned_data["kind"],
                facts=form.cleaned_data["facts"],
            )
        except (NotAllowed, Invalid) as refusal:
            messages.error(request, _message(refusal))
        else:
            messages.success(
                request, _("Recorded as %(reference)s.") % {"reference": actor.reference}
            )
            twins = search.duplicates_of(actor)
            if twins:
                messages.warning(
                    request,
                    _(
                        "Possible duplicates: %(references)s. Compare them below and "
                        "merge them if they are one."
                    )
                    % {"references": ", ".join(a.reference for a, _r in twins)},
                )
            return redirect(page_url(actor))
    context = {
        **base_context(request, model_admin, _("Record an actor")),
        "form": form,
    }
    return TemplateResponse(request, "admin/actors/actor/new.html", context)


def _message(refusal: Exception) -> str:
    return refusal.message if isinstance(refusal, Invalid) else str(refusal)


# --- an actor's page ------------------------------------------------------------------------


@dataclass
class ActContext:
    user: object
    actor: Actor
    facts: ActorFacts
    key: keys.RegistryKey
    keyring: dict
    private_key: bytes | None


@dataclass
class RelationRow:
    relation: Relation
    other: Actor
    other_name: str
    outgoing: bool
    facts: RelationFacts


def relations_of(actor: Actor, keyring: dict) -> tuple[list[RelationRow], int]:
    """Relations whose both ends the reader's registries open, and how many others exist."""
    rows, hidden = [], 0
    for relation in Relation.objects.filter(subject=actor).select_related("object"):
        rows.append((relation, relation.object, True))
    for relation in Relation.objects.filter(object=actor).select_related("subject"):
        rows.append((relation, relation.subject, False))
    shown = []
    for relation, other, outgoing in rows:
        other_key = keyring.get(other.registry_id)
        subject_key = keyring.get(relation.subject.registry_id if outgoing else other.registry_id)
        if other_key is None or subject_key is None:
            hidden += 1
            continue
        facts = RelationFacts.from_dict(subject_key.open("relation", relation.id, relation.sealed))
        shown.append(
            RelationRow(relation, other, registry.read(other, other_key).name, outgoing, facts)
        )
    return shown, hidden


HISTORY_SHOWN = 100
SCHEME_WORDS = {
    "registration": gettext_lazy("Registration"),
    "tax": gettext_lazy("Tax number"),
    "other": gettext_lazy("Identifier"),
}


def history(actor: Actor) -> list[AuditEvent]:
    ids = [actor.pk, *actor.merged.values_list("pk", flat=True)]
    events = (
        ActorEvent.objects.filter(actor_id__in=ids)
        .order_by("-event_id")
        .values_list("event_id", flat=True)
        .distinct()[:HISTORY_SHOWN]
    )
    return list(AuditEvent.objects.filter(id__in=list(events)).order_by("-id"))


def actor_page(request: HttpRequest, object_id: str, model_admin) -> HttpResponse:
    """An actor: details, licences, relations, linked cases with red flags, the network."""
    actor, key = actor_for(request, object_id)
    if actor.merged_into_id is not None and actor.merged_into.registry_id in keyring_of(request):
        messages.info(
            request,
            _("%(old)s was merged into %(new)s.")
            % {"old": actor.reference, "new": actor.merged_into.reference},
        )
        return redirect(page_url(actor.merged_into))
    registry.record("read", by=request.user, actors=[actor], detail={"what": "actor page"})
    keyring = keyring_of(request)
    facts = registry.read(actor, key)
    licences = registry.licences_of(actor, key)
    try:
        page = max(1, int(request.GET.get("cases", "1")))
    except ValueError:
        page = 1
    rows, flagged, total, others = network.linked_cases(
        actor, request.user, private_key(request), [f for _l, f in licences], page=page
    )
    relations, hidden_relations = relations_of(actor, keyring)
    graph = network.neighbourhood(actor, facts, request.user, keyring)
    merged = [
        (old, registry.read(old, key).name) for old in actor.merged.all().order_by("reference")
    ]
    twins = [(a, registry.read(a, key).name, reason) for a, reason in search.duplicates_of(actor)]
    context = ActContext(request.user, actor, facts, key, keyring, private_key(request))
    acts = {name: form(context=context) for name, form in ACTS.items()}
    page_context = {
        **base_context(request, model_admin, facts.name),
        "actor": actor,
        "facts": facts,
        "province": provinces.name(facts.province) if facts.province else "",
        "identifiers": [(SCHEME_WORDS[i["scheme"]], i["value"]) for i in facts.identifiers],
        "licences": licences,
        "relations": relations,
        "hidden_relations": hidden_relations,
        "rows": rows,
        "flagged": flagged,
        "total": total,
        "others": others,
        "page": page,
        "pages": max(1, -(-total // network.CASES_PER_PAGE)),
        "page_numbers": range(1, max(1, -(-total // network.CASES_PER_PAGE)) + 1),
        "graph": graph,
        "case_url": reverse("admin:cases_case_changelist"),
        "unlink_words": _("Unlink"),
        "merged": merged,
        "twins": twins,
        "events": [(e, _detail_words(e)) for e in history(actor)],
        "acts": acts,
        "may_act": permissions.may(request.user, "edit_registry"),
    }
    return TemplateResponse(request, "admin/actors/actor/actor_page.html", page_context)


def _detail_words(event: AuditEvent) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(event.detail.items()) if v not in ("", None))


@require_POST
def act(request: HttpRequest, object_id: str, name: str) -> HttpResponse:
    """Validate one act's form, call its one function, and go back to the actor's page."""
    if name not in ACTS:
        raise Http404
    actor, key = actor_for(request, object_id)
    if not permissions.may(request.user, "edit_registry"):
        messages.error(request, _("Your role cannot do this."))
        return redirect(page_url(actor))
    facts = registry.read(actor, key)
    context = ActContext(request.user, actor, facts, key, keyring_of(request), private_key(request))
    form = ACTS[name](request.POST, context=context)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in getattr(form, "fields", {}) else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(page_url(actor))
    try:
        done = form.run()
    except (NotAllowed, Invalid) as refusal:
        messages.error(request, _message(refusal))
    else:
        messages.success(request, done)
    return redirect(page_url(actor))


# --- merging -----------------------------------------------------------------------------


def merge(request: HttpRequest, object_id: str, other: uuid.UUID, model_admin) -> HttpResponse:
    """Confirm, then fold the other record into this one (a second page, no script needed)."""
    survivor, key = actor_for(request, object_id)
    absorbed, other_key = actor_for(request, other)
    if not permissions.may(request.user, "edit_registry"):
        raise PermissionDenied
    if request.method == "POST":
        try:
            registry.merge(survivor, absorbed, by=request.user, key=key)
        except NotAllowed as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("%(old)s was merged into %(new)s; both histories are kept.")
                % {"old": absorbed.reference, "new": survivor.reference},
            )
        return redirect(page_url(survivor))
    context = {
        **base_context(request, model_admin, _("Merge two records")),
        "survivor": survivor,
        "survivor_facts": registry.read(survivor, key),
        "absorbed": absorbed,
        "absorbed_facts": registry.read(absorbed, other_key),
        "same_registry": survivor.registry_id == absorbed.registry_id,
    }
    registry.record(
        "read", by=request.user, actors=[survivor, absorbed], detail={"what": "merge page"}
    )
    return TemplateResponse(request, "admin/actors/actor/merge.html", context)


def duplicates(request: HttpRequest, model_admin) -> HttpResponse:
    """Possible duplicates in the reader's registries: same identifier, or same whole name."""
    if not permissions.may(request.user, "read_registry"):
        raise PermissionDenied
    keyring = keyring_of(request)
    groups = search.duplicate_groups(keyring)
    actors = Actor.objects.in_bulk([i for _reason, ids in groups for i in ids])
    shown = []
    for reason, ids in groups:
        members = [actors[i] for i in ids if i in actors]
        shown.append(
            (reason, [(a, registry.read(a, keyring[a.registry_id]).name) for a in members])
        )
    registry.record(
        "read",
        by=request.user,
        actors=list(actors.values()),
        detail={"what": "possible duplicates", "groups": len(groups)},
    )
    context = {**base_context(request, model_admin, _("Possible duplicates")), "groups": shown}
    return TemplateResponse(request, "admin/actors/actor/duplicates.html", context)


# --- who holds each registry's key ---------------------------------------------------------


def access(request: HttpRequest, model_admin) -> HttpResponse:
    """For coordinators: staff of each registry they hold, and who still needs its key."""
    if not permissions.may(request.user, "grant_registry"):
        raise PermissionDenied
    keyring = keyring_of(request)
    registries = [
        (country, countries.COUNTRIES[country], sharing.holders(country))
        for country in sorted(keyring)
    ]
    context = {
        **base_context(request, model_admin, _("Who holds the registries' keys")),
        "registries": registries,
    }
    return TemplateResponse(request, "admin/actors/actor/access.html", context)


@require_POST
def access_act(request: HttpRequest, act_name: str, model_admin) -> HttpResponse:
    from django.contrib.auth import get_user_model

    if act_name not in ("grant", "revoke", "rekey"):
        raise Http404
    if not permissions.may(request.user, "grant_registry"):
        raise PermissionDenied
    country = request.POST.get("registry", "")
    user_id = request.POST.get("user", "")
    who = get_user_model().objects.filter(pk=user_id).first() if user_id.isdigit() else None
    key = keyring_of(request).get(country)
    if act_name == "rekey" and key is not None:
        try:
            sharing.rekey(country, by=request.user, key=key)
        except NotAllowed as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The registry has a new key; only its holders got it."))
        return redirect("admin:actors_actor_access")
    if who is None or key is None:
        messages.error(request, _("Choose a registry you hold and a person in it."))
        return access(request, model_admin)
    try:
        if act_name == "grant":
            sharing.grant(country, by=request.user, key=key, to=who)
            messages.success(request, _("%(who)s now holds the key.") % {"who": who.get_username()})
        else:
            sharing.revoke(country, by=request.user, who=who)
            messages.success(
                request, _("%(who)s no longer holds the key.") % {"who": who.get_username()}
            )
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
    return redirect("admin:actors_actor_access")
