"""The weekly digest end to end: draft, curation, publication, e-mail, unsubscribe, Qualiopi.

The articles come from a real pass over the demo site (served on 127.0.0.1), classified by the
real seed model, stored in a real DuckDB file; mail goes to aiosmtpd on 127.0.0.1; the
unsubscribe link is followed on the real web app served by uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import httpx
import lxml.html
import pytest
from markdown_it import MarkdownIt

from tests.conftest import SITE, UvicornThread, copy_ingested, run_veille
from tests.test_mail import Collector, _server
from veille import clock, publishing, sending
from veille import digest as digests
from veille.config import Config, Source
from veille.errors import DigestError
from veille.mail import SmtpSettings
from veille.models import NewManagedSource, NewSubscriber
from veille.qualiopi import build_register
from veille.register_files import render_csv, render_html
from veille.store import Store
from veille.web import create_app

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

WEEK = "2026-W47"  # the week of the demo site's training news


@pytest.fixture
def store(ingested: tuple[Config, Path], tmp_path: Path) -> Store:
    """A private copy of the ingested database (and its models) for one test."""
    _, db = ingested
    return Store(copy_ingested(db, tmp_path))


@pytest.fixture
def config(ingested: tuple[Config, Path]) -> Config:
    return ingested[0]


# --- ranking and selection (pure) ---------------------------------------------------------


def _candidate(aid: str, source: str, section: str, score: float) -> digests.Candidate:
    return digests.Candidate(aid, source, section, score)


def test_selection_caps_sources_sections_and_total() -> None:
    candidates = [_candidate(f"a{i}", "prolific", "reglementaire", 0.9 - i / 100) for i in range(6)]
    candidates += [_candidate("b1", "other", "reglementaire", 0.5)]
    candidates += [_candidate(f"c{i}", f"s{i}", "handicap", 0.4) for i in range(4)]
    chosen = digests.select(candidates, max_items=6, max_per_section=3, max_per_source=2)
    included = [c.article_id for c in chosen if c.included]
    assert included[:3] == ["a0", "a1", "b1"]  # the cap per source lets the other source in
    assert sum(c.section == "handicap" for c in chosen if c.included) == 3
    assert len(included) == 6
    positions = [c.position for c in chosen if c.section == "reglementaire"]
    assert sorted(positions) == list(range(7))
    assert all(c.position < 3 for c in chosen if c.included and c.section == "handicap")


def test_official_sources_are_not_capped_per_source() -> None:
    # The week: an observatory with many items, the ministry with as many, cap 3.
    candidates = [
        digests.Candidate(f"m{i}", "ministere", "reglementaire", 0.8 - i / 100, official=True)
        for i in range(5)
    ]
    candidates += [_candidate(f"o{i}", "observatoire", "competences", 0.9) for i in range(5)]
    chosen = digests.select(candidates, max_items=15, max_per_section=5, max_per_source=3)
    included = {c.article_id for c in chosen if c.included}
    assert {f"m{i}" for i in range(5)} <= included  # every official item
    assert sum(a.startswith("o") for a in included) == 3  # the cap still holds for the others


def _row(aid: str, source: str, section: str, *, included: bool, edited: bool = False) -> Any:
    from veille.drafts import DraftRow

    edited_at = datetime(2026, 11, 23, 8, 5, tzinfo=UTC) if edited else None
    return DraftRow(
        aid, included, section, 0, 0.5, "", None, None, edited, aid, f"https://x/{aid}",
        source, source, None, datetime(2026, 11, 20, tzinfo=UTC), 100, (section,), 0.9,
        edited_at,
    )  # fmt: skip


def test_every_item_left_out_says_why() -> None:
    rows = [_row(f"o{i}", "observatoire", "competences", included=True) for i in range(3)]
    rows += [_row("o3", "observatoire", "competences", included=False)]
    rows += [_row(f"h{i}", f"s{i}", "handicap", included=True) for i in range(2)]
    rows += [_row("h2", "s9", "handicap", included=False)]
    rows += [_row("x1", "s8", "autres", included=False, edited=True)]
    rows += [_row("m1", "ministere", "reglementaire", included=False)]
    rows += [_row("m2", "ministere", "reglementaire", included=False)]
    reasons = digests.why_out(
        rows, max_items=6, max_per_section=2, max_per_source=3, official={"ministere"}
    )
    assert set(reasons) == {"o3", "h2", "x1", "m1", "m2"}  # every item left out, none kept
    assert reasons["o3"] == digests.OutReason("source_cap", 3, 3)
    assert reasons["h2"] == digests.OutReason("section_cap", 2, 2)
    assert reasons["x1"].kind == "curator" and reasons["x1"].when is not None
    assert reasons["m1"].kind == "room"  # 5 kept of 6: room for it now
    full = digests.why_out(
        rows, max_items=5, max_per_section=2, max_per_source=3, official={"ministere"}
    )
    assert full["m1"] == digests.OutReason("letter_full", 5, 5)  # never capped per source


def test_every_section_with_news_gets_its_best_story() -> None:
    candidates = [_candidate(f"r{i}", f"s{i}", "reglementaire", 0.9) for i in range(5)]
    candidates += [_candidate("h1", "agefiph", "handicap", 0.2)]
    chosen = digests.select(candidates, max_items=3, max_per_section=5, max_per_source=5)
    assert {c.article_id for c in chosen if c.included} == {"h1", "r0", "r1"}


def test_rank_prefers_relevance_then_recency_then_echo() -> None:
    since, until = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)
    early, late = datetime(2026, 11, 16, 9, tzinfo=UTC), datetime(2026, 11, 22, 9, tzinfo=UTC)
    assert digests.rank_score(0.9, early, since, until, 1) > digests.rank_score(
        0.6, late, since, until, 1
    )
    assert digests.rank_score(0.8, late, since, until, 1) > digests.rank_score(
        0.8, early, since, until, 1
    )
    assert digests.rank_score(0.8, early, since, until, 3) > digests.rank_score(
        0.8, early, since, until, 1
    )


def test_the_monday_letter_covers_last_week() -> None:
    monday_morning = datetime(2026, 11, 23, 7, tzinfo=UTC)  # 8:00 in Paris
    assert digests.week_of(monday_morning, "Europe/Paris") == "2026-W47"
    assert digests.week_of(datetime(2027, 1, 4, 7, tzinfo=UTC), "Europe/Paris") == "2026-W53"


# --- draft ----------------------------------------------------------------------------------


def test_draft_holds_relevant_stories_once_with_sections_and_summaries(
    config: Config, store: Store
) -> None:
    view = digests.draft(config, store, WEEK)
    assert view.included, "the demo week must give a digest"
    all_rows = {r.id: r for r in store.articles(include_all=True)}
    for item in view.items:
        row = all_rows[item.article_id]
        assert row.relevant is True  # off-topic never reaches a draft
        assert row.representative is True  # one entry per story
        assert item.summary, item.title
        assert item.summary.count(". ") <= 3
    off_topic = [r for r in all_rows.values() if r.relevant is False]
    assert off_topic and not {r.id for r in off_topic} & {i.article_id for i in view.items}
    assert any(item.also for item in view.items), "a story carried by two feeds says so"
    order = [*config.tag_ids(), digests.OTHER_SECTION]
    sections = [i.section for i in view.included]
    assert sections == sorted(sections, key=order.index)
    assert len(view.included) <= config.settings.digest.max_items
    per_source: dict[str, int] = {}
    for item in view.included:
        per_source[item.source] = per_source.get(item.source, 0) + 1
    assert max(per_source.values()) <= config.settings.digest.max_per_source


@pytest.mark.slow
def test_curation_survives_a_redraft(config: Config, store: Store) -> None:
    view = digests.draft(config, store, WEEK)
    first, second = view.included[:2]
    digests.exclude(store, WEEK, [first.article_id])
    digests.set_note(store, WEEK, second.article_id, "À présenter en réunion d’équipe lundi.")
    digests.set_summary(store, WEEK, second.article_id, "Résumé écrit par la curatrice.")
    digests.set_top(store, WEEK, second.article_id)
    digests.set_editorial(store, WEEK, "Une semaine chargée pour le CPF.")
    target = "handicap" if second.section != "handicap" else "reglementaire"
    digests.move(config, store, WEEK, second.article_id, section=target, position=0)

    again = digests.draft(config, store, WEEK)
    items = {i.article_id: i for i in again.items}
    assert items[first.article_id].included is False
    kept = items[second.article_id]
    assert kept.note == "À présenter en réunion d’équipe lundi."
    assert kept.summary == "Résumé écrit par la curatrice."
    assert (kept.section, kept.position) == (target, 0)
    assert again.top is not None and again.top.article_id == second.article_id
    assert again.editorial == "Une semaine chargée pour le CPF."
    assert again.changes is not None and again.changes.kept >= 2
    digests.include(store, WEEK, [first.article_id])
    assert {i.article_id: i for i in digests.load(config, store, WEEK).items}[
        first.article_id
    ].included


@pytest.mark.slow
def test_changing_tags_moves_the_item_and_teaches_the_classifier(
    config: Config, store: Store
) -> None:
    view = digests.draft(config, store, WEEK)
    item = view.included[0]
    new = "handicap" if "handicap" not in item.tags else "numerique-ia"
    digests.set_tags(config, store, WEEK, item.article_id, [new])
    moved = {i.article_id: i for i in digests.load(config, store, WEEK).items}[item.article_id]
    assert moved.section == new and moved.tags == (new,)
    decision = [d for d in store.decisions() if d.article_id == item.article_id]
    assert decision and decision[0].tags == (new,) and decision[0].relevant is True


def test_editing_an_unknown_week_or_article_is_a_clear_error(config: Config, store: Store) -> None:
    with pytest.raises(DigestError, match=r"pas encore de brouillon .* 2026-W10"):
        digests.load(config, store, "2026-W10")
    digests.draft(config, store, WEEK)
    with pytest.raises(DigestError, match="pas tous dans le brouillon"):
        digests.set_note(store, WEEK, "0" * 40, "x")


# --- publish --------------------------------------------------------------------------------


HOSTILE = '<img src=x onerror="alert(1)"> **gras** [lien](javascript:alert(1))'


def test_publish_writes_every_file_and_escapes_curator_and_feed_text(
    config: Config, store: Store, tmp_path: Path
) -> None:
    view = digests.draft(config, store, WEEK)
    item = view.included[0]
    digests.set_note(store, WEEK, item.article_id, HOSTILE)
    digests.set_editorial(
        store, WEEK, 'Édito <script>alert("x")</script> <a href="javascript:x">lien</a>'
    )
    out = tmp_path / "digests"
    result = publishing.publish(config, store, WEEK, out)
    names = {p.relative_to(out).as_posix() for p in result.files}
    assert names == {
        f"{WEEK}/digest.md",
        f"{WEEK}/digest.html",
        f"{WEEK}/digest.txt",
        f"{WEEK}/index.html",
        "index.html",
        "feed.xml",
    }
    assert not list(out.rglob(".*")), "no temporary file is left behind"
    for name in (f"{WEEK}/digest.html", f"{WEEK}/index.html"):
        html = (out / name).read_text(encoding="utf-8")
        root = lxml.html.fromstring(html)
        assert not root.xpath("//script | //img[@onerror] | //*[@onerror]")
        assert not [a for a in root.xpath("//a/@href") if a.lower().startswith("javascript")]
        assert "onerror=&#34;alert(1)&#34;" in html or "onerror=&quot;alert(1)&quot;" in html
    markdown = (out / WEEK / "digest.md").read_text(encoding="utf-8")
    # Rendered by a CommonMark parser (raw HTML allowed), the Markdown holds no live markup.
    rendered = lxml.html.fromstring(MarkdownIt("commonmark").render(markdown))
    assert not rendered.xpath("//img | //script | //*[@onerror]")
    assert not [a for a in rendered.xpath("//a/@href") if not a.startswith("http")]
    assert "**gras**" in rendered.text_content()  # shown as typed, not bold
    text = (out / WEEK / "digest.txt").read_text(encoding="utf-8")
    assert " ".join(item.title.split()) in " ".join(text.split())  # lines are wrapped

    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == [f"{SITE}{WEEK}/"]
    archive = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert f"{WEEK}/" in archive.xpath("//a/@href")

    # The footer's figures are the week's.
    f = digests.load(config, store, WEEK).figures
    assert f.gathered > len(view.included)
    assert f.duplicates >= 2  # two stories of the week were carried by two feeds each
    footer = (out / WEEK / "digest.txt").read_text(encoding="utf-8")
    assert f"rassemblé {f.gathered} articles" in footer.replace("\u202f", "")
    # Published items become "keep" labels for the classifier.
    kept = {d.article_id for d in store.decisions() if d.kind == "keep"}
    assert {i.article_id for i in view.included} - {item.article_id} <= kept | {
        d.article_id for d in store.decisions()
    }


def test_failing_sources_are_for_curators_only(
    config: Config, store: Store, tmp_path: Path
) -> None:
    # A source removed from the configuration since it failed is not the curators' concern.
    store.sync_sources([Source(id="retiree", url="https://retiree.example/feed")])
    store.record_source_error("retiree", "http-status", "HTTP 410", next_check_in=None)
    view = digests.draft(config, store, WEEK)
    assert view.failing_sources, "the demo has a source that answers 404"
    assert "retiree" not in {name for name, _ in view.failing_sources}
    _, error = view.failing_sources[0]
    out = tmp_path / "digests"
    publishing.publish(config, store, WEEK, out)
    for path in out.rglob("*.*"):
        assert error not in path.read_text(encoding="utf-8"), path


def test_republishing_keeps_one_entry_per_week_in_the_feed(
    config: Config, store: Store, tmp_path: Path
) -> None:
    digests.draft(config, store, WEEK)
    out = tmp_path / "digests"
    publishing.publish(config, store, WEEK, out)
    digests.set_editorial(store, WEEK, "Correction : une coquille dans le titre.")
    publishing.publish(config, store, WEEK, out)
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 1
    assert "coquille" in (out / WEEK / "digest.md").read_text(encoding="utf-8")


# --- e-mail and unsubscribe -----------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, SmtpSettings]]:
    for handler, port in _server(Collector()):
        yield (
            handler,
            SmtpSettings(
                host="127.0.0.1", port=port, sender="Veille <veille@of-exemple.fr>", starttls=False
            ),
        )


@pytest.mark.slow
def test_send_is_idempotent_and_the_unsubscribe_link_works(
    config: Config,
    store: Store,
    tmp_path: Path,
    smtp: tuple[Collector, SmtpSettings],
) -> None:
    collector, settings = smtp
    view = digests.draft(config, store, WEEK)
    store.add_subscribers(
        [
            NewSubscriber("ana.martin@greta.example.fr", "Ana", (), None),
            NewSubscriber("bruno@cfa.example.fr", None, ("handicap",), None),
            NewSubscriber("chloe@of.example.fr", None, (), "en"),
        ]
    )
    out = tmp_path / "digests"
    publishing.publish(config, store, WEEK, out)

    report = sending.send(config, store, WEEK, settings)
    assert sorted(report.sent) == [
        "ana.martin@greta.example.fr",
        "bruno@cfa.example.fr",
        "chloe@of.example.fr",
    ]
    messages = {m["To"]: m for m in collector.messages()}
    ana = messages["ana.martin@greta.example.fr"]
    assert ana.get_content_type() == "multipart/alternative"
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "semaine du 16 au 22 novembre 2026" in ana["Subject"]
    plain = ana.get_body(("plain",)).get_content()
    html = ana.get_body(("html",)).get_content()
    for item in view.included:
        assert item.url in html
    assert view.included[0].title.split()[0] in plain
    assert f"{SITE}{WEEK}/" in plain
    assert "week" in messages["chloe@of.example.fr"]["Subject"]  # English subscriber
    bruno_html = messages["bruno@cfa.example.fr"].get_body(("html",)).get_content()
    handicap = [i for i in view.included if "handicap" in i.tags]
    others = [i for i in view.included if "handicap" not in i.tags]
    assert all(i.url in bruno_html for i in handicap)
    assert not any(i.url in bruno_html for i in others)

    # A second send mails nobody again.
    again = sending.send(config, store, WEEK, settings)
    assert again.sent == () and len(again.skipped) == 3
    assert len(collector.envelopes) == 3

    # The link in the e-mail, followed on the real web app, unsubscribes after a confirmation.
    link = ana["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{SITE}unsubscribe?")
    with UvicornThread(create_app(config, store, out)) as base:
        local = base + "/unsubscribe?" + urlsplit(link).query
        page = httpx.get(local)
        assert page.status_code == 200 and "<form" in page.text
        assert store.subscribers()[0].email == "ana.martin@greta.example.fr"  # GET: nothing yet
        done = httpx.post(local, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "ana.martin@greta.example.fr" in done.text
        forged = httpx.post(local.replace("ana.martin", "bruno"))
        assert forged.status_code == 400
        # The unsubscribe page is public; the curators' pages are not.
        assert httpx.get(base + "/semaine").headers["location"].startswith("/login")
    assert [s.email for s in store.subscribers()] == [
        "bruno@cfa.example.fr",
        "chloe@of.example.fr",
    ]


@pytest.mark.slow
def test_a_refused_recipient_is_sent_on_the_next_run_and_nobody_twice(
    config: Config, store: Store, tmp_path: Path
) -> None:
    digests.draft(config, store, WEEK)
    store.add_subscribers([NewSubscriber(f"p{i}@of.example.fr", None, (), None) for i in range(4)])
    publishing.publish(config, store, WEEK, tmp_path / "digests")
    refusing = Collector(refuse=frozenset({"p2@of.example.fr"}))
    for handler, port in _server(refusing):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="v@of.fr", starttls=False)
        first = sending.send(config, store, WEEK, settings)
        assert [r for r, _ in first.failed] == ["p2@of.example.fr"]
        handler.refuse = frozenset()
        second = sending.send(config, store, WEEK, settings)
        assert second.sent == ("p2@of.example.fr",)
        assert sorted(handler.delivered()) == [f"p{i}@of.example.fr" for i in range(4)]


@pytest.mark.slow
def test_a_themed_subscriber_gets_exactly_the_retained_items_of_their_themes(
    config: Config, store: Store, tmp_path: Path
) -> None:
    view = digests.draft(config, store, WEEK)
    theme = view.included[0].section
    # A curator moves one item of another theme into this theme's section: it is the theme's.
    other = next(i for i in view.included if i.section != theme and theme not in i.tags)
    digests.move(config, store, WEEK, other.article_id, section=theme)
    # Another theme loses its items: its subscriber is left with nothing this week.
    nobody = next(t for t in config.tag_ids() if t not in {theme, *other.tags})
    digests.exclude(
        store,
        WEEK,
        [i.article_id for i in view.included if nobody in {*i.tags, i.section}],
    )
    view = digests.load(config, store, WEEK)
    mine = {i.url for i in view.included if theme in i.tags or i.section == theme}
    assert 0 < len(mine) < len(view.included)
    store.add_subscribers(
        [
            NewSubscriber("tous@of.example.fr"),
            NewSubscriber("theme@of.example.fr", tags=(theme,)),
            NewSubscriber("rien@of.example.fr", tags=(nobody,)),
        ]
    )
    publishing.publish(config, store, WEEK, tmp_path / "digests")
    for handler, port in _server(Collector()):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="v@of.fr", starttls=False)
        sending.send(config, store, WEEK, settings)
        received = {str(m["To"]): m for m in handler.messages()}
    urls = {i.url for i in view.included}
    for who, expected in (
        ("tous@of.example.fr", urls),
        ("theme@of.example.fr", mine),
        ("rien@of.example.fr", set()),
    ):
        body = received[who].get_body(("html",))
        assert body is not None
        page = lxml.html.fromstring(body.get_content())
        shown = {a.get("href") for a in page.iter("a")} & urls
        assert shown == expected, who
        text = " ".join(page.text_content().split())
        kept = len(expected)
        assert f"; {kept} retenu{'s' if kept > 1 else ''}." in text.replace("\u202f", " ")
        assert ("Aucun article sur vos thématiques" in text) is (not expected)
        assert "Aucun article retenu cette semaine" not in text


def test_sending_an_unpublished_week_is_refused(
    config: Config, store: Store, smtp: tuple[Collector, SmtpSettings]
) -> None:
    digests.draft(config, store, WEEK)
    with pytest.raises(DigestError, match="pas encore publiée"):
        sending.send(config, store, WEEK, smtp[1])


# --- Qualiopi -------------------------------------------------------------------------------


def _csv_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The register's CSV read back: its tables (title row, header row, rows, blank line)."""
    assert text.startswith("\ufeff")  # French Excel reads UTF-8 only with it
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    tables: dict[str, list[dict[str, str]]] = {}
    while rows:
        blank = rows.index([]) if [] in rows else len(rows)
        block, rows = rows[:blank], rows[blank + 1 :]
        if len(block) >= 2 and len(block[1]) > 2:
            title, headers = block[0][0], block[1]
            tables[title] = [dict(zip(headers, r, strict=True)) for r in block[2:]]
    return tables


