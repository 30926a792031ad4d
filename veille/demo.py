"""``veille demo``: the whole pipeline on a bundled sample of feeds and pages, offline.

A :class:`~veille.localserver.LocalServer` serves ``demo_data/site`` on 127.0.0.1 (real French
press pages and feeds, plus training news written for the demo); the demo's sources file points
at it; the ``ingest`` flow runs into a local DuckDB file; the articles found and the health of
each source are printed; then the week with the most relevant news is drafted and published into
``digests/``. Running it twice shows conditional GET at work.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
from collections import Counter
from datetime import timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from veille import clock, i18n, publishing
from veille import digest as digests
from veille.config import Config, parse_config
from veille.demo_mail import deliver_demo_letters, mailbox_source, print_letters
from veille.files import atomic_write
from veille.localserver import LocalServer
from veille.store import Store
from veille.weeks import week_name

DEMO_DATA = Path(str(resources.files("veille") / "demo_data"))
DEMO_LEAD = "referent.veille"  # the sample action's owner in the demo's register


def demo_sources(base_url: str, maildir: Path | None = None) -> str:
    """The demo's sources file, pointed at a running sample server (and at the Maildir of its
    mailbox source, veille/demo_mail.py, when given: ``sources:`` is the file's last key)."""
    text = (DEMO_DATA / "sources.yaml").read_text(encoding="utf-8")
    text = text.replace("__BASE__", base_url)
    return text.rstrip("\n") + "\n" + mailbox_source(maildir) if maildir else text


def demo_config(base_url: str, maildir: Path | None = None) -> Config:
    return parse_config(demo_sources(base_url, maildir), name="demo sources.yaml")


def kept_sources(base_url: str, db_path: Path, digests_dir: Path, maildir: Path) -> str:
    """The demo's sources file as kept beside its database: its own database and archive
    folder written in (absolute paths), so that ``veille --config FILE ui`` opens the demo's
    data, title, site_url and archive from any folder."""
    text = demo_sources(base_url, maildir)
    database = json.dumps(str(db_path.absolute()), ensure_ascii=False)  # JSON is YAML
    folder = json.dumps(str(digests_dir.absolute()), ensure_ascii=False)
    text = text.replace("\nsettings:\n", f"\nsettings:\n  database: {database}\n", 1)
    return text.replace("\n  digest:\n", f"\n  digest:\n    out_dir: {folder}\n", 1)


def run_demo(
    db_path: Path, *, out: Console, serve: bool = False, digests_dir: Path = Path("digests")
) -> None:
    """Serve the sample site, run the ingest flow on it, print what was found, publish."""
    from flows.server import stop_temporary_server
    from veille.cli.run import print_summary, run_ingest

    with LocalServer(DEMO_DATA / "site") as server:
        maildir = deliver_demo_letters(db_path.with_name(db_path.stem + "-lettres"))
        config = demo_config(server.base_url, maildir)
        # Kept beside the database, so that the commands suggested below work on its data.
        sources_file = atomic_write(
            db_path.with_suffix(".sources.yaml"),
            kept_sources(server.base_url, db_path, digests_dir, maildir),
        )
        out.print(
            i18n.message("demo.site", url=server.base_url, count=len(config.sources), db=db_path),
            highlight=False,
        )
        store = Store(db_path)
        summary = run_ingest(config, store)
        stop_temporary_server()  # no flow from here on: Prefect's server has nothing to do
        print_summary(summary)
        print_letters(store, out)
        _print_articles(store, out)
        week = _publish(config, store, digests_dir, out)
        if week is not None:
            _register(config, store, db_path, week, out)
        if serve:
            _serve(server, digests_dir, week, out)
    there = "veille --config " + shlex.quote(str(sources_file.absolute()))
    out.print(i18n.message("demo.next", there=there), highlight=False, markup=False)


