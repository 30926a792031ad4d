"""A team, not one curator: roles checked on the server for every route whatever the request,
contributors' suggestions, and who did what. Real DuckDB files (a copy of one real pass over the
demo site), the app served by uvicorn on 127.0.0.1, a real article page served on 127.0.0.1,
the real command, and once a real browser (Debian's chromium)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest
from starlette.routing import Mount, Route

from tests.conftest import PASSWORD, USER, UvicornThread, copy_ingested, run_cli, with_site
from tests.test_web import WEEK, _csrf, _paths, _shot
from veille import clock
from veille import digest as digests
from veille.auth import hash_password
from veille.config import Config
from veille.localserver import LocalServer
from veille.qualiopi import build_register
from veille.register_files import render_csv, render_html
from veille.roles import Action, Role, can
from veille.store import MIGRATIONS, Store
from veille.web import create_app
from veille.web.guard import declared_action, guarded

pytestmark = pytest.mark.clock  # the week's draft depends on the day

CURATOR, CONTRIBUTOR = "claire.curatrice", "paul.formateur"
PAGES = Path(__file__).parent / "data" / "pages"
ARTICLE = "graby-fr/framablog.html"  # a real French article page (tests/data/pages/README.md)
# Routes anyone may reach without a session: the login, unsubscribing, the published archive.
PUBLIC = {"/login", "/unsubscribe", "/feed.xml", "/index.html"}
# What every forged POST carries, so that no route refuses it for a missing field first.
FIELDS = {
    "url": "https://example.org/", "email": "x@example.org", "name": CONTRIBUTOR,
    "role": "admin", "confirmed": "1", "count": "1", "note": "x", "editorial": "x",
    "summary": "x", "query": "décret", "what": "x", "section": "handicap", "tag": "handicap",
    "relevant": "1", "week": WEEK,
}  # fmt: skip
# The tables a forbidden request must leave as they were.
TABLES = (
    "digests", "digest_items", "sources", "managed_sources", "subscribers", "users", "alerts",
    "alert_recipients", "action_versions", "sends", "suggestions", "activity", "decisions",
    "articles",
)  # fmt: skip


@pytest.fixture
def app_env(ingested: tuple[Config, Path], tmp_path: Path) -> tuple[Config, Store, Path]:
    """The demo's pass with an admin (the other web tests' USER), a curator, a contributor,
    and the week's draft."""
    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=20)
    store.set_user(USER, hash_password(PASSWORD))
    store.set_user(CURATOR, hash_password(PASSWORD), Role.CURATOR)
    store.set_user(CONTRIBUTOR, hash_password(PASSWORD), Role.CONTRIBUTOR)
    digests.draft(config, store, WEEK)
    return config, store, tmp_path / "digests"


