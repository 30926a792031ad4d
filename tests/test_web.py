"""The curators' web app: security rules on every route, and a curator's week in a real browser.

The app runs under uvicorn on 127.0.0.1 over a real DuckDB file (a copy of one real pass over the
demo site); the browser is Debian's chromium driven by Playwright.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.routing import Mount, Route

from tests.conftest import PASSWORD, REPO, USER, UvicornThread, run_veille
from veille.auth import LoginThrottle, hash_password
from veille.config import Config
from veille.store import Store
from veille.web import CSP, FRAMED_CSP, PUBLIC_PATHS, create_app

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

WEEK = "2026-W47"
ARTIFACTS = Path(__file__).parent / "artifacts"


def _login(client: httpx.Client, base: str) -> str:
    page = client.get(f"{base}/login")
    token = _csrf(page.text)
    done = client.post(
        f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token, "next": "/"}
    )
    assert done.status_code == 303, done.text
    return _csrf(client.get(f"{base}/semaine?week={WEEK}").text)


def _job(client: httpx.Client, base: str, started: httpx.Response, wait: float = 120) -> str:
    """Follow a background job started by ``started`` (a 303 to /taches/ID) to its end;
    its final message ("Terminé. …" or "Échec. …")."""
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert location.startswith("/taches/"), location
    deadline = time.monotonic() + wait
    while True:
        # Generous: the progress page waits its turn for the database while the job writes,
        # seconds on a loaded CI machine (liveness during imports is measured by
        # test_web_pressure.py's 100,000-line import, not here).
        page = client.get(base + location, timeout=60)
        assert page.status_code == 200, page.text
        if "hx-get" not in page.text:
            found = re.search(r'<p class="(?:flash|error)" role="[a-z]+">([^<]*)</p>', page.text)
            assert found, page.text
            return found.group(1)
        assert time.monotonic() < deadline, f"job {location} still running"
        time.sleep(0.1)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


# --- security rules ---------------------------------------------------------------------------


def _paths(app: Any) -> list[tuple[str, str]]:
    """(method, concrete path) for every route of the app."""
    samples = {
        "week": WEEK,
        "article_id": "0" * 24,
        "action": "keep",
        "source_id": "agefiph",
        "job_id": "x" * 16,
        "action_id": 1,
    }
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        path = route.path_format.format(**{k: samples[k] for k in route.param_convertors})
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, path))
    return found


def test_every_route_refuses_a_request_without_a_session(
    app_env: tuple[Config, Store, Path],
) -> None:
    config, store, out = app_env
    app = create_app(config, store, out)
    routes = _paths(app)
    assert len(routes) >= 20
    with UvicornThread(app) as base, httpx.Client() as client:
        for method, path in routes:
            if path.startswith(PUBLIC_PATHS):
                continue
            answer = client.request(method, base + path)
            if method == "GET":
                assert answer.status_code == 303, (method, path)
                assert answer.headers["location"].startswith("/login"), (method, path)
            else:
                assert answer.status_code == 401, (method, path, answer.status_code)
            # The e-mail preview's frame may show the app's own answers (a login, an error).
            expected = FRAMED_CSP if path.endswith("/email") else CSP
            assert answer.headers["content-security-policy"] == expected


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    _, store, _ = app_env
    with httpx.Client() as client:
        token = _login(client, served)
        refused = client.post(f"{served}/semaine/{WEEK}/brouillon", data={})
        assert refused.status_code == 403
        forged = client.post(f"{served}/semaine/{WEEK}/brouillon", data={"csrf": "x" * 43})
        assert forged.status_code == 403
        assert store.digest(WEEK) is None
        ok = client.post(f"{served}/semaine/{WEEK}/brouillon", data={"csrf": token})
        assert ok.status_code == 303 and store.digest(WEEK) is not None


def test_a_route_is_a_function_called_with_a_bare_request(
    app_env: tuple[Config, Store, Path],
) -> None:
    """Each route is a module-level function that finds the app's shared state on
    ``app.state.web``: it can be called alone, without a server (here a GET, past the gate)."""
    from starlette.requests import Request

    from veille.web.jobs import job_page
    from veille.web.week import home

    config, store, out = app_env
    app = create_app(config, store, out)
    scope = {"type": "http", "method": "GET", "query_string": b"", "headers": [], "app": app}
    request = Request({**scope, "path": "/taches/x", "path_params": {"job_id": "x"}, "session": {}})
    missing = job_page(request)
    assert missing.status_code == 404
    assert "cette tâche n’existe pas ou plus" in bytes(missing.body).decode()
    assert home(Request({**scope, "path": "/"})).headers["location"] == "/semaine"


@pytest.mark.slow
def test_login_fails_closed_and_is_throttled(
    app_env: tuple[Config, Store, Path], tmp_path: Path
) -> None:
    config, store, out = app_env
    empty = Store(tmp_path / "empty.duckdb")
    with UvicornThread(create_app(config, empty, out)) as base, httpx.Client() as client:
        page = client.get(f"{base}/login")
        # No account: nobody gets in, and it says why, with the command for this database.
        assert f"--db {tmp_path / 'empty.duckdb'} users add VOTRE-NOM" in page.text
        bad = client.post(
            f"{base}/login", data={"user": "", "password": "", "csrf": _csrf(page.text)}
        )
        assert bad.status_code == 401
        assert client.get(f"{base}/semaine").status_code == 303
    throttle = LoginThrottle(max_failures=3, window=600)
    with (
        UvicornThread(create_app(config, store, out, throttle=throttle)) as base,
        httpx.Client() as client,
    ):
        token = _csrf(client.get(f"{base}/login").text)
        codes = [
            client.post(
                f"{base}/login", data={"user": USER, "password": "mauvais", "csrf": token}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        # Even the right password waits once the account is throttled.
        right = client.post(
            f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token}
        )
        assert right.status_code == 429


def test_session_cookie_is_httponly_and_samesite(served: str) -> None:
    with httpx.Client() as client:
        answer = client.get(f"{served}/login")
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert answer.headers["x-frame-options"] == "DENY"


# --- a curator's week in the browser ---------------------------------------------------------


def _sign_in(page: Any, served: str, target: str) -> None:
    """Log in through the login form, which leads on to ``target``."""
    page.goto(f"{served}/login?next={quote(target)}")
    page.fill("input[name=user]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target}")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


@pytest.mark.slow
def test_curator_logs_in_curates_previews_and_publishes(
    app_env: tuple[Config, Store, Path], served: str, browser: Any
) -> None:
    config, store, out = app_env
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{served}/semaine?week={WEEK}")
    assert page.url.startswith(f"{served}/login")
    _shot(page, "login")
    page.fill("input[name=user]", USER)
    page.fill("input[name=password]", "pas le bon")
    page.click("button[type=submit]")
    assert page.locator(".error").is_visible()
    page.fill("input[name=user]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/semaine?week={WEEK}")

    page.click("text=Préparer le brouillon")
    page.wait_for_selector("article.item")
    _shot(page, "week")
    kept = page.locator("article.item:not(.out)")
    assert kept.count() >= 5
    first_id = kept.nth(0).get_attribute("data-id")
    second_id = kept.nth(1).get_attribute("data-id")
    assert first_id and second_id

    # Keep a candidate the draft left out, drop the first item.
    candidate_id = page.locator("article.item.out").nth(0).get_attribute("data-id")
    assert candidate_id
    page.locator(f"#item-{candidate_id} button[value=keep]").click()
    page.wait_for_selector(f"#item-{candidate_id}:not(.out)")
    page.locator(f"#item-{first_id} button[value=drop]").click()
    page.wait_for_selector(f"#item-{first_id}.out")
    # Retag the second one as "handicap"; it moves to that section.
    item = page.locator(f"#item-{second_id}")
    item.locator("summary").click()
    for box in item.locator("input[name=tag]").all():
        if box.is_checked():
            box.uncheck()
    item.locator("input[name=tag][value=handicap]").check()
    item.locator("button[value=tags]").click()
    page.wait_for_selector(f"#section-handicap #item-{second_id}")
    # Add a note with markup in it: shown as text, never as markup.
    note = '<img src=x onerror="alert(1)"> À présenter en réunion pédagogique'
    page.locator(f"#item-{second_id} textarea[name=note]").fill(note)
    page.locator(f"#item-{second_id} button[value=note]").click()
    page.wait_for_selector(f"#item-{second_id} textarea[name=note]:text('réunion')")
    assert page.locator(f"#item-{second_id} img").count() == 0
    # Make it the top story.
    page.locator(f"#item-{second_id} button[value=top]").click()
    page.wait_for_selector(f"#item-{second_id}.top")
    _shot(page, "week-curated")

    items = {i["article_id"]: i for i in _draft_items(config, store)}
    assert items[first_id]["included"] is False
    assert items[candidate_id]["included"] is True and items[candidate_id]["edited"] is True
    assert items[second_id]["section"] == "handicap" and items[second_id]["note"] == note
    decision = next(d for d in store.decisions() if d.article_id == second_id)
    assert decision.tags == ("handicap",)

    # Preview: the e-mail as it will look, then publish.
    page.click("text=Aperçu et publication")  # the menu keeps the week being curated
    page.wait_for_url(f"**/apercu/{WEEK}")
    frame = page.frame_locator("iframe.email")
    assert frame.locator("body").inner_text().count("À présenter en réunion pédagogique") == 1
    _shot(page, "preview")
    page.click("button:text('Approuver pour l’envoi programmé')")
    page.wait_for_selector(f"text=Approuvée par {USER}")
    assert store.digest(WEEK).approved_by == USER  # type: ignore[union-attr]
    page.click("button:text('Publier')")
    page.wait_for_selector(".flash:has-text('novembre 2026 publiée')")  # the publication's message
    assert (out / WEEK / "digest.html").exists()
    assert (out / WEEK / "digest.md").read_text(encoding="utf-8").count("réunion pédagogique") == 1
    assert store.digest(WEEK).published_at is not None  # type: ignore[union-attr]

    for name, url in [
        ("archive", "/archives?q=handicap"),
        ("sources", "/sources"),
        ("subscribers", "/abonnes"),
    ]:
        page.goto(served + url)
        _shot(page, name)
    assert page.locator("table").count() == 1
    page.goto(f"{served}/archives?q=handicap")
    assert page.locator("ol.results li").count() >= 2
    assert not [e for e in errors if "Content Security Policy" in e], errors

    # An error answered in the preview's frame is shown there (it was blocked by
    # frame-ancestors 'none', leaving an empty frame): here a week without a letter.
    page.goto(f"{served}/apercu/{WEEK}")
    page.evaluate("document.querySelector('iframe.email').src = '/apercu/2001-W01/email'")
    shown = page.frame_locator("iframe.email").locator(".error")
    shown.wait_for(timeout=10_000)
    assert "2001-W01" in shown.inner_text()
    context.close()


@pytest.mark.slow
def test_errors_and_empty_weeks_reach_the_curator_in_french(
    app_env: tuple[Config, Store, Path], served: str, browser: Any
) -> None:
    """A week without a draft offers to draft it; a refused action says why, in the page, in
    an error style; with JavaScript (htmx) and without."""
    _, store, _ = app_env
    for empty_week, javascript in (("2026-W40", True), ("2026-W41", False)):  # nothing then
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, locale="fr-FR", java_script_enabled=javascript
        )
        page = context.new_page()
        _sign_in(page, served, f"/semaine?week={empty_week}")

        # The menu's "Aperçu" for a week without a draft: a message and a way forward.
        page.click("nav >> text=Aperçu et publication")
        page.wait_for_url(f"**/apercu/{empty_week}")
        notice = page.locator("p.notice")
        assert "n’a pas encore de brouillon" in notice.inner_text()
        assert page.locator("iframe.email").count() == 0
        _shot(page, f"preview-empty-{'js' if javascript else 'nojs'}")
        page.click("button:text('Préparer le brouillon')")
        page.wait_for_url(f"**/apercu/{empty_week}")
        assert "Brouillon prêt" in page.locator(".flash").inner_text()

        # A refused action (publishing a letter that keeps nothing): its error, in French,
        # styled as an error, on the page the curator is on.
        page.click("button:text('Publier')")
        page.wait_for_selector("p.error")
        error = page.locator("p.error").inner_text()
        assert "ne retient aucun article" in error, error
        assert page.locator(".flash").count() == 0
        assert store.digest(empty_week).published_at is None  # type: ignore[union-attr]

        # A page that cannot be shown (a week that does not exist) says why, in French: as a
        # page, and as htmx's answer to a menu link (htmx swaps error answers in).
        page.goto(f"{served}/semaine?week=2026-W60")
        assert "n’existe pas" in page.locator("p.error").inner_text()
        if javascript:
            page.goto(f"{served}/abonnes")
            page.evaluate(  # a boosted link, as the menu's are, to a page that fails
                "const a = document.createElement('a'); a.id = 'bad'; a.textContent = 'x';"
                "a.href = '/semaine?week=2026-W60'; document.querySelector('main').append(a);"
                "htmx.process(a);"
            )
            page.click("#bad")
            page.wait_for_selector("p.error")
            assert "n’existe pas" in page.locator("p.error").inner_text()
        context.close()


@pytest.mark.slow
def test_phone_width_week_page(
    app_env: tuple[Config, Store, Path], served: str, browser: Any
) -> None:
    config, store, _ = app_env
    from veille import digest as digests

    digests.draft(config, store, WEEK)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    _sign_in(page, served, f"/semaine?week={WEEK}")
    page.wait_for_selector("article.item")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    _shot(page, "week-phone")
    context.close()


def _draft_items(config: Config, store: Store) -> list[dict[str, Any]]:
    from veille import digest as digests

    return [i.to_json() for i in digests.load(config, store, WEEK).items]


# --- the app and a run at the same time -------------------------------------------------------


@pytest.mark.slow
def test_the_app_keeps_working_while_a_run_writes(
    app_env: tuple[Config, Store, Path], tmp_path: Path, demo_server: Any, prefect_api: str
) -> None:
    config, store, out = app_env
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        text.replace("__BASE__", demo_server.base_url), encoding="utf-8"
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "veille.cli", "--db", str(store.path), "run", "--no-progress"],
        cwd=tmp_path,
        env={**os.environ, "PREFECT_API_URL": prefect_api},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pages = 0
    edits = 0
    with UvicornThread(create_app(config, store, out)) as base, httpx.Client(timeout=60) as client:
        token = _login(client, base)
        while run.poll() is None:
            assert client.get(f"{base}/semaine?week={WEEK}").status_code == 200
            pages += 1
            answer = client.post(f"{base}/semaine/{WEEK}/brouillon", data={"csrf": token})
            assert answer.status_code == 303, answer.text
            edits += 1
            time.sleep(0.2)
    stdout, stderr = run.communicate()
    assert run.returncode == 0, stderr
    assert "8 à jour" in stdout or "inchangées" in stdout
    assert pages >= 3 and edits >= 3
    assert len(store.digest_items(WEEK)) > 0


@pytest.mark.slow
def test_cli_users_add_refuses_weak_passwords(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    weak = subprocess.run(
        [sys.executable, "-m", "veille.cli", "users", "add", "marie", "--password-stdin"],
        cwd=tmp_path,
        input="court\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert weak.returncode == 1 and "Traceback" not in weak.stderr
    good = subprocess.run(
        [sys.executable, "-m", "veille.cli", "users", "add", "Marie", "--password-stdin"],
        cwd=tmp_path,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    listed = run_veille("users", "list", cwd=tmp_path)
    assert "marie" in listed.stdout
    stored = Store(tmp_path / "veille.duckdb").password_hash("marie")
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_sources_page_says_when_in_the_organisations_time_zone(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    from zoneinfo import ZoneInfo

    from veille import clock
    from veille.render import format_date

    config, _, _ = app_env
    # The fixture's pass ran at veille's "now": every source's last success is that moment.
    local = clock.now().astimezone(ZoneInfo(config.settings.timezone))
    utc = clock.now().astimezone(ZoneInfo("UTC"))
    with httpx.Client() as client:
        _login(client, served)
        page = client.get(f"{served}/sources").text
    assert f"{format_date(local.date())}, {local:%H:%M}" in page
    assert f"{utc:%H:%M}" not in page  # Paris is never at UTC's hour


def test_the_sources_page_judges_as_sources_check_does(tmp_path: Path) -> None:
    """The rules of `veille sources check` (veille.health.assess): a source that never
    answered is not shown as fine, and a source removed from the configuration is not shown
    (its history stays in the database)."""
    from datetime import timedelta

    from veille.config import parse_config

    def feeds(*ids: str) -> str:
        return "".join(f"  - {{id: {i}, url: 'https://{i}.example/feed'}}\n" for i in ids)

    before = parse_config(f"sources:\n{feeds('fiable', 'injoignable', 'ancienne')}", name="x")
    config = parse_config(f"sources:\n{feeds('fiable', 'injoignable', 'neuve')}", name="x")
    store = Store(tmp_path / "v.duckdb")
    store.set_user(USER, hash_password(PASSWORD))
    store.sync_sources(before.sources)
    store.commit_source(
        "fiable", articles=[], sightings=[], entries_seen=0, etag=None, last_modified=None
    )
    for sid in ("injoignable", "ancienne"):
        store.record_source_error(sid, "network", "hôte introuvable", next_check_in=timedelta(1))
    store.forgive_outage(["injoignable"])  # tried during an outage: never answered
    with UvicornThread(create_app(config, store, tmp_path / "out")) as base, httpx.Client() as c:
        _login(c, base)
        page = c.get(f"{base}/sources").text
    rows = dict(re.findall(r'<tr id="source-([^"]+)" class="[^"]*" data-status="([^"]+)"', page))
    assert rows == {"fiable": "ok", "injoignable": "failing", "neuve": "never-fetched"}
    assert "hôte introuvable (pendant une coupure du réseau : non comptée" in page
    assert "jamais relevée" in page and "ancienne" not in page
    assert store.source_state("ancienne").error_count == 1


def test_english_is_available(app_env: tuple[Config, Store, Path]) -> None:
    config, store, out = app_env
    digest = config.settings.digest.model_copy(update={"lang": "en"})
    english = config.model_copy(
        update={"settings": config.settings.model_copy(update={"digest": digest})}
    )
    with UvicornThread(create_app(english, store, out)) as base, httpx.Client() as client:
        page = client.get(f"{base}/login")
        assert 'lang="en"' in page.text and "Password" in page.text
        client.post(
            f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": _csrf(page.text)}
        )
        week = client.get(f"{base}/semaine?week={WEEK}")
        assert (
            "<h1>Digest for the week of 16–22 November 2026</h1>" in week.text
        )  # its days, not 2026-W47
        assert "Draft this week" in week.text


def test_the_subscribers_page_gives_days_as_people_write_them(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    """The day a subscriber was added (and left) in the organisation's time zone, in words:
    at 00:30 on a Monday in Paris it is still Sunday in UTC."""
    from zoneinfo import ZoneInfo

    from veille import clock
    from veille.render import format_date

    config, store, _ = app_env
    with httpx.Client() as client:
        token = _login(client, served)
        for email in ("ana@of.example.fr", "bruno@of.example.fr"):
            added = client.post(f"{served}/abonnes/ajouter", data={"csrf": token, "email": email})
            assert added.status_code == 303
        assert store.unsubscribe("bruno@of.example.fr")
        page = client.get(f"{served}/abonnes").text
    today = format_date(clock.now().astimezone(ZoneInfo(config.settings.timezone)).date())
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count(today) == 3, rows  # ana's day, bruno's day and the day he left
    assert "+00:00" not in rows
