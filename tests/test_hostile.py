"""Hostile input end to end: a booby-trapped feed lands safely everywhere veille puts its text.

``tests/data/hostile/injection.xml`` carries XSS (``<script>``, ``onerror``, ``javascript:``,
``data:``), CSV formulas (``=HYPERLINK``, ``+cmd``, ``@SUM``, ``-2+3``), Markdown links and
tracking images, and e-mail header injection (``\\r\\nBcc:``) in every field: title, link, GUID,
author, categories, summary, content, channel title. It is served by a real HTTP server on
127.0.0.1, ingested by the real pipeline into a real DuckDB file, drafted, published, sent to a
real SMTP server (aiosmtpd) and shown by the real web app (uvicorn); each test then parses one
output the way its consumer would (lxml, markdown-it, email.parser, csv, feedparser) and looks
for anything live.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import feedparser
import httpx
import lxml.etree
import lxml.html
import openpyxl
import pytest
import yaml
from aiosmtpd.smtp import AuthResult
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import DATA, PEAK_MB, REPO, UvicornThread, run_bounded, run_veille
from tests.hostile_server import hostile
from tests.test_mail import Collector, _server
from veille import clock, i18n, publishing, sending
from veille import digest as digests
from veille.auth import hash_password
from veille.config import Config, parse_config
from veille.environment import env_secret
from veille.errors import ConfigError, ExtractionError, HTTPStatusError, VeilleError
from veille.extract import extract_article, text_of_html
from veille.feeds import parse_feed
from veille.fetch import Fetcher, FetchLimits
from veille.health import assess
from veille.identity import canonical_url
from veille.localserver import LocalServer
from veille.mail import SmtpSettings
from veille.models import NewSubscriber
from veille.pipeline import ingest
from veille.qualiopi import build_register
from veille.register_files import render_csv, render_html, render_xlsx
from veille.store import Store
from veille.web import create_app, session_secret

WEEK = "2026-W47"  # the hostile items are dated 18-20 November 2026
SITE = "https://veille.example.org/"
USER, PASSWORD = "marie.curatrice", "une phrase de passe solide"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markers that only exist inside live markup of the feed (script bodies, handlers, bad links).
LIVE_MARKERS = ("alert('summary')", "alert('content')", "alert('img')", "alert('svg')")


@dataclass(frozen=True)
class World:
    config: Config
    store: Store
    out: Path
    messages: list[EmailMessage]
    recipients: list[list[str]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("hostile")
    with LocalServer(DATA / "hostile") as server:
        config = parse_config(
            "settings:\n"
            "  allow_private_networks: true\n"
            "  fetch: {deadline: 10}\n"
            "  digest: {site_url: '" + SITE + "'}\n"
            "sources:\n"
            "  - id: piege\n"
            f"    url: {server.base_url}/injection.xml\n"
            "    fetch_pages: false\n"
            "    tags: [reglementaire]\n",
            name="hostile sources.yaml",
        )
        store = Store(folder / "veille.duckdb")
        summary = asyncio.run(ingest(config, store))
    assert summary.new_articles == 3, summary.outcomes
    ids = [a.id for a in store.articles(source="piege", off_topic=True)]
    digests.draft(config, store, WEEK)
    digests.include(store, WEEK, ids)  # every hostile item is in the letter, whatever its score
    out = folder / "digests"
    publishing.publish(config, store, WEEK, out)
    store.add_subscribers([NewSubscriber("ana@of.example.fr", "Ana", (), None)])
    for collector, port in _server(Collector()):
        smtp = SmtpSettings(
            host="127.0.0.1", port=port, sender="Veille <veille@of.example.fr>", starttls=False
        )
        report = sending.send(config, store, WEEK, smtp)
        assert report.sent == ("ana@of.example.fr",)
        messages = collector.messages()
        recipients = [list(env.rcpt_tos) for env in collector.envelopes]
    store.set_user(USER, hash_password(PASSWORD))
    yield World(config, store, out, messages, recipients)


def assert_inert_html(html: str, where: str) -> None:
    """No script, no event handler, no frame/form/object, no link or source outside http(s)."""
    root = lxml.html.fromstring(html)
    scripts = [s for s in root.xpath("//script") if "alert" in (s.text or "") or s.get("src")]
    allowed_src = [s.get("src") for s in scripts if (s.get("src") or "").startswith("/static/")]
    assert len(scripts) == len(allowed_src), f"{where}: a script from the feed is live"
    assert not root.xpath("//object | //embed | //svg | //form[starts-with(@action, 'http')]")
    for frame in root.xpath("//iframe"):  # only the app's own sandboxed e-mail preview
        assert frame.get("src", "").startswith("/") and frame.get("sandbox") is not None, where
    handlers = [
        (el.tag, name) for el in root.iter() if isinstance(el.tag, str)
        for name in el.attrib if name.lower().startswith("on")
    ]  # fmt: skip
    assert not handlers, f"{where}: event handlers {handlers}"
    for attribute in ("href", "src", "action", "formaction"):
        for value in root.xpath(f"//@{attribute}"):
            scheme = re.sub(r"[\x00-\x20]", "", str(value)).lower().split(":", 1)[0]
            assert ":" not in str(value) or scheme in ("http", "https", "mailto"), (
                f"{where}: {attribute}={value!r}"
            )
    for marker in LIVE_MARKERS:
        assert marker not in html, f"{where}: {marker} from live feed markup reached the page"


@pytest.mark.slow
def test_stored_text_is_plain_text(world: World) -> None:
    articles = world.store.articles(source="piege", off_topic=True)
    assert len(articles) == 3
    for a in articles:
        for field in ("title", "summary", "text", "author"):
            value = getattr(a, field) or ""
            assert "\r" not in value and "\x00" not in value, field
            for marker in (*LIVE_MARKERS, "onerror", "<iframe", "<svg", "<form"):
                assert marker not in value, (field, marker)
        assert a.url.startswith(("http://", "https://", "urn:veille:"))
    titles = " ".join(a.title for a in articles)
    assert "alert('title')" not in titles  # markup in a title is dropped, not kept as text
    # Text the publisher wrote as text (&lt;script&gt;) is kept as text, escaped on output.
    assert any("<script>alert('escaped')</script>" in a.text for a in articles)


def test_published_html_pages_are_inert(world: World) -> None:
    for name in (f"{WEEK}/digest.html", f"{WEEK}/index.html", "index.html"):
        html = (world.out / name).read_text(encoding="utf-8")
        assert_inert_html(html, name)
    page = (world.out / WEEK / "index.html").read_text(encoding="utf-8")
    assert "Apprentissage" in page  # the hostile items are really there
    # The publisher's literal "<script>" text and the quote in the link are escaped, not dropped.
    assert "&lt;script&gt;alert(&#39;escaped&#39;)" in page or (
        "&lt;script&gt;alert('escaped')" in page
    )
    assert 'q="><script>' not in page


def test_markdown_digest_renders_nothing_live(world: World) -> None:
    markdown = (world.out / WEEK / "digest.md").read_text(encoding="utf-8")
    assert "Apprentissage" in markdown
    # A CommonMark renderer that lets raw HTML through, as many Markdown viewers do.
    rendered = MarkdownIt("commonmark").render(markdown)
    root = lxml.html.fromstring(rendered)
    assert not root.xpath("//script | //img | //iframe | //svg | //*[@onerror]"), rendered
    hrefs = root.xpath("//a/@href")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert "tracker.example" not in " ".join(root.xpath("//@src"))


def test_email_headers_and_bodies_are_safe(world: World) -> None:
    assert world.recipients == [["ana@of.example.fr"]]  # no Bcc smuggled into the envelope
    (message,) = world.messages
    for name, value in message.items():
        assert "\r" not in value and "\n" not in value.replace("\n ", ""), name
        assert name.lower() not in ("bcc", "cc")
    assert "evil@evil.example" not in str(message["Subject"])
    html = message.get_body(("html",))
    assert html is not None
    assert_inert_html(html.get_content(), "e-mail HTML")
    plain = message.get_body(("plain",))
    assert plain is not None and "Apprentissage" in plain.get_content()


@pytest.mark.slow
def test_web_app_pages_escape_feed_text(world: World) -> None:
    app = create_app(world.config, world.store, world.out)
    with UvicornThread(app) as base, httpx.Client(timeout=20, follow_redirects=False) as client:
        page = client.get(f"{base}/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        done = client.post(
            f"{base}/login",
            data={"user": USER, "password": PASSWORD, "csrf": token.group(1), "next": "/"},
        )
        assert done.status_code == 303, done.text
        for path in (f"/semaine?week={WEEK}", f"/apercu/{WEEK}", "/archives", "/sources"):
            response = client.get(base + path)
            assert response.status_code == 200, path
            assert_inert_html(response.text, path)
        week_page = client.get(f"{base}/semaine?week={WEEK}").text
        assert "Apprentissage" in week_page
        email = client.get(f"{base}/apercu/{WEEK}/email")
        assert email.status_code == 200
        assert_inert_html(email.text, "e-mail preview")
        assert "sandbox" in email.headers.get("content-security-policy", "")


def test_register_cells_cannot_run(world: World) -> None:
    """The Qualiopi register's CSV and workbook show the hostile titles as text, never as
    formulas; its HTML runs nothing."""
    today = clock.now().astimezone(ZoneInfo("Europe/Paris")).date()  # the letter's publication
    register = build_register(world.config, world.store, today - timedelta(days=7), today)
    text = render_csv(register)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    # The items' tables: a header row starting « Lettre », then one row per item.
    (column,) = {r.index("Information") for r in rows if r[:1] == ["Lettre"] and "Information" in r}
    titles = {r[column] for r in rows if len(r) > column and r[0].startswith("semaine du")}
    assert {t[1:4] for t in titles} >= {"=HY", "+cm", "@SU"}  # the hostile titles, quoted
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), row
            assert "\n" not in cell and "\r" not in cell
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(register)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+@"]
    assert {c.value[:3] for c in hostile} >= {"=HY", "+cm", "@SU"}
    assert all(c.data_type == "s" for c in hostile)  # text, not a formula
    assert_inert_html(render_html(register), "Qualiopi HTML register")


def test_digest_feed_is_well_formed_and_inert(world: World) -> None:
    raw = (world.out / "feed.xml").read_bytes()
    tree = lxml.etree.fromstring(raw)  # well-formed XML despite the payloads
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    (entry,) = feed.entries
    assert entry.link.startswith(SITE)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    contents = tree.xpath("//a:entry/a:content | //a:entry/a:summary", namespaces=ns)
    assert contents
    for content in contents:
        if content.get("type") == "html":
            assert_inert_html(content.text or "<p></p>", "Atom content")
        elif content.get("type") == "xhtml":
            assert_inert_html(lxml.etree.tostring(content, encoding="unicode"), "Atom xhtml")
    assert "Apprentissage" in raw.decode("utf-8")


# --- faults seen by the whole pipeline ------------------------------------------------------


def test_challenges_and_retry_after_through_the_pipeline(tmp_path: Path) -> None:
    """Bot challenges are named as such in the run and the source health; Retry-After (seconds
    and HTTP-date) holds a source back across runs, without touching the server again."""
    with hostile() as server:
        config = parse_config(
            "settings: {allow_private_networks: true, fetch: {deadline: 10}}\n"
            "sources:\n"
            f"  - {{id: defi, url: '{server.base}/challenge'}}\n"
            f"  - {{id: defi-200, url: '{server.base}/challenge-ok'}}\n"
            f"  - {{id: trop-vite, url: '{server.base}/ratelimit?ra=7200'}}\n"
            f"  - {{id: maintenance, url: '{server.base}/unavailable?secs=10800'}}\n",
            name="faults sources.yaml",
        )
        store = Store(tmp_path / "veille.duckdb")
        before = clock.now()
        first = asyncio.run(ingest(config, store))
        outcomes = {o.source_id: o for o in first.outcomes}
        for sid in ("defi", "defi-200"):
            assert outcomes[sid].error_kind == "bot-challenge", outcomes[sid]
            assert "anti-robots" in (outcomes[sid].error or "")
        assert outcomes["trop-vite"].error_kind == "rate-limited"
        assert outcomes["maintenance"].error_kind == "rate-limited"
        health = {h.id: h for h in assess(store.source_figures(), clock.now())}
        assert health["defi"].last_error_kind == "bot-challenge"
        # The backoff after one error is at most 37.5 minutes: only Retry-After explains more.
        due = {sid: h.next_check_at for sid, h in health.items()}
        assert due["trop-vite"] >= before + timedelta(seconds=7200 - 5)
        assert due["maintenance"] >= before + timedelta(seconds=10800 - 60)
        assert due["defi"] < before + timedelta(hours=1)

        hits = list(server.hits)
        second = asyncio.run(ingest(config, store))
        waiting = {sid for sid, _ in second.waiting}
        assert {"trop-vite", "maintenance"} <= waiting
        assert not [h for h in server.hits[len(hits) :] if "ratelimit" in h or "unavailable" in h]


def _copy_world(world: World, folder: Path) -> Path:
    """A private copy of the hostile world's database and its trained model."""
    folder.mkdir(exist_ok=True)
    shutil.copy(world.store.path, folder / "veille.duckdb")
    shutil.copytree(world.store.path.parent / "models", folder / "models")
    return folder / "veille.duckdb"


