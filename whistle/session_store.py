"""Sessions in the database, where a reporter's mailbox session expires on the hour.

Django stores each session's expiry (last request + SESSION_COOKIE_AGE) to the microsecond,
and saves it on every request: the sessions table would date a reporter's last visit to
her mailbox. A session holding a mailbox (whistle.session) is stored expiring at the end
of the hour in which it would lapse, so it records the hour only; in exchange an
abandoned mailbox stays open between 30 and 90 minutes (docs/threat-model.md). Staff
sessions keep their exact inactivity expiry.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from lib import clock

from .session import SESSION_KEY


class SessionStore(DatabaseStore):
    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        if SESSION_KEY in data:
            session.expire_date = clock.hour_after(session.expire_date)
        return session
