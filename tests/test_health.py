"""Source health: backoff with jitter, outage tolerance, silent-source flags.

The rules are pure (fake clock, seeded random); the run behaviour is checked on real servers on
127.0.0.1, one of which is stopped to stand for a network outage.
"""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DATA, free_port
from veille import clock, guard, health, i18n
from veille.config import Config, parse_config
from veille.localserver import LocalServer
from veille.pipeline import ingest
from veille.records import RunSummary
from veille.store import Store

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments

NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    delays = [health.backoff_delay(n, rng) for n in range(1, 10)]
    bases = [min(health.BASE * 2 ** (n - 1), health.CAP) for n in range(1, 10)]
    for delay, base in zip(delays, bases, strict=True):
        assert base <= delay <= base * (1 + health.JITTER)
    assert delays[0] < delays[3] < delays[5]
    assert max(delays) <= health.CAP * (1 + health.JITTER)  # still tried every day or so
    assert health.backoff_delay(0) == timedelta(0)
    assert health.next_check(0, NOW) is None  # a success resets it


def test_sources_failing_together_do_not_come_back_together() -> None:
    rng = random.Random(1)
    times = {health.next_check(3, NOW, rng) for _ in range(20)}
    assert len(times) == 20
    spread = max(t for t in times if t) - min(t for t in times if t)
    assert spread > timedelta(minutes=20)  # 2 h base, up to +30 min of jitter


def test_outage_means_every_source_failed_for_network_reasons() -> None:
    assert health.is_outage(["network", "deadline-exceeded", "network"])
    assert not health.is_outage(["network", None])  # one source answered: not an outage
    assert not health.is_outage(["network", "http-status"])
    assert not health.is_outage([])  # nothing tried, nothing to forgive
    # One source alone is not evidence (its server may be down): others' servers are asked.
    assert health.needs_probe(["network"]) and health.needs_probe(["deadline-exceeded"])
    assert not health.needs_probe(["http-status"]) and not health.needs_probe([])
    assert not health.needs_probe(["network", "network"])  # two are evidence enough
    assert not health.is_outage(["network"])  # nobody else to ask: the error counts
    assert health.is_outage(["network"], [False, False, False])  # nobody answers: offline
    assert not health.is_outage(["network"], [False, True])  # one answers: that server is down
    assert health.is_outage(["network"], [None, False])  # one could not be asked (policy)
    assert not health.is_outage(["network"], [None])  # nobody could be asked: it counts
    assert not health.is_outage(["http-status"], [False])  # a server's answer, not the network


def test_the_servers_asked_are_other_sources_that_answered_last() -> None:
    day = timedelta(days=1)
    others = [
        ("https://jamais.example/feed", None),
        ("https://ancien.example/feed", NOW - 30 * day),
        ("https://recent.example/a.xml", NOW - day),
        ("https://recent.example/b.xml", NOW - 2 * day),  # the same server: asked once
        ("http://panne.example:8080/autre.xml", NOW),  # the failed source's own server
        ("http://panne.example/feed", NOW - 3 * day),  # same host, another port: another server
        ("https://frais.example/feed", NOW - 2 * day),
        ("not a url", NOW),
    ]
    failed = ["http://panne.example:8080/feed"]
    assert health.probe_targets(failed, others) == [
        ("recent.example", 443),
        ("frais.example", 443),
        ("panne.example", 80),
    ]
    assert health.probe_targets(failed, others, limit=10)[-2:] == [
        ("ancien.example", 443),
        ("jamais.example", 443),
    ]
    assert health.probe_targets(failed, []) == []


def _judged(store: Store, config: Config) -> dict[str, health.SourceHealth]:
    return {h.id: h for h in health.assess(store.source_figures(), NOW, config.sources)}


