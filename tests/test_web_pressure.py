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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import argon2
import httpx
import pytest

from tests.conftest import UvicornThread, run_veille
from tests.test_web import PASSWORD, USER, _csrf, _job, _login
from veille.auth import LoginThrottle, hash_password, needs_rehash
from veille.config import Config
from veille.mail import unsubscribe_token
from veille.sending import UNSUBSCRIBE_LIST
from veille.store import Store
from veille.web import create_app

GIB = 1 << 30
CHUNK = b"a" * (64 * 1024)


# --- sessions ------------------------------------------------------------------------------


def _copy(client: httpx.Client) -> httpx.Client:
    """Another browser with a copy of ``client``'s cookies (a stolen cookie)."""
    return httpx.Client(cookies=dict(client.cookies))


@pytest.mark.slow
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
    emails = {s.email for s in store.subscribers()}
    assert "avant@of.example.fr" in emails
    assert not {"apres@of.example.fr", "mdp@of.example.fr"} & emails


def test_a_hash_made_with_weaker_parameters_is_renewed_at_login_and_the_session_goes_on(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    _, store, _ = app_env
    old = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    store.set_user(USER, old)
    generation = store.session_generation(USER)
    assert needs_rehash(old)
    with httpx.Client() as client:
        token = _login(client, served)
        renewed = store.password_hash(USER)
        assert renewed is not None and renewed != old and not needs_rehash(renewed)
        assert store.session_generation(USER) == generation  # no session was ended
        answer = client.post(f"{served}/abonnes/ajouter", data={"csrf": token, "email": "a@b.fr"})
        assert answer.status_code == 303
    with httpx.Client() as client:
        _login(client, served)  # the same password opens the renewed hash
    assert store.password_hash(USER) == renewed  # already strong: left alone


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
    # A refusal, or the connection closed by the server (a reset loses its 413 at times). The
    # body is not multipart (no boundary line): when the parser has given up on its first
    # 64 KiB before the 64 KiB + 1st byte arrives, the refusal is its 400 (seen once in a
    # fresh-clone run), else the limit's 413: either way a refusal, bounded below.
    refusals = [b"HTTP/1.1 413 Request Entity Too Large", b"HTTP/1.1 401 Unauthorized", b""]
    if content_type == MULTIPART:
        refusals.append(b"HTTP/1.1 400 Bad Request")
    assert status in refusals, (
        status,
        sent,
    )
    assert sent < 64 << 20, f"the server read {sent >> 20} MiB before refusing"
    assert peaks.rss < 100 << 20, f"memory grew by {peaks.rss >> 20} MiB"
    assert peaks.disk < 8 << 20, f"{peaks.disk >> 20} MiB spooled to disk"
    with httpx.Client() as client:  # and the app still answers
        assert client.get(f"{served}/login").status_code == 200


# --- a long import, the app and a run at the same time ---------------------------------------

IMPORT_LINES = 100_000
ANSWER_BOUND = 10.0  # seconds: a liveness bound (the app answers), not a speed measure


def _subscribers_csv(lines: int) -> bytes:
    """A CSV of ``lines`` distinct subscribers (about 4 MB for 100,000: under the upload cap)."""
    rows = (f"abonne{n}@of{n % 97}.example.fr,Abonné {n},,fr\n" for n in range(lines))
    return ("email,name,tags,lang\n" + "".join(rows)).encode()


@pytest.mark.slow
def test_a_100k_line_csv_import_while_the_app_answers_and_a_run_completes(
    app_env: tuple[Config, Store, Path], tmp_path: Path, data_server: Any, prefect_api: str
) -> None:
    """The import took 249 s on the request, during which the app answered nothing and held
    the file, so a `veille run` started meanwhile died with "database is in use". Now it is a
    background job that holds the file only for its writes: while it runs, the login and the
    unsubscribe pages answer and a run on the same file completes and stores its articles."""
    config, store, out = app_env
    (tmp_path / "sources.yaml").write_text(
        "settings: {allow_private_networks: true}\nsources:\n"
        f"  - {{id: nextinpact, url: '{data_server.base_url}/feeds/picofeed/nextinpact_full.xml', "
        "fetch_pages: false}\n",
        encoding="utf-8",
    )
    assert store.articles(source="nextinpact", off_topic=True) == []
    before = store.count_subscribers(active_only=False)
    email = "lectrice@of.example.fr"
    unsubscribe = (
        f"/unsubscribe?email={quote(email)}"
        f"&token={unsubscribe_token(store.secret('unsubscribe').encode(), email, UNSUBSCRIBE_LIST)}"
    )
    upload = _subscribers_csv(IMPORT_LINES)
    run: dict[str, subprocess.CompletedProcess[str]] = {}

    def start_a_run() -> None:
        args = ("--db", str(store.path), "run", "--no-progress")
        run["done"] = run_veille(*args, cwd=tmp_path, timeout=280, prefect=prefect_api)

    runner = threading.Thread(target=start_a_run, daemon=True)
    with UvicornThread(create_app(config, store, out)) as base, httpx.Client(timeout=280) as client:
        token = _login(client, base)
        # The upload goes from a thread of its own: if the import ran on the request, the
        # probes below would be the ones waiting behind it.
        posted: dict[str, httpx.Response] = {}

        def send_the_file() -> None:
            posted["answer"] = client.post(
                f"{base}/abonnes/importer",
                data={"csrf": token},
                files={"file": ("abonnes.csv", upload, "text/csv")},
            )

        uploader = threading.Thread(target=send_the_file, daemon=True)
        uploader.start()
        runner.start()

        def importing() -> bool:
            """The import is still going on: its upload not answered yet, or its job running."""
            if "answer" not in posted:
                return True
            location = posted["answer"].headers.get("location", "")
            if not location.startswith("/taches/"):
                return False
            return "hx-get" in client.get(base + location).text

        slowest = 0.0
        answered_while_importing = 0
        with httpx.Client(timeout=280) as visitor:  # no session: a subscriber, a curator's login
            while True:
                for path, expected in (("/login", 200), (unsubscribe, 200)):
                    started = time.monotonic()
                    answer = visitor.get(base + path)
                    elapsed = time.monotonic() - started
                    assert answer.status_code == expected, (path, answer.text[-300:])
                    assert elapsed < ANSWER_BOUND, f"{path} took {elapsed:.1f} s during the import"
                    slowest = max(slowest, elapsed)
                if not importing():
                    break
                answered_while_importing += 1
                time.sleep(0.1)
        uploader.join(ANSWER_BOUND)
        answer = posted["answer"]
        assert answer.status_code == 303, answer.text[-300:]
        # The probes got answers while the import was going on (not only once it was over).
        assert answered_while_importing >= 3, answered_while_importing
        message = _job(client, base, answer)
        assert message.startswith("Terminé"), message
        assert f"{IMPORT_LINES:,} abonnés ajoutés".replace(",", "\u202f") in message, message
        runner.join(280)
    done = run["done"]
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert len(store.articles(source="nextinpact", off_topic=True)) > 0
    assert store.count_subscribers(active_only=False) == before + IMPORT_LINES
