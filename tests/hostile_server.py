"""A misbehaving HTTP server for the fetcher's tests: bombs, loops, trickles, 429s, challenges.

Every endpoint is bounded (the gzip bomb stops after 1 GiB of zeros, the endless stream after
a minute) so a broken client cannot eat the machine. :class:`Scripted` answers whatever a test
scripts, path by path (hostile feeds and pages for whole passes: tests/test_containment.py).
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from veille import clock


class _Local(ThreadingHTTPServer):
    """A threaded server on one loopback address and a free port."""

    daemon_threads = True

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Hostile(_Local):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.hits: list[str] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0


class _Handler(BaseHTTPRequestHandler):
    server: Hostile
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.server.lock:
            self.server.hits.append(self.path)
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)
        try:
            handler = getattr(self, "ep_" + parts.path.strip("/").replace("-", "_"), None)
            if handler is None:
                self._send(404, b"not found")
            else:
                handler(query)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self.server.lock:
                self.server.active -= 1

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def ep_feed(self, q: dict[str, str]) -> None:
        etag = '"v1"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
        self._send(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

    def ep_ua(self, q: dict[str, str]) -> None:
        self._send(200, self.headers.get("User-Agent", "").encode())

    def ep_secret(self, q: dict[str, str]) -> None:
        self._send(200, b"INTERNAL-SECRET")

    def ep_redirect(self, q: dict[str, str]) -> None:
        self._send(int(q.get("code", "302")), b"", {"Location": q["to"]})

    def ep_loop(self, q: dict[str, str]) -> None:
        self._send(302, b"", {"Location": "/loop2"})

    def ep_loop2(self, q: dict[str, str]) -> None:
        self._send(302, b"", {"Location": "/loop"})

    def ep_chain(self, q: dict[str, str]) -> None:
        n = int(q.get("n", "10"))
        target = f"/chain?n={n - 1}" if n > 0 else "/feed"
        self._send(302, b"", {"Location": target})

    def ep_gzipbomb(self, q: dict[str, str]) -> None:
        self._zlib_bomb("gzip", 31)

    def ep_deflatebomb(self, q: dict[str, str]) -> None:
        """A zlib-wrapped deflate stream of up to 1 GiB of zeros (~1 MiB on the wire)."""
        self._zlib_bomb("deflate", 15)

    def _zlib_bomb(self, encoding: str, wbits: int) -> None:
        self.send_response(200)
        self.send_header("Content-Encoding", encoding)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        zeros = b"\0" * (1 << 20)
        for _ in range(1024):  # 1 GiB decoded at most
            self._chunk(compressor.compress(zeros))
        self._chunk(compressor.flush())
        self.wfile.write(b"0\r\n\r\n")

    def ep_encoded(self, q: dict[str, str]) -> None:
        """A body claiming any Content-Encoding (zstd, "gzip, br"...): the bytes are never valid."""
        self._send(200, b"\x28\xb5\x2f\xfd" + b"\0" * 64, {"Content-Encoding": q["as"]})

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def ep_endless(self, q: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self._chunk(b"x" * 65536)

    def ep_liar(self, q: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.write(b"x" * (4 << 20))

    def ep_big(self, q: dict[str, str]) -> None:
        self._send(200, b"", {"Content-Length": str(500 << 20)})

    def ep_brotli(self, q: dict[str, str]) -> None:
        self._send(200, b"\x1b\x00\x00", {"Content-Encoding": "br"})

    def ep_gzipped(self, q: dict[str, str]) -> None:
        self._send(200, gzip.compress(b"hello " * 100), {"Content-Encoding": "gzip"})

    def ep_slow(self, q: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def ep_stall(self, q: dict[str, str]) -> None:
        time.sleep(8)

    def ep_ratelimit(self, q: dict[str, str]) -> None:
        self._send(429, b"slow down", {"Retry-After": q.get("ra", "120")})

    def ep_unavailable(self, q: dict[str, str]) -> None:
        when = formatdate(clock.now().timestamp() + int(q.get("secs", "300")), usegmt=True)
        self._send(503, b"maintenance", {"Retry-After": when})

    def ep_challenge(self, q: dict[str, str]) -> None:
        body = b"<html><head><title>Just a moment...</title></head><body>challenge-platform</body>"
        self._send(403, body, {"cf-mitigated": "challenge", "Content-Type": "text/html"})

    def ep_challenge_ok(self, q: dict[str, str]) -> None:
        """A challenge page served with 200, as some protections do."""
        body = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body>"
        self._send(200, body, {"Content-Type": "text/html"})

    def ep_busy(self, q: dict[str, str]) -> None:
        time.sleep(0.3)
        self._send(200, b"ok")


@contextmanager
def hostile(host: str = "127.0.0.1") -> Iterator[Hostile]:
    server = Hostile(host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- a scripted server: each test says what every path answers --------------------------------

Reply = tuple[int, dict[str, str], bytes]


class Scripted(_Local):
    """Answers each path with what the test put in ``routes``: a reply ``(status, headers,
    body)``, or a function called at every request (feeds that change at each fetch).
    ``delays`` holds seconds to wait before answering a path. Unknown paths get 404."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _ScriptedHandler)
        self.routes: dict[str, Reply | Callable[[], Reply]] = {}
        self.delays: dict[str, float] = {}
        self.hits: list[str] = []
        self.lock = threading.Lock()


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: Scripted
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.hits.append(self.path)
        route = self.server.routes.get(path)
        status, headers, body = (
            (404, {}, b"not found") if route is None else route() if callable(route) else route
        )
        if path in self.server.delays:
            time.sleep(self.server.delays[path])
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def scripted(host: str = "127.0.0.1") -> Iterator[Scripted]:
    server = Scripted(host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