@pytest.mark.slow
def test_qualiopi_register_lists_sources_selections_and_notes(
    config: Config, store: Store, tmp_path: Path
) -> None:
    view = digests.draft(config, store, WEEK)
    item = view.included[0]
    digests.set_note(store, WEEK, item.article_id, '=HYPERLINK("x") présenté en équipe')
    publishing.publish(config, store, WEEK, tmp_path / "d")
    today = clock.now().astimezone(PARIS).date()  # periods are days in Paris
    register = build_register(config, store, today.replace(day=1), today)
    assert [d.week for d in register.diffusion] == [WEEK]
    tables = _csv_tables(render_csv(register))
    kept = [row for title, rows in tables.items() if title[:1] == "I" for row in rows]
    assert {r["Lien"] for r in kept} == {i.url for i in view.included}
    noted = [r for r in kept if r["Note de la rédaction"]]
    assert noted and all(r["Note de la rédaction"].startswith("'=") for r in noted)
    assert {t[:3] for t in tables if t[:1] == "I"} == {"I23", "I24", "I25", "I26"}
    assert all(r["Publiée le"].count("/") == 2 for r in kept)  # dates as dates, 25/11/2026
    html = render_html(register)
    assert "Veille légale et réglementaire" in html and item.url in html
    # Nothing was published before: an earlier period is empty, not an error.
    year_before = today.replace(year=today.year - 1)
    empty = build_register(config, store, year_before, year_before)
    assert all(not b.items for b in empty.blocks) and empty.diffusion == ()


