"""The Sources page of the web app: adding a source by its address asks first (the rule of
`veille sources add`, one function), a source added here can be edited and deleted, and the
OPML export is the command line's (tags as folders).

The app runs under uvicorn on 127.0.0.1 over a copy of a real DuckDB file; the addresses added
are real pages and feeds served by a local HTTP server; the browser test drives Chromium.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, USER, UvicornThread, run_cli
from veille.config import Config
from veille.identity import canonical_url
from veille.models import NewManagedSource
from veille.opml import parse_opml
from veille.store import Store
from veille.web import create_app

ARTIFACTS = Path(__file__).parent / "artifacts"
# The elements sticking out of the window on the right (none: no sideways scroll).
STICKING_OUT = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"""


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


def _login(client: httpx.Client, base: str) -> str:
    token = _csrf(client.get(f"{base}/login").text)
    done = client.post(
        f"{base}/login", data={"user": USER, "password": PASSWORD, "csrf": token, "next": "/"}
    )
    assert done.status_code == 303, done.text
    return _csrf(client.get(f"{base}/sources").text)


def _propose(client: httpx.Client, base: str, token: str, url: str) -> tuple[str, str]:
    """Ask the app to add ``url``; the proposal page once the address was looked at, and its
    address. Nothing is added by this."""
    started = client.post(f"{base}/sources/ajouter", data={"csrf": token, "url": url})
    assert started.status_code == 303, started.text
    where = started.headers["location"]
    assert where.startswith("/sources/proposition/"), where
    deadline = time.monotonic() + 60
    while True:
        page = client.get(base + where, timeout=60)
        assert page.status_code == 200, page.text
        if 'http-equiv="refresh"' not in page.text:
            return html.unescape(page.text), base + where
        assert time.monotonic() < deadline, "the address is still being looked at"
        time.sleep(0.1)


def _choices(page: str) -> list[str]:
    return re.findall(r'name="choice" value="([^"]+)"(?! disabled)', page)


def _flash(page: str) -> tuple[str, str]:
    """(kind, text) of the message the page shows once: ("flash", …) or ("error", …)."""
    found = re.search(r'<p class="(flash|error)" role="[a-z]+">([^<]*)</p>', page)
    assert found, page
    return found.group(1), html.unescape(found.group(2))


@pytest.mark.slow
def test_adding_a_source_asks_first_then_adds_what_was_chosen(
    app_env: tuple[Config, Store, Path], served: str, data_server: Any, demo_server: Any
) -> None:
    config, store, _ = app_env
    with httpx.Client() as client:
        token = _login(client, served)
        # A page that announces its feed: the feed is proposed, nothing is added yet.
        page, where = _propose(
            client, served, token, data_server.url("site/pages/annonce-flux.html")
        )
        feed = data_server.url("site/feeds/officiel.xml")
        assert _choices(page) == [feed]
        assert "flux « " in page and "1 article (annoncé par la page)" in page
        assert "Rien n’est ajouté avant votre confirmation" in page
        assert store.managed_sources() == []
        # Confirmed with a theme and a name of the curator's choice.
        added = client.post(
            where,
            data={"csrf": token, "choice": feed, "tag": "reglementaire", "name": "Officiel"},
            follow_redirects=True,
        )
        assert _flash(added.text) == (
            "flash",
            "La source « Officiel » est ajoutée (flux) : elle sera relevée à la prochaine "
            "collecte.",
        )
        (row,) = store.managed_sources()
        assert (row.url, row.kind, row.name, row.options) == (
            feed, "feed", "Officiel", {"tags": ["reglementaire"]},
        )  # fmt: skip
        # The same feed again, under another spelling too: said at once, nothing to confirm.
        for again in (feed, feed + "?utm_source=lettre"):
            page, where = _propose(client, served, token, again)
            assert f"est déjà suivie (source « {row.id} »)" in page
            assert _choices(page) == [] and "Ajouter cette source" not in page
            forced = client.post(where, data={"csrf": token, "choice": feed}, follow_redirects=True)
            assert _flash(forced.text)[0] == "error"
        assert len(store.managed_sources()) == 1
        # A listing page without feed: the page itself, with its link pattern, as on the CLI.
        listing = demo_server.url("revue-de-presse/")
        page, where = _propose(client, served, token, listing)
        assert "aucun flux trouvé" in page and "motif des liens : /articles/" in page
        client.post(where, data={"csrf": token, "choice": listing})
        (added_page,) = [
            s for s in config.with_managed(store.managed_sources()).sources if s.url == listing
        ]
        assert (added_page.kind, added_page.link_pattern) == ("page", "/articles/")
        # A theme the taxonomy does not know is refused, with the closest one proposed.
        page, where = _propose(client, served, token, data_server.url("site/feeds/agregateur.xml"))
        (choice,) = _choices(page)
        typo = client.post(
            where, data={"csrf": token, "choice": choice, "tag": "reglementair"},
            follow_redirects=True,
        )  # fmt: skip
        kind, text = _flash(typo.text)
        assert kind == "error" and "vouliez-vous dire « reglementaire » ?" in text
        assert len(store.managed_sources()) == 2


