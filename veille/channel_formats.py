"""What veille posts to a chat channel, and the JSON each service expects (pure: no network).

A message (:class:`LetterMessage`, :class:`AlertMessage`) becomes a :class:`Post` — a heading,
a few lines, the articles, a link, all plain text in the message's language — and the Post
becomes the payload of one service's incoming webhook:

* **Microsoft Teams**: an Adaptive Card in a ``message``, the payload of the webhooks of the
  Workflows app (Power Automate's "Post to a channel when a webhook request is received").
  Not the MessageCard of the Office 365 connectors: Microsoft announced their retirement in
  July 2024 (the end date was pushed back more than once), new ones cannot be created, and
  Workflows only renders Adaptive Cards. Version 1.4 is what Teams renders on desktop, web
  and phones.
* **Slack**: ``text`` (the notification and the fallback) and Block Kit ``blocks`` (a header,
  ``mrkdwn`` sections, a context line, a button).
* **Mattermost**: ``text`` in Markdown, and ``username`` when the channel sets one.

Article titles and source names are strangers' text: each format gets them inert (no link,
mention, emphasis or HTML they did not ask for), and only http(s) links are written.

Usage::

    post = letter_post(LetterMessage(week="2026-W47", title="Veille formation", url=..., items=...))
    payload("slack", post)   # {"text": ..., "blocks": [...]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from veille import i18n
from veille.moments import WEEKDAYS
from veille.render import (
    Digest,
    clean_text,
    format_date,
    markdown_escape,
    safe_url,
    week_url,
)
from veille.weeks import week_label

ChannelKind = Literal["teams", "slack", "mattermost"]
KINDS: tuple[ChannelKind, ...] = ("teams", "slack", "mattermost")
KIND_NAMES: dict[str, str] = {"teams": "Teams", "slack": "Slack", "mattermost": "Mattermost"}

MAX_ITEMS = 20  # a chat message is a pointer to the letter, not the letter
MAX_TITLE_CHARS = 250
# A post's JSON at most: under Teams' 28 KB message limit and Mattermost's 16,383 characters
# of text, far under Slack's 40,000 (a 2,000-character tracking link per article adds up).
MAX_PAYLOAD_BYTES = 16 * 1024
SLACK_HEADER_CHARS = 150  # Block Kit's limit for a header's text
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelItem:
    """One article as a channel shows it."""

    title: str
    url: str
    source: str
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterMessage:
    """A letter was published: its week (ISO, ``2026-W47``), name, online address, top items."""

    week: str
    title: str
    url: str | None
    items: tuple[ChannelItem, ...] = ()
    lang: str = "fr"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertMessage:
    """New articles matched an alert. ``total``: how many matched, when ``items`` holds only
    the first ones (the post says "et X autres"); ``url``: where to see them all, if anywhere."""

    alert: str
    query: str
    items: tuple[ChannelItem, ...]
    total: int | None = None
    url: str | None = None
    lang: str = "fr"
    tz: str = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class PostItem:
    title: str
    url: str | None
    meta: str  # "Source · lundi 16 novembre 2026"


@dataclass(frozen=True, slots=True)
class Post:
    """A message in plain text, ready to be written in one service's format."""

    heading: str
    lines: tuple[str, ...] = ()
    items: tuple[PostItem, ...] = ()
    left: int = 0  # articles not shown: "… et 3 autres"
    link: tuple[str, str] | None = None  # (label, http(s) address)
    lang: str = "fr"

    @property
    def more(self) -> str | None:
        if self.left <= 0:
            return None
        key = "channels.alert.more_one" if self.left == 1 else "channels.alert.more_other"
        with i18n.language(self.lang):
            return i18n.message(key, n=self.left)


# --- messages -> posts ---------------------------------------------------------------------


def day_label(moment: datetime, tz: str, lang: str = "fr") -> str:
    """``lundi 16 novembre 2026`` / ``Monday 16 November 2026``, in the time zone ``tz``."""
    local = moment.astimezone(ZoneInfo(tz)).date()
    names = WEEKDAYS.get(lang, WEEKDAYS["fr"])
    return f"{names[local.weekday()]} {format_date(local, lang)}"


