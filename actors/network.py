"""An actor's network as one reader may see it: the cases linked to it that she holds a key
to, red flags on them, and the actors that share those cases, two hops at most.

Only cases the reader holds a key to count, and only actors of registries she holds are
shown; others are counted, never named. Red flags are computed here, for this reader,
from facts she can open — the licence dates (registry key) and the incident date each
link copied from its report (case key) — and are never stored.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cases import access
from cases.models import Case, CaseCategory, KeyWrap
from cases.models import Role as StaffRole
from cases.permissions import profile_of
from lib import crypto

from . import keys, registry
from .facts import ActorFacts, LicenceFacts
from .models import LICENSED_KINDS, Actor, CaseLink, Relation

# Cases about trade, money or licensing: where a licence not valid at the time matters.
FLAG_CATEGORIES = frozenset({"TRD", "FIN", "GOV"})
CASES_PER_PAGE = 100
RING = 12  # at most this many actors on each ring of the graph
# What a linked case's row shows: never the case's sealed blobs.
LINK_FIELDS = (
    "id",
    "role",
    "facts",
    "actor_id",
    "case",
    "case__id",
    "case__reference",
    "case__status",
    "case__received_at",
)


@dataclass
class Flag:
    kind: str  # "licence-invalid" or "no-licence"
    words: str


@dataclass
class LinkedCase:
    link: CaseLink
    case: Case
    categories: list[str]
    incident_date: str = ""
    flags: list[Flag] = field(default_factory=list)

    # Words for the table, computed once here rather than by the template per row.
    @property
    def role(self) -> str:
        return self.link.get_role_display()

    @property
    def status(self) -> str:
        return self.case.get_status_display()

    @property
    def received(self) -> str:
        return self.case.received_at.date().isoformat()


def held(user):
    """A subquery condition: the reader holds a key to the case (outer ref 'case')."""
    return Exists(KeyWrap.objects.filter(case=OuterRef("case"), user=user))


def in_scope_condition(user) -> Q:
    """Cases the reader's scope takes in (what routing would send her)."""
    profile = profile_of(user)
    countries = keys.countries_covered(profile)
    condition = Q(case__country__in=countries, case__shredded_at=None)
    if profile is not None and profile.role == StaffRole.OFFICER:
        condition &= Q(case__regional_only=False)
    return condition


class FlagRules:
    """Red flags of linked cases: a trade, money or licensing case naming an actor whose
    licences did not cover the incident date, or a licensed kind with no licence at all.
    Built once per page; the words are translated once."""

    def __init__(self, actor: Actor, licences: list[LicenceFacts]):
        self.licences = licences
        self.unlicensed = not licences and actor.kind in LICENSED_KINDS
        ends = sorted(licence.end for licence in licences if licence.end)
        self.last_end = ends[-1] if ends else ""
        self.no_licence = _("No licence on record for a buying house or trader.")
        self.expired = _("Licence expired on %(end)s, before the incident of %(date)s.")
        self.invalid = _("No licence valid on the incident date, %(date)s.")

    @property
    def may_flag(self) -> bool:
        return bool(self.licences) or self.unlicensed

    def flags(self, categories, incident_date: str) -> list[Flag]:
        if not FLAG_CATEGORIES & set(categories):
            return []
        if self.unlicensed:
            return [Flag("no-licence", self.no_licence)]
        if not incident_date or not self.licences:
            return []
        if any(licence.valid_on(incident_date) for licence in self.licences):
            return []
        if self.last_end and self.last_end < incident_date:
            words = self.expired % {"end": self.last_end, "date": incident_date}
        else:
            words = self.invalid % {"date": incident_date}
        return [Flag("licence-invalid", words)]


def flags_for(actor: Actor, licences: list[LicenceFacts], categories, day: str) -> list[Flag]:
    """The red flags of one linked case (see FlagRules)."""
    return FlagRules(actor, licences).flags(categories, day)


@dataclass
class FlaggedCase:
    case_id: object
    reference: str
    categories: list[str]
    incident_date: str
    flags: list[Flag]


