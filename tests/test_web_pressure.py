"""The web app under pressure: huge bodies, copied cookies, throttling, edge parameters.

The app runs under uvicorn on 127.0.0.1 over a real DuckDB file (the fixtures of test_web);
bodies are streamed from a generator over a real socket, never built in memory.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import UvicornThread
from tests.test_web import PASSWORD, USER, _csrf, _login, app_env, served
from veille.auth import LoginThrottle, hash_password
from veille.config import Config
from veille.store import Store
from veille.web import create_app

__all__ = ["app_env", "served"]  # fixtures

GIB = 1 << 30
CHUNK = b"a" * (64 * 1024)


# --- sessions ------------------------------------------------------------------------------


def _copy(client: httpx.Client) -> httpx.Client:
    """Another browser with a copy of ``client``'s cookies (a stolen cookie)."""
    return httpx.Client(cookies=dict(client.cookies))


def test_a_copied_cookie_is_refused_after_logout_and_after_a_password_change(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    _, store, _ = app_env

    def add(client: httpx.Client, token: str, email: str) -> int:
        answer = client.post(f"{served}/abonnes/ajouter", data={"csrf": token, "email": email})
        return answer.status_code

    with httpx.Client() as client:
        token = _login(client, served)
        with _copy(client) as thief:
            assert add(thief, token, "avant@of.example.fr") == 303  # the copy works...
            assert client.post(f"{served}/logout", data={"csrf": token}).status_code == 303
            assert add(thief, token, "apres@of.example.fr") == 401  # ...not after logout
            assert thief.get(f"{served}/abonnes").status_code == 303  # back to the login page
        token = _login(client, served)
        with _copy(client) as thief:
            assert thief.get(f"{served}/abonnes").status_code == 200
            store.set_user(USER, hash_password(PASSWORD + " neuve"))  # `veille users add`
            assert add(thief, token, "mdp@of.example.fr") == 401
            assert add(client, token, "mdp@of.example.fr") == 401  # every session of the user
    emails = {s["email"] for s in store.subscribers()}
    assert "avant@of.example.fr" in emails
    assert not {"apres@of.example.fr", "mdp@of.example.fr"} & emails


def test_failures_under_a_name_like_an_address_do_not_lock_that_address_out(
    app_env: tuple[Config, Store, Path],
) -> None:
    """Five failures as user "127.0.0.1" (from another address) blocked every login from
    127.0.0.1: accounts and client addresses were counted in one table."""
    config, store, out = app_env
    throttle = LoginThrottle(max_failures=3, window=600)
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with UvicornThread(create_app(config, store, out, throttle=throttle)) as base:
        with httpx.Client(transport=other) as attacker:
            token = _csrf(attacker.get(f"{base}/login").text)
            codes = [
                attacker.post(
                    f"{base}/login", data={"user": "127.0.0.1", "password": "x", "csrf": token}
                ).status_code
                for _ in range(4)
            ]
            assert codes == [401, 401, 401, 429]  # the attacker's own address is throttled
        with httpx.Client() as curator:  # from 127.0.0.1
            token = _csrf(curator.get(f"{base}/login").text)
            right = curator.post(
                f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token}
            )
            assert right.status_code == 303, right.text


# --- parameters at the edge ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/semaine?week=0001-W01",
        "/semaine?week=9999-W52",
        "/semaine?week=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-W%EF%BC%94%EF%BC%97",  # full-width
        "/apercu/9999-W52",
        "/archives?q=loi&to=9999-12-31",
        "/archives?q=loi&from=0001-01-01",
        "/archives?q=loi&tag=nope",
    ],
)
def test_parameters_at_the_edges_are_a_french_400(served: str, path: str) -> None:
    with httpx.Client() as client:
        _login(client, served)
        answer = client.get(served + path)
        assert answer.status_code == 400, answer.text[-500:]
        assert 'class="error"' in answer.text and "Traceback" not in answer.text


def test_the_last_week_of_the_calendar_has_no_link_past_it(served: str) -> None:
    with httpx.Client() as client:
        _login(client, served)
        answer = client.get(f"{served}/semaine?week=9998-W53")
        assert answer.status_code == 200
        assert "9999-W01" not in answer.text and "9998-W52" in answer.text


# --- bodies ----------------------------------------------------------------------------------


@pytest.fixture
def small_tmp(tmp_path: Path) -> Iterator[Path]:
    """The process's temporary folder on a 64 MiB tmpfs of its own: what a request spools to
    disk is measured exactly (and cannot fill the machine's disk if the bound is gone)."""
    folder = tmp_path / "spool"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode()[:200]}")
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peaks:
    """The peak resident memory of this process (where the app runs) and the peak disk use
    of ``folder``, sampled every 10 ms while the body is sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rss0 = _rss()
        self.disk0 = shutil.disk_usage(folder).used
        self.rss = self.disk = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.rss = max(self.rss, _rss() - self.rss0)
            self.disk = max(self.disk, shutil.disk_usage(self.folder).used - self.disk0)

    def __enter__(self) -> Peaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _send_gigabyte(base: str, path: str, *, chunked: bool, content_type: str) -> tuple[int, bytes]:
    """Stream a 1 GiB body to ``path`` (chunked, or with its Content-Length), stopping as soon
    as the server answers. Returns (body bytes sent, the answer)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {GIB}"
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n{length}\r\n"
    sent = 0
    try:
        sock.sendall(head.encode() + b"\r\n")
        while sent < GIB:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered (and closes): stop
            frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n" if chunked else CHUNK
            sock.sendall(frame)
            sent += len(CHUNK)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        answer = b""
        sock.settimeout(5)
        while b"\r\n" not in answer:
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    except (BrokenPipeError, ConnectionResetError):
        answer = b""  # the server refused and closed while the body was still coming
    finally:
        sock.close()
    return sent, answer


MULTIPART = "multipart/form-data; boundary=xyz"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "chunked", "content_type"),
    [
        ("/unsubscribe?email=a@b.fr&token=x", False, "application/x-www-form-urlencoded"),
        ("/unsubscribe?email=a@b.fr&token=x", True, "application/x-www-form-urlencoded"),
        ("/login", True, MULTIPART),
        ("/login", False, MULTIPART),
        ("/abonnes/importer", True, MULTIPART),  # anonymous: refused before the body is read
    ],
)
def test_a_gigabyte_body_is_refused_with_memory_and_disk_bounded(
    served: str, small_tmp: Path, path: str, chunked: bool, content_type: str
) -> None:
    with Peaks(small_tmp) as peaks:
        sent, answer = _send_gigabyte(served, path, chunked=chunked, content_type=content_type)
    status = answer.split(b"\r\n", 1)[0]
    # A refusal, or the connection closed by the server (a reset loses its 413 at times).
    assert status in (
        b"HTTP/1.1 413 Request Entity Too Large",
        b"HTTP/1.1 401 Unauthorized",
        b"",
    ), (
        status,
        sent,
    )
    assert sent < 64 << 20, f"the server read {sent >> 20} MiB before refusing"
    assert peaks.rss < 100 << 20, f"memory grew by {peaks.rss >> 20} MiB"
    assert peaks.disk < 8 << 20, f"{peaks.disk >> 20} MiB spooled to disk"
    with httpx.Client() as client:  # and the app still answers
        assert client.get(f"{served}/login").status_code == 200