def _ingest_into(db: Path, feed: str, base_url: str) -> int:
    config = parse_config(
        "settings: {allow_private_networks: true}\n"
        f"sources:\n  - {{id: source, url: '{base_url}/{feed}', fetch_pages: false}}\n"
    )
    return asyncio.run(ingest(config, Store(db))).new_articles


def _stored(db: Path) -> list[tuple[str, str, str]]:
    return sorted((a.id, a.title, a.text) for a in Store(db).articles(off_topic=True))


@pytest.mark.slow
def test_disk_full_stops_the_run_with_a_clear_error_and_loses_nothing(
    world: World, tmp_path: Path
) -> None:
    """A real kernel limit: RLIMIT_FSIZE makes any write past 512 KiB fail with EFBIG, as a full
    disk fails with ENOSPC; the child process runs the pipeline under it."""
    db = _copy_world(world, tmp_path / "data")
    before = _stored(db)
    assert len(before) == 3
    with LocalServer(DATA) as server:
        code = f"""
import asyncio
from veille.config import parse_config
from veille.errors import StoreError
from veille.pipeline import ingest
from veille.store import Store
config = parse_config(
    "settings: {{allow_private_networks: true}}\\n"
    "sources:\\n  - {{id: big, url: '{server.base_url}/feeds/picofeed/nextinpact_full.xml', "
    "fetch_pages: false}}\\n"
)
try:
    asyncio.run(ingest(config, Store({str(db)!r})))
    print("no error")
except StoreError as exc:
    print(exc)
"""
        done = run_bounded(code, memory_mb=4096, timeout=120, fsize_bytes=512 * 1024)
        assert done.returncode == 0, done.stderr[-3000:]
        message = done.stdout.strip()
        assert "\n" not in message and "Traceback" not in done.stderr
        assert message.startswith(f"cannot write the database {db}: the disk is full"), message
        assert "Hint: free some space" in message
        assert _stored(db) == before  # what was stored is intact
        # Nothing is lost either: the feed was not marked as read, the next run stores it all.
        assert _ingest_into(db, "feeds/picofeed/nextinpact_full.xml", server.base_url) > 40


