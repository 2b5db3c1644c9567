"""The embedded broker of `make run`: kombu's filesystem transport, surviving a bad file.

On a full disk the publisher can leave a message file empty or cut short. kombu's
consumer fails to decode it and the worker dies — at every restart again, since the file
is still first in the queue. Here such a file is dropped with a log line and the next
message is read. Nothing of value goes with it: every task Lanterne queues is a periodic
sweep that runs again at its next slot, and notifications wait in the database (the
outbox), not in the broker.
"""

import logging

from kombu.transport import filesystem

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _get(self, queue):
        while True:  # kombu's _get raises Empty when no message is left
            try:
                return super()._get(queue)
            except ValueError:  # json.JSONDecodeError: the file kombu just took was unreadable
                logger.error("dropped an unreadable message file from queue %s", queue)


class Transport(filesystem.Transport):
    Channel = Channel
