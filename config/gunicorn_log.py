"""Gunicorn's logger, without network addresses.

Gunicorn logs a malformed request as "Invalid request from ip=203.0.113.9: ...", before
Django (and its log filter) ever sees it. Every process that serves Lanterne passes
`--logger-class config.gunicorn_log.AddressFreeLogger` (manage.py serve, the systemd unit,
the compose file), so that line, and any other of gunicorn's, goes through the same filter
as Django's logs: anything shaped like an address becomes "[address]".
"""

from gunicorn.glogging import Logger

from .security import ScrubLogFilter


class AddressFreeLogger(Logger):
    datefmt = "[%Y-%m-%d %H:00 %z]"  # to the hour, like every other log line

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, ScrubLogFilter) for f in log.filters):
                log.addFilter(ScrubLogFilter())