@contextmanager
def _client(base: str, user: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in as ``user``."""
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        login = {"user": user, "password": PASSWORD, "csrf": _csrf(page.text)}
        done = client.post("/login", data=login)
        assert done.status_code == 303, done.text
        yield client


@pytest.fixture
def contributor(served: str) -> Iterator[httpx.Client]:
    with _client(served, CONTRIBUTOR) as client:
        yield client


@pytest.fixture
def curator(served: str) -> Iterator[httpx.Client]:
    with _client(served, CURATOR) as client:
        yield client


def _token(client: httpx.Client) -> str:
    return _csrf(client.get(f"/semaine?week={WEEK}").text)


def _fingerprint(store: Store) -> dict[str, Any]:
    """Every row of the tables that matter, as text."""
    rows = "md5(coalesce(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)), ''))"
    with store.connect() as con:
        return {
            table: con.execute(f"SELECT count(*), {rows} FROM {table} t").fetchone()  # noqa: S608
            for table in TABLES
        }


def _routes_needing(app: Any) -> dict[tuple[str, str], Action | None]:
    """(method, concrete path) -> the action its route declared, for every route."""
    samples = {"week": WEEK, "article_id": "0" * 24, "action": "keep", "source_id": "agefiph",
               "job_id": "x" * 16, "action_id": 1}  # fmt: skip
    found = {}
    for route in app.routes:
        if isinstance(route, Route):
            path = route.path_format.format(**{k: samples[k] for k in route.param_convertors})
            for method in (route.methods or {"GET"}) - {"HEAD"}:
                found[(method, path)] = declared_action(route.endpoint)
    assert len(found) == len(_paths(app))  # every route, as the other web tests walk them
    return found


# --- one table decides ------------------------------------------------------------------------


def test_the_roles_table() -> None:
    assert can(Role.ADMIN, Action.SEND) and can("admin", Action.USERS)
    assert can(Role.CURATOR, Action.PUBLISH) and can(Role.CURATOR, Action.RECORD)
    assert not can(Role.CURATOR, Action.SEND) and not can(Role.CURATOR, Action.SOURCES)
    assert not can(Role.CURATOR, Action.USERS) and not can(Role.CURATOR, Action.SUBSCRIBERS)
    assert can(Role.CONTRIBUTOR, Action.READ) and can(Role.CONTRIBUTOR, Action.SUGGEST)
    assert not any(can(Role.CONTRIBUTOR, a) for a in Action if a not in ("read", "suggest"))
    assert not can(None, Action.READ) and not can("root", Action.READ)


def test_every_route_declares_the_action_it_needs(app_env: tuple[Config, Store, Path]) -> None:
    app = create_app(*app_env)
    undeclared = [
        route.path
        for route in app.routes
        if isinstance(route, Route)
        and route.path not in PUBLIC
        and declared_action(route.endpoint) is None
    ]
    assert undeclared == []
    assert {r.path for r in app.routes if isinstance(r, Mount)} == {"/static", "/{week:isoweek}"}
    # A route made without one cannot exist: the app would not start.
    with pytest.raises(AssertionError, match="declares no action"):
        guarded(lambda request: None)  # type: ignore[arg-type,return-value]


# --- whatever they forge ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_contributor_can_only_read_and_suggest_whatever_request_they_forge(
    app_env: tuple[Config, Store, Path], served: str, contributor: httpx.Client
) -> None:
    _, store, _ = app_env
    routes = _routes_needing(create_app(*app_env))
    forbidden = {k: v for k, v in routes.items() if v not in (None, Action.READ, Action.SUGGEST)}
    # Every POST route but these: logging in and out, unsubscribing, suggesting.
    allowed = {path for method, path in routes if method == "POST"} - {
        path for method, path in forbidden if method == "POST"
    }
    assert allowed == {"/login", "/logout", "/unsubscribe", "/suggestions"}
    token = _token(contributor)
    before = _fingerprint(store)
    for (method, path), needs in sorted(forbidden.items()):
        if method == "POST":
            answer = contributor.post(path, data={**FIELDS, "csrf": token})
            also = contributor.post(path, data=FIELDS, headers={"X-CSRF-Token": token})
            assert also.status_code == 403, (path, also.status_code)
        else:
            answer = contributor.get(path)
        assert answer.status_code == 403, (method, path, needs, answer.status_code)
        assert "Votre rôle ne permet pas cette action" in answer.text, (method, path)
    assert _fingerprint(store) == before
    # What they may do still works.
    assert contributor.get(f"/semaine?week={WEEK}").status_code == 200
    assert contributor.get("/archives").status_code == 200
    assert contributor.get("/suggestions").status_code == 200


@pytest.mark.slow
def test_a_curator_curates_and_publishes_but_does_not_send_or_manage(
    app_env: tuple[Config, Store, Path], served: str, curator: httpx.Client
) -> None:
    config, store, _ = app_env
    token = _token(curator)
    before = _fingerprint(store)
    refused = (f"/apercu/{WEEK}/envoyer", "/sources/ajouter", "/abonnes/ajouter",
               "/utilisateurs/role", "/alertes/ajouter", "/sources/agefiph/supprimer")  # fmt: skip
    for path in refused:
        answer = curator.post(path, data={**FIELDS, "csrf": token})
        assert answer.status_code == 403, path
    assert _fingerprint(store) == before
    assert store.user_role(CONTRIBUTOR) == "contributor"
    # Curation goes through, and says who did it.
    out = next(i for i in digests.load(config, store, WEEK).items if not i.included)
    kept = curator.post(f"/semaine/{WEEK}/articles/{out.article_id}/keep", data={"csrf": token})
    assert kept.status_code == 303
    assert next(i for i in digests.load(config, store, WEEK).items
                if i.article_id == out.article_id).included  # fmt: skip
    deed = store.activity(week=WEEK)[0]
    assert (deed.actor, deed.action, deed.what, deed.object) == (
        CURATOR, "curate", "keep", out.article_id
    )  # fmt: skip
    assert deed.label == out.title  # the team page names the article, not its id
    week = curator.get(f"/semaine?week={WEEK}").text
    assert f"retenu par {CURATOR}" in week
    published = curator.post(f"/apercu/{WEEK}/publier", data={"csrf": token})
    assert published.status_code == 303
    assert f"publiée par {CURATOR}" in curator.get(f"/apercu/{WEEK}").text
    # The Qualiopi register says who kept each item (who published the letter, for the items
    # the draft kept by itself).
    now = clock.now()
    chosen = store.selections(now - timedelta(days=1), now + timedelta(days=1))
    assert chosen and {s.kept_by for s in chosen} == {CURATOR}
    day = now.astimezone(ZoneInfo(config.settings.timezone)).date()
    register = build_register(config, store, day, day)
    assert "Retenue par" in render_csv(register) and f"retenue par {CURATOR}" in render_html(
        register
    )
    # A refused change leaves no trace.
    assert [d.what for d in store.activity()] == ["publish", "keep"]


@pytest.mark.slow
def test_an_admin_changes_roles_but_never_removes_the_last_admin(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    _, store, _ = app_env
    with _client(served, USER) as admin:
        page = admin.get("/utilisateurs")
        assert page.status_code == 200 and CONTRIBUTOR in page.text
        token = _csrf(page.text)
        done = admin.post("/utilisateurs/role", data={"csrf": token, "name": CONTRIBUTOR,
                                                      "role": "curator"})  # fmt: skip
        assert done.status_code == 303
        assert store.user_role(CONTRIBUTOR) == "curator"
        changed = admin.get("/utilisateurs").text
        assert f"{CONTRIBUTOR} a maintenant le rôle curateur." in changed
        last = {"csrf": token, "name": USER, "role": "curator"}
        refused = admin.post("/utilisateurs/role", data=last, follow_redirects=True)
        assert "dernier administrateur" in refused.text
        assert store.user_role(USER) == "admin"
        assert "a changé un rôle" in changed
    # The change applies at the next request of a session already open.
    with _client(served, CURATOR) as curator:
        token = _token(curator)
        store.set_role(CURATOR, "contributor")
        assert curator.post(f"/semaine/{WEEK}/edito", data={"csrf": token}).status_code == 403


@pytest.mark.slow
def test_a_refusal_is_said_in_the_apps_language(app_env: tuple[Config, Store, Path]) -> None:
    config, store, out = app_env
    english = create_app(with_site(config, lang="en"), store, out)
    with UvicornThread(english) as base, _client(base, CONTRIBUTOR) as contributor:
        refused = contributor.get("/sources")
        token = _token(contributor)
        forged = contributor.post(f"/apercu/{WEEK}/publier", data={"csrf": token})
    for answer in (refused, forged):
        assert answer.status_code == 403
        assert "Your role does not allow this." in answer.text and 'lang="en"' in answer.text


# --- suggestions ------------------------------------------------------------------------------


def _wait_for_suggestion(store: Store, seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = store.suggestions()
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("the suggestion never arrived")


@pytest.mark.slow
def test_a_contributors_suggestion_lands_among_the_weeks_candidates_with_their_name(
    app_env: tuple[Config, Store, Path], served: str, contributor: httpx.Client
) -> None:
    config, store, _ = app_env
    with LocalServer(PAGES) as site:
        url = site.url(ARTICLE)
        token = _csrf(contributor.get(f"/suggestions?week={WEEK}").text)
        sent = contributor.post("/suggestions", data={
            "csrf": token, "url": url, "week": WEEK, "comment": "À lire avant la réunion",
        })  # fmt: skip
        assert sent.status_code == 303 and sent.headers["location"].startswith("/taches/")
        suggestion = _wait_for_suggestion(store)
    assert (suggestion.week, suggestion.suggested_by, suggestion.comment) == (
        WEEK,
        CONTRIBUTOR,
        "À lire avant la réunion",
    )
    assert suggestion.state == "pending"
    article = next(a for a in store.articles(include_all=True, off_topic=True)
                   if a.id == suggestion.article_id)  # fmt: skip
    assert article.source_id == "suggestion" and article.word_count > 200
    item = next(i for i in digests.load(config, store, WEEK).items
                if i.article_id == suggestion.article_id)  # fmt: skip
    assert not item.included  # the curator decides
    assert article.sitename and item.source_name == article.sitename  # the letter names its site
    # A re-draft keeps it; the curator sees who suggested it and why.
    digests.draft(config, store, WEEK)
    with _client(served, CURATOR) as curator:
        week = curator.get(f"/semaine?week={WEEK}").text
        assert f"suggéré par {CONTRIBUTOR}" in week and "À lire avant la réunion" in week
        assert "suggestion en attente de votre décision" in week
        mine = contributor.get("/suggestions").text
        assert "en attente" in mine and article.title in mine
        token = _token(curator)
        curator.post(f"/semaine/{WEEK}/articles/{item.article_id}/keep", data={"csrf": token})
    assert store.suggestions(by=CONTRIBUTOR)[0].state == "kept"
    assert ">retenue<" in contributor.get("/suggestions").text
    with _client(served, CURATOR) as curator:
        token = _token(curator)
        curator.post(f"/semaine/{WEEK}/articles/{item.article_id}/drop", data={"csrf": token})
    assert store.suggestions(by=CONTRIBUTOR)[0].state == "dropped"
    assert ">non retenue<" in contributor.get("/suggestions").text
    # The contributor sees no curation, publication or sending button anywhere.
    for path in (f"/semaine?week={WEEK}", f"/apercu/{WEEK}"):
        html = contributor.get(path).text
        for action in ("/brouillon", "/keep", "/drop", "/edito", "/publier", "/envoyer",
                       "/approuver", "/note"):  # fmt: skip
            assert f'{action}"' not in html, (path, action)


@pytest.mark.slow
def test_a_suggestion_of_a_private_address_is_refused_without_the_switch(
    app_env: tuple[Config, Store, Path], tmp_path: Path
) -> None:
    config, store, out = app_env
    settings = config.settings.model_copy(update={"allow_private_networks": False})
    closed = config.model_copy(update={"settings": settings})
    with (
        LocalServer(PAGES) as site,
        UvicornThread(create_app(closed, store, out)) as base,
        _client(base, CONTRIBUTOR) as contributor,
    ):
        token = _csrf(contributor.get("/suggestions").text)
        sent = contributor.post("/suggestions", data={"csrf": token, "url": site.url(ARTICLE)})
        job = sent.headers["location"]
        deadline = time.monotonic() + 60
        running = 'http-equiv="refresh"'
        while running in (page := contributor.get(job).text) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert store.suggestions() == []
    assert "127.0.0.1" in page


# --- the accounts -----------------------------------------------------------------------------


@pytest.mark.slow
def test_accounts_from_the_command_line_get_a_safe_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEILLE_PASSWORD", PASSWORD)
    db = str(tmp_path / "v.duckdb")
    code, said, _ = run_cli(capsys, "--db", db, "users", "add", "marie")
    assert code == 0 and "(admin)" in said  # the first account manages the others
    code, said, _ = run_cli(capsys, "--db", db, "users", "add", "claire")
    assert code == 0 and "(curator)" in said
    code, said, _ = run_cli(capsys, "--db", db, "users", "add", "paul", "--role", "Contributor")
    assert code == 0 and "(contributor)" in said
    code, _, err = run_cli(capsys, "--db", db, "users", "add", "zoe", "--role", "chef")
    assert code == 1 and "rôle inconnu 'chef'" in " ".join(err.split())
    code, said, _ = run_cli(capsys, "--db", db, "users", "role", "paul", "curator")
    assert code == 0 and "paul a maintenant le rôle curator" in said
    code, _, err = run_cli(capsys, "--db", db, "users", "role", "marie", "contributor")
    assert code == 1 and "dernier administrateur" in " ".join(err.split())
    code, said, _ = run_cli(capsys, "--db", db, "users", "add", "paul")  # a new password
    code, said, _ = run_cli(capsys, "--db", db, "users", "list", "--json")
    roles = {row["name"]: row["role"] for row in json.loads(said)}
    assert roles == {"claire": "curator", "marie": "admin", "paul": "curator"}
    code, said, _ = run_cli(capsys, "--db", db, "users", "list")
    assert "marie  admin  dernière connexion : jamais" in said


def test_accounts_made_before_roles_keep_their_powers(tmp_path: Path) -> None:
    """A database at migration 14 (before roles) with an account: it becomes an admin."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)")  # fmt: skip
    for version, name, sql in MIGRATIONS:
        if version <= 14:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                        [version, name])  # fmt: skip
    con.execute("INSERT INTO users (name, password_hash, created_at) "
                "VALUES ('marie', 'x', now()::TIMESTAMP)")  # fmt: skip
    con.close()
    store = Store(path)
    assert store.schema_version() >= 16
    assert [(u.name, u.role) for u in store.users()] == [("marie", "admin")]