def test_only_a_source_that_answered_is_ok_and_removed_sources_are_not_judged(
    tmp_path: Path,
) -> None:
    config = parse_config(
        "sources:\n"
        + "".join(
            f"  - {{id: {sid}, url: 'https://{sid}.example/feed'{extra}}}\n"
            for sid, extra in [
                ("jamais", ""), ("panne", ""), ("injoignable", ""), ("fiable", ""),
                ("eteinte", ", enabled: false"), ("retiree", ""),
            ]
        ),
        name="test sources.yaml",
    )  # fmt: skip
    store = Store(tmp_path / "veille.duckdb")
    store.sync_sources(config.sources)
    later = timedelta(minutes=30)
    for sid in ("panne", "injoignable", "retiree"):
        store.record_source_error(sid, "network", "cannot connect", next_check_in=later)
    store.forgive_outage(["injoignable"])  # its only try was during an outage
    store.commit_source(
        "fiable", articles=[], sightings=[], entries_seen=0, etag=None, last_modified=None
    )
    store.record_source_error("fiable", "network", "cannot resolve", next_check_in=later)
    store.forgive_outage(["fiable"])  # an outage after a success changes nothing
    watched = config.model_copy(update={"sources": config.sources[:-1]})
    judged = _judged(store, watched)

    assert list(judged) == ["jamais", "panne", "injoignable", "fiable", "eteinte"]
    status = {sid: h.status for sid, h in judged.items()}
    assert status == {
        "jamais": "never-fetched",
        "panne": "failing",
        "injoignable": "failing",  # tried, never answered: not ok, though nothing counted
        "fiable": "ok",
        "eteinte": "disabled",
    }
    assert [sid for sid, h in judged.items() if h.as_dict()["ok"]] == ["fiable"]
    assert judged["panne"].error == "cannot connect" and judged["panne"].error_count == 1
    forgiven = judged["injoignable"]
    assert forgiven.error_count == 0 and forgiven.next_check_at is None
    assert forgiven.error and forgiven.error.startswith("cannot connect (")
    with i18n.language("en"):
        assert forgiven.error == (
            "cannot connect (during a network outage: not counted against the source)"
        )
    assert judged["fiable"].error is None and judged["fiable"].problems == []
    # The removed source's history stays; without a configuration it is still shown.
    assert Store(tmp_path / "veille.duckdb").source_state("retiree").error_count == 1
    everything = health.assess(store.source_figures(), NOW)
    assert "retiree" in {h.id for h in everything}
    # A source the store has not seen yet (just added in the web app) is never-fetched.
    added = parse_config("sources:\n  - {id: nouvelle, url: 'https://n.example/'}\n", name="x")
    (new,) = health.assess(store.source_figures(), NOW, added.sources)
    assert (new.id, new.status, new.entries, new.url) == (
        "nouvelle", "never-fetched", 0, "https://n.example/",
    )  # fmt: skip


def test_silent_flags() -> None:
    common = dict(kind="feed", last_entries=10, had_entries_before=True, now=NOW)
    weekly = health.silent_flags(
        new_items_90d=13, last_new_at=NOW - timedelta(days=30), recent_words=None,
        usual_words=None, **common,
    )  # fmt: skip
    assert weekly and "silencieuse depuis 30 jours" in weekly[0]
    fine = health.silent_flags(
        new_items_90d=13, last_new_at=NOW - timedelta(days=8), recent_words=500,
        usual_words=600, **common,
    )  # fmt: skip
    assert fine == []
    young = health.silent_flags(
        new_items_90d=1, last_new_at=NOW - timedelta(days=60), recent_words=None,
        usual_words=None, **common,
    )  # fmt: skip
    assert young == []  # too little history to know its rhythm
    page = health.silent_flags(
        kind="page", last_entries=0, had_entries_before=True, new_items_90d=0,
        last_new_at=None, recent_words=120, usual_words=700, now=NOW,
    )  # fmt: skip
    assert any("motif de liens" in f for f in page) and any("plus courts" in f for f in page)


def _config(base: str, extra: str = "") -> Config:
    text = f"""
settings:
  allow_private_networks: true
  fetch: {{connect_timeout: 2, deadline: 5}}
sources:
  - id: officiel
    url: {base}/site/feeds/officiel.xml
    fetch_pages: false
  - id: agregateur
    url: {base}/site/feeds/agregateur.xml
    fetch_pages: false
{extra}"""
    return parse_config(text, name="test sources.yaml")


def _run(config: Config, db: Path, only: tuple[str, ...] = ()) -> RunSummary:
    return asyncio.run(ingest(config, Store(db), only=only))


@pytest.mark.slow
def test_a_network_outage_does_not_count_against_the_sources(tmp_path: Path) -> None:
    db = tmp_path / "veille.duckdb"
    with LocalServer(DATA) as server:
        base, port = server.base_url, int(server.base_url.rsplit(":", 1)[1])
        first = _run(_config(base), db)
        assert first.sources_failed == 0
    # The server is gone: every source fails to connect.
    down = _run(_config(base), db)
    assert down.sources_failed == 2 and down.offline
    health_rows = {h.id: h for h in health.assess(Store(db).source_figures(), clock.now())}
    assert all(h.error_count == 0 and h.next_check_at is None for h in health_rows.values())
    # The network is back: every source is tried and works, nobody was left behind.
    with LocalServer(DATA, port=port):
        back = _run(_config(base), db)
    assert back.waiting == [] and back.sources_failed == 0 and not back.offline


