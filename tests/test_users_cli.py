"""`veille users add` where there is no terminal (a script, a container's entry point), and the
login page's hint for the first account: real commands, real DuckDB files, a real server."""

from __future__ import annotations

import html
import os
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import UvicornThread, run_cli
from veille.auth import verify_password
from veille.config import load_config
from veille.store import Store
from veille.web import create_app

PASSWORD = "une phrase de passe solide"  # noqa: S105 (a test account)


def _users_add(folder: Path, *args: str, env: dict[str, str] | None = None, given: str | None = None
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """The real command, its standard input a pipe or nothing at all (never a terminal)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", "--db", str(folder / "v.duckdb"), "users", "add",
         "marie", *args],
        cwd=folder,
        env={**environ, **(env or {})},
        input=given,
        stdin=subprocess.DEVNULL if given is None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_without_a_terminal_it_says_how_to_give_the_password(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    asked = _users_add(tmp_path)
    assert asked.returncode == 1, asked.stderr
    message = " ".join(asked.stderr.split())
    assert "pas de terminal pour demander le mot de passe" in message
    assert "--password-stdin" in message and "VEILLE_PASSWORD" in message
    assert "aborted" not in message and "abandonné" not in message and "Traceback" not in message
    assert Store(tmp_path / "v.duckdb").users() == []
    # From the environment (or a file it names), as containers give secrets.
    done = _users_add(tmp_path, env={"VEILLE_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    stored = Store(tmp_path / "v.duckdb").password_hash("marie")
    assert stored is not None and verify_password(stored, PASSWORD)
    secret = tmp_path / "mot-de-passe"
    secret.write_text(PASSWORD + " bis\n", encoding="utf-8")
    again = _users_add(tmp_path, env={"VEILLE_PASSWORD_FILE": str(secret)})
    assert again.returncode == 0, again.stderr
    stored = Store(tmp_path / "v.duckdb").password_hash("marie")
    assert stored is not None and verify_password(stored, PASSWORD + " bis")
    # On standard input.
    piped = _users_add(tmp_path, "--password-stdin", given=PASSWORD + " ter\n")
    assert piped.returncode == 0, piped.stderr
    stored = Store(tmp_path / "v.duckdb").password_hash("marie")
    assert stored is not None and verify_password(stored, PASSWORD + " ter")


@pytest.mark.slow
def test_the_login_page_gives_the_command_for_this_database(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    config = load_config(tmp_path / "sources.yaml")
    database = tmp_path / "ailleurs" / "veille demo.duckdb"
    database.parent.mkdir()
    store = Store(database)
    with UvicornThread(create_app(config, store, tmp_path / "digests")) as base:
        page = html.unescape(httpx.get(f"{base}/login").text)
    command = f"veille --config {tmp_path / 'sources.yaml'} --db '{database}' users add VOTRE-NOM"
    assert command in page
    # The command, run as shown (with its quotes), creates the account the app then knows.
    words = shlex.split(command.replace("VOTRE-NOM", "marie"))
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", *words[1:], "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [u.name for u in store.users()] == ["marie"]


def test_a_subscribers_mistyped_theme_is_named_with_the_one_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    base = ("--config", str(tmp_path / "sources.yaml"), "--db", str(tmp_path / "v.duckdb"))
    code, _, err = run_cli(capsys, *base, "subscribers", "add", "ana@example.org",
                           "--tags", "handicapp")  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert "ana@example.org : thème inconnu « handicapp » (vouliez-vous dire « handicap » ?)" in err
    assert Store(tmp_path / "v.duckdb").subscribers() == []
    code, out, _ = run_cli(capsys, *base, "subscribers", "add", "ana@example.org",
                           "--tags", "handicap")  # fmt: skip
    assert code == 0 and "ana@example.org est abonné(e) à la lettre." in out
