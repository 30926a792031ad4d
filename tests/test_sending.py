"""Sending under load and faults: concurrent sends, a send while pages are browsed, a kill.

Real parts: the ingested demo database (a real DuckDB file), the real `veille` command in
subprocesses, the web app under uvicorn, aiosmtpd on 127.0.0.1 collecting every message.
Guarantee under test: each subscriber gets the week's letter at most once (README).
"""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import REPO, UvicornThread, copy_ingested, run_veille
from tests.test_mail import Collector, _server
from tests.test_web import PASSWORD, USER, _csrf, _job
from veille import digest as digests
from veille import publishing
from veille.auth import hash_password
from veille.config import Config
from veille.models import NewSubscriber
from veille.store import Store
from veille.web import create_app

pytestmark = pytest.mark.clock

WEEK = "2026-W47"
SUBSCRIBERS = [f"abonne{i:03d}@of.example.fr" for i in range(201)]


class SlowCollector(Collector):
    """A server that takes 20 ms per message (a real relay takes longer): two sends started
    together overlap for seconds instead of finishing one before the other starts."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    yield from _server(SlowCollector())


@pytest.fixture
def published(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store]:
    """A published week and 201 subscribers, in a folder where `veille` finds both."""
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=60)
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        text.replace("__BASE__", "http://127.0.0.1:9"), encoding="utf-8"
    )
    digests.draft(config, store, WEEK)
    publishing.publish(config, store, WEEK, tmp_path / "digests")
    store.add_subscribers([NewSubscriber(e) for e in SUBSCRIBERS])
    return config, store


def _env(port: int, **extra: str) -> dict[str, str]:
    return {
        "VEILLE_SMTP_HOST": "127.0.0.1",
        "VEILLE_SMTP_PORT": str(port),
        "VEILLE_SMTP_STARTTLS": "false",
        "VEILLE_MAIL_FROM": "Veille <veille@of-exemple.fr>",
        **extra,
    }


def _each_once(collector: Collector) -> None:
    counts = collections.Counter(collector.delivered())
    twice = [who for who, n in counts.items() if n > 1]
    assert not twice, f"{len(twice)} subscriber(s) got it more than once"
    assert sorted(counts) == SUBSCRIBERS


@pytest.mark.slow
def test_two_sends_at_once_mail_every_subscriber_once(
    published: tuple[Config, Store], tmp_path: Path, smtp: tuple[Collector, int]
) -> None:
    """A scheduled publish and a curator's `--send` at the same moment (they mailed all 201
    subscribers twice, and both said "201 sent")."""
    collector, port = smtp
    command = [sys.executable, "-m", "veille.cli", "digest", "publish", "--week", WEEK, "--send"]
    env = {**os.environ, **_env(port), "PYTHONUNBUFFERED": "1"}
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [run.communicate(timeout=240) for run in runs]
    _each_once(collector)
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert "Traceback" not in stderr, stderr
        if run.returncode != 0:  # the other one held the week's send lock
            assert run.returncode == 1 and "déjà en cours d’envoi" in stderr, stderr
            assert stderr.strip().count("\n") == 0, stderr
    sent = sum(
        int(out.split("E-mail: ")[1].split(" ")[0]) for out, _ in outputs if "E-mail: " in out
    )
    assert sent == len(SUBSCRIBERS)  # the reports add up: nobody counted twice
    again = run_veille("digest", "publish", "--week", WEEK, "--send", cwd=tmp_path, env=_env(port))
    assert (
        again.returncode == 0
        and "0 lettre envoyée, 201 abonnés l’avaient déjà reçue" in again.stdout
    )
    _each_once(collector)


@pytest.mark.slow
def test_two_apps_sending_at_once_while_pages_are_browsed(
    published: tuple[Config, Store], tmp_path: Path, smtp: tuple[Collector, int]
) -> None:
    """Two curators press "Envoyer" together (here on two instances of the app over one
    database) while a third browses: the send completes, everyone gets one message, every
    page answers (the send stopped at 96 of 201 on "Unique file handle conflict")."""
    config, store = published
    collector, port = smtp
    store.set_user(USER, hash_password(PASSWORD))
    monkey_env = _env(port)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in monkey_env.items():
            mp.setenv(name, value)
        apps = [create_app(config, store, tmp_path / "digests") for _ in range(2)]
        with UvicornThread(apps[0]) as first, UvicornThread(apps[1]) as second:
            clients = [httpx.Client(timeout=60) for _ in range(3)]
            tokens = [
                _log_in(c, base) for c, base in zip(clients, [first, second, first], strict=True)
            ]
            answers: dict[int, httpx.Response] = {}

            def press(i: int, base: str) -> None:
                answers[i] = clients[i].post(
                    f"{base}/apercu/{WEEK}/envoyer",
                    data={"csrf": tokens[i], "count": str(len(SUBSCRIBERS))},
                )

            pressing = [
                threading.Thread(target=press, args=(i, base))
                for i, base in enumerate([first, second])
            ]
            for thread in pressing:
                thread.start()
            pages = 0
            while any(t.is_alive() for t in pressing) or len(collector.delivered()) < 201:
                for path in ("/semaine?week=" + WEEK, f"/apercu/{WEEK}", "/abonnes", "/sources"):
                    page = clients[2].get(first + path)
                    assert page.status_code == 200, (path, page.text[-300:])
                    pages += 1
                if pages > 2000:
                    break
                time.sleep(0.05)  # a person browsing, not a load test: the send needs the CPU
            for thread in pressing:
                thread.join()
            finals = [_job(clients[i], base, answers[i]) for i, base in enumerate([first, second])]
            for client in clients:
                client.close()
    _each_once(collector)
    assert pages >= 4
    assert all("Traceback" not in f and "Constraint" not in f for f in finals), finals
    assert store.sends(WEEK) == dict.fromkeys(SUBSCRIBERS, "sent")


def _log_in(client: httpx.Client, base: str) -> str:
    token = _csrf(client.get(f"{base}/login").text)
    done = client.post(f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token})
    assert done.status_code == 303, done.text
    return _csrf(client.get(f"{base}/apercu/{WEEK}").text)


@pytest.mark.slow
def test_a_send_killed_after_the_server_accepted_never_mails_anyone_twice(
    published: tuple[Config, Store], tmp_path: Path, smtp: tuple[Collector, int]
) -> None:
    """SIGKILL in the window between the server's acceptance and the delivery record (8 kills
    gave 2 duplicates): at most once, the message in that window is reported uncertain."""
    collector, port = smtp
    killed = run_veille(
        "digest", "publish", "--week", WEEK, "--send", cwd=tmp_path,
        env=_env(port, VEILLE_CRASH_AT="send_accepted"),
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    assert len(collector.delivered()) == 1
    again = run_veille("digest", "publish", "--week", WEEK, "--send", cwd=tmp_path, env=_env(port))
    assert again.returncode == 0, again.stderr
    assert "E-mail: 200 lettres envoyées, 1 envoi incertain" in again.stdout
    assert "--resend-uncertain" in again.stdout
    _each_once(collector)
