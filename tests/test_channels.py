"""Channels: the JSON Teams, Slack and Mattermost webhooks expect, posted to a real HTTP receiver
on 127.0.0.1; retries, Retry-After, refusals in one clear line, the secret address masked."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_veille
from tests.webhooks import HOOK_PATH, Answer, Receiver
from veille import i18n
from veille.channels import (
    AlertMessage,
    Channel,
    ChannelItem,
    LetterMessage,
    RetryPolicy,
    channel_named,
    channels_for,
    deliver_alert,
    deliver_letter,
    letter_message,
    mask_webhook,
    post_alert,
    post_letter,
    post_ready,
    resolve,
)
from veille.config import parse_config
from veille.errors import ChannelError, ConfigError
from veille.render import Digest, DigestItem, DigestSection, DigestStats
from veille.weeks import week_label

QUICK = RetryPolicy(attempts=3, backoff=0.01, max_wait=5.0, connect_timeout=2.0, timeout=5.0)


def _channel(receiver: Receiver, kind: str, **extra: Any) -> Channel:
    entry = {"name": "equipe", "kind": kind, "url_env": "HOOK", **extra}
    settings = parse_config(json.dumps({"settings": {"channels": [entry]}})).settings.channels[0]
    return resolve(settings, allow_private_networks=True, environ={"HOOK": receiver.url})


ITEMS = (
    ChannelItem(
        title="Décret n° 2026-1234 relatif à l’apprentissage",
        url="https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000012345",
        source="Légifrance",
        published_at=datetime(2026, 11, 16, 13, 5, tzinfo=UTC),
    ),
    ChannelItem(
        title="France compétences : nouvelles règles de prise en charge",
        url="https://www.francecompetences.fr/actualites/prise-en-charge/",
        source="France compétences",
        published_at=datetime(2026, 11, 17, 8, 0, tzinfo=UTC),
    ),
)
LETTER = LetterMessage(
    week="2026-W47",
    title="Veille formation",
    url="https://veille.example.org/2026-W47/",
    items=ITEMS,
)


def test_teams_gets_an_adaptive_card_in_a_message(receiver: Receiver) -> None:
    result = post_letter(_channel(receiver, "teams"), LETTER, QUICK)
    assert (result.status, result.attempts) == (200, 1)
    (got,) = receiver.received
    assert got["path"] == HOOK_PATH
    assert got["headers"]["Content-Type"] == "application/json"
    body = got["json"]
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    # The schema of version 1.4 (adaptivecards.io) allows these properties and no other.
    assert set(card) <= {"type", "version", "body", "actions", "$schema", "fallbackText", "lang"}
    text_block = {"type", "text", "size", "weight", "wrap", "isSubtle", "spacing", "color"}
    assert all(set(block) <= text_block for block in card["body"])
    assert {block["type"] for block in card["body"]} == {"TextBlock"}
    assert all(isinstance(b["text"], str) and b["wrap"] is True for b in card["body"])
    texts = [b["text"] for b in card["body"]]
    assert texts[0] == "Veille formation — semaine du 16 au 22 novembre 2026"
    assert card["body"][0]["weight"] == "Bolder"
    assert f"[Décret n° 2026-1234 relatif à l’apprentissage]({ITEMS[0].url})" in texts
    assert "France compétences" in texts
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Lire la lettre en ligne", "url": LETTER.url}
    ]


def test_slack_gets_text_and_blocks_with_strangers_text_inert(receiver: Receiver) -> None:
    hostile = ChannelItem(
        title="<!channel> Urgent & *gras* <https://evil.example|cliquez>",
        url="https://example.org/a|b>c",
        source="Source <b>",
    )
    items = (*ITEMS, *[hostile] * 6)
    message = AlertMessage(alert="Décrets", query="décret apprentissage", items=items, tz="UTC")
    post_alert(_channel(receiver, "slack", max_items=3), message, QUICK)
    body = receiver.bodies()[0]
    assert body["unfurl_links"] is False
    assert "Alerte « Décrets » : 8 nouveaux articles" in body["text"]
    blocks = body["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "section",
                                           "context"]  # fmt: skip
    assert blocks[0]["text"] == {
        "type": "plain_text", "text": "Alerte « Décrets » : 8 nouveaux articles", "emoji": False
    }  # fmt: skip
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "Recherche : décret apprentissage"}
    first = blocks[2]["text"]
    assert first["type"] == "mrkdwn"
    assert first["text"] == (
        f"*<{ITEMS[0].url}|Décret n° 2026-1234 relatif à l’apprentissage>*\n"
        "Légifrance · lundi 16 novembre 2026"
    )
    third = blocks[4]["text"]["text"]
    assert "<!channel>" not in third and "<https://evil" not in third
    assert third.startswith("*<https://example.org/a%7Cb%3Ec|&lt;!channel&gt; Urgent &amp; ")
    assert "Source &lt;b&gt;" in third
    assert blocks[5]["elements"] == [{"type": "mrkdwn", "text": "… et 5 autres"}]


def test_mattermost_gets_markdown_and_its_username(receiver: Receiver) -> None:
    hostile = ChannelItem(
        title="@channel [piège](javascript:alert(1)) <img src=x>",
        url="javascript:alert(1)",
        source="@all",
    )
    message = LetterMessage(
        week="2026-W49", title="Veille formation", url=None, items=(ITEMS[0], hostile)
    )
    post_letter(_channel(receiver, "mattermost", username="Veille"), message, QUICK)
    body = receiver.bodies()[0]
    assert set(body) == {"text", "username"}
    assert body["username"] == "Veille"
    lines = body["text"].split("\n")
    assert lines[0] == "#### Veille formation — semaine du 30 novembre au 6 décembre 2026"
    assert lines[1] == "La lettre de veille de la semaine est publiée."
    assert f"- [Décret n° 2026-1234 relatif à l’apprentissage]({ITEMS[0].url}) — Légifrance" in (
        lines
    )
    last = lines[-1]
    assert "[piège](" not in last and "\\[piège\\](javascript" in last  # text, not a link
    assert "&lt;img src=x&gt;" in last
    assert "@channel" not in last and "@all" not in last  # no mention wakes the whole team
    assert "Lire la lettre en ligne" not in body["text"]  # no address: no link


def test_english_when_configured(receiver: Receiver) -> None:
    message = LetterMessage(
        week="2026-W47", title="Training watch", url=LETTER.url, items=ITEMS, lang="en"
    )
    post_letter(_channel(receiver, "slack"), message, QUICK)
    blocks = receiver.bodies()[0]["blocks"]
    assert blocks[0]["text"]["text"] == "Training watch — week of 16–22 November 2026"
    assert blocks[-1]["elements"][0]["text"]["text"] == "Read the letter online"
    assert week_label("2026-W53", "fr") == "semaine du 28 décembre 2026 au 3 janvier 2027"
    assert week_label("2027-W09", "fr") == "semaine du 1er au 7 mars 2027"
    assert week_label("2026-W49", "en") == "week of 30 November – 6 December 2026"


def test_server_errors_are_tried_again_then_succeed(receiver: Receiver) -> None:
    receiver.script = [Answer(503, b"busy"), Answer(500, b"oops")]
    result = post_ready(_channel(receiver, "mattermost"), "fr", QUICK)
    assert (result.status, result.attempts) == (200, 3)
    assert len(receiver.received) == 3
    assert receiver.bodies()[0] == receiver.bodies()[2]  # the same message each time


def test_retry_after_is_honoured(receiver: Receiver) -> None:
    receiver.script = [Answer(429, b"rate_limited", {"Retry-After": "1"})]
    result = post_ready(_channel(receiver, "slack"), "fr", QUICK)
    assert result.attempts == 2
    first, second = receiver.received
    assert second["at"] - first["at"] >= 0.95  # not QUICK's 0.01 s backoff


def test_a_retry_after_past_the_limit_is_not_waited_for(receiver: Receiver) -> None:
    receiver.script = [Answer(429, b"", {"Retry-After": "3600"})]
    started = time.monotonic()
    with pytest.raises(ChannelError) as caught:
        post_ready(_channel(receiver, "slack"), "fr", QUICK)
    assert time.monotonic() - started < 3
    assert len(receiver.received) == 1
    assert "demande d’attendre 3600 s" in str(caught.value)
    assert caught.value.status == 429


@pytest.mark.parametrize(
    ("kind", "answer", "quoted"),
    [
        ("slack", b"invalid_payload", "invalid_payload"),
        (
            "teams",
            b'{"error":{"code":"InvalidRequestContent","message":"The input body for trigger '
            b"'manual' of type 'Request' did not match its schema definition.\"}}",
            "The input body for trigger 'manual' of type 'Request' did not match its schema",
        ),
        (
            "mattermost",
            b'{"id":"web.incoming_webhook.parse.app_error","message":"Unable to parse incoming '
            b'data.","detailed_error":"","status_code":400}',
            "Unable to parse incoming data.",
        ),
    ],
)
def test_a_refusal_is_one_clear_line_with_the_address_masked(
    receiver: Receiver, kind: str, answer: bytes, quoted: str
) -> None:
    receiver.script = [Answer(400, answer + f" {HOOK_PATH}".encode())]
    channel = _channel(receiver, kind)
    with pytest.raises(ChannelError) as caught:
        post_letter(channel, LETTER, QUICK)
    message = str(caught.value)
    assert len(receiver.received) == 1  # a refusal is not tried again
    assert caught.value.status == 400 and caught.value.kind == "channel"
    assert "\n" not in message
    assert "SECRET" not in message
    port = receiver.server_address[1]
    assert message.startswith(
        f"le canal « equipe » ({channel.service}, http://127.0.0.1:{port}/…) a refusé le "
        "message : HTTP 400, réponse « "
    )
    assert quoted in message
    assert f"vérifiez que kind ({channel.service})" in message


def test_a_revoked_webhook_says_where_its_new_address_goes(receiver: Receiver) -> None:
    receiver.script = [Answer(404, b"no_service")]
    with pytest.raises(ChannelError) as caught:
        post_letter(_channel(receiver, "slack"), LETTER, QUICK)
    assert "« no_service »" in str(caught.value)
    assert "ce webhook n’existe plus" in str(caught.value)
    assert "mettez sa nouvelle adresse dans HOOK" in str(caught.value)


def test_giving_up_after_the_attempts(receiver: Receiver) -> None:
    receiver.script = [Answer(502, b"bad gateway")] * 3
    with pytest.raises(ChannelError) as caught:
        post_letter(_channel(receiver, "teams"), LETTER, QUICK)
    assert len(receiver.received) == 3
    assert "n’a pas pris le message après 3 essais (dernier : HTTP 502)" in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_a_webhook_that_does_not_answer_in_time_is_tried_again(receiver: Receiver) -> None:
    receiver.script = [Answer(delay=1.5), Answer(delay=1.5)]
    quick = RetryPolicy(attempts=2, backoff=0.01, timeout=0.5)
    with pytest.raises(ChannelError) as caught:
        post_letter(_channel(receiver, "slack"), LETTER, quick)
    assert len(receiver.received) == 2
    assert "après 2 essais (dernier : pas de réponse complète à temps)" in str(caught.value)


def test_long_texts_stay_within_each_service_limits(receiver: Receiver) -> None:
    long = ChannelItem(title="Réforme " * 200, url="https://ex.fr/" + "a" * 2000, source="S " * 200)
    message = AlertMessage(alert="A" * 300, query="q " * 500, items=(long,) * 40, tz="UTC")
    for kind in ("teams", "slack", "mattermost"):
        post_alert(_channel(receiver, kind, max_items=20), message, QUICK)
    teams, slack, mattermost = receiver.bodies()
    shown = (len(teams["attachments"][0]["content"]["body"]) - 3) // 2
    assert 3 <= shown < 20  # the rest gave way to "… et X autres"
    assert teams["attachments"][0]["content"]["body"][-1]["text"] == f"… et {40 - shown} autres"
    assert all(len(json.dumps(b).encode()) < 28 * 1024 for b in (teams, slack, mattermost))
    assert len(mattermost["text"]) < 16383
    blocks = slack["blocks"]
    assert len(blocks) <= 50 and len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert blocks[-1]["elements"][0]["text"].startswith("… et ")
    assert "Réforme Réforme" in mattermost["text"]


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.script = [Answer(302, b"", {"Location": "https://elsewhere.example/hook"})]
    with pytest.raises(ChannelError) as caught:
        post_letter(_channel(receiver, "slack"), LETTER, QUICK)
    assert len(receiver.received) == 1
    assert "redirection (HTTP 302)" in str(caught.value)


def test_a_closed_port_is_tried_again_then_reported(receiver: Receiver) -> None:
    port = receiver.server_address[1]
    receiver.shutdown()
    receiver.server_close()
    settings = parse_config(
        "settings:\n  channels:\n    - {name: equipe, kind: slack, url_env: HOOK}\n"
    ).settings.channels[0]
    env = {"HOOK": f"http://127.0.0.1:{port}{HOOK_PATH}"}
    channel = resolve(settings, allow_private_networks=True, environ=env)
    with pytest.raises(ChannelError) as caught:
        post_letter(channel, LETTER, QUICK)
    message = str(caught.value)
    assert "après 3 essais (dernier : connexion impossible" in message
    assert "SECRET" not in message


def test_a_private_address_needs_allow_private_networks(receiver: Receiver) -> None:
    settings = parse_config(
        "settings:\n  channels:\n    - {name: equipe, kind: slack, url_env: HOOK}\n"
    ).settings.channels[0]
    with pytest.raises(ConfigError, match="commence par http://"):
        resolve(settings, environ={"HOOK": receiver.url})
    https = receiver.url.replace("http://", "https://")
    channel = resolve(settings, environ={"HOOK": https})
    with pytest.raises(ChannelError) as caught:
        post_letter(channel, LETTER, QUICK)
    assert "ne peut pas être joint" in str(caught.value)
    assert "private or reserved address" in str(caught.value)
    assert "SECRET" not in str(caught.value)
    assert receiver.received == []  # refused before connecting


def test_the_address_comes_from_the_environment_or_its_file(tmp_path: Path) -> None:
    config = parse_config(
        "settings:\n  channels:\n"
        "    - {name: equipe, kind: teams, url_env: TEAMS_HOOK, receives: [letters]}\n"
        "    - {name: alertes, kind: slack, url_env: SLACK_HOOK, receives: [alerts]}\n"
    )
    secret = tmp_path / "teams-url"
    secret.write_text("https://prod.westeurope.logic.azure.com/workflows/abc?sig=XYZ\n")
    env = {"TEAMS_HOOK_FILE": str(secret), "SLACK_HOOK": "https://hooks.slack.com/services/T/B/K"}
    (teams,) = channels_for(config, "letters", env)
    assert teams.url == "https://prod.westeurope.logic.azure.com/workflows/abc?sig=XYZ"
    assert teams.shown == "https://prod.westeurope.logic.azure.com/…"
    assert "XYZ" not in repr(teams)
    assert [c.name for c in channels_for(config, "alerts", env)] == ["alertes"]
    with pytest.raises(ConfigError) as caught:
        channel_named(config, "alertes", {})
    assert "la variable d’environnement SLACK_HOOK (ou SLACK_HOOK_FILE" in str(caught.value)
    with pytest.raises(ConfigError, match="les canaux sont equipe, alertes"):
        channel_named(config, "nope", env)
    both = {**env, "TEAMS_HOOK": "https://x.example/"}
    with pytest.raises(ConfigError, match="TEAMS_HOOK et TEAMS_HOOK_FILE sont définies toutes"):
        channel_named(config, "equipe", both)
    assert mask_webhook("https://[2001:db8::1]:8443/hooks/abc") == "https://[2001:db8::1]:8443/…"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{name: equipe, kind: slack, url_env: HOOK, url: 'https://hooks.slack.com/x'}",
            "canal « equipe » (settings.channels[0]), l’adresse du webhook est un secret",
        ),
        (
            "{name: equipe, kind: msteams, url_env: HOOK}",
            "clé « kind » : « msteams » n’est pas l’une des valeurs teams, slack, mattermost. "
            "Astuce : kind: teams",
        ),
        ("{name: equipe, kind: slack}", "la clé « url_env » manque. Astuce : nommez la variable"),
        (
            "{name: equipe, kind: slack, url_env: HOOK, colour: red}",
            "clé inconnue « colour ». Astuce : les clés permises sont : kind, max_items, name,",
        ),
        (
            "{name: equipe, kind: slack, url_env: HOOK, username: Veille}",
            "username ne s’applique qu’aux canaux kind: mattermost",
        ),
        (
            "{name: equipe, kind: slack, url_env: HOOK_FILE}",
            "clé « url_env » : « HOOK_FILE » n’est pas un nom de variable d’environnement",
        ),
        (
            "{name: equipe, kind: slack, url_env: HOOK, max_items: 50}",
            "clé « max_items » : « 50 » est trop grand (au plus 20). Astuce : un nombre entier "
            "d’articles par message, de 1 à 20.",
        ),
    ],
)
def test_configuration_mistakes_name_the_channel_and_the_key(entry: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"settings:\n  channels:\n    - {entry}\n")
    assert expected in str(caught.value)


def test_each_channel_gets_its_post_whatever_the_others_do(receiver: Receiver) -> None:
    config = parse_config(
        "settings:\n  allow_private_networks: true\n  channels:\n"
        "    - {name: sans-adresse, kind: teams, url_env: NOT_SET}\n"
        "    - {name: refuse, kind: slack, url_env: HOOK}\n"
        "    - {name: alertes-seulement, kind: slack, url_env: HOOK, receives: [alerts]}\n"
        "    - {name: equipe, kind: mattermost, url_env: HOOK}\n"
    )
    receiver.script = [Answer(410, b"channel_is_archived")]
    done = deliver_letter(config, LETTER, {"HOOK": receiver.url}, QUICK)
    assert [(d.channel, d.ok, d.error_kind) for d in done] == [
        ("sans-adresse", False, "config"), ("refuse", False, "channel"), ("equipe", True, None),
    ]  # fmt: skip
    assert "NOT_SET" in (done[0].error or "")
    assert "« channel_is_archived »" in (done[1].error or "")
    assert [set(b) for b in receiver.bodies()] == [
        {"text", "blocks", "unfurl_links", "unfurl_media"}, {"text"},
    ]  # fmt: skip
    alert = AlertMessage(alert="Décrets", query="décret", items=ITEMS)
    done = deliver_alert(config, alert, {"HOOK": receiver.url}, QUICK)
    assert [d.channel for d in done if d.ok] == ["refuse", "alertes-seulement", "equipe"]


def test_the_letter_message_of_a_published_digest() -> None:
    def item(n: int) -> DigestItem:
        return DigestItem(
            article_id=f"a{n}", title=f"Article {n}", url=f"https://ex.fr/{n}", source_name="Ex"
        )

    digest = Digest(
        week="2026-W47",
        title="Veille formation",
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        top_story=item(3),
        sections=(
            DigestSection(tag_id="reglementaire", label="Réglementaire", items=(item(1), item(3))),
            DigestSection(tag_id="numerique", label="Numérique", items=(item(2), item(4))),
        ),
        stats=DigestStats(gathered=10, duplicates=1, off_topic=2, kept=4, words_not_read=900),
        published_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    message = letter_message(digest, "https://veille.example.org", max_items=3)
    assert [i.title for i in message.items] == ["Article 3", "Article 1", "Article 2"]
    assert message.url == "https://veille.example.org/2026-W47/"
    assert letter_message(digest, None).url is None


@pytest.mark.slow  # five `veille` processes
def test_the_channels_commands(receiver: Receiver, tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        "settings:\n  channels:\n"
        "    - {name: equipe, kind: mattermost, url_env: VEILLE_TEST_HOOK, receives: [alerts]}\n"
        "    - {name: direction, kind: teams, url_env: VEILLE_TEST_OTHER}\n",
        encoding="utf-8",
    )
    secret = tmp_path / "hook"
    secret.write_text(receiver.url + "\n")
    env = {"VEILLE_TEST_HOOK_FILE": str(secret), "VEILLE_ALLOW_PRIVATE_NETWORKS": "1"}
    done = run_veille("channels", "test", "equipe", cwd=tmp_path, env=env)
    port = receiver.server_address[1]
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"Message de test posté sur le canal « equipe » (Mattermost, http://127.0.0.1:{port}/…) "
        ": accepté (HTTP 200) au premier essai."
    )
    (body,) = receiver.bodies()
    assert body["text"].startswith("#### Test de veille\nSi vous lisez ce message, le canal")
    assert "veille y publiera les alertes." in body["text"]

    listed = run_veille("channels", "list", "--json", cwd=tmp_path, env=env)
    assert json.loads(listed.stdout) == [
        {"name": "equipe", "kind": "mattermost", "receives": ["alerts"],
         "url_env": "VEILLE_TEST_HOOK", "address": f"http://127.0.0.1:{port}/…", "problem": None},
        {"name": "direction", "kind": "teams", "receives": ["letters", "alerts"],
         "url_env": "VEILLE_TEST_OTHER", "address": None, "problem": "non définie"},
    ]  # fmt: skip
    assert "SECRET" not in listed.stdout

    receiver.script = [Answer(403, b'{"message":"Webhook disabled"}')]
    refused = run_veille("channels", "test", "equipe", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "a refusé le message : HTTP 403, réponse « Webhook disabled »" in refused.stderr
    assert "Traceback" not in refused.stderr and "SECRET" not in refused.stderr
    (tmp_path / "empty.yaml").write_text("sources: []\n", encoding="utf-8")
    none = run_veille("--config", "empty.yaml", "channels", "list", cwd=tmp_path, env=env)
    assert none.stdout.startswith("aucun canal n’est déclaré. Astuce : ajoutez settings.channels")
    missing = run_veille("channels", "test", "direction", cwd=tmp_path, env=env)
    assert missing.returncode == 1
    assert "VEILLE_TEST_OTHER" in missing.stderr


def test_the_words_exist_in_both_languages() -> None:
    keys = [k for k in i18n.MESSAGES if k.startswith("channels.")]
    assert len(keys) > 30
    assert all(all(pair) for pair in (i18n.MESSAGES[k] for k in keys))


# --- a publication announces the letter ------------------------------------------------------


@pytest.mark.slow
def test_a_first_publication_is_announced_once_and_a_refusal_does_not_stop_it(
    ingested: tuple[Any, Path], tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real publication of the demo's week posts the letter to each channel that receives
    letters; publishing it again (a correction) posts nothing; a channel that refuses is said in
    the summary, and the letter is published all the same."""
    from tests.conftest import copy_ingested
    from veille import digest as digests
    from veille import publishing
    from veille.channel_settings import ChannelSettings
    from veille.store import Store

    config, db = ingested
    store = Store(copy_ingested(db, tmp_path), lock_timeout=60)
    week = "2026-W47"
    channels = (
        ChannelSettings(name="equipe", kind="slack", url_env="VEILLE_TEST_HOOK"),
        ChannelSettings(name="alertes", kind="teams", url_env="VEILLE_TEST_HOOK2",
                        receives=("alerts",)),
        ChannelSettings(name="refuse", kind="mattermost", url_env="VEILLE_TEST_HOOK3"),
    )  # fmt: skip
    settings = config.settings.model_copy(
        update={"channels": channels, "allow_private_networks": True}
    )
    config = config.model_copy(update={"settings": settings})
    monkeypatch.setenv("VEILLE_TEST_HOOK", receiver.url)
    monkeypatch.setenv("VEILLE_TEST_HOOK2", receiver.url + "/alerts")
    monkeypatch.setenv("VEILLE_TEST_HOOK3", receiver.url + "/refuse")
    receiver.script = [Answer(), Answer(status=400, body=b'{"message": "Unable to parse"}')]
    digests.draft(config, store, week)
    with i18n.language("fr"):
        first = publishing.publish(config, store, week, tmp_path / "digests")
        said = publishing.publish_summary(first, config)
    assert [r["path"] for r in receiver.received] == [HOOK_PATH, HOOK_PATH + "/refuse"]
    slack = receiver.received[0]["json"]
    assert "semaine du 16 au 22 novembre 2026" in slack["text"]
    assert f"{config.settings.digest.site_url}{week}/" in json.dumps(slack)
    assert "Lettre annoncée sur le canal « equipe »." in said
    refused = [line for line in said if "« refuse »" in line]
    assert len(refused) == 1 and "Unable to parse" in refused[0], said
    assert "SECRET" not in " ".join(said)
    assert store.digest(week).published_at is not None  # type: ignore[union-attr]

    again = publishing.publish(config, store, week, tmp_path / "digests")
    assert again.again and again.channels == ()
    assert len(receiver.received) == 2
