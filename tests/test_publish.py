"""Publishing again: the letter's date follows the latest publication (the register keeps the
first), a feed left stale is said so, and the command says what it did in French, in words.

Real DuckDB copies of one real pass over the demo site; the command runs in this process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import copy_ingested, run_cli
from veille import digest as digests
from veille import i18n, publishing
from veille.config import Config, DigestSettings
from veille.demo import demo_sources
from veille.store import Store

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

WEEK = "2026-W47"  # the week of the demo site's training news
FIRST = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
AGAIN = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)  # Tuesday 15:05 in Paris


@pytest.fixture
def store(ingested: tuple[Config, Path], tmp_path: Path) -> Store:
    return Store(copy_ingested(ingested[1], tmp_path))


def _without_site(config: Config) -> Config:
    digest = DigestSettings(**{**config.settings.digest.model_dump(), "site_url": None})
    settings = config.settings.model_copy(update={"digest": digest})
    return config.model_copy(update={"settings": settings})


@pytest.mark.slow
def test_a_republished_letter_is_dated_anew_and_the_register_keeps_the_first_date(
    ingested: tuple[Config, Path], store: Store, tmp_path: Path
) -> None:
    config, out = ingested[0], tmp_path / "digests"
    digests.draft(config, store, WEEK)
    assert publishing.publish(config, store, WEEK, out, now=FIRST).again is False
    assert "23 novembre 2026" in (out / "index.html").read_text(encoding="utf-8")
    digests.set_editorial(store, WEEK, "Correction : une coquille dans le titre.")
    again = publishing.publish(config, store, WEEK, out, now=AGAIN)
    assert again.again is True
    # "Publiée le …" everywhere the letter is shown: the app's pages, the archive, the feed.
    assert store.digest(WEEK).published_at == AGAIN  # type: ignore[union-attr]
    assert digests.load(config, store, WEEK).published_at == AGAIN
    assert publishing.published_letter(store, WEEK).published_at == AGAIN
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "24 novembre 2026" in index and "23 novembre 2026" not in index
    assert "<updated>2026-11-24T14:05:00Z</updated>" in (out / "feed.xml").read_text("utf-8")
    # The Qualiopi register dates the letter's diffusion by its first publication: a later
    # correction does not move the evidence to another period.
    [diffusion] = store.diffusion(FIRST - timedelta(days=1), FIRST + timedelta(days=1))
    assert diffusion.week == WEEK and diffusion.published_at == FIRST
    assert store.diffusion(AGAIN - timedelta(hours=1), AGAIN + timedelta(days=7)) == []


@pytest.mark.slow
def test_publishing_without_site_url_says_the_feed_was_not_updated_and_how_to_fix_it(
    ingested: tuple[Config, Path], store: Store, tmp_path: Path
) -> None:
    config, out = ingested[0], tmp_path / "digests"
    digests.draft(config, store, WEEK)
    publishing.publish(config, store, WEEK, out)
    feed = (out / "feed.xml").read_bytes()
    no_site = _without_site(config)
    result = publishing.publish(no_site, store, WEEK, out)
    assert (result.feed_written, result.feed_stale) == (False, True)
    assert (out / "feed.xml").read_bytes() == feed  # left as it was: hence the warning
    done, warning = publishing.publish_summary(result, no_site)
    assert done.startswith("Lettre de la semaine du 16 au 22 novembre 2026 publiée à nouveau : ")
    assert warning.startswith("Flux feed.xml non mis à jour : l’ancien reste en place")
    assert "site_url" in warning and str(no_site.path) in warning
    with i18n.language("en"):
        _, english = publishing.publish_summary(result, no_site)
    assert english.startswith("feed.xml not updated: the old one stays")
    # A first publication without site_url: no feed at all, said as plainly.
    elsewhere = publishing.publish(no_site, store, WEEK, tmp_path / "ailleurs")
    assert (elsewhere.feed_written, elsewhere.feed_stale) == (False, False)
    assert not (tmp_path / "ailleurs" / "feed.xml").exists()
    assert publishing.publish_summary(elsewhere, no_site)[1].startswith("Flux feed.xml non écrit")
    # With site_url, one line: nothing to warn about.
    assert (
        len(publishing.publish_summary(publishing.publish(config, store, WEEK, out), config)) == 1
    )


@pytest.mark.slow
def test_the_publish_command_says_what_it_did_in_french_with_plurals(
    ingested: tuple[Config, Path],
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base_url = ingested[0].sources[0].url.split("/feeds/")[0]
    text = demo_sources(base_url).replace("    site_url: https://veille.example.org/", "")
    assert "site_url" not in text
    sources = tmp_path / "sources.yaml"
    sources.write_text(text, encoding="utf-8")
    there = ("--config", str(sources), "--db", str(store.path))
    code, _, err = run_cli(capsys, *there, "digest", "draft", "--week", WEEK)
    assert code == 0, err
    out = tmp_path / "lettres"
    code, printed, err = run_cli(
        capsys, *there, "digest", "publish", "--week", WEEK, "--out", str(out)
    )
    assert code == 0, err
    kept = len(digests.load(ingested[0], store, WEEK).included)
    assert kept > 1
    first = " ".join(printed.split())
    assert first.startswith(
        f"Lettre de la semaine du 16 au 22 novembre 2026 publiée : {kept} articles, dans {out}"
    )
    assert "Published" not in printed and "items" not in printed
    assert err.startswith("Flux feed.xml non écrit") and str(sources) in " ".join(err.split())
    # One item left: singular; a second publication says so.
    included = digests.load(ingested[0], store, WEEK).included
    digests.exclude(store, WEEK, [i.article_id for i in included[1:]])
    code, printed, err = run_cli(
        capsys, *there, "digest", "publish", "--week", WEEK, "--out", str(out)
    )
    assert code == 0, err
    assert " ".join(printed.split()).startswith(
        "Lettre de la semaine du 16 au 22 novembre 2026 publiée à nouveau : 1 article, dans "
    )
    assert err.startswith("Flux feed.xml non écrit")  # there never was one in that folder