def _make_read_only(folder: Path) -> Callable[[], None]:
    """Make ``folder`` and its files unwritable for real; return the undo.

    Tests may run as root, whom permission bits do not stop: then the files and the folder are
    made immutable (chattr +i), which stops root too.
    """
    paths = [*folder.iterdir(), folder]
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return lambda: [p.chmod(0o755) for p in paths] and None
    if not shutil.which("chattr"):
        pytest.skip("running as root without chattr: cannot make a folder read-only")
    files = [str(p) for p in paths if p.is_file()] + [str(folder)]
    done = subprocess.run(["chattr", "+i", *files], capture_output=True, timeout=10, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr!r}")
    return lambda: subprocess.run(["chattr", "-i", *files], timeout=10, check=True) and None


@pytest.mark.slow
def test_read_only_database_folder_is_one_clear_line_and_loses_nothing(
    world: World, tmp_path: Path, prefect_api: str
) -> None:
    folder = tmp_path / "data"
    db = _copy_world(world, folder)
    before = _stored(db)
    assert len(before) == 3
    with LocalServer(DATA) as server:
        (tmp_path / "sources.yaml").write_text(
            "settings: {allow_private_networks: true}\nsources:\n"
            f"  - {{id: big, url: '{server.base_url}/feeds/picofeed/nextinpact_full.xml', "
            "fetch_pages: false}\n",
            encoding="utf-8",
        )
        undo = _make_read_only(folder)
        try:
            done = run_veille(
                "--db", str(db), "run", "--no-progress", cwd=tmp_path, timeout=180,
                prefect=prefect_api,
            )  # fmt: skip
        finally:
            undo()
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("erreur :")]
    assert len(errors) == 1, done.stderr
    assert f"cannot write the database {db}: the file or its folder is read-only" in errors[0]
    assert _stored(db) == before