def test_qualiopi_register_lists_the_sources_added_in_the_web_app(
    config: Config, store: Store
) -> None:
    store.add_managed_sources([NewManagedSource(
        id="opco-ajoute", url="https://opco.example.fr/feed.xml", kind="feed",
        name="OPCO ajouté dans l'appli", origin="web", options={"tags": ["handicap"]},
    )])  # fmt: skip
    switched_off = config.sources[0].id
    store.set_source_enabled(switched_off, False)
    today = clock.now().astimezone(PARIS).date()
    register = build_register(config, store, today, today)
    state = {s.id: s for s in register.sources}
    added = state["opco-ajoute"]
    assert added.origin == "web" and added.indicators == ("I23", "I26")  # disability: both
    assert added.status == "unchecked"  # listed, but not shown as watched: never fetched
    # Switched off today after answering today: watched in this period, off in the one before.
    assert not state[switched_off].enabled and state[switched_off].status == "watched"
    before = build_register(config, store, today - timedelta(days=7), today - timedelta(days=1))
    assert {s.id: s.status for s in before.sources}[switched_off] == "off"
    sources = _csv_tables(render_csv(register))["Sources"]
    assert "OPCO ajouté dans l'appli" in {r["Source"] for r in sources}


# --- command line ---------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_subscribers_import_is_all_or_nothing(tmp_path: Path) -> None:
    good = tmp_path / "abonnes.csv"
    good.write_text(
        "email;name;tags\nana@of.example.fr;Ana;handicap\nBruno@CFA.example.fr;;\n",
        encoding="utf-8",
    )
    bad = tmp_path / "mauvais.csv"
    bad.write_text("email,tags\nok@of.example.fr,\npas-une-adresse,\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")

    failed = run_veille("subscribers", "import", str(bad), cwd=tmp_path)
    assert failed.returncode == 1
    assert "ligne 3" in failed.stderr and "pas-une-adresse" in failed.stderr
    assert "Traceback" not in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    done = run_veille("subscribers", "import", str(good), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = run_veille("subscribers", "list", "--json", cwd=tmp_path)
    emails = [s["email"] for s in json.loads(listed.stdout)]
    assert emails == ["ana@of.example.fr", "bruno@cfa.example.fr"]  # the bad file added nothing


@pytest.mark.slow
def test_cli_draft_edit_publish_send_and_export(
    ingested: tuple[Config, Path], tmp_path: Path, smtp: tuple[Collector, SmtpSettings]
) -> None:
    from tests.conftest import REPO

    _, db = ingested
    copy_ingested(db, tmp_path)
    text = (REPO / "veille" / "demo_data" / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        text.replace("__BASE__", "http://127.0.0.1:9"), encoding="utf-8"
    )
    collector, settings = smtp

    drafted = run_veille("digest", "draft", "--week", WEEK, "--json", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    view = json.loads(drafted.stdout)
    first = next(i for i in view["items"] if i["included"])
    noted = run_veille(
        "digest", "edit", "note", first["article_id"][:8], "Vu en équipe", "--week", WEEK,
        cwd=tmp_path,
    )  # fmt: skip
    assert noted.returncode == 0, noted.stderr
    assert run_veille("subscribers", "add", "ana@of.example.fr", cwd=tmp_path).returncode == 0

    missing = run_veille("digest", "publish", "--week", WEEK, "--send", cwd=tmp_path)
    assert missing.returncode == 1 and "VEILLE_SMTP_HOST" in missing.stderr
    assert not (tmp_path / "digests").exists()  # nothing written before the settings are right

    env = {
        "VEILLE_SMTP_HOST": "127.0.0.1",
        "VEILLE_SMTP_PORT": str(settings.port),
        "VEILLE_SMTP_STARTTLS": "false",
        "VEILLE_MAIL_FROM": "Veille <veille@of-exemple.fr>",
    }
    sent = run_veille("digest", "publish", "--week", WEEK, "--send", cwd=tmp_path, env=env)
    assert sent.returncode == 0, sent.stderr
    assert "Lettre envoyée à 1 abonné." in sent.stdout
    assert "Vu en équipe" in (tmp_path / "digests" / WEEK / "digest.md").read_text("utf-8")
    again = run_veille("digest", "publish", "--week", WEEK, "--send", cwd=tmp_path, env=env)
    assert "Aucun nouvel envoi. 1 abonné l’avait déjà reçue." in again.stdout
    assert len(collector.envelopes) == 1

    today = clock.now().astimezone(PARIS).date().isoformat()  # periods are days in Paris
    exported = run_veille(
        "export", "qualiopi", "--from", "2026-01-01", "--to", today, "--format", "html",
        "-o", str(tmp_path / "qualiopi.html"), cwd=tmp_path,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    page = lxml.html.fromstring((tmp_path / "qualiopi.html").read_text("utf-8"))
    assert first["url"] in page.xpath("//a/@href")
    assert "Vu en équipe" in page.text_content()
    bad = run_veille("export", "qualiopi", "--from", "2026-13-01", "--to", today, cwd=tmp_path)
    assert bad.returncode == 1 and "n’est pas une date" in bad.stderr
    assert "Traceback" not in bad.stderr