# --- in a browser -----------------------------------------------------------------------------


def _sign_in_as(page: Any, served: str, user: str, target: str) -> None:
    page.goto(f"{served}/login?next={target}")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}")


@pytest.mark.slow
def test_a_trainer_suggests_in_the_browser_and_the_curator_sees_it(
    app_env: tuple[Config, Store, Path], served: str, browser: Any
) -> None:
    _, store, _ = app_env
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in_as(page, served, CONTRIBUTOR, f"/semaine?week={WEEK}")
    assert page.locator("article.item").count() >= 5
    for hidden in ("Préparer le brouillon", "Actualiser le brouillon", "Garder", "Écarter"):
        assert page.get_by_role("button", name=hidden).count() == 0, hidden
    nav = page.locator("header nav")
    assert nav.get_by_text("Sources").count() == 0 and nav.get_by_text("Abonnés").count() == 0
    page.goto(f"{served}/apercu/{WEEK}")
    for hidden in ("Publier", "Envoyer"):
        assert page.get_by_role("button", name=hidden).count() == 0, hidden
    with LocalServer(PAGES) as site:
        page.goto(f"{served}/suggestions?week={WEEK}")
        page.fill("input[name=url]", site.url(ARTICLE))
        page.fill("textarea[name=comment]", "Utile pour le module numérique")
        page.click("button:has-text('Suggérer')")
        page.wait_for_selector("#job .flash", timeout=90_000)  # fetched and extracted
        page.click("#job a")
        page.wait_for_selector("tr.suggestion.pending")
    _shot(page, "suggestions")
    assert store.suggestions()[0].suggested_by == CONTRIBUTOR
    context.close()

    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
    page = context.new_page()
    _sign_in_as(page, served, CURATOR, f"/semaine?week={WEEK}")
    marked = page.locator("article.item p.suggested")
    assert marked.count() == 1
    assert f"suggéré par {CONTRIBUTOR}" in marked.inner_text()
    assert "Utile pour le module numérique" in marked.inner_text()
    _shot(page, "week-suggested")
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