@pytest.mark.slow
def test_huge_nested_page_is_extracted_within_a_memory_cap() -> None:
    """23 MB of element soup ending in 50,000 unclosed divs, extracted in a child limited to
    1 GB of address space: the body is truncated and the tree capped before trafilatura."""
    code = (
        """
from veille.extract import extract_article_safe
article = "<p>" + "Le décret relatif à la formation continue est paru au Journal officiel. " * 20
soup = "<div><span>x</span><table><tr><td>y</td></tr></table></div>" * 400_000
html = "<html><body><article>" + (article + "</p>") * 5 + "</article>" + soup + "<div>" * 50_000
result = extract_article_safe("https://example.org/a", html.encode())
print(type(result).__name__, "décret" in getattr(result, "text", ""))
print("""
        + PEAK_MB
        + """)
"""
    )
    done = run_bounded(code, memory_mb=1024, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    kind, peak_mb = done.stdout.split("\n")[:2]
    assert kind == "Extracted True", done.stdout
    assert int(peak_mb) < 600, done.stdout  # about 150 MB with the caps in place


# --- secrets ----------------------------------------------------------------------------------

SECRET = "Tr0ub4dor&3-pas-dans-les-logs"  # noqa: S105 - the canary the tests look for


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    password_file = tmp_path / "smtp_password"
    password_file.write_text(SECRET + "\n", encoding="utf-8")  # as `echo ... > file` writes it
    env = {
        "VEILLE_SMTP_HOST": "smtp.example.org",
        "VEILLE_MAIL_FROM": "Veille <veille@example.org>",
        "VEILLE_SMTP_USER": "veille",
        "VEILLE_SMTP_PASSWORD_FILE": str(password_file),
    }
    settings = SmtpSettings.from_env(env)
    assert settings.password == SECRET and SECRET not in repr(settings)
    assert env_secret("VEILLE_SMTP_PASSWORD", {"VEILLE_SMTP_PASSWORD": "direct"}) == "direct"
    with pytest.raises(ConfigError, match="VEILLE_SMTP_PASSWORD et VEILLE_SMTP_PASSWORD_FILE sont"):
        SmtpSettings.from_env({**env, "VEILLE_SMTP_PASSWORD": "other"})
    missing = {**env, "VEILLE_SMTP_PASSWORD_FILE": str(tmp_path / "nope")}
    with pytest.raises(ConfigError, match=r"VEILLE_SMTP_PASSWORD_FILE=.*est illisible \(No such"):
        SmtpSettings.from_env(missing)
    password_file.write_bytes(b"\xff\xfe")
    with i18n.language("en"), pytest.raises(ConfigError, match=r"cannot be read \(not UTF-8 text"):
        SmtpSettings.from_env(env)


def test_session_key_can_come_from_a_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "session_key"
    key_file.write_text("k" * 48 + "\n", encoding="utf-8")
    monkeypatch.setenv("VEILLE_SESSION_SECRET_FILE", str(key_file))
    assert session_secret(world.store) == "k" * 48
    key_file.write_text("short", encoding="utf-8")
    with pytest.raises(ConfigError, match="au moins 32"):
        session_secret(world.store)
    monkeypatch.delenv("VEILLE_SESSION_SECRET_FILE")
    assert session_secret(world.store) == world.store.session_key()


@pytest.mark.slow
def test_config_show_masks_secrets(tmp_path: Path) -> None:
    secret_file = tmp_path / "session"
    session_secret = "s" * 40
    secret_file.write_text(session_secret, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{id: privee, url: 'https://lecteur:{SECRET}@flux.example.org/rss'}}\n",
        encoding="utf-8",
    )
    env = {
        "VEILLE_SMTP_HOST": "smtp.example.org",
        "VEILLE_SMTP_USER": "veille",
        "VEILLE_SMTP_PASSWORD": SECRET,
        "VEILLE_SESSION_SECRET_FILE": str(secret_file),
    }
    shown = run_veille("config", "show", cwd=tmp_path, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert SECRET not in shown.stdout + shown.stderr
    assert session_secret not in shown.stdout
    data = json.loads(shown.stdout)
    assert data["environment"]["VEILLE_SMTP_PASSWORD"] == "********"  # noqa: S105
    from_file = "******** (from VEILLE_SESSION_SECRET_FILE)"
    assert data["environment"]["VEILLE_SESSION_SECRET"] == from_file
    assert data["environment"]["VEILLE_SMTP_HOST"] == "smtp.example.org"
    assert data["sources"][0]["url"] == "https://lecteur:********@flux.example.org/rss"


def test_smtp_password_never_reaches_logs_or_output(
    world: World,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A refused login, with every logger at DEBUG: the password is nowhere, not even in base64."""
    shutil.copy(world.store.path, tmp_path / "veille.duckdb")
    shutil.copytree(world.store.path.parent / "models", tmp_path / "models")
    store = Store(tmp_path / "veille.duckdb")
    store.add_subscribers([NewSubscriber("bruno@of.example.fr", None, (), None)])
    caplog.set_level(logging.DEBUG)
    for _, port in _server(Collector(), authenticator=_refuse_all, auth_require_tls=False):
        smtp = SmtpSettings.from_env(
            {
                "VEILLE_SMTP_HOST": "127.0.0.1",
                "VEILLE_SMTP_PORT": str(port),
                "VEILLE_SMTP_STARTTLS": "false",
                "VEILLE_MAIL_FROM": "Veille <veille@of.example.fr>",
                "VEILLE_SMTP_USER": "veille",
                "VEILLE_SMTP_PASSWORD": SECRET,
            }
        )
        with pytest.raises(VeilleError) as refused:
            sending.send(world.config, store, WEEK, smtp)
    captured = capfd.readouterr()
    everything = "\n".join(
        [str(refused.value), caplog.text, captured.out, captured.err, repr(refused.value)]
    )
    assert "a refusé l’identifiant" in str(refused.value)
    for form in _encodings_of(SECRET):
        assert form not in everything


@pytest.mark.slow
def test_veille_run_at_debug_level_prints_no_secret(
    world: World, tmp_path: Path, prefect_api: str, prefect_home: Path
) -> None:
    """A whole `veille run` (Prefect flow, Prefect logging at DEBUG) with secrets in the
    environment and a source URL carrying a password: none of them reaches the output."""
    password_file = tmp_path / "pw"
    password_file.write_text(SECRET, encoding="utf-8")
    with LocalServer(DATA) as server:
        host = server.base_url.removeprefix("http://")
        (tmp_path / "sources.yaml").write_text(
            "settings: {allow_private_networks: true}\nsources:\n"
            f"  - {{id: piege, url: 'http://lecteur:{SECRET}@{host}/hostile/injection.xml', "
            "fetch_pages: false}\n"
            f"  - {{id: absente, url: 'http://lecteur:{SECRET}@{host}/nope.xml'}}\n",
            encoding="utf-8",
        )
        env = {
            "VEILLE_SMTP_USER": "veille",
            "VEILLE_SMTP_PASSWORD_FILE": str(password_file),
            "VEILLE_SESSION_SECRET": SECRET * 2,
            "PREFECT_LOGGING_LEVEL": "DEBUG",
            "PREFECT_HOME": str(prefect_home),
        }
        db = str(_copy_world(world, tmp_path / "data"))
        done = run_veille(
            "--db", db, "run", "--no-progress", cwd=tmp_path, env=env, timeout=240,
            prefect=prefect_api,
        )  # fmt: skip
    assert "piege" in done.stdout + done.stderr and "absente" in done.stdout + done.stderr
    assert "lecteur:********@" in done.stdout  # the failing source is still named
    for form in _encodings_of(SECRET):
        assert form not in done.stdout + done.stderr


def test_passwords_in_feed_urls_stay_out_of_messages_and_links() -> None:
    with hostile() as server:
        url = server.base.replace("http://", f"http://lecteur:{SECRET}@") + "/nope"

        async def go() -> None:
            async with Fetcher(FetchLimits(deadline=5, allow_private_networks=True)) as f:
                await f.fetch(url)

        with pytest.raises(HTTPStatusError) as failed:
            asyncio.run(go())
    assert SECRET not in str(failed.value) and "lecteur:********@" in str(failed.value)
    body = (
        b"<rss version='2.0'><channel><item><title>t</title><link>/a</link></item></channel></rss>"
    )
    (entry,) = parse_feed(body, url=f"https://lecteur:{SECRET}@flux.example.org/rss").entries
    assert entry.url == "https://flux.example.org/a"


def _refuse_all(
    server: object, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    return AuthResult(success=False, handled=False)


def _encodings_of(secret: str) -> list[str]:
    """The secret as text, URL-encoded and base64 (as SMTP AUTH PLAIN/LOGIN would send it)."""
    raw = secret.encode()
    return [
        secret,
        quote(secret, safe=""),
        base64.b64encode(raw).decode(),
        base64.b64encode(b"\0veille\0" + raw).decode(),
    ]


# --- fuzzing the entry points -----------------------------------------------------------------
# Each property is bounded (examples, size, per-example deadline) so the set runs in seconds.

TAGS = ["div", "p", "a", "span", "script", "style", "article", "table", "td", "li", "iframe",
        "svg", "math", "template", "noscript", "br", "img", "meta", "link", "h1"]  # fmt: skip
ATTRIBUTES = ["href", "src", "onerror", "style", "class", "rel", "content", "property", "lang"]
ATTRIBUTE_VALUES = st.sampled_from(
    ["javascript:alert(1)", "data:text/html,x", "http://[oops", "http://x:99999/", "//evil",
     "canonical", "og:url", "fr-FR", "", "\x00", "&#106;avascript:x", "../../etc"]
) | st.text(max_size=20)  # fmt: skip
TEXTS = st.text(max_size=40) | st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&lt;script&gt;"])


@st.composite
def html_documents(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 6 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attributes = "".join(
                f' {draw(st.sampled_from(ATTRIBUTES))}="{draw(ATTRIBUTE_VALUES)}"'
                for _ in range(draw(st.integers(0, 2)))
            )
            closing = "" if draw(st.integers(0, 5)) == 0 else f"</{tag}>"  # some never closed
            parts.append(f"<{tag}{attributes}>{draw(html_documents(depth + 1))}{closing}")
        else:
            parts.append(draw(TEXTS))
    return "".join(parts)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(html_documents() | st.text(max_size=300))
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(text_of_html(html), str)


@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(html_documents() | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
@example('<iframe href="data:text/html,x">')  # a lone iframe as root tripped lxml's asserts
def test_page_extraction_gives_an_article_or_an_extraction_error(html: str) -> None:
    page = f"<html><head><title>t</title></head><body><article>{html}</article></body></html>"
    for document in (html, page):
        try:
            extracted = extract_article(document.encode("utf-8", "surrogatepass"), url=PAGE)
        except ExtractionError as exc:
            assert "\n" not in str(exc)
            continue
        assert isinstance(extracted.text, str)
        canonical = extracted.canonical_url
        assert canonical is None or canonical.startswith(("http://", "https://"))


PAGE = "https://site.example.org/article"


@settings(max_examples=300, deadline=1000)
@given(
    st.text(max_size=80)
    | st.builds(
        lambda scheme, rest: f"{scheme}://{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript"]),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    )
)
def test_canonical_url_never_raises_and_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


CONFIG_KEYS = ["settings", "sources", "taxonomy", "id", "url", "kind", "tags", "fetch",
               "deadline", "max_bytes", "digest", "site_url", "enabled", "timezone", "lang",
               "link_pattern", "allow_private_networks", "database"]  # fmt: skip
YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    | st.sampled_from(["http://x.example/feed", "feed", "page", "Europe/Paris", "(", "*", "[a-"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(CONFIG_KEYS) | st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200) | YAML_VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True)))
@example("? '\n\n'")  # a key made of a line break: once a message on two lines
def test_sources_yaml_gives_a_config_or_a_one_line_config_error(text: str) -> None:
    try:
        config = parse_config(text)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc).strip(), str(exc)
        return
    assert isinstance(config, Config)


@pytest.mark.slow
def test_a_full_disk_then_freed_leaves_a_database_the_next_run_completes(
    tmp_path: Path, demo_server: LocalServer, prefect_api: str
) -> None:
    """The database on a small tmpfs: `veille run` fills it and stops with one line; space is
    freed (remount larger); the next run completes and classifies everything. (DuckDB's log
    replay used to leave a secondary index without the replayed rows: every later run died in
    classification with "Failed to delete all rows from index".)"""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode()[:200]}")
    try:
        text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
        (tmp_path / "sources.yaml").write_text(
            text.replace("__BASE__", demo_server.base_url), encoding="utf-8"
        )
        db = disk / "veille.duckdb"
        full = run_veille(
            "--db", str(db), "run", "--no-progress", cwd=tmp_path, prefect=prefect_api
        )
        assert full.returncode == 1, full.stdout[-2000:] + full.stderr[-2000:]
        assert "Traceback" not in full.stderr, full.stderr[-3000:]
        # The per-source lines of the pass (indented), then the one error line.
        lines = [line for line in full.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if not line.startswith("  ")]
        assert len(errors) == 1, errors
        assert "disque est plein" in errors[0] or "disk is full" in errors[0], errors
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = run_veille(
            "--db", str(db), "run", "--no-progress", cwd=tmp_path, prefect=prefect_api
        )
        assert again.returncode == 0, again.stderr[-3000:]
        store = Store(db)
        assert store.counts().articles > 0
        assert store.articles_to_classify() == []  # every article classified
        third = run_veille(
            "--db", str(db), "run", "--no-progress", cwd=tmp_path, prefect=prefect_api
        )
        assert third.returncode == 0, third.stderr[-3000:]
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
