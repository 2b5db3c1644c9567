"""Searching inside sealed cases: each key holder's own blind index of the words in them.

A staff member's index key is derived from her private key (lib.blind_index.index_key), so
it is as secret as that key, nobody else (the server included) can compute it, and it
changes when her keys are reset. For each case she holds a key to, the distinct normalised
words of the report's free texts, of every message, of every internal note and of every
file name are stored as keyed digests under her index key (SearchToken), nothing else.

The server never holds her key, so it cannot hash new content for her: whatever arrives
(a report, a message, a note, a file, a key wrap) writes a backlog row — which case, for
whom — in the same transaction, and her own signed-in request (a search, the queue) opens
those cases with her key and writes the digests (`catch_up`). A search hashes the query's
words the same way and finds the cases having every word, among those she still holds a
key to. Her digests go with her key wrap (revoke, recuse, reset) and with the case
(shredding). docs/threat-model.md, "Search inside cases", says what the index leaks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import post_delete, post_save

from lib import blind_index

from . import access, content, report
from .models import Attachment, Case, KeyWrap, Message, Note, SearchBacklog, SearchToken

KIND = "case-word"
PURPOSE = "case-search-index"
MAX_WORDS = 8
BATCH = 200  # cases indexed per request at most: a backlog never makes one page slow
CAP = 2000  # past this many cases a word is common: it is checked row by row, not listed


def index_key(private_key: bytes) -> bytes:
    """This staff member's own index key."""
    return blind_index.index_key(private_key, PURPOSE)


# --- what a case is found by ----------------------------------------------------------------


def case_texts(case: Case, case_key: bytes) -> Iterable[str]:
    """Every text of the case a search looks into: report, messages, notes, file names."""
    answers = content.read_report(case, case_key)
    for field in report.FIELDS:
        if field.kind in (report.TEXT, report.LONG_TEXT) and answers.get(field.name):
            yield str(answers[field.name])
    for message in Message.objects.filter(case=case):
        yield content.open_text(case, case_key, content.message_purposes(message), message.body)
    for note in Note.objects.filter(case=case):
        yield content.open_text(case, case_key, f"note:{note.uid}", note.body)
    for attachment in Attachment.objects.filter(case=case).select_related("message"):
        yield content.file_info(attachment, case_key).name


def digests_of(case: Case, case_key: bytes, key: bytes) -> set[bytes]:
    words = {word for text in case_texts(case, case_key) for word in blind_index.tokens(text)}
    return blind_index.digests(key, KIND, words)


# --- keeping the index --------------------------------------------------------------------


def mark(case_id: uuid.UUID, user_ids: Iterable[int] | None = None) -> None:
    """Note that this case has content its holders (or these users) have not indexed."""
    if user_ids is None:
        user_ids = KeyWrap.objects.filter(case_id=case_id, user__isnull=False).values_list(
            "user_id", flat=True
        )
    SearchBacklog.objects.bulk_create(
        [SearchBacklog(case_id=case_id, user_id=user_id) for user_id in user_ids],
        ignore_conflicts=True,
    )


def forget(case_id: uuid.UUID, user_id: int | None = None) -> None:
    """Delete a case's digests and backlog: one holder's, or everyone's."""
    tokens = SearchToken.objects.filter(case_id=case_id)
    backlog = SearchBacklog.objects.filter(case_id=case_id)
    if user_id is not None:
        tokens, backlog = tokens.filter(user_id=user_id), backlog.filter(user_id=user_id)
    tokens.delete()
    backlog.delete()


def catch_up(user, private_key: bytes | None, *, limit: int | None = None) -> int:
    """Index up to `limit` (BATCH) cases of this user's backlog; return how many remain."""
    if private_key is None:
        return 0
    limit = limit or BATCH
    pending = list(
        SearchBacklog.objects.filter(user=user)
        .order_by("id")
        .values_list("id", "case_id")[: limit + 1]
    )
    if not pending:
        return 0
    key = index_key(private_key)
    with transaction.atomic():
        # Taken off the backlog first: content arriving while this runs marks it again.
        pending = pending[:limit]
        SearchBacklog.objects.filter(id__in=[row_id for row_id, _ in pending]).delete()
        keys = access.case_keys_for_staff([case_id for _, case_id in pending], user, private_key)
        rows = []
        for case in Case.objects.filter(pk__in=list(keys)).only("id", "report"):
            if not case.report:
                continue  # shredded
            rows += [
                SearchToken(user=user, case=case, digest=digest)
                for digest in digests_of(case, keys[case.id], key)
            ]
        SearchToken.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return SearchBacklog.objects.filter(user=user)[:limit].count()


# --- searching ----------------------------------------------------------------------------


def query_digests(private_key: bytes, query: str) -> list[bytes]:
    key = index_key(private_key)
    return [blind_index.digest(key, KIND, w) for w in blind_index.tokens(query)[:MAX_WORDS]]


def has_words(query: str) -> bool:
    return bool(blind_index.tokens(query))


def matching(queryset: QuerySet, user, private_key: bytes | None, query: str) -> QuerySet:
    """The cases of `queryset` having every word of the query in this user's index.

    The rarest word decides the plan: if few cases have it, their ids are listed and the
    other words checked on them; if it is common, each candidate row is checked, so the
    queue's index still serves the order and the page."""
    if private_key is None:
        return queryset.none()
    digests = query_digests(private_key, query)
    if not digests:
        return queryset.none()
    mine = SearchToken.objects.filter(user=user)
    sizes = {d: mine.filter(digest=d)[:CAP].count() for d in digests}
    if not all(sizes.values()):
        return queryset.none()
    ordered = sorted(digests, key=sizes.__getitem__)
    driver = ordered[0]
    if sizes[driver] < CAP:
        queryset = queryset.filter(
            pk__in=list(mine.filter(digest=driver).values_list("case_id", flat=True))
        )
        ordered = ordered[1:]
    for digest in ordered:
        queryset = queryset.filter(
            Exists(mine.filter(digest=digest, case_id=OuterRef("pk")).order_by())
        )
    return queryset


# --- written with the content -------------------------------------------------------------


def _on_content(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        mark(instance.case_id)


def _on_wrap(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw and instance.user_id is not None:
        mark(instance.case_id, [instance.user_id])


def _on_unwrap(sender, instance, **kwargs) -> None:
    if instance.user_id is not None:
        forget(instance.case_id, instance.user_id)


def connect() -> None:
    """Mark new content for indexing, and drop a holder's digests with her key wrap."""
    for model in (Message, Note, Attachment):
        post_save.connect(_on_content, sender=model, dispatch_uid=f"lanterne-search-{model}")
    post_save.connect(_on_wrap, sender=KeyWrap, dispatch_uid="lanterne-search-wrap")
    post_delete.connect(_on_unwrap, sender=KeyWrap, dispatch_uid="lanterne-search-unwrap")
