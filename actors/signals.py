"""What the registry does when a case is crypto-shredded: its links to actors go too.

A link says that a case named an actor; once retention has destroyed the case, keeping
that would keep a piece of the case. cases/ never imports actors/, so the registry
listens for the shred (the case saved with `shredded_at`) instead of being called.
"""

from django.db.models.signals import post_save

from cases.models import Case

from .models import CaseLink


def unlink_shredded(sender, instance: Case, update_fields=None, **kwargs) -> None:
    if instance.shredded_at is None or "shredded_at" not in (update_fields or ()):
        return
    from .registry import record

    links = list(CaseLink.objects.filter(case=instance).select_related("actor"))
    if not links:
        return
    CaseLink.objects.filter(case=instance).delete()
    CaseLink.history.model.objects.filter(case_id=instance.id).update(facts=b"")
    record(
        "actor_unlink",
        by="system",
        actors=list({link.actor_id: link.actor for link in links}.values()),
        case=instance,
        detail={"reason": "case shredded under the retention rules", "links": len(links)},
    )


def connect() -> None:
    post_save.connect(unlink_shredded, sender=Case, dispatch_uid="actors-unlink-shredded")
