"""The Qualiopi register after six months of watch, as an auditor reads it.

26 weekly runs over real French texts (``veille/seed/train-fr.jsonl``, licences in its
MANIFEST) served on 127.0.0.1, each week's letter drafted, annotated, published and sent to a
real SMTP server on 127.0.0.1, actions planned by one curator and carried out by another. Then
the register for the period, in HTML, XLSX (read back with openpyxl) and CSV: from every
action an auditor reaches its article, the letters it went out in, who decided what and when.
The HTML is printed to PDF by Chromium and read back with pdftotext.
"""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import lxml.html
import openpyxl
import pytest

from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, REPO, run_cli
from tests.test_digest import _csv_tables
from tests.test_mail import Collector, _server
from veille import digest as digests
from veille import publishing, sending
from veille.actions import ActionFields, ActionRecord
from veille.auth import hash_password
from veille.config import Config, parse_config
from veille.localserver import LocalServer
from veille.mail import SmtpSettings
from veille.models import NewManagedSource, NewSubscriber
from veille.pipeline import ingest
from veille.qualiopi import Register, build_register
from veille.register_files import render_csv, render_html, render_xlsx
from veille.render import format_date
from veille.sourcelist import effective
from veille.store import Store
from veille.weeks import week_label

PARIS = ZoneInfo("Europe/Paris")
FIRST_MONDAY = date(2026, 6, 1)
WEEKS = 26
END = FIRST_MONDAY + timedelta(weeks=WEEKS, days=-1)  # Sunday 29 November 2026
LEAD, TEAM = "marie.dupont", "paul.martin"
SUBSCRIBERS = ("ana@greta.example.fr", "bruno@cfa.example.fr", "chloe@of.example.fr")


@dataclass
class Watch:
    config: Config
    store: Store
    actions: list[ActionRecord]
    letters: list[str]  # weeks published
    delivered: int  # messages the SMTP server accepted


def _texts() -> list[dict[str, Any]]:
    """Real French items of the shipped seed, relevant, with a regulatory or disability tag
    first (the watch an auditor samples), in a fixed order."""
    rows = [
        json.loads(line)
        for line in (REPO / "veille" / "seed" / "train-fr.jsonl").read_text("utf-8").splitlines()
    ]
    kept = [r for r in rows if r["relevant"] and r["tags"] and len(r["text"]) > 600]
    kept.sort(
        key=lambda r: ("reglementaire" not in r["tags"], "handicap" not in r["tags"], r["id"])
    )
    return kept


def _feed(path: Path, title: str, items: list[tuple[dict[str, Any], datetime]], base: str) -> None:
    body = "".join(
        f"<item><title>{escape(r['title'])}</title>"
        f"<link>{base}/pages/{r['id']}.html</link><guid>{r['id']}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{escape(r['text'][:4000])}</description></item>"
        for r, when in items
    )
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>{base}/</link>{body}</channel></rss>",
        encoding="utf-8",
    )


