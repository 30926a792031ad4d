"""Posting to Teams, Slack and Mattermost channels through their incoming webhooks.

A channel is declared in ``settings.channels`` (:mod:`veille.channel_settings`), its address
read from the environment (a secret: shown as ``https://host/…`` in every message and log).
Posts go through the same guard as the fetcher (:mod:`veille.guard`): public addresses only,
unless ``allow_private_networks`` (an intranet Mattermost, the tests' receiver on 127.0.0.1).

**Retries**: a connection failure, a timeout, a 429 or a 5xx answer is tried again, up to
``RetryPolicy.attempts`` times, after ``backoff`` seconds doubled each time, or after the
server's ``Retry-After`` when it gives one — but a server asking to wait longer than
``max_wait`` is not waited for: the post fails at once, saying so. Any other refusal (400, 403,
404...) fails at once with one :class:`~veille.errors.ChannelError` quoting the service's
answer (Slack's ``invalid_payload``, Teams' error message, Mattermost's ``message``) and a hint.
A redirect is not followed: a webhook that moved must be given its new address.

Usage (the publisher and the alerts call these; from async code, ``await apost(...)``)::

    deliveries = deliver_letter(config, letter_message(digest, config.settings.digest.site_url))
    deliveries = deliver_alert(config, AlertMessage(alert="Décrets", query="décret", items=items))
    [d.error for d in deliveries if not d.ok]     # one line per channel that did not take it

``deliver_*`` post to every channel that receives letters (or alerts), each on its own: a
missing address or a refusal is a :class:`Delivery` with its error, and the others still get
their post. One channel at a time: ``post_letter(channel, message)`` and
``post_alert(channel, message)`` return a :class:`PostResult` or raise ChannelError.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from veille import i18n
from veille.channel_formats import (
    KIND_NAMES,
    AlertMessage,
    ChannelItem,
    LetterMessage,
    Post,
    alert_post,
    letter_message,
    letter_post,
    payload,
    ready_post,
)
from veille.channel_settings import ChannelSettings
from veille.config import Config
from veille.environment import env_secret
from veille.errors import (
    BlockedAddressError,
    ChannelError,
    ConfigError,
    FetchError,
    NetworkError,
    UnsupportedURLError,
    describe,
    one_line,
)
from veille.fetch import DEFAULT_USER_AGENT, parse_retry_after
from veille.guard import GuardedBackend, address_policy, checked_url, system_resolver

__all__ = [
    "AlertMessage",
    "Channel",
    "ChannelItem",
    "Delivery",
    "LetterMessage",
    "PostResult",
    "RetryPolicy",
    "apost",
    "channel_named",
    "channels_for",
    "deliver_alert",
    "deliver_letter",
    "letter_message",
    "mask_webhook",
    "post",
    "post_alert",
    "post_letter",
    "post_ready",
    "resolve",
]

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024  # of a webhook's answer: enough for any error message
MAX_ANSWER_CHARS = 200  # quoted in an error


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a post tries. Defaults: at most 4 attempts over about 2 minutes."""

    attempts: int = 4
    backoff: float = 2.0  # seconds before the second attempt, doubled for each next one
    max_wait: float = 30.0  # the longest Retry-After waited for
    connect_timeout: float = 10.0
    timeout: float = 20.0  # one attempt, from connecting to the answer's last byte


