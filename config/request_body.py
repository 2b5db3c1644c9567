"""Every form is read whole before any view sees it, and a request leaves no upload behind.

RequestBodyMiddleware runs before the CSRF check, which would otherwise be the first to
read the form. It opens the spool ledger (cases.storage) around the whole request, so a
sealed upload that no draft or case kept is removed when the response is made, and it
reads the body at once. A body that did not arrive whole — cut before its Content-Length
or its closing boundary (cases.multipart), or a connection that failed while it was read
— or one that cannot be parsed gets a 400 page in the reader's language saying that
nothing of it was kept: never a half-made case, never a 500. Limits that a real form can
reach (too many files, a very long text) are not refused here: cases.multipart keeps what
was read before them and the form says what happened.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases import storage
from cases.multipart import IncompleteBody


class RequestBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with storage.spool_ledger():
            problem = read_whole(request) if request.method == "POST" else None
            if problem:
                return render(request, "400.html", {"message": problem}, status=400)
            return self.get_response(request)


def read_whole(request) -> str | None:
    """Parse the request's form now; return what to tell the sender if it cannot be used."""
    try:
        if request.content_type != "multipart/form-data":
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
            if len(request.body) < declared:
                raise IncompleteBody("the body ended before its length")
        request.POST, request.FILES  # noqa: B018 - parse now, inside the ledger
    except (IncompleteBody, UnreadablePostError):
        return _(
            "Your form did not arrive whole (the connection was probably cut), so nothing of "
            "it was kept. Check your connection and send it again."
        )
    except (MultiPartParserError, TooManyFieldsSent, RequestDataTooBig, ValueError):
        return _("This form could not be read, so nothing of it was kept. Please send it again.")
    return None
