"""Reading a form's multipart body whole, or not at all.

Django's parser takes a body that stops early (a link dropped at 30 % of a photo) for a
complete one with fewer parts: the text arrives, the photo does not, and a case would be
made of half a report. WholeBodyHandler, the first upload handler, runs the parser over
WholeBody, which raises IncompleteBody when the stream ends before its Content-Length or
without the closing boundary. Nothing of such a request reaches a view, and what was
sealed of it is removed with the request (the spool ledger, cases.storage).

Django's limits (DATA_UPLOAD_MAX_NUMBER_FIELDS, _NUMBER_FILES, _MEMORY_SIZE) end the
parse with an exception that throws away everything read so far. Here the parts read
before the limit are kept, the rest of the body is read and dropped, and `refusal()`
tells the view what happened, so the form comes back with what was typed and a clear
message instead of an error page.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _

CHUNK = 64 * 1024
LIMITS = (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig)


class IncompleteBody(MultiPartParserError):
    """The request body ended before its Content-Length or its closing boundary."""


class WholeBody:
    """The request body as the parser reads it, noticing where and how it ends."""

    def __init__(self, stream, length: int, boundary: bytes):
        self.stream, self.remaining = stream, length
        self.closing = b"--" + boundary + b"--"
        self.tail, self.closed = b"", False

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.stream.read(wanted)
        if not data:
            raise IncompleteBody(f"the body ended {self.remaining} bytes before its length")
        self.remaining -= len(data)
        # The closing delimiter may straddle two reads: look at the end of the last one too.
        window = self.tail + data
        self.closed = self.closed or self.closing in window
        self.tail = window[-len(self.closing) :]
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def check(self) -> None:
        self.drain()
        if not self.closed:
            raise IncompleteBody("the body has no closing boundary")


def refusal_message(error: Exception) -> str:
    if isinstance(error, TooManyFilesSent):
        return _(
            "This form came with more files than a report can take, so what came after "
            "them was not read. Check your answers below and send it again."
        )
    if isinstance(error, RequestDataTooBig):
        return _(
            "The text sent was longer than a report can hold (%(mb)d MB), so it was not "
            "kept. Shorten it and send it again."
        ) % {"mb": max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))}
    return _(
        "This form came with more fields than a report has, so only the first ones were "
        "read. Check your answers below and send it again."
    )


class WholeBodyHandler(FileUploadHandler):
    """Parse the body through WholeBody with the other handlers; keep what a limit cut."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        body = WholeBody(input_data, content_length, boundary)
        others = [h for h in self.request.upload_handlers if h is not self]
        parser = MultiPartParser(META, body, others, encoding)
        try:
            post, files = parser.parse()
        except LIMITS as error:
            # The parser's own dictionaries hold every part read before the limit.
            post, files = parser._post, parser._files
            post._mutable = False
            self.request.lanterne_refusal = refusal_message(error)
        body.check()
        return post, files

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


def refusal(request) -> str | None:
    """What a limit cut from this request's form, in the reader's language; None if nothing."""
    return getattr(request, "lanterne_refusal", None)