def _serve(site: LocalServer, digests_dir: Path, week: str | None, out: Console) -> None:
    """Keep the sample site up (the letter's links lead there) and serve the published archive
    as plain files beside it, until Ctrl-C: no Prefect server, no database."""
    with LocalServer(digests_dir, templated=False) as archive:
        letter = f"{archive.base_url}/{week}/" if week else f"{archive.base_url}/"
        out.print(i18n.message("demo.serving", site=site.base_url, archive=letter), highlight=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def _publish(config: Config, store: Store, digests_dir: Path, out: Console) -> str | None:
    """Draft and publish the week with the most relevant stories (the sample is not this week);
    its week, or None when nothing is relevant."""
    weeks = Counter(week_name(row.date) for row in store.articles() if row.relevant is True)
    if not weeks:
        out.print(i18n.message("demo.nothing_relevant"), highlight=False)
        return None
    week = max(weeks, key=lambda w: (weeks[w], w))
    view = digests.draft(config, store, week)
    result = publishing.publish(config, store, week, digests_dir)
    from veille.weeks import week_label

    out.print(
        "\n"
        + i18n.message(
            "demo.letter", period=week_label(week, i18n.current()),
            kept=i18n.message(
                "demo.kept_one" if result.items == 1 else "demo.kept_other", count=result.items
            ),
            candidates=len(view.items), path=digests_dir / week / "digest.html",
        ),
        highlight=False,
    )  # fmt: skip
    for item in view.included:
        out.print(f"  {item.section} : {item.title} — {item.source_name}", markup=False)
    out.print(i18n.message("demo.links"), highlight=False)
    return week


def _register(config: Config, store: Store, db_path: Path, week: str, out: Console) -> None:
    """A sample Qualiopi register beside the database (not in the published archive: it names
    people and actions): the letter's top story gets an action, planned by the demo's watch
    lead, so that the chain source → analysis → action → owner → date shows."""
    from veille.actions import ActionFields, indicators_of
    from veille.auth import hash_password
    from veille.qualiopi import build_register
    from veille.register_files import render_html, render_xlsx

    zone = ZoneInfo(config.settings.timezone)
    today = clock.now().astimezone(zone).date()
    view = digests.load(config, store, week)
    if view.included and not store.actions():
        lead = DEMO_LEAD
        if lead not in {u.name for u in store.users()}:  # an account nobody can log in to
            store.set_user(lead, hash_password(secrets.token_urlsafe(24)))
        top = view.included[0]
        fields = ActionFields(
            "Présenter l’information aux formateurs en réunion pédagogique", "formateurs",
            "a-etudier", lead, today + timedelta(days=14), "planned", None,
            indicators_of(store.article_tags(top.article_id), config.taxonomy) or ("I23",),
        )  # fmt: skip
        store.add_action(top.article_id, fields, "veille demo")
    register = build_register(config, store, today - timedelta(days=90), today)
    stem = db_path.with_name(db_path.stem + "-registre-qualiopi")
    html = atomic_write(stem.with_suffix(".html"), render_html(register))
    atomic_write(stem.with_suffix(".xlsx"), render_xlsx(register))
    out.print(
        i18n.message("demo.register", html=html, xlsx=stem.with_suffix(".xlsx").name),
        highlight=False,
    )


def _print_articles(store: Store, out: Console) -> None:
    rows = store.articles(include_all=True, limit=25)
    table = Table(title=i18n.message("demo.articles"), title_justify="left")
    for column in i18n.message("demo.columns").split("|"):
        table.add_column(column, overflow="fold")
    for row in rows:
        date = f"{row.date:%d/%m/%Y}" if i18n.current() == "fr" else f"{row.date:%Y-%m-%d}"
        table.add_row(date, row.source_id, row.title, str(row.word_count), row.extraction)
    out.print(table)
    total = store.counts().articles
    if total > len(rows):
        out.print(i18n.message("demo.more", count=total - len(rows)), highlight=False)
