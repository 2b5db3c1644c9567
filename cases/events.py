"""What other domains may hear about a case: that its clear metadata changed, by id only.

cases/ never imports the domains that listen (alerts/ evaluates its rules on this), so the
announcement is a signal sent once the act's transaction commits: a rolled-back act is
never heard of, and a listener receives the case's id, nothing else.
"""

from django.db import transaction
from django.dispatch import Signal

# Sent with case_id (a UUID) after the commit of a submission, or of an officer's change
# of a case's category, province or priority.
metadata_changed = Signal()


def announce(case) -> None:
    """Tell the listeners, once the current transaction commits, that this case changed."""
    case_id = case.id
    transaction.on_commit(lambda: metadata_changed.send(sender="cases", case_id=case_id))
