"""Headers every response carries, and a log filter that keeps addresses out of logs."""

import logging
import re

from django.conf import settings
from django.middleware import csrf

PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The staff admin runs Django's own scripts, served from this origin only.
STAFF_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


class SecurityHeadersMiddleware:
    """Set CSP, no-referrer, no-store and friends on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        staff = request.path.startswith("/" + settings.LANTERNE_ADMIN_PATH)
        response.headers.setdefault("Content-Security-Policy", STAFF_CSP if staff else PUBLIC_CSP)
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith(settings.STATIC_URL):
            # Pages may hold decrypted text or a receipt: never keep them in any cache.
            response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers["Pragma"] = "no-cache"
        return response


ADDRESS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b", re.IGNORECASE
)


class ScrubLogFilter(logging.Filter):
    """Drop request objects from log records and blank anything shaped like an address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        message = record.getMessage()
        if ADDRESS.search(message):
            record.msg, record.args = ADDRESS.sub("[address]", message), ()
        return True


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    """Django's CSRF check, accepting the `Origin: null` that no-referrer pages send.

    With `Referrer-Policy: no-referrer` (so no link leaks where a reporter came from),
    browsers send `Origin: null` on same-origin form posts. The token check still runs,
    and the CSRF cookie is SameSite=Strict (never sent by another site's page) and, in
    production, `__Host-`-prefixed (no subdomain can set it), so accepting "null" keeps
    the protection the Origin check would add.
    """

    def _origin_verified(self, request) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return True
        return super()._origin_verified(request)
