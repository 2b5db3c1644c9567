"""Finding actors without plaintext: the registry's blind index, and possible duplicates.

A merged record's digests are deleted, so only live actors are ever found. Each actor's
names and aliases give one digest per word ("n") and one per whole name
("p"); its identifiers and licence numbers one per compacted identifier ("i") — all
keyed with its registry's index key (lib.blind_index). A search hashes the query the same
way under every registry key the officer holds: an actor matches when it has every word
of the query, or when the whole query equals one of its names or identifiers. Possible
duplicates are actors of one registry sharing a whole-name or identifier digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from lib import blind_index

from .facts import ActorFacts
from .keys import RegistryKey
from .models import Actor, Token

MAX_WORDS = 12
RESULTS = 50


def entries(facts: ActorFacts, licence_numbers: list[str], key: RegistryKey) -> set[tuple]:
    """The (kind, digest) pairs an actor is found by."""
    names = [facts.name, *facts.aliases]
    words = {w for name in names for w in blind_index.tokens(name)}
    phrases = {blind_index.phrase(name) for name in names}
    identifiers = {blind_index.compact(i["value"]) for i in facts.identifiers}
    identifiers |= {blind_index.compact(n) for n in licence_numbers}
    index_key = key.index_key
    return (
        {(Token.NAME, d) for d in blind_index.digests(index_key, "name", words)}
        | {(Token.PHRASE, d) for d in blind_index.digests(index_key, "phrase", phrases)}
        | {(Token.IDENTIFIER, d) for d in blind_index.digests(index_key, "id", identifiers)}
    )


def token_rows(actor: Actor, facts: ActorFacts, licence_numbers, key) -> list[Token]:
    return [
        Token(actor=actor, kind=kind, digest=digest)
        for kind, digest in sorted(entries(facts, list(licence_numbers), key))
    ]


def reindex(actor: Actor, facts: ActorFacts, licence_numbers, key: RegistryKey) -> None:
    """Replace an actor's digests (inside the caller's transaction)."""
    Token.objects.filter(actor=actor).delete()
    Token.objects.bulk_create(token_rows(actor, facts, licence_numbers, key))


@dataclass(frozen=True)
class Hit:
    actor: Actor
    facts: ActorFacts
    exact: bool  # the whole query is one of its names or identifiers


def _exact_digests(keyring: dict[str, RegistryKey], query: str) -> set[bytes]:
    phrase, identifier = blind_index.phrase(query), blind_index.compact(query)
    found = set()
    for key in keyring.values():
        found |= blind_index.digests(key.index_key, "phrase", [phrase])
        found |= blind_index.digests(key.index_key, "id", [identifier])
    return found


CAP = 1000  # counting a word's actors stops here: enough to know which word is rarer


def _with_every_word(key: RegistryKey, words: list[str], wanted: int) -> list:
    """Up to `wanted` actor ids of one registry having every word: the rarest word's
    actors are walked in index order, each checked for the other words by its own index."""
    digests = [blind_index.digest(key.index_key, "name", w) for w in words]
    sizes = {d: Token.objects.filter(digest=d, kind=Token.NAME)[:CAP].count() for d in digests}
    if not all(sizes.values()):
        return []
    driver, *others = sorted(digests, key=lambda d: sizes[d])
    found = Token.objects.filter(digest=driver, kind=Token.NAME)
    for digest in others:
        found = found.filter(
            Exists(Token.objects.filter(actor_id=OuterRef("actor_id"), digest=digest))
        )
    return list(found.order_by("digest", "actor_id").values_list("actor_id", flat=True)[:wanted])


def search(keyring: dict[str, RegistryKey], query: str, *, limit: int = RESULTS):
    """Actors of the officer's registries matching the query: (hits, more_exist).

    Exact matches (a whole name, alias or identifier) come first; then actors having every
    word of the query. Only the hits shown are opened.
    """
    words = blind_index.tokens(query)[:MAX_WORDS]
    if not keyring or not (words or blind_index.compact(query)):
        return [], False
    exact = list(
        Token.objects.filter(
            digest__in=_exact_digests(keyring, query), kind__in=(Token.PHRASE, Token.IDENTIFIER)
        )
        .values_list("actor_id", flat=True)
        .distinct()[: limit + 1]
    )
    found = list(dict.fromkeys(exact))
    for country in sorted(keyring) if words else ():
        if len(found) > limit:
            break
        for actor_id in _with_every_word(
            keyring[country], words, limit + 1 - len(found) + len(exact)
        ):
            if actor_id not in found:
                found.append(actor_id)
    more = len(found) > limit
    found = found[:limit]
    # By primary key alone: a second condition lets SQLite's planner walk another index.
    actors = {
        a.id: a
        for a in Actor.objects.filter(id__in=found).select_related("registry")
        if a.merged_into_id is None and a.registry_id in keyring
    }
    hits = []
    exact_set = set(exact)
    for actor_id in found:
        actor = actors.get(actor_id)
        if actor is None:
            continue
        data = keyring[actor.registry_id].open("actor", actor.id, actor.sealed)
        hits.append(Hit(actor, ActorFacts.from_dict(data), actor_id in exact_set))
    hits.sort(key=lambda hit: (not hit.exact, blind_index.phrase(hit.facts.name)))
    return hits, more


DUPLICATE_KINDS = (Token.PHRASE, Token.IDENTIFIER)


def duplicates_of(actor: Actor) -> list[tuple[Actor, str]]:
    """Other live actors of its registry with the same whole name or identifier."""
    mine = Token.objects.filter(actor=actor, kind__in=DUPLICATE_KINDS)
    reasons: dict = {}
    others = (
        Token.objects.filter(
            kind__in=DUPLICATE_KINDS,
            digest__in=mine.values("digest"),
            actor__registry_id=actor.registry_id,
        )
        .exclude(actor=actor)
        .values_list("actor_id", "kind")
    )
    for other_id, kind in others:
        reasons.setdefault(other_id, set()).add(kind)
    found = Actor.objects.in_bulk(list(reasons))
    return [(found[i], _reason(reasons[i])) for i in sorted(reasons, key=str) if i in found]


def _reason(kinds: set) -> str:
    return "identifier" if Token.IDENTIFIER in kinds else "name"


def duplicate_groups(countries, *, limit: int = 200) -> list[tuple[str, list]]:
    """Sets of live actors, per registry, sharing a whole name or an identifier:
    [(reason, [actor ids])], the ones sharing an identifier first."""
    shared = (
        Token.objects.filter(
            kind__in=DUPLICATE_KINDS,
            actor__registry_id__in=list(countries),
        )
        .values("kind", "digest")
        .annotate(n=Count("actor", distinct=True))
        .filter(n__gt=1)
        .order_by("-kind")[:limit]
    )
    groups: dict = {}
    for row in shared:
        groups[(row["kind"], bytes(row["digest"]))] = []
    if not groups:
        return []
    members = Token.objects.filter(
        kind__in=DUPLICATE_KINDS,
        digest__in=[digest for _kind, digest in groups],
        actor__registry_id__in=list(countries),
    ).values_list("kind", "digest", "actor_id")
    for kind, digest, actor_id in members:
        if (kind, bytes(digest)) in groups:
            groups[(kind, bytes(digest))].append(actor_id)
    seen, result = set(), []
    for (kind, _digest), ids in groups.items():
        ids = tuple(sorted(set(ids), key=str))
        if len(ids) > 1 and ids not in seen:
            seen.add(ids)
            result.append((_reason({kind}), list(ids)))
    return result