def _short(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _item(item: ChannelItem, lang: str, tz: str | None) -> PostItem:
    meta = [_short(item.source, 120)]
    if tz is not None and item.published_at is not None:
        meta.append(day_label(item.published_at, tz, lang))
    return PostItem(_short(item.title) or item.url, safe_url(item.url), " · ".join(meta))


def letter_post(message: LetterMessage, max_items: int = 5) -> Post:
    """A published letter: its name and week, the first items, the link to read it online."""
    lang = message.lang
    items = tuple(_item(i, lang, None) for i in message.items[: min(max_items, MAX_ITEMS)])
    with i18n.language(lang):
        heading = i18n.message(
            "channels.letter.heading", title=_short(message.title, 80),
            week=week_label(message.week, lang),
        )  # fmt: skip
        lines = [i18n.message("channels.letter.intro")]
        if items:
            lines.append(i18n.message("channels.letter.top"))
        url = safe_url(message.url)
        link = (i18n.message("channels.letter.read"), url) if url else None
    return Post(heading, tuple(lines), items, 0, link, lang)


def alert_post(message: AlertMessage, max_items: int = 5) -> Post:
    """New matches of an alert: its name, its query, the first articles, "et X autres"."""
    lang = message.lang
    shown = message.items[: min(max_items, MAX_ITEMS)]
    total = max(message.total or 0, len(message.items))
    items = tuple(_item(i, lang, message.tz) for i in shown)
    left = total - len(items)
    with i18n.language(lang):
        key = "channels.alert.heading_one" if total == 1 else "channels.alert.heading_other"
        heading = i18n.message(key, name=_short(message.alert, 80), n=total)
        lines = (i18n.message("channels.alert.query", query=_short(message.query, 200)),)
        url = safe_url(message.url)
        link = (i18n.message("channels.alert.open"), url) if url else None
    return Post(heading, lines, items, left, link, lang)


def ready_post(name: str, receives: tuple[str, ...], lang: str = "fr") -> Post:
    """The message of ``veille channels test``: says the channel is ready, and for what."""
    what = "both" if set(receives) == {"letters", "alerts"} else (receives or ("nothing",))[0]
    with i18n.language(lang):
        text = i18n.message(
            "channels.test.text", name=name, what=i18n.message(f"channels.receives.{what}")
        )
        return Post(i18n.message("channels.test.heading"), (text,), lang=lang)


def letter_message(digest: Digest, site_url: str | None, *, max_items: int = 5) -> LetterMessage:
    """The channel message of a published letter: the top story first, then the sections'
    items in the curator's order; the link is the week's page of the archive at ``site_url``."""
    ordered = ([digest.top_story] if digest.top_story else []) + [
        item for section in digest.sections for item in section.items
    ]
    seen: set[str] = set()
    items: list[ChannelItem] = []
    for item in ordered:
        if item.article_id not in seen and len(items) < max_items:
            seen.add(item.article_id)
            items.append(ChannelItem(title=item.title, url=item.url, source=item.source_name))
    url = week_url(site_url, digest.week) if site_url else None
    return LetterMessage(
        week=digest.week, title=digest.title, url=url, items=tuple(items), lang=digest.lang
    )


# --- posts -> payloads ---------------------------------------------------------------------


def payload(kind: str, post: Post, *, username: str | None = None) -> dict[str, Any]:
    """The JSON body the ``kind`` service's incoming webhook expects for ``post``, within
    ``MAX_PAYLOAD_BYTES``: the last articles give way to "… et X autres" if need be."""
    body = _payload(kind, post, username)
    while post.items and len(json.dumps(body, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
        post = replace(post, items=post.items[:-1], left=post.left + 1)
        body = _payload(kind, post, username)
    return body


def _payload(kind: str, post: Post, username: str | None) -> dict[str, Any]:
    if kind == "teams":
        return teams_payload(post)
    if kind == "slack":
        return slack_payload(post)
    if kind == "mattermost":
        return mattermost_payload(post, username=username)
    raise ValueError(f"unknown channel kind {kind!r}")


def plain_text(post: Post) -> str:
    """The post as plain text (Slack's notification and fallback)."""
    lines = [post.heading, *post.lines]
    lines += [f"- {item.title} ({item.meta})" for item in post.items]
    if post.more:
        lines.append(post.more)
    return "\n".join(lines)


def _md_url(url: str) -> str:
    """An http(s) address as a Markdown link target: nothing in it can end the link."""
    for char, code in (("\\", "%5C"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url.replace(" ", "%20")


def _md(text: str) -> str:
    """Stranger's text inert in Markdown, and no ``@channel``/``@all`` mention it could wake."""
    return markdown_escape(text).replace("@", "@\u200b")


def _md_link(title: str, url: str | None) -> str:
    return f"[{_md(title)}]({_md_url(url)})" if url else _md(title)


def teams_payload(post: Post) -> dict[str, Any]:
    """A ``message`` carrying one Adaptive Card (Teams Workflows webhooks)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _md(post.heading), "size": "Medium", "weight": "Bolder",
         "wrap": True},
    ]  # fmt: skip
    body += [{"type": "TextBlock", "text": _md(line), "wrap": True} for line in post.lines]
    for item in post.items:
        body.append(
            {"type": "TextBlock", "text": _md_link(item.title, item.url), "wrap": True,
             "spacing": "Medium"}
        )  # fmt: skip
        body.append(
            {"type": "TextBlock", "text": _md(item.meta), "isSubtle": True, "size": "Small",
             "spacing": "None", "wrap": True}
        )  # fmt: skip
    if post.more:
        body.append({"type": "TextBlock", "text": _md(post.more), "isSubtle": True, "wrap": True})
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,  # no "msteams" key: the schema allows no property of its own
    }
    if post.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": post.link[0], "url": post.link[1]}]
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def _slack_escape(text: str) -> str:
    """Slack's three control characters as entities: no ``<!channel>``, no hidden link."""
    return clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(title: str, url: str | None) -> str:
    if not url:
        return f"*{_slack_escape(title)}*"
    target = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"*<{target}|{_slack_escape(title)}>*"


def slack_payload(post: Post) -> dict[str, Any]:
    """``text`` and Block Kit ``blocks`` (header, mrkdwn sections, context, a button)."""
    header = clean_text(post.heading)
    if len(header) > SLACK_HEADER_CHARS:
        header = header[: SLACK_HEADER_CHARS - 1] + "…"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}}
    ]
    if post.lines:
        text = "\n".join(_slack_escape(line) for line in post.lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    for item in post.items:
        text = f"{_slack_link(item.title, item.url)}\n{_slack_escape(item.meta)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if post.more:
        more = {"type": "mrkdwn", "text": _slack_escape(post.more)}
        blocks.append({"type": "context", "elements": [more]})
    if post.link:
        label, url = post.link
        button = {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
        blocks.append({"type": "actions", "elements": [button]})
    return {
        "text": _slack_escape(plain_text(post)),
        "blocks": blocks,
        "unfurl_links": False,  # one preview per article link would bury the message
        "unfurl_media": False,
    }


def mattermost_payload(post: Post, *, username: str | None = None) -> dict[str, Any]:
    """``text`` in Markdown (a heading, a list of links), and the ``username`` to show."""
    lines = [f"#### {_md(post.heading)}", *(_md(line) for line in post.lines)]
    if post.items:
        lines.append("")
        lines += [f"- {_md_link(i.title, i.url)} — {_md(i.meta)}" for i in post.items]
    if post.more:
        lines.append(_md(post.more))
    if post.link:
        lines += ["", _md_link(post.link[0], post.link[1])]
    body: dict[str, Any] = {"text": "\n".join(lines)}
    if username:
        body["username"] = username
    return body