def _flags_of_held_cases(actor, mine, user, private_key, licences) -> dict:
    """{link id: FlaggedCase} for the held trade, money and governance cases whose facts
    raise a flag. Plain rows, no model instances: an actor may be named in 1,000 cases."""
    rules = FlagRules(actor, licences)
    if not rules.may_flag:
        return {}
    about = CaseCategory.objects.filter(code__in=FLAG_CATEGORIES).values("case_id")
    rows = list(
        mine.filter(case_id__in=about).values_list("id", "case_id", "facts", "case__reference")
    )
    if not rows:
        return {}
    categories = defaultdict(list)
    for case_id, code in (
        CaseCategory.objects.filter(case_id__in=about)
        .filter(case_id__in=mine.values("case_id"))
        .values_list("case_id", "code")
    ):
        categories[case_id].append(code)
    case_keys = access.case_keys_for_staff({r[1] for r in rows}, user, private_key)
    found = {}
    for link_id, case_id, facts, reference in rows:
        key = case_keys.get(case_id)
        if key is None:
            continue
        try:
            day = registry.open_link_facts(link_id, case_id, facts, key).get("incident_date", "")
        except crypto.CryptoError:
            continue
        flags = rules.flags(categories[case_id], day)
        if flags:
            found[link_id] = FlaggedCase(
                case_id, reference, sorted(categories[case_id]), day, flags
            )
    return found


def linked_cases(
    actor: Actor, user, private_key: bytes, licences: list[LicenceFacts], *, page: int = 1
):
    """(this page's LinkedCases, every FlaggedCase, count held, count of others).

    Flags are computed over every held case of a flag category (the case keys unwrapped in
    one pass); the table shows CASES_PER_PAGE at a time."""
    links = CaseLink.objects.filter(actor=actor)
    mine = links.filter(held(user)).filter(case__shredded_at=None)
    others = links.exclude(held(user)).filter(in_scope_condition(user))
    total = mine.count()
    other_count = others.values("case").distinct().count()
    shown = list(
        mine.select_related("case")
        .only(*LINK_FIELDS)
        .order_by("-case__received_at", "role")[(page - 1) * CASES_PER_PAGE : page * CASES_PER_PAGE]
    )
    flagged = _flags_of_held_cases(actor, mine, user, private_key, licences)
    categories = defaultdict(list)
    for case_id, code in CaseCategory.objects.filter(
        case_id__in=[link.case_id for link in shown]
    ).values_list("case_id", "code"):
        categories[case_id].append(code)
    rows = []
    for link in shown:
        item = LinkedCase(link, link.case, sorted(categories[link.case_id]))
        if link.pk in flagged:
            item.incident_date, item.flags = flagged[link.pk].incident_date, flagged[link.pk].flags
        rows.append(item)
    return rows, list(flagged.values()), total, other_count


# --- the graph ----------------------------------------------------------------------------


@dataclass
class Node:
    actor: Actor
    facts: ActorFacts
    hop: int
    weight: int = 0  # shared cases with the actor it hangs from
    via: Node | None = None
    relation: str = ""
    x: float = 0.0
    y: float = 0.0
    # Where its name goes: beside the node, on the side away from the centre.
    label_x: float = 0.0
    label_y: float = 0.0
    anchor: str = "middle"

    @property
    def label(self) -> str:
        name = self.facts.name
        return name if len(name) <= 22 else name[:21] + "…"


@dataclass
class Graph:
    centre: Node
    nodes: list[Node]
    edges: list[tuple[Node, Node, int, str]]  # (a, b, shared cases, relation kind)
    hidden: int  # co-occurring actors of registries the reader does not hold
    width: int = 760
    height: int = 560


def _co_occurring(actor_ids, user) -> Counter:
    """{(one of actor_ids, other actor): held cases they share}, counted by the database."""
    rows = (
        CaseLink.objects.filter(
            held(user), case__shredded_at=None, case__actor_links__actor_id__in=list(actor_ids)
        )
        .values_list("case__actor_links__actor_id", "actor_id")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    )
    return Counter({(a, b): n for a, b, n in rows if a != b})


def _relations(actor_ids) -> list[Relation]:
    return list(Relation.objects.filter(Q(subject_id__in=actor_ids) | Q(object_id__in=actor_ids)))