@pytest.mark.slow
def test_an_article_page_is_not_added_silently_by_the_app_nor_the_command_line(
    app_env: tuple[Config, Store, Path],
    served: str,
    data_server: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same real article page (its feed link leads nowhere) through both doors: the same
    warning, written by the one function both call, and nothing added without a yes."""
    _, store, _ = app_env
    article = data_server.url("site/pages/psl-original.html")
    (tmp_path / "sources.yaml").write_text(
        "settings: {allow_private_networks: true}\nsources: []\n", encoding="utf-8"
    )
    cli_db = tmp_path / "cli.duckdb"
    code, _, err = run_cli(
        capsys, "--config", str(tmp_path / "sources.yaml"), "--db", str(cli_db),
        "sources", "add", article,
    )  # fmt: skip
    assert code == 1
    err = " ".join(err.split())
    warning = (
        f"{article} ressemble à la page d’un article, pas à une liste d’articles : suivie "
        "comme page, elle ne donnerait que ses 3 lien(s), jamais de nouveauté."
    )
    assert warning in err
    assert "la page nomme le flux" in err and "n’a pas pu être lu" in err
    assert Store(cli_db).managed_sources() == []
    with httpx.Client() as client:
        token = _login(client, served)
        page, _ = _propose(client, served, token, article)
        assert warning in " ".join(page.split())
        assert "Ajouter quand même cette page" in page
    assert store.managed_sources() == []


@pytest.mark.slow
def test_a_source_added_here_is_edited_and_deleted_its_articles_kept(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    from veille.sourcelist import effective

    _, store, _ = app_env
    store.add_managed_sources(
        [NewManagedSource("ajoutee", "https://example.org/feed", "feed", "Ajoutée", "web")]
    )
    articles = len(store.articles(include_all=True))
    with httpx.Client() as client:
        token = _login(client, served)
        assert 'href="/sources/ajoutee/modifier"' in client.get(f"{served}/sources").text
        form = client.get(f"{served}/sources/ajoutee/modifier").text
        assert 'value="https://example.org/feed"' in form and "Supprimer cette source" in form
        saved = client.post(
            f"{served}/sources/ajoutee/modifier",
            data={"csrf": token, "url": "https://example.org/rss", "name": "Exemple",
                  "tag": ["handicap", "reglementaire"]},
            follow_redirects=True,
        )  # fmt: skip
        assert _flash(saved.text) == ("flash", "La source « Exemple » est enregistrée.")
        (row,) = store.managed_sources()
        assert (row.url, row.name, row.options["tags"]) == (
            "https://example.org/rss", "Exemple", ["handicap", "reglementaire"],
        )  # fmt: skip
        # Another source's address is refused (also spelt otherwise), nothing changed.
        rue89 = next(s.url for s in app_env[0].sources if s.id == "rue89")
        taken = client.post(
            f"{served}/sources/ajoutee/modifier",
            data={"csrf": token, "url": rue89 + "?utm_source=lettre"}, follow_redirects=True,
        )  # fmt: skip
        kind, text = _flash(taken.text)
        assert kind == "error" and "est déjà suivie (source « rue89 »)" in text
        assert store.managed_sources()[0].url == "https://example.org/rss"
        # Deleting asks for the box to be ticked; without the session's token, nothing.
        refused = client.post(f"{served}/sources/ajoutee/supprimer", data={"csrf": token})
        assert refused.status_code == 303 and len(store.managed_sources()) == 1
        forged = client.post(f"{served}/sources/ajoutee/supprimer", data={"confirm": "oui"})
        assert forged.status_code == 403 and len(store.managed_sources()) == 1
        deleted = client.post(
            f"{served}/sources/ajoutee/supprimer", data={"csrf": token, "confirm": "oui"},
            follow_redirects=True,
        )  # fmt: skip
        kind, text = _flash(deleted.text)
        assert kind == "flash" and text.startswith("La source « Exemple » est supprimée")
        assert "restent dans les archives" in text
        assert store.managed_sources() == [] and "ajoutee" not in deleted.text
        assert len(store.articles(include_all=True)) == articles
        # A source of sources.yaml is changed in the file: the page says so, deleting refuses.
        yaml_page = client.get(f"{served}/sources/rue89/modifier").text
        assert "Cette source est définie dans" in html.unescape(yaml_page)
        assert 'action="/sources/rue89/supprimer"' not in yaml_page
        edited = client.post(
            f"{served}/sources/rue89/modifier",
            data={"csrf": token, "url": "https://example.org/autre", "name": "Autre"},
            follow_redirects=True,
        )
        kind, text = _flash(edited.text)
        assert kind == "error" and "est définie dans" in text
        assert next(s for s in effective(app_env[0], store).sources if s.id == "rue89").name != (
            "Autre"
        )
        kept = client.post(
            f"{served}/sources/rue89/supprimer", data={"csrf": token, "confirm": "oui"},
            follow_redirects=True,
        )  # fmt: skip
        assert _flash(kept.text)[0] == "error"
        assert 'id="source-rue89"' in client.get(f"{served}/sources").text


def test_the_opml_export_keeps_tags_as_folders_like_the_command_line(
    app_env: tuple[Config, Store, Path], served: str, tmp_path: Path
) -> None:
    from veille.sourcelist import effective, sources_opml

    config, store, _ = app_env
    store.add_managed_sources(
        [
            NewManagedSource(
                "ajoutee", "https://example.org/feed", "feed", "Ajoutée", "web",
                {"tags": ["handicap"]},
            ),
            NewManagedSource(
                "deux", "https://example.org/deux.xml", "feed", "Deux", "opml",
                {"tags": ["reglementaire", "handicap"]},
            ),
        ]
    )  # fmt: skip
    with httpx.Client() as client:
        _login(client, served)
        exported = client.get(f"{served}/sources/opml")
    assert exported.status_code == 200
    assert exported.text == sources_opml(effective(config, store))[0]  # one function for both
    feeds = {f.url: f.category for f in parse_opml(exported.content)}
    assert feeds["https://example.org/feed"] == "handicap"
    assert feeds["https://example.org/deux.xml"] == "reglementaire / handicap"  # nested
    assert {s.url for s in config.sources if s.kind == "feed"} <= set(feeds)


@pytest.mark.slow
def test_the_proposal_fits_a_phone_and_confirms_in_a_real_browser(
    app_env: tuple[Config, Store, Path], served: str, data_server: Any, browser: Any
) -> None:
    _, store, _ = app_env
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):  # the phone last: it confirms
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{served}/login")
        page.fill("input[name=user]", USER)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation(timeout=90_000):  # logged in before going on
            page.click("button[type=submit]")
        page.goto(f"{served}/sources")
        page.fill("input[name=url]", data_server.url("site/pages/annonce-flux.html"))
        page.click("form[action='/sources/ajouter'] button")
        page.wait_for_selector("form.proposal", timeout=120_000)
        assert page.evaluate(STICKING_OUT) == []
        page.screenshot(path=str(ARTIFACTS / f"source-proposal-{width}.png"), full_page=True)
        if width == 375:
            page.check("input[name=tag][value=reglementaire]")
            page.click("form.proposal button[type=submit]")
            page.wait_for_selector("p.flash")
            assert "est ajoutée" in page.inner_text("p.flash")
            assert page.evaluate(STICKING_OUT) == []
            page.screenshot(path=str(ARTIFACTS / "sources-after-add-375.png"), full_page=True)
            page.goto(f"{served}/sources/{store.managed_sources()[0].id}/modifier")
            assert page.evaluate(STICKING_OUT) == []
            page.screenshot(path=str(ARTIFACTS / "source-edit-375.png"), full_page=True)
            page.goto(f"{served}/abonnes")
            assert page.evaluate(STICKING_OUT) == []
            page.screenshot(path=str(ARTIFACTS / "subscribers-375.png"), full_page=True)
        page.close()
    assert len(store.managed_sources()) == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_subscribers_show_their_themes_by_name_and_no_theme_means_all(
    app_env: tuple[Config, Store, Path], lang: str
) -> None:
    from tests.conftest import with_site

    config, store, out = app_env
    config = with_site(config, lang=lang)
    with UvicornThread(create_app(config, store, out)) as base, httpx.Client() as client:
        token = _login(client, base)
        for email, tags in (("themes@example.org", ["handicap", "numerique-ia"]),
                            ("tout@example.org", [])):  # fmt: skip
            added = client.post(
                f"{base}/abonnes/ajouter", data={"csrf": token, "email": email, "tag": tags}
            )
            assert added.status_code == 303, added.text
        page = html.unescape(client.get(f"{base}/abonnes").text)
    rows = {
        email: row
        for row in re.findall(r"<tr[^>]*><td>.*?</tr>", page, re.S)
        for email in ("themes@example.org", "tout@example.org")
        if email in row
    }
    labels = {t.id: (t.label_en or t.label) if lang == "en" else t.label for t in config.taxonomy}
    themed = re.sub(r"<[^>]+>", " ", rows["themes@example.org"])
    assert labels["handicap"] in themed and labels["numerique-ia"] in themed
    assert "handicap," not in themed and "numerique-ia" not in themed  # labels, not ids
    everything = "tous les thèmes" if lang == "fr" else "all tags"
    assert everything in rows["tout@example.org"]
    hint = (
        "Aucun thème coché : l’abonné reçoit toute la lettre."
        if lang == "fr"
        else ("No tag ticked: the subscriber gets the whole letter.")
    )
    assert hint in page


def test_the_apps_search_by_source_finds_what_it_relayed_and_refuses_common_words(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    _, store, _ = app_env
    shared = [r for r in store.export_articles() if len(r.sources) > 1]
    assert shared, "the demo has stories listed by two sources"
    with httpx.Client() as client:
        _login(client, served)
        for row in shared:
            relay = next(s for s in row.sources if s != row.source)
            word = max(re.findall(r"\w+", row.title or ""), key=len)
            page = client.get(f"{served}/archives", params={"q": word, "source": relay})
            assert page.status_code == 200
            assert html.escape(row.title or "", quote=False) in page.text, (row.title, relay)
        common = client.get(f"{served}/archives", params={"q": "de la"})
        assert common.status_code == 400
        kind, text = _flash(common.text)
        assert kind == "error" and "ces mots sont trop courants pour chercher" in text


def test_the_subscribers_csv_opens_in_columns_and_imports_back(
    app_env: tuple[Config, Store, Path],
    served: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import csv
    import io

    _, store, _ = app_env
    with httpx.Client() as client:
        token = _login(client, served)
        for email, name, tags in (
            ("ana@example.org", "Ana Lefèvre", ["handicap", "reglementaire"]),
            ("bob@example.org", '=HYPERLINK("https://evil.example")', []),
        ):
            client.post(
                f"{served}/abonnes/ajouter",
                data={"csrf": token, "email": email, "name": name, "tag": tags},
            )
        assert 'href="/abonnes/export.csv"' in client.get(f"{served}/abonnes").text
        exported = client.get(f"{served}/abonnes/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    raw = exported.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["email", "name", "tags", "lang"]
    by_email = {r[0]: r for r in rows[1:]}
    assert by_email["ana@example.org"] == [
        "ana@example.org", "Ana Lefèvre", "handicap, reglementaire", "",
    ]  # fmt: skip
    assert by_email["bob@example.org"][1].startswith("'=")  # shown as text, never run
    # What the file holds, `veille subscribers import` reads back.
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    (tmp_path / "abonnes.csv").write_bytes(raw)
    other = tmp_path / "autre.duckdb"
    code, _, err = run_cli(
        capsys, "--config", str(tmp_path / "sources.yaml"), "--db", str(other),
        "subscribers", "import", str(tmp_path / "abonnes.csv"),
    )  # fmt: skip
    assert code == 0, err
    again = {s.email: s for s in Store(other).subscribers()}
    assert again["ana@example.org"].tags == ("handicap", "reglementaire")
    assert again["ana@example.org"].name == "Ana Lefèvre"
    assert {s.email for s in store.subscribers()} == set(again)


def _job_done(client: httpx.Client, base: str, started: httpx.Response) -> str:
    """Follow a background job to its end; the page's final message."""
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    deadline = time.monotonic() + 120
    while True:
        page = client.get(base + location, timeout=60)
        if "hx-get" not in page.text:
            return html.unescape(page.text)
        assert time.monotonic() < deadline, f"job {location} still running"
        time.sleep(0.1)


@pytest.mark.slow
def test_opml_import_in_the_app_and_switching_a_source_off(
    app_env: tuple[Config, Store, Path], served: str
) -> None:
    config, store, _ = app_env
    opml = (Path(__file__).parent / "data" / "opml" / "netnewswire" / "Subs.opml").read_bytes()
    with httpx.Client() as client:
        token = _login(client, served)
        imported = client.post(
            f"{served}/sources/opml",
            data={"csrf": token},
            files={"file": ("Subs.opml", opml, "text/x-opml")},
        )
        _job_done(client, served, imported)
        # The file lists one feed twice (with and without the final "/"): imported once.
        expected = {canonical_url(f.url) for f in parse_opml(opml)}
        effective = config.with_managed(store.managed_sources())
        assert expected <= {canonical_url(s.url) for s in effective.sources}
        assert len({s.id for s in effective.sources}) == len(effective.sources)
        switched = client.post(f"{served}/sources/agefiph/basculer", data={"csrf": token})
        assert switched.status_code == 404  # not a source of this configuration
        client.post(f"{served}/sources/rue89/basculer", data={"csrf": token})
        after = config.with_managed(store.managed_sources())
        assert next(s for s in after.sources if s.id == "rue89").enabled is False
        assert "rue89" not in {s.id for s in after.enabled_sources()}


def test_the_proposal_speaks_english_when_configured(
    app_env: tuple[Config, Store, Path], data_server: Any
) -> None:
    from tests.conftest import with_site

    config, store, out = app_env
    english = with_site(config, lang="en")
    with UvicornThread(create_app(english, store, out)) as base, httpx.Client() as client:
        token = _login(client, base)
        page, where = _propose(client, base, token, data_server.url("site/pages/psl-original.html"))
        assert "What to follow? Nothing is added before you confirm." in page
        assert "looks like one article's page, not a list of articles" in page
        assert "Add this page anyway" in page and "Cancel" in page
        for french in ("Ajouter", "Annuler", "ressemble", "aucun flux", "lien(s)"):
            assert french not in page, french
        (choice,) = _choices(page)
        typo = client.post(
            where, data={"csrf": token, "choice": choice, "tag": "handicapp"},
            follow_redirects=True,
        )  # fmt: skip
        kind, text = _flash(typo.text)
        assert kind == "error" and text.startswith("unknown tag 'handicapp' (did you mean")
    assert store.managed_sources() == []


@pytest.mark.slow
def test_the_first_account_hint_fits_a_phone(
    app_env: tuple[Config, Store, Path], tmp_path: Path, browser: Any
) -> None:
    config, _, out = app_env
    folder = tmp_path / "un dossier au nom long"
    folder.mkdir()
    empty = Store(folder / "veille-demo.duckdb")
    with UvicornThread(create_app(config, empty, out)) as base:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{base}/login")
        command = page.inner_text("code.command")
        assert command.endswith("users add VOTRE-NOM") and "--db" in command
        assert page.evaluate(STICKING_OUT) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "login-first-account-375.png"), full_page=True)
        page.close()