def _at(day: date, hour: int, monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime.combine(day, time(hour), PARIS)
    monkeypatch.setenv("VEILLE_NOW", moment.isoformat())


@pytest.fixture(scope="module")
def six_months(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watch]:
    root = tmp_path_factory.mktemp("six-months")
    site = root / "site"
    (site / "pages").mkdir(parents=True)
    texts = _texts()
    official, observatory = texts[: WEEKS * 2], texts[WEEKS * 2 : WEEKS * 3]
    monkeypatch = pytest.MonkeyPatch()
    collector = Collector()
    smtp_server = _server(collector)
    _, port = next(smtp_server)
    try:
        with LocalServer(site) as server:
            base = server.base_url
            config_text = (
                "settings:\n  allow_private_networks: true\n  relevance_threshold: 0.3\n"
                "  qualiopi: {organisation: GRETA Exemple, watch_lead: Marie Dupont}\n"
                "  digest: {site_url: 'https://veille.greta-exemple.fr/', max_per_source: 10}\n"
                "sources:\n"
                f"  - {{id: centre, name: Centre de ressources, url: '{base}/centre.xml', "
                "fetch_pages: false, official: true, tags: [reglementaire]}\n"
                f"  - {{id: panne, name: Flux disparu, url: '{base}/disparu.xml'}}\n"
            )
            (root / "sources.yaml").write_text(config_text, encoding="utf-8")
            config = parse_config(config_text, name="sources.yaml")
            store = Store(root / "veille.duckdb")
            store.add_managed_sources([NewManagedSource(
                id="observatoire", url=f"{base}/observatoire.xml", kind="feed",
                name="Observatoire ajouté dans l'appli", origin="web",
                options={"tags": ["handicap"], "fetch_pages": False},
            )])  # fmt: skip
            store.set_user(LEAD, hash_password("une phrase de passe solide"))
            store.set_user(TEAM, hash_password("une autre phrase solide"))
            store.add_subscribers(
                [NewSubscriber(SUBSCRIBERS[0]), NewSubscriber(SUBSCRIBERS[1], None, ("handicap",)),
                 NewSubscriber(SUBSCRIBERS[2], None, (), "en")]
            )  # fmt: skip
            smtp = SmtpSettings(
                host="127.0.0.1", port=port, sender="Veille <veille@greta-exemple.fr>",
                starttls=False,
            )  # fmt: skip
            watch = Watch(config, store, [], [], 0)
            for week in range(WEEKS):
                _one_week(watch, site, base, week, official, observatory, smtp, monkeypatch)
            watch.delivered = len(collector.envelopes)
            _at(END + timedelta(days=3), 10, monkeypatch)  # the register is made on Wednesday
            yield watch
    finally:
        monkeypatch.undo()
        smtp_server.close()


def _one_week(
    watch: Watch,
    site: Path,
    base: str,
    week: int,
    official: list[dict[str, Any]],
    observatory: list[dict[str, Any]],
    smtp: SmtpSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Wednesday: a run (this week's items and last week's again); the next Monday: the letter
    is drafted, annotated, published and sent; actions planned, carried out two weeks later."""
    monday = FIRST_MONDAY + timedelta(weeks=week)
    items = [
        (official[i], datetime.combine(monday + timedelta(days=i % 2), time(9), PARIS))
        for i in range(max(0, week * 2 - 2), week * 2 + 2)
    ]
    _feed(site / "centre.xml", "Centre de ressources", items[-4:], base)
    when = datetime.combine(monday + timedelta(days=1), time(11), PARIS)
    _feed(site / "observatoire.xml", "Observatoire", [(observatory[week], when)], base)
    _at(monday + timedelta(days=2), 10, monkeypatch)
    # As `veille run` does: the sources of sources.yaml and those added in the app.
    summary = asyncio.run(ingest(effective(watch.config, watch.store), watch.store))
    assert summary.new_articles >= 2, summary.outcomes
    name = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    _at(monday + timedelta(days=7), 8, monkeypatch)
    with watch.store.held():  # one opening of the file for the curator's morning
        view = digests.draft(watch.config, watch.store, name)
        assert view.included, name
        first = view.included[0]
        digests.set_note(watch.store, name, first.article_id, "Présenté en réunion pédagogique.")
        publishing.publish(watch.config, watch.store, name, site.parent / "digests")
    report = sending.send(watch.config, watch.store, name, smtp)
    assert len(report.sent) == len(SUBSCRIBERS), report
    watch.letters.append(name)
    if week % 3 == 0:
        fields = ActionFields(
            f"Programme de la semaine {week + 1} mis à jour", "programme", "impact", TEAM,
            monday + timedelta(days=21), "planned", None, ("I23",),
        )  # fmt: skip
        watch.actions.append(watch.store.add_action(first.article_id, fields, LEAD))
    if week % 3 == 2:  # two weeks later, the owner reports it done
        planned = watch.actions[-1]
        done = ActionFields(
            planned.fields.what, planned.fields.type, planned.fields.impact, TEAM,
            planned.fields.due, "done", f"compte-rendu-s{week}.pdf", planned.fields.indicators,
        )  # fmt: skip
        watch.actions[-1] = watch.store.change_action(planned.id, done, TEAM)


@pytest.fixture(scope="module")
def register(six_months: Watch) -> Register:
    return build_register(six_months.config, six_months.store, FIRST_MONDAY, END)


@pytest.mark.slow
def test_six_months_of_watch_are_in_the_register(six_months: Watch, register: Register) -> None:
    assert len(six_months.letters) == WEEKS
    assert six_months.delivered == WEEKS * len(SUBSCRIBERS)
    # The last letter went out on Monday 30 November, after the period: not in its register.
    assert [d.week for d in register.diffusion] == six_months.letters[:-1]
    assert all(d.recipients == len(SUBSCRIBERS) for d in register.diffusion)
    assert dict(register.diffusion[0].by_lang) == {"": 2, "en": 1}
    assert register.organisation == "GRETA Exemple" and register.watch_lead == "Marie Dupont"
    state = {s.id: s for s in register.sources}
    assert state["centre"].status == "watched" and state["centre"].days_ok == WEEKS
    assert state["centre"].since == date(2026, 6, 3) and state["centre"].official
    assert state["observatoire"].status == "watched"  # added in the app, watched
    assert state["observatoire"].origin == "web"
    assert state["observatoire"].indicators == ("I23", "I26")
    assert state["panne"].status == "failing" and state["panne"].days_ok == 0
    assert state["panne"].failed_long and "404" in (state["panne"].last_error or "")
    blocks = {b.id: b for b in register.blocks}
    assert len({k.selection.week for k in blocks["I23"].items}) == WEEKS - 1
    assert blocks["I26"].items  # disability items: under I26...
    handicap = {k.selection.article_id for k in blocks["I26"].items}
    assert handicap <= {k.selection.article_id for k in blocks["I23"].items}  # ...and I23
    assert len(register.actions) == len(six_months.actions) == 9
    assert sum(a.current.fields.status == "done" for a in register.actions) == 8
    # Nothing before the watch began: an empty register, not an error.
    before = build_register(
        six_months.config, six_months.store, date(2026, 1, 1), date(2026, 5, 31)
    )
    assert before.diffusion == () and all(not b.items for b in before.blocks)


def _chain_ok(action: ActionRecord, found: dict[str, str], register: Register) -> None:
    """What an auditor follows from an action: its article, its letter, who decided, when."""
    tracked = next(t for t in register.actions if t.current.id == action.id)
    assert found["link"] == action.url
    assert week_label(tracked.letters[0], "fr") in found["letters"]
    assert LEAD in found["history"]
    if action.fields.status == "done":
        assert TEAM in found["history"] and "Réalisée" in found["history"]
    first = tracked.history[0].changed_at.astimezone(PARIS)
    assert first.strftime("%d/%m/%Y %H:%M") in found["history"]


@pytest.mark.slow
def test_an_auditor_follows_every_action_in_html_xlsx_and_csv(
    six_months: Watch, register: Register
) -> None:
    page = lxml.html.fromstring(render_html(register))
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(register)))
    assert book.sheetnames == ["Synthèse", "I23", "I24", "I25", "I26", "Actions", "Diffusion",
                               "Sources"]  # fmt: skip
    sheet = book["Actions"]
    headers = [c.value for c in sheet[2]]
    rows = {r[0]: dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(3, values_only=True)}
    tables = _csv_tables(render_csv(register))
    by_number = {r["N°"]: r for r in tables["Actions"]}
    for action in six_months.actions:
        (section,) = page.xpath(f'//section[@id="action-{action.id}"]')
        text = " ".join(section.text_content().split())
        tracked = next(t for t in register.actions if t.current.id == action.id)
        assert section.xpath(".//dd/a/@href")[0] == action.url
        assert week_label(tracked.letters[0], "fr") in text
        first = tracked.history[0].changed_at.astimezone(PARIS)
        assert f"{format_date(first.date())} à {first:%H:%M}, {LEAD}" in text
        if action.fields.status == "done":
            assert f", {TEAM} : Réalisée" in text
        row = rows[action.id]
        assert isinstance(row["Échéance"], datetime) and row["Échéance"].date() == action.fields.due
        _chain_ok(action, {"link": row["Lien"], "letters": row["Lettre(s)"],
                           "history": row["Historique"]}, register)  # fmt: skip
        line = by_number[str(action.id)]
        assert line["Échéance"] == action.fields.due.strftime("%d/%m/%Y")  # type: ignore[union-attr]
        _chain_ok(action, {"link": line["Lien"], "letters": line["Lettre(s)"],
                           "history": line["Historique"]}, register)  # fmt: skip
    diffusion = book["Diffusion"]
    assert diffusion.max_row == 2 + WEEKS - 1  # title, headers, one row per letter
    sources = {r[0]: r for r in book["Sources"].iter_rows(3, values_only=True)}
    assert sources["Flux disparu"][10] == "En échec"
    assert sources["Centre de ressources"][10] == "Consultée"


@pytest.mark.slow
def test_the_printed_register_reads_well_on_paper_and_on_a_phone(
    register: Register, tmp_path: Path, browser: Any
) -> None:
    """Printed by headless Chromium and read back with pdftotext: the organisation and the
    generation date in every page's margin, page numbers, dates in French. At phone width
    nothing overflows sideways. Screenshots go to tests/artifacts/ for a person to look at."""
    page_file = tmp_path / "registre.html"
    page_file.write_text(render_html(register), encoding="utf-8")
    pdf = tmp_path / "registre.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", *CHROMIUM_FLAGS, "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page_file.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert "GRETA Exemple — Registre de veille Qualiopi" in page, number
        assert "Généré le 2 décembre 2026 à 10:00" in page, number
        assert f"Page {number} / {len(pages)}" in page, number
    assert "du 1er juin 2026 au 29 novembre 2026" in text
    assert "semaine du 26 octobre au 1er novembre 2026" in text
    assert "Flux disparu" in text and "En échec" in text
    assert "2026-W" not in text  # weeks as people write them
    artifacts = REPO / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copyfile(pdf, artifacts / "register.pdf")
    for width, name in ((390, "phone"), (1280, "desktop")):
        view = browser.new_page(viewport={"width": width, "height": 900})
        view.goto(page_file.as_uri())
        assert view.evaluate("document.documentElement.scrollWidth") <= width, name
        view.screenshot(path=str(artifacts / f"register-{name}.png"), full_page=False)
        view.close()


@pytest.mark.slow
def test_actions_from_the_command_line(
    six_months: Watch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`veille action add/update/list` on a copy of the six months: versions kept, errors in
    one French line, the register written in each format."""
    db = tmp_path / "veille.duckdb"
    shutil.copyfile(six_months.store.path, db)
    config = tmp_path / "sources.yaml"
    shutil.copyfile(six_months.store.path.parent / "sources.yaml", config)
    base = ["--config", str(config), "--db", str(db)]
    article = six_months.actions[0].article_id
    code, out, err = run_cli(
        capsys, *base, "action", "add", article[:8], "--what", "Formateurs informés en réunion",
        "--type", "formateurs", "--owner", LEAD, "--due", "2026-12-15", "--by", LEAD,
    )  # fmt: skip
    assert code == 0, err
    assert "action n° 10 enregistrée (Prévue)" in out
    code, out, err = run_cli(
        capsys, *base, "action", "update", "10", "--status", "done", "--by", TEAM
    )
    assert code == 0 and "l’ancienne version est conservée" in out, err
    code, out, err = run_cli(capsys, *base, "action", "list", "--json")
    assert code == 0, err
    listed = {a["id"]: a for a in json.loads(out)}
    added = listed[10]
    assert added["article"]["id"] == article and added["status"] == "done"
    assert added["indicators"] == ["I23", "I26"]  # from its tags: apprenticeship, disability
    assert [(h["version"], h["by"], h["status"]) for h in added["history"]] == [
        (1, LEAD, "planned"), (2, TEAM, "done"),
    ]  # fmt: skip
    code, out, _ = run_cli(capsys, *base, "action", "list", "--open")
    assert code == 0 and "1 action(s)" in out  # the one planned in the last weeks
    for args, words in (
        (["add", article, "--what", "x", "--owner", "inconnu"], "n’est pas un compte de veille"),
        (["add", "zzzzzzzz", "--what", "x", "--owner", LEAD], "aucun article"),
        (["add", article, "--what", " ", "--owner", LEAD], "l’action est vide"),
        (["add", article, "--what", "x", "--owner", LEAD, "--type", "z"], "choisissez parmi"),
        (["add", article, "--what", "x", "--owner", LEAD, "--due", "15/12"], "n’est pas une date"),
        (["update", "99", "--status", "done"], "aucune action n° 99"),
    ):
        code, _, err = run_cli(capsys, *base, "action", *args)
        assert code == 1 and words in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    for fmt in ("html", "xlsx", "csv"):
        target = tmp_path / f"registre.{fmt}"
        code, out, err = run_cli(
            capsys, *base, "export", "qualiopi", "--from", "2026-06-01", "--to", "2026-12-02",
            "--format", fmt, "-o", str(target),
        )  # fmt: skip
        assert code == 0 and "10 action(s)" in out, err
        assert target.stat().st_size > 10_000