@dataclass(frozen=True, slots=True)
class Channel:
    """A declared channel with its address read from the environment."""

    name: str
    kind: str  # teams | slack | mattermost
    url: str = field(repr=False)  # a secret: use .shown in messages
    variable: str  # the environment variable it came from
    receives: tuple[str, ...] = ("letters", "alerts")
    username: str | None = None
    max_items: int = 5
    allow_private_networks: bool = False

    @property
    def shown(self) -> str:
        return mask_webhook(self.url)

    @property
    def service(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class PostResult:
    channel: str
    status: int  # the webhook's HTTP answer (Slack, Mattermost: 200; Teams Workflows: 202)
    attempts: int


def mask_webhook(url: str) -> str:
    """``https://hooks.slack.com/services/T0/B0/xyz`` -> ``https://hooks.slack.com/…``: the
    path of a webhook's address is its key."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "…"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme or '?'}://{host}{port}/…"


# --- which channels ------------------------------------------------------------------------


def resolve(
    settings: ChannelSettings,
    *,
    allow_private_networks: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Channel:
    """The channel with its address from ``settings.url_env`` (or its ``_FILE`` twin);
    ConfigError naming the variable when it is missing or not a usable https address."""
    env = os.environ if environ is None else environ
    variable = settings.url_env
    words = {"name": settings.name, "variable": variable, "kind": KIND_NAMES[settings.kind]}
    url = (env_secret(variable, env) or "").strip()
    if not url:
        raise ConfigError(i18n.message("channels.missing_url", **words))
    try:
        checked_url(url)
    except UnsupportedURLError as exc:
        reason = str(exc).replace(url, mask_webhook(url))
        raise ConfigError(i18n.message("channels.bad_url", reason=reason, **words)) from None
    if urlsplit(url).scheme != "https" and not allow_private_networks:
        raise ConfigError(i18n.message("channels.plain_http", **words))
    return Channel(
        name=settings.name,
        kind=settings.kind,
        url=url,
        variable=variable,
        receives=settings.receives,
        username=settings.username,
        max_items=settings.max_items,
        allow_private_networks=allow_private_networks,
    )


def channel_named(config: Config, name: str, environ: Mapping[str, str] | None = None) -> Channel:
    """The channel ``name`` of the configuration, ready to post to."""
    declared = {c.name: c for c in config.settings.channels}
    if not declared:
        raise ConfigError(i18n.message("channels.none"))
    if name not in declared:
        raise ConfigError(i18n.message("channels.unknown", name=name, names=", ".join(declared)))
    allow = config.fetch_limits().allow_private_networks
    return resolve(declared[name], allow_private_networks=allow, environ=environ)


def channels_for(
    config: Config, receives: str, environ: Mapping[str, str] | None = None
) -> list[Channel]:
    """The channels that receive ``letters`` or ``alerts``, in their declared order
    (ConfigError at the first whose address is missing: :func:`deliver_letter` and
    :func:`deliver_alert` go on with the others)."""
    allow = config.fetch_limits().allow_private_networks
    return [
        resolve(c, allow_private_networks=allow, environ=environ)
        for c in config.settings.channels
        if receives in c.receives
    ]


# --- posting -------------------------------------------------------------------------------


def post_letter(
    channel: Channel, message: LetterMessage, policy: RetryPolicy | None = None
) -> PostResult:
    """Post "the letter is published" to ``channel``: week, name, first items, link."""
    return post(channel, letter_post(message, channel.max_items), policy)


def post_alert(
    channel: Channel, message: AlertMessage, policy: RetryPolicy | None = None
) -> PostResult:
    """Post an alert's new matches to ``channel``: name, query, first articles, the rest."""
    return post(channel, alert_post(message, channel.max_items), policy)


def post_ready(channel: Channel, lang: str = "fr", policy: RetryPolicy | None = None) -> PostResult:
    """Post the test message of ``veille channels test``."""
    return post(channel, ready_post(channel.name, channel.receives, lang), policy)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of a post to one channel: its result, or the error's kind and message."""

    channel: str
    result: PostResult | None = None
    error_kind: str | None = None
    error: str | None = None  # one line, the address masked

    @property
    def ok(self) -> bool:
        return self.result is not None


def deliver_letter(
    config: Config,
    message: LetterMessage,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
) -> list[Delivery]:
    """Post a published letter to every channel that receives letters, each on its own."""
    return _deliver(config, "letters", lambda c: letter_post(message, c.max_items), environ, policy)


def deliver_alert(
    config: Config,
    message: AlertMessage,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
) -> list[Delivery]:
    """Post an alert's new matches to every channel that receives alerts, each on its own."""
    return _deliver(config, "alerts", lambda c: alert_post(message, c.max_items), environ, policy)


def _deliver(
    config: Config,
    receives: str,
    build: Callable[[Channel], Post],
    environ: Mapping[str, str] | None,
    policy: RetryPolicy | None,
) -> list[Delivery]:
    """One channel's missing address or refusal never keeps the others from their post."""
    allow = config.fetch_limits().allow_private_networks
    done = []
    for settings in config.settings.channels:
        if receives not in settings.receives:
            continue
        try:
            channel = resolve(settings, allow_private_networks=allow, environ=environ)
            done.append(Delivery(settings.name, post(channel, build(channel), policy)))
        except (ConfigError, ChannelError) as exc:
            logger.warning("channel %s: %s", settings.name, exc)
            done.append(Delivery(settings.name, None, exc.kind, one_line(str(exc))))
    return done


def post(channel: Channel, message: Post, policy: RetryPolicy | None = None) -> PostResult:
    """Post ``message`` in the channel's format (blocking; the caller's thread has no loop)."""
    body = payload(channel.kind, message, username=channel.username)
    return asyncio.run(apost(channel, body, policy))


async def apost(
    channel: Channel, body: dict[str, Any], policy: RetryPolicy | None = None
) -> PostResult:
    """POST the JSON ``body`` to the channel's webhook, with the retries of the module's
    docstring; the :class:`PostResult`, or ChannelError."""
    policy = policy or RetryPolicy()
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    last = ""
    async with _client(channel, policy) as client:
        for attempt in range(1, policy.attempts + 1):
            wait = policy.backoff * 2 ** (attempt - 1)
            try:
                status, retry_after, answer = await _attempt(client, channel, data, policy)
            except (NetworkError, httpx.HTTPError, OSError, TimeoutError) as exc:
                last = _network_reason(exc, channel)
            else:
                if 200 <= status < 300:
                    logger.info("posted to channel %s (%s)", channel.name, channel.shown)
                    return PostResult(channel.name, status, attempt)
                _check_answer(channel, status, retry_after, answer, policy)
                last = i18n.message("channels.status", status=status)
                wait = retry_after if retry_after is not None else wait
            logger.warning("channel %s: attempt %d failed (%s)", channel.name, attempt, last)
            if attempt < policy.attempts:
                await asyncio.sleep(wait)
    raise ChannelError(
        i18n.message("channels.gave_up", attempts=policy.attempts, last=last, **_words(channel)),
        channel=channel.name,
    )


def _client(channel: Channel, policy: RetryPolicy) -> httpx.AsyncClient:
    """An HTTP client that connects only where the guard allows (see veille.fetch.Fetcher)."""
    backend = GuardedBackend(address_policy(channel.allow_private_networks), system_resolver)
    context = httpx.create_ssl_context()
    transport = httpx.AsyncHTTPTransport(verify=context)
    transport._pool = httpcore.AsyncConnectionPool(  # private: see veille.guard
        ssl_context=context, max_connections=2, network_backend=backend
    )
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,  # a proxy from the environment must not bypass the guard
        follow_redirects=False,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        headers={"User-Agent": DEFAULT_USER_AGENT, "Content-Type": "application/json"},
    )