def neighbourhood(actor: Actor, facts: ActorFacts, user, keyring) -> Graph:
    """The actor, the actors sharing a held case or a relation with it (hop 1), and theirs
    (hop 2), at most RING of each, strongest first."""
    centre = Node(actor, facts, 0)
    pairs1 = _co_occurring([actor.id], user)
    relations1 = _relations([actor.id])
    first = Counter({b: n for (_a, b), n in pairs1.items()})
    relation_of = {}
    for rel in relations1:
        other = rel.object_id if rel.subject_id == actor.id else rel.subject_id
        first[other] += 0
        relation_of[other] = rel.kind
    visible, hidden = _visible(set(first), keyring)
    ring1 = [a for a, _n in first.most_common() if a in visible and a != actor.id][:RING]
    nodes = {
        a: Node(visible[a][0], visible[a][1], 1, first[a], centre, relation_of.get(a, ""))
        for a in ring1
    }
    edges = [(centre, nodes[a], first[a], relation_of.get(a, "")) for a in ring1]

    pairs2 = _co_occurring(ring1, user)
    second = Counter()
    parent = {}
    for (a, b), n in pairs2.most_common():
        if b == actor.id:
            continue
        if b in nodes:
            if str(a) < str(b):
                edges.append((nodes[a], nodes[b], n, ""))
            continue
        second[b] += n
        parent.setdefault(b, a)
    for rel in _relations(ring1):
        for a, b in ((rel.subject_id, rel.object_id), (rel.object_id, rel.subject_id)):
            if a in nodes and b != actor.id and b not in nodes:
                second[b] += 0
                parent.setdefault(b, a)
    visible2, hidden2 = _visible(set(second), keyring)
    ring2 = [b for b, _n in second.most_common() if b in visible2][:RING]
    for b in ring2:
        via = nodes[parent[b]]
        node = Node(visible2[b][0], visible2[b][1], 2, second[b], via)
        nodes[b] = node
        edges.append((via, node, second[b], ""))
    graph = Graph(centre, list(nodes.values()), edges, hidden + hidden2)
    _lay_out(graph)
    return graph


def _visible(actor_ids: set, keyring) -> tuple[dict, int]:
    """Open the live actors of registries the reader holds: ({id: (actor, facts)}, others)."""
    found = {}
    # By primary key alone: a second condition lets SQLite's planner walk another index.
    for other in Actor.objects.filter(id__in=list(actor_ids)):
        if other.merged_into_id is not None:
            continue
        key = keyring.get(other.registry_id)
        if key is not None:
            found[other.id] = (other, registry.read(other, key))
    return found, len(actor_ids) - len(found)


def _place(node: Node, angle: float, rx: float, ry: float, cx: float, cy: float) -> None:
    node.x, node.y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
    radius = 13 if node.hop == 1 else 10
    cos, sin = math.cos(angle), math.sin(angle)
    node.anchor = "start" if cos > 0.35 else "end" if cos < -0.35 else "middle"
    node.label_x = node.x + radius * cos
    node.label_y = node.y + (radius + 9) * sin + 4


def _lay_out(graph: Graph) -> None:
    """Rings around the centre: hop 1 evenly spaced, hop 2 beside the node it hangs from;
    each name on the outer side of its node."""
    cx, cy = graph.width / 2, graph.height / 2
    graph.centre.x, graph.centre.y = cx, cy
    ring1 = [n for n in graph.nodes if n.hop == 1]
    angles = {}
    for i, node in enumerate(ring1):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(ring1), 1)
        angles[id(node)] = angle
        _place(node, angle, 150, 125, cx, cy)
    ring2 = [n for n in graph.nodes if n.hop == 2]
    spread = min(0.32, 2 * math.pi / max(len(ring2), 1))
    by_parent: dict = defaultdict(list)
    for node in ring2:
        by_parent[id(node.via)].append(node)
    for children in by_parent.values():
        base = angles.get(id(children[0].via), 0.0)
        for j, node in enumerate(children):
            _place(node, base + spread * (j - (len(children) - 1) / 2), 285, 225, cx, cy)
