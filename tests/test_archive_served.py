"""``veille ui`` serves the published archive from its --out folder: the week pages, the index
and the feed, public and read-only, nothing outside the folder, with the app's headers; so the
letter's "Lire cette lettre en ligne" link resolves when site_url points at the app.

The app runs under uvicorn on 127.0.0.1 over a real DuckDB copy of one real pass over the demo
site; the letter is published for real into a temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from tests.conftest import UvicornThread, copy_ingested, with_site
from veille import digest as digests
from veille import publishing
from veille.auth import hash_password
from veille.config import Config
from veille.store import Store
from veille.web import create_app
from veille.web.archive import ARCHIVE_CSP

WEEK = "2026-W47"
ARTIFACTS = Path(__file__).parent / "artifacts"
USER, PASSWORD = "marie.curatrice", "une phrase de passe solide"


@pytest.fixture
def app_env(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store, Path]:
    """The demo's configuration, a private copy of the database with a curator, a --out folder."""
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path))
    store.set_user(USER, hash_password(PASSWORD))
    out = tmp_path / "digests"
    out.mkdir()
    return config, store, out


def _publish_at(base: str, config: Config, store: Store, out: Path) -> Config:
    """Publish the week with site_url pointing at the running app."""
    site = with_site(config)
    digest = site.settings.digest.model_copy(update={"site_url": base + "/"})
    at_app = site.model_copy(
        update={"settings": site.settings.model_copy(update={"digest": digest})}
    )
    digests.draft(at_app, store, WEEK)
    publishing.publish(at_app, store, WEEK, out)
    return at_app


@pytest.mark.slow
def test_the_published_archive_is_served_by_the_app_and_its_links_resolve(
    app_env: tuple[Config, Store, Path],
) -> None:
    config, store, out = app_env
    app = create_app(config, store, out)
    with UvicornThread(app) as base, httpx.Client(base_url=base) as client:
        assert client.get("/").status_code == 303  # nothing published: the login page
        _publish_at(base, config, store, out)
        week = client.get(f"/{WEEK}/")
        assert week.status_code == 200, week.text
        assert week.headers["content-type"] == "text/html; charset=utf-8"
        assert week.text == (out / WEEK / "index.html").read_text(encoding="utf-8")
        # The app's headers, with a policy for a self-contained page: no script at all.
        assert week.headers["content-security-policy"] == ARCHIVE_CSP
        assert "script-src" not in ARCHIVE_CSP and "default-src 'none'" in ARCHIVE_CSP
        assert week.headers["x-content-type-options"] == "nosniff"
        assert week.headers["x-frame-options"] == "DENY"
        # Without the final "/", the page's relative links would break: redirected.
        bare = client.get(f"/{WEEK}")
        assert bare.status_code in (307, 308) and bare.headers["location"].endswith(f"/{WEEK}/")
        # The e-mail's "Lire cette lettre en ligne" leads to the week's page, in the app.
        email = client.get(f"/{WEEK}/digest.html")
        assert email.status_code == 200
        online = re.search(r'<a href="([^"]+)"[^>]*>Lire cette lettre en ligne', email.text)
        assert online and online.group(1) == f"{base}/{WEEK}/"
        assert client.get(online.group(1)).text == week.text
        assert client.get(f"/{WEEK}/digest.txt").headers["content-type"].startswith("text/plain")
        # The feed, and what it links to.
        feed = client.get("/feed.xml")
        assert feed.status_code == 200 and feed.headers["content-type"] == "application/atom+xml"
        [entry] = feedparser.parse(feed.content).entries
        assert entry.link == f"{base}/{WEEK}/"
        # "Toutes les lettres" (../) from a week: the archive's index, for anyone.
        index = (out / "index.html").read_text(encoding="utf-8")
        assert client.get("/").text == index == client.get("/index.html").text
        assert f'href="{WEEK}/"' in index


@pytest.mark.slow
def test_a_curator_still_finds_the_app_at_the_root(
    app_env: tuple[Config, Store, Path],
) -> None:
    config, store, out = app_env
    with UvicornThread(create_app(config, store, out)) as base, httpx.Client() as client:
        _publish_at(base, config, store, out)
        login = client.get(f"{base}/login")
        token = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert token
        done = client.post(
            f"{base}/login",
            data={"user": USER, "password": PASSWORD, "csrf": token.group(1), "next": "/"},
        )
        assert done.status_code == 303, done.text
        home = client.get(f"{base}/", follow_redirects=True)
        assert home.status_code == 200 and home.url.path != "/login"
        assert home.text != (out / "index.html").read_text(encoding="utf-8")
        assert 'name="csrf"' in home.text  # the app's own page, not the published file


def test_only_the_published_files_are_served_and_nothing_outside_the_folder(
    app_env: tuple[Config, Store, Path], tmp_path: Path
) -> None:
    config, store, out = app_env
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "index.html").write_text("<p>secret</p>", encoding="utf-8")
    (secret / "feed.xml").write_text("secret", encoding="utf-8")
    with UvicornThread(create_app(config, store, out)) as base, httpx.Client() as client:
        _publish_at(base, config, store, out)
        (out / WEEK / "notes.txt").write_text("brouillon", encoding="utf-8")
        (out / "2026-W48").symlink_to(secret, target_is_directory=True)  # planted link
        (out / WEEK / "digest.md").rename(out / WEEK / "digest.md.bak")
        (out / WEEK / "digest.md").symlink_to(secret / "feed.xml")
        refused = [
            f"/{WEEK}/notes.txt",  # not a name publishing writes
            f"/{WEEK}/digest.md",  # a link leading out of the folder
            "/2026-W48/",
            "/2026-W99/",  # the shape of a week, not a week
            f"/{WEEK}/..%2F..%2Fsecret%2Findex.html",
            f"/{WEEK}/%2e%2e/%2e%2e/secret/index.html",
            "/..%2Fsecret%2Findex.html",
            "/%2e%2e/secret/feed.xml",
            f"/{store.path.name}",
        ]
        for path in refused:
            answer = client.get(base + path)
            assert answer.status_code == 404, (path, answer.status_code)
            assert "secret" not in answer.text and "brouillon" not in answer.text, path
        # Read-only: the archive answers GET (and HEAD) only.
        assert client.post(f"{base}/{WEEK}/").status_code in (404, 405)
        assert client.head(f"{base}/{WEEK}/").status_code == 200


@pytest.mark.slow
def test_the_served_archive_reads_on_a_phone_and_a_desktop_without_sideways_scroll(
    app_env: tuple[Config, Store, Path], browser: Any
) -> None:
    config, store, out = app_env
    ARTIFACTS.mkdir(exist_ok=True)
    with UvicornThread(create_app(config, store, out)) as base:
        _publish_at(base, config, store, out)
        errors: list[str] = []  # a style the page's policy refused is a console error
        for width in (375, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 800}, is_mobile=width < 600
            )
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            for name, path in (
                ("semaine", f"/{WEEK}/"),
                ("index", "/"),
                ("email", f"/{WEEK}/digest.html"),
            ):
                assert page.goto(base + path).status == 200, path
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"{path} scrolls sideways at {width}px ({scroll}px)"
                page.screenshot(path=str(ARTIFACTS / f"archive-{name}-{width}.png"), full_page=True)
            context.close()
        assert not errors, errors
