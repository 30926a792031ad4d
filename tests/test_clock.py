"""The calendar follows veille's clock: whatever moment VEILLE_NOW says it is, the letter's week,
the scheduled flows, the web app's menu and the Qualiopi period agree with a week computed here
independently, in Paris time.

`.ci/run` runs these (marked `clock`) again at three moments where calendars break: a Monday at
00:30 in Paris (still Sunday in UTC), New Year's Eve at 23:30 (2026 has an ISO week 53), and the
night the clocks go forward in March.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import DEMO_SITE, UvicornThread, run_cli
from veille import clock
from veille.auth import hash_password
from veille.config import Config, parse_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.store import Store
from veille.web import create_app
from veille.weeks import week_label

pytestmark = pytest.mark.clock

PARIS = ZoneInfo("Europe/Paris")
USER, PASSWORD = "marie.curatrice", "une phrase de passe solide"


def paris_today() -> date:
    return clock.now().astimezone(PARIS).date()


def letter_week() -> str:
    """The week a letter sent now covers: the Monday-to-Sunday week before this one, in Paris."""
    monday = paris_today() - timedelta(days=paris_today().weekday() + 7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Watch:
    config: Config
    config_path: Path
    db: Path


@pytest.fixture(scope="module")
def watch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watch]:
    """The demo's training-news feed, re-dated into the letter's week, served and ingested."""
    root = tmp_path_factory.mktemp("clock")
    site = root / "site"
    shutil.copytree(DEMO_SITE / "formation", site / "formation")
    feed = site / "formation" / "centre-ressources.xml"
    monday = paris_today() - timedelta(days=paris_today().weekday() + 7)
    days = iter(range(100))

    def redate(_: re.Match[str]) -> str:  # one item per day of the letter's week, at 10:00
        day = monday + timedelta(days=next(days) % 7)
        return f"<pubDate>{format_datetime(datetime.combine(day, time(10), PARIS))}</pubDate>"

    feed.write_text(
        re.sub(r"<pubDate>[^<]*</pubDate>", redate, feed.read_text("utf-8")), encoding="utf-8"
    )
    with LocalServer(site) as server:
        text = (
            "settings:\n  allow_private_networks: true\n"
            "  digest: {site_url: 'https://veille.of-exemple.fr/'}\n"
            "sources:\n"
            f"  - {{id: centre, url: '{server.url('formation/centre-ressources.xml')}', "
            "fetch_pages: false}\n"
        )
        config_path = root / "sources.yaml"
        config_path.write_text(text, encoding="utf-8")
        config = parse_config(text, name="sources.yaml")
        db = root / "veille.duckdb"
        summary = asyncio.run(ingest(config, Store(db)))
        assert summary.new_articles == 9, summary.outcomes
    yield Watch(config, config_path, db)


def test_the_letter_week_is_last_week_in_paris(
    watch: Watch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "--config", str(watch.config_path), "digest", "draft", "--json"
    )
    assert code == 0, err
    assert f'"week": "{letter_week()}"' in out
    assert out.count('"included": true') >= 3  # the week's items are found in that week


def test_publication_dates_and_qualiopi_days_are_paris_days(
    watch: Watch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(watch.config_path)]
    run_cli(capsys, *config, "digest", "draft")
    code, _, err = run_cli(capsys, *config, "digest", "publish", "--out", str(tmp_path / "d"))
    assert code == 0, err
    assert (tmp_path / "d" / letter_week() / "digest.html").exists()
    today, yesterday = paris_today(), paris_today() - timedelta(days=1)
    for start, end, holds in ((today, today, True), (yesterday, yesterday, False)):
        out = tmp_path / f"{start}.csv"
        code, _, err = run_cli(
            capsys, *config, "export", "qualiopi", "--from", str(start), "--to", str(end),
            "-o", str(out),
        )  # fmt: skip
        assert code == 0, err
        text = out.read_text("utf-8-sig")
        assert (week_label(letter_week(), "fr") in text) is holds, (start, text[:500])
        if holds:
            assert today.strftime("%d/%m/%Y") in text  # published today, as Paris counts days


@pytest.mark.slow
def test_the_scheduled_flows_take_the_letter_week(watch: Watch) -> None:
    from flows.scheduled import publish_approved, weekly_draft

    drafted = weekly_draft.fn(str(watch.config_path), str(watch.db))
    assert drafted["week"] == letter_week() and drafted["included"] >= 3
    waiting = publish_approved.fn(str(watch.config_path), str(watch.db), send=False)
    assert waiting == {
        "week": letter_week(),
        "published": False,
        "reason": "not approved by a curator",
    }


def test_the_web_app_opens_on_the_letter_week_and_its_menu_keeps_it(watch: Watch) -> None:
    store = Store(watch.db)
    store.set_user(USER, hash_password(PASSWORD))
    app = create_app(watch.config, store, watch.db.parent / "digests")
    with UvicornThread(app) as base, httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"user": USER, "password": PASSWORD, "csrf": token[1]})
        page = client.get("/semaine")
        assert page.status_code == 200
        # The week the Monday letter covers, said as its days (not "Cette semaine").
        assert f"<h1>Lettre de la {week_label(letter_week(), 'fr')}</h1>" in page.text
        assert f'href="/apercu/{letter_week()}"' in page.text  # the menu keeps the week
        preview = client.get("/apercu")
        assert preview.status_code == 200 and letter_week() in preview.text
