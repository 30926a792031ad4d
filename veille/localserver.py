"""A small HTTP server on 127.0.0.1 that serves a folder of real files, for the demo and tests.

It behaves like a well-kept web server: ``ETag`` and ``Last-Modified`` on every file, ``304 Not
Modified`` for conditional requests, ``Content-Type`` from the extension, ``404`` for anything
else. Every request is logged (path, status, conditional or not) so tests can check what veille
asked for. ``*.gz`` files are served as ``Content-Encoding: gzip`` under their name without
``.gz``. In text files (unless ``templated=False``), ``__BASE__`` becomes the server's base URL
and ``__DATE-N__`` the date N days ago (ISO 8601, 08:00 UTC, never later than
:func:`veille.clock.now`), so a bundled feed can point at the bundled pages and stay current.

Hand-written because the standard library's ``SimpleHTTPRequestHandler`` answers no conditional
requests and we need the request log.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from veille import clock

CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".opml": "text/x-opml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
}
TEMPLATE_SUFFIXES = {".xml", ".html", ".htm", ".json", ".atom", ".rss"}
DATE_PLACEHOLDER = re.compile(rb"__DATE-(\d{1,3})__")


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the server answered."""

    path: str
    status: int
    conditional: bool
    user_agent: str


class LocalServer:
    """Serve ``root`` on 127.0.0.1 in a background thread; use as a context manager.

    Usage::

        with LocalServer(Path("tests/data")) as server:
            url = server.url("feeds/picofeed/rue89.xml")
    """

    def __init__(
        self, root: Path, *, host: str = "127.0.0.1", port: int = 0, templated: bool = True
    ) -> None:
        self.root = root.resolve()
        self.templated = templated  # False: the files as they are (a published archive)
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def hits_for(self, path_prefix: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path.startswith(path_prefix)]

    def body_of(self, relative: str) -> tuple[bytes, bool] | None:
        """The bytes served for a path (templated), and whether they are gzip-encoded."""
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            return None
        gzipped = False
        if not target.is_file():
            target = target.with_name(target.name + ".gz")
            gzipped = True
            if not target.is_file():
                return None
        data = target.read_bytes()
        if self.templated and not gzipped and target.suffix in TEMPLATE_SUFFIXES:
            data = _fill_template(data, self.base_url)
        return data, gzipped


def _fill_template(data: bytes, base_url: str) -> bytes:
    if b"__" not in data:
        return data
    data = data.replace(b"__BASE__", base_url.encode())
    now = clock.now()
    today = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if today > now:  # before 08:00 UTC: "today" is yesterday's 08:00, never in the future
        today -= timedelta(days=1)

    def date(match: re.Match[bytes]) -> bytes:
        return (today - timedelta(days=int(match.group(1)))).isoformat().encode()

    return DATE_PLACEHOLDER.sub(date, data)


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "veille-localserver"

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path).lstrip("/")
            if path.endswith("/") or not path:
                path += "index.html"
            found = server.body_of(path)
            conditional = bool(
                self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            )
            ua = self.headers.get("User-Agent", "")
            if found is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                server.record(Hit("/" + path, 404, conditional, ua))
                return
            body, gzipped = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = datetime(2026, 1, 1, tzinfo=UTC)
            if _not_modified(self.headers, etag, modified):
                self._send(304, b"", {"ETag": etag})
                server.record(Hit("/" + path, 304, conditional, ua))
                return
            headers = {
                "Content-Type": CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream"),
                "ETag": etag,
                "Last-Modified": format_datetime(modified, usegmt=True),
            }
            if gzipped:
                headers["Content-Encoding"] = "gzip"
            self._send(200, body, headers)
            server.record(Hit("/" + path, 200, conditional, ua))

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the hit log replaces stderr noise

    return Handler


def _not_modified(headers: Any, etag: str, modified: datetime) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return parsedate_to_datetime(ims) >= modified
        except (TypeError, ValueError):
            return False
    return False