async def _attempt(
    client: httpx.AsyncClient, channel: Channel, data: bytes, policy: RetryPolicy
) -> tuple[int, float | None, bytes]:
    """One POST: the status, the Retry-After in seconds (if any), the answer's first bytes."""
    try:
        async with asyncio.timeout(policy.timeout):
            async with client.stream("POST", channel.url, content=data) as response:
                answer = b""
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) >= MAX_ANSWER_BYTES:
                        break
    except BlockedAddressError as exc:  # refused before any byte left: trying again is useless
        reason = one_line(str(exc).replace(channel.url, channel.shown))
        message = i18n.message("channels.unreachable", reason=reason, **_words(channel))
        raise ChannelError(message, channel=channel.name) from None
    except FetchError as exc:  # DNS: the guard's resolver; may pass, tried again
        raise NetworkError(str(exc)) from None
    except (httpx.HTTPError, OSError, TimeoutError):
        raise  # tried again
    except Exception as exc:  # containment (errors.py): only ChannelError leaves a post
        logger.debug("unexpected error while posting to %s", channel.name, exc_info=True)
        reason = one_line(_masked(describe(exc), channel))
        message = i18n.message("channels.unreachable", reason=reason, **_words(channel))
        raise ChannelError(message, channel=channel.name) from None
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    return response.status_code, retry_after, answer[:MAX_ANSWER_BYTES]


def _check_answer(
    channel: Channel, status: int, retry_after: float | None, answer: bytes, policy: RetryPolicy
) -> None:
    """Return when the answer is worth another attempt (429, 5xx); else ChannelError."""
    words = _words(channel)
    if status == 429 or status >= 500:
        if retry_after is not None and retry_after > policy.max_wait:
            message = i18n.message(
                "channels.wait_too_long", seconds=f"{retry_after:.0f}", status=status,
                limit=f"{policy.max_wait:.0f}", **words,
            )  # fmt: skip
            raise ChannelError(message, channel=channel.name, status=status)
        return
    if 300 <= status < 400:
        message = i18n.message("channels.redirect", status=status, **words)
        raise ChannelError(message, channel=channel.name, status=status)
    text = _answer_text(answer, channel)
    quoted = i18n.message("channels.answered", text=text) if text else ""
    message = i18n.message(
        "channels.refused", status=status, answer=quoted, hint=_hint(status, words), **words
    )
    raise ChannelError(message, channel=channel.name, status=status)


def _hint(status: int, words: dict[str, str]) -> str:
    if status in (400, 413, 415, 422):
        return i18n.message("channels.hint.format", **words)
    if status in (401, 403):
        return i18n.message("channels.hint.denied", **words)
    if status in (404, 410):
        return i18n.message("channels.hint.gone", **words)
    return i18n.message("channels.hint.other", **words)


def _answer_text(answer: bytes, channel: Channel) -> str:
    """What the service said, in a few words: Slack answers a word (``invalid_payload``),
    Mattermost and Teams a JSON object with a ``message`` (Teams: inside ``error``)."""
    text = answer.decode("utf-8", errors="replace").strip()
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict):
        inner = found.get("error")
        for candidate in (
            inner.get("message") if isinstance(inner, dict) else inner,
            found.get("message"),
            found.get("detailed_error"),
        ):
            if isinstance(candidate, str) and candidate.strip():
                text = candidate
                break
    return one_line(_masked(text, channel), MAX_ANSWER_CHARS)


def _masked(text: str, channel: Channel) -> str:
    """``text`` without the channel's address, nor its path (the key) on its own."""
    path = urlsplit(channel.url).path
    text = text.replace(channel.url, channel.shown)
    return text.replace(path, "/…") if len(path) > 1 else text


def _network_reason(exc: BaseException, channel: Channel) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return i18n.message("channels.timeout")
    if isinstance(exc, httpx.ConnectError):
        return i18n.message("channels.connect_failed", detail=_masked(describe(exc), channel))
    return one_line(_masked(str(exc) or describe(exc), channel), MAX_ANSWER_CHARS)


def _words(channel: Channel) -> dict[str, str]:
    return {
        "name": channel.name,
        "kind": channel.service,
        "url": channel.shown,
        "variable": channel.variable,
    }