@pytest.mark.slow
def test_a_failing_source_backs_off_and_is_tried_again(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(DATA / "site", root / "site")
    db = tmp_path / "veille.duckdb"
    broken = "  - id: disparu\n    url: {base}/site/feeds/disparu.xml\n    fetch_pages: false\n"
    with LocalServer(root) as server:
        config = _config(server.base_url, broken.format(base=server.base_url))
        before = clock.now()
        first = _run(config, db)
        assert [o.source_id for o in first.outcomes if not o.ok] == ["disparu"]
        assert not first.offline  # other sources answered: the error counts
        state = Store(db).source_state("disparu")
        assert state.error_count == 1 and state.next_check_at is not None
        wait = state.next_check_at - before
        assert health.BASE <= wait <= health.BASE * (1 + health.JITTER) + timedelta(seconds=30)

        second = _run(config, db)  # too early: skipped, not failed again
        assert [sid for sid, _ in second.waiting] == ["disparu"]
        assert "disparu" not in {o.source_id for o in second.outcomes}
        assert Store(db).source_state("disparu").error_count == 1

        asked = _run(config, db, only=("disparu",))  # asked by name: tried at once
        assert asked.sources_failed == 1
        assert Store(db).source_state("disparu").error_count == 2

        shutil.copy(
            root / "site" / "feeds" / "officiel.xml", root / "site" / "feeds" / "disparu.xml"
        )
        fixed = _run(config, db, only=("disparu",))
        assert fixed.sources_failed == 0
        state = Store(db).source_state("disparu")
        assert state.error_count == 0 and state.next_check_at is None


def test_knocking_says_which_servers_accept_a_connection_and_sends_nothing() -> None:
    closed = free_port()
    with LocalServer(DATA) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        targets = [("127.0.0.1", port), ("127.0.0.1", closed)]
        answers = asyncio.run(guard.knock(targets, guard.address_policy(True), timeout=2))
        assert answers == [True, False]  # the closed port refuses at once
        # Addresses the policy refuses are not asked at all (no intranet allowed).
        refused = asyncio.run(guard.knock(targets, guard.address_policy(False), timeout=2))
        assert refused == [None, None]
        assert server.hits == []  # a connection opened and closed: no request


def _alone_config(ports: list[int]) -> Config:
    """Three sources on 127.0.0.1; the first is the one tried, the others' servers asked."""
    feeds = ["disparu.xml", "officiel.xml", "agregateur.xml"]
    lines = "".join(
        f"  - id: {sid}\n    url: http://127.0.0.1:{port}/site/feeds/{feed}\n"
        "    fetch_pages: false\n"
        for sid, port, feed in zip(("seule", "voisine", "autre"), ports, feeds, strict=True)
    )
    text = (
        "settings:\n  allow_private_networks: true\n  fetch: {connect_timeout: 2, deadline: 5}\n"
        f"sources:\n{lines}"
    )
    return parse_config(text, name="test sources.yaml")


@pytest.mark.slow
def test_one_source_failing_alone_counts_only_if_other_servers_answer(tmp_path: Path) -> None:
    db = tmp_path / "veille.duckdb"
    ports = [free_port() for _ in range(3)]  # nothing listens on any of them yet
    config = _alone_config(ports)
    # `veille run --source seule` with the network down: its server and every other source's
    # refuse the connection. The machine is offline, not the source: nothing is counted.
    down = _run(config, db, only=("seule",))
    assert [o.error_kind for o in down.outcomes] == ["network"] and down.offline
    state = Store(db).source_state("seule")
    assert state.error_count == 0 and state.next_check_at is None
    (seule,) = [h for h in health.assess(Store(db).source_figures(), NOW) if h.id == "seule"]
    assert seule.total_errors == 0 and seule.status == "failing"  # tried, never answered

    # Its neighbour's server answers now (it is not even fetched): the source's own server is
    # down, the error counts and the source backs off.
    with LocalServer(DATA, port=ports[1]) as neighbour:
        alone = _run(config, db, only=("seule",))
        assert neighbour.hits == []  # knocked at, not fetched
    assert [o.error_kind for o in alone.outcomes] == ["network"] and not alone.offline
    state = Store(db).source_state("seule")
    assert state.error_count == 1 and state.next_check_at is not None


def test_retry_after_wins_over_a_shorter_backoff() -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    rng = random.Random(1)
    next_check = health.next_check
    assert next_check(1, now, rng, retry_after=7200) == now + timedelta(seconds=7200)
    short = next_check(1, now, random.Random(1), retry_after=60)
    assert short == next_check(1, now, random.Random(1))  # the backoff was longer already
    assert next_check(0, now, retry_after=7200) is None
