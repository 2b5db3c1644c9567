"""Tiny loopback HTTP helpers for the bench: a cookie-keeping client, a streaming multipart
encoder and an HTML scanner for the report form. Standard library only."""

from __future__ import annotations

import http.client
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

CRLF = b"\r\n"


class Multipart:
    """multipart/form-data with an exact Content-Length; file bodies may come from a
    generator factory so a large file is never held in memory."""

    def __init__(self) -> None:
        self.boundary = "----LanterneBench" + secrets.token_hex(12)
        self._parts: list[tuple[bytes, int, Callable[[], Iterator[bytes]]]] = []

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self, disposition: str, content_type: str | None = None) -> bytes:
        lines = [f"--{self.boundary}", f"Content-Disposition: form-data; {disposition}"]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def field(self, name: str, value: str) -> Multipart:
        data = value.encode("utf-8")
        self._parts.append((self._head(f'name="{name}"'), len(data), lambda: iter((data,))))
        return self

    def file(
        self,
        name: str,
        filename: str,
        content_type: str,
        size: int,
        chunks: Callable[[], Iterator[bytes]],
    ) -> Multipart:
        head = self._head(f'name="{name}"; filename="{filename}"', content_type)
        self._parts.append((head, size, chunks))
        return self

    def file_bytes(self, name: str, filename: str, content_type: str, data: bytes) -> Multipart:
        return self.file(name, filename, content_type, len(data), lambda: iter((data,)))

    def _tail(self) -> bytes:
        return f"--{self.boundary}--\r\n".encode()

    def length(self) -> int:
        return sum(len(h) + size + 2 for h, size, _ in self._parts) + len(self._tail())

    def stream(self) -> Iterator[bytes]:
        for head, size, chunks in self._parts:
            yield head
            sent = 0
            for chunk in chunks():
                sent += len(chunk)
                yield chunk
            if sent != size:
                raise ValueError(f"multipart part sent {sent} bytes, declared {size}")
            yield CRLF
        yield self._tail()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Client:
    """One reporter: a cookie jar and a new loopback connection per request."""

    def __init__(self, port: int, timeout: float = 90.0) -> None:
        self.host, self.port, self.timeout = "127.0.0.1", port, timeout
        self.cookies: dict[str, str] = {}

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> Response:
        all_headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "lanterne-bench/1",
            "Accept": "text/html,*/*",
            "Accept-Language": "en",
            "Connection": "close",
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] in ("0",) or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(resp.status, resp.headers, data)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_multipart(self, path: str, form: Multipart, referer: str) -> Response:
        headers = {
            "Content-Type": form.content_type,
            "Content-Length": str(form.length()),
            "Origin": f"http://{self.host}:{self.port}",
            "Referer": referer,
        }
        response = self.request("POST", path, body=form.stream(), headers=headers)
        if response.status == 303:  # as a browser: the receipt page comes after a redirect
            return self.get(response.headers["Location"])
        return response


NETWORK_ERRORS = (OSError, http.client.HTTPException, socket.timeout)


@dataclass
class PageScan:
    hidden: dict[str, str] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)
    resources: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.scan.ids.add(a["id"])
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self.scan.hidden[a.get("name", "")] = a.get("value", "")
            elif kind == "checkbox":
                self.scan.checkboxes.setdefault(a.get("name", ""), []).append(a.get("value", "on"))
        elif tag == "select":
            self._select = a.get("name", "")
            self.scan.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self.scan.selects[self._select].append(a.get("value", ""))
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if {"stylesheet", "icon", "preload", "apple-touch-icon", "manifest"} & set(rel):
                self.scan.resources.append(a["href"])
        elif tag in ("img", "script", "source", "audio", "video", "embed", "iframe") and (
            a.get("src")
        ):
            self.scan.resources.append(a["src"])
        elif tag == "object" and a.get("data"):
            self.scan.resources.append(a["data"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def scan_html(html: bytes) -> PageScan:
    parser = _Scanner()
    parser.feed(html.decode("utf-8", "replace"))
    parser.close()
    return parser.scan


def same_origin(base: str, ref: str) -> str | None:
    """The path of ``ref`` if it resolves to the same origin as ``base``, else None."""
    absolute = urljoin(base, ref)
    a, b = urlsplit(base), urlsplit(absolute)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        return None
    return b.path + (f"?{b.query}" if b.query else "")
