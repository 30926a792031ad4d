"""A webhook receiver on 127.0.0.1 for the tests of channels and alerts: records every POST
(path, headers, JSON, when), answers as scripted, then 200 (the ``receiver`` fixture of
tests/conftest.py starts one per test)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOOK_PATH = "/hooks/T0SECRET/B0SECRET/xyzSECRETtoken"  # the part of the address to hide


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


class Receiver(ThreadingHTTPServer):
    """Records every POST (path, headers, JSON, monotonic time); answers as scripted, then 200."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Answer] = []
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{HOOK_PATH}"

    def bodies(self) -> list[Any]:
        return [r["json"] for r in self.received]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(raw),
                    "at": time.monotonic(),
                }
            )
            answer = self.server.script.pop(0) if self.server.script else Answer()
        time.sleep(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up
            self.wfile.write(answer.body)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver serving in a thread until the block ends."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
