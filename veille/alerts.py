"""Alerts between two letters: saved searches whose new matches go at once to their recipients.

An alert is a full-text query (:mod:`veille.search`, the same words and ranking as
``veille search``) with optional filters (tags, sources, the official sources only), kept in
the database (:mod:`veille.store.alerts`). Its recipients are e-mail addresses and channels
declared in ``settings.channels`` (their webhook addresses are secrets, so an alert names the
channel, never the address). After each ingest pass, :func:`after_run` calls
:func:`run_alerts`:

* each recipient gets the matching articles fetched since they were added (at most
  :data:`WINDOW` back) that this alert never sent them (nor a duplicate of one): so a new
  recipient gets only what comes after, and a run whose mail server was down is made up by
  the next one;
* one e-mail per alert and recipient per run (plain text and HTML, ``veille/templates/
  alert.*``), one post per alert and channel per run (:func:`veille.channels.post_alert`);
* a delivery is recorded only once the mail server (or the channel) took the message;
* one failing alert, recipient or channel never stops the others, nor the run.

Usage::

    report = run_alerts(config, store, SmtpSettings.from_env())
    for line in report.lines(): print(line)
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from veille import clock, i18n
from veille.channel_formats import AlertMessage, ChannelItem
from veille.channels import RetryPolicy, channel_named, post_alert
from veille.config import Config
from veille.errors import MailError, NotFoundError, UsageError, VeilleError, one_line
from veille.mail import SmtpSettings, send_all
from veille.models import Alert
from veille.moments import WEEKDAYS
from veille.render import format_date
from veille.search import SearchHit, fts_query, search_articles
from veille.store import Store
from veille.taxonomy import unknown_tag

__all__ = [
    "WINDOW",
    "AlertOutcome",
    "AlertsReport",
    "after_run",
    "alert_email",
    "alert_filters",
    "alert_recipients",
    "channel_recipient",
    "check_email",
    "matching",
    "run_alerts",
    "set_up_alert",
]

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=8)  # never older than this: alerts fill the time between two letters
CHANNEL = "channel:"


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """What one alert did in one run: who got how many articles, who could not be reached."""

    alert: str
    sent: tuple[tuple[str, int], ...] = ()  # (recipient, articles), channels as channel:NAME
    failed: tuple[tuple[str, str], ...] = ()  # (recipient, one line): tried again next run


@dataclass(frozen=True, slots=True)
class AlertsReport:
    """What :func:`run_alerts` did, alert by alert, and what kept it from doing more."""

    outcomes: tuple[AlertOutcome, ...] = ()
    warnings: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The run summary's lines, in the current language (nothing when nothing happened)."""
        lines = list(self.warnings)
        for o in self.outcomes:
            for recipient, n in o.sent:
                lines.append(i18n.counted("alerts.sent", n, name=o.alert, to=recipient))
            for recipient, reason in o.failed:
                lines.append(
                    i18n.message("alerts.failed", name=o.alert, to=recipient, reason=reason)
                )
        return lines


def after_run(config: Config, store: Store, environ: Mapping[str, str] | None = None) -> list[str]:
    """The alerts after an ingest pass, as the run summary's lines; never raises (an alert
    that fails is a line, not a failed run)."""
    with i18n.language(config.settings.digest.lang):
        try:
            alerts = [a for a in store.alerts(active_only=True) if a.recipients]
            if not alerts:
                return []
            smtp, warning = smtp_or_warning(environ, any(a.emails for a in alerts))
            report = run_alerts(config, store, smtp, environ=environ, alerts=alerts)
            return ([warning] if warning else []) + report.lines()
        except Exception as exc:  # containment: the pass's articles are stored already
            logger.exception("alerts")
            return [i18n.message("alerts.crashed", reason=one_line(str(exc)))]


def smtp_or_warning(
    environ: Mapping[str, str] | None, needed: bool = True
) -> tuple[SmtpSettings | None, str | None]:
    """The mail settings, or None and the one warning line saying e-mail alerts wait."""
    try:
        return SmtpSettings.from_env(environ), None
    except MailError as exc:
        return None, (i18n.message("alerts.no_smtp", reason=str(exc)) if needed else None)


def run_alerts(
    config: Config,
    store: Store,
    smtp: SmtpSettings | None,
    *,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    alerts: Sequence[Alert] | None = None,
) -> AlertsReport:
    """Send every active alert's new matches to its recipients (e-mails skipped when
    ``smtp`` is None); one alert failing never stops the others."""
    outcomes = []
    for alert in store.alerts(active_only=True) if alerts is None else alerts:
        try:
            outcomes.append(_run_one(config, store, alert, smtp, environ, policy))
        except VeilleError as exc:
            logger.warning("alert %s: %s", alert.name, exc)
            outcomes.append(AlertOutcome(alert.name, failed=(("*", one_line(str(exc))),)))
    return AlertsReport(tuple(outcomes))


def _run_one(
    config: Config,
    store: Store,
    alert: Alert,
    smtp: SmtpSettings | None,
    environ: Mapping[str, str] | None,
    policy: RetryPolicy | None,
) -> AlertOutcome:
    floor = clock.now() - WINDOW
    todo: dict[str, dict[str, str]] = {}  # recipient -> their new articles -> story
    for recipient in alert.recipients:
        if smtp is None and not recipient.startswith(CHANNEL):
            continue  # said once in the run summary
        since = max(alert.since[recipient], floor)
        todo[recipient] = store.alert_candidates(
            alert, recipient, since, official_sources=alert.official
        )
    every = sorted(set().union(*todo.values()))
    hits = matching(store, alert, every) if every else []
    sent: list[tuple[str, int]] = []
    failed: list[tuple[str, str]] = []
    mine = {r: _one_per_story(hits, stories) for r, stories in todo.items()}
    mine = {r: found for r, found in mine.items() if found}
    emails = [r for r in mine if not r.startswith(CHANNEL)]
    if emails and smtp is not None:
        _mail(config, store, alert, smtp, {r: mine[r] for r in emails}, sent, failed)
    for recipient in (r for r in mine if r.startswith(CHANNEL)):
        name = recipient.removeprefix(CHANNEL)
        try:
            channel = channel_named(config, name, environ)
            post_alert(channel, alert_message(config, alert, mine[recipient]), policy)
        except VeilleError as exc:
            failed.append((recipient, one_line(str(exc))))
            continue
        store.record_alert_deliveries(alert.id, recipient, [h.id for h in mine[recipient]])
        sent.append((recipient, len(mine[recipient])))
    return AlertOutcome(alert.name, tuple(sent), tuple(failed))


def _one_per_story(hits: Sequence[SearchHit], stories: Mapping[str, str]) -> list[SearchHit]:
    """The hits among a recipient's new articles, one per story (two sources' copies of one
    decree are one article to send)."""
    kept: dict[str, SearchHit] = {}
    for hit in hits:
        if hit.id in stories:
            kept.setdefault(stories[hit.id], hit)
    return list(kept.values())


def matching(store: Store, alert: Alert, ids: Sequence[str]) -> list[SearchHit]:
    """The articles among ``ids`` that the alert's query and filters find, best first (tags
    are alternatives, so are sources; a tag and a source must both hold)."""
    found: dict[str, SearchHit] = {}
    tags: Sequence[str | None] = alert.tags or (None,)
    sources: Sequence[str | None] = alert.sources or (None,)
    for tag, source in itertools.product(tags, sources):
        for hit in search_articles(
            store, alert.query, tag=tag, source=source, ids=ids, limit=len(ids)
        ):
            found.setdefault(hit.id, hit)
    return sorted(found.values(), key=lambda h: -h.score)


def _mail(
    config: Config,
    store: Store,
    alert: Alert,
    smtp: SmtpSettings,
    mine: dict[str, list[SearchHit]],
    sent: list[tuple[str, int]],
    failed: list[tuple[str, str]],
) -> None:
    """One message per recipient; each recorded once the server took it."""
    messages = []
    for recipient, hits in mine.items():
        try:
            messages.append(
                (recipient, alert_email(config, alert, hits, to=recipient, sender=smtp.sender))
            )
        except VeilleError as exc:
            failed.append((recipient, one_line(str(exc))))

    def confirm(recipient: str) -> None:
        store.record_alert_deliveries(alert.id, recipient, [h.id for h in mine[recipient]])

    try:
        report = send_all(
            messages, smtp, claim=lambda _r: None, confirm=confirm, release=lambda _r: None
        )
    except MailError as exc:  # no connection: nothing went, nothing is recorded
        failed.extend((r, one_line(str(exc))) for r, _ in messages)
        return
    sent.extend((r, len(mine[r])) for r in report.sent)
    failed.extend(report.failed)
    failed.extend((r, i18n.message("alerts.uncertain")) for r in report.uncertain)


# --- the messages ----------------------------------------------------------------------------


def _day(moment: datetime | None, config: Config, lang: str) -> str:
    """``lundi 16 novembre 2026``, in settings.timezone."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(config.settings.timezone))
    return f"{WEEKDAYS[lang][local.weekday()]} {format_date(local.date(), lang)}"


def _safe_url(url: str) -> str | None:
    """Only web addresses become links (never ``javascript:`` and the like)."""
    return url if urlsplit(url).scheme in ("http", "https") else None


def _items(config: Config, hits: Sequence[SearchHit], lang: str) -> list[dict[str, str | None]]:
    return [
        {
            "title": h.title or h.url,
            "url": _safe_url(h.url),
            "source": h.source_name or h.source,
            "date": _day(datetime.fromisoformat(h.date) if h.date else None, config, lang),
        }
        for h in hits
    ]


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("veille", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def alert_email(
    config: Config, alert: Alert, hits: Sequence[SearchHit], *, to: str, sender: str
) -> EmailMessage:
    """The e-mail of one alert's new matches to one recipient: plain text and simple HTML."""
    lang = config.settings.digest.lang
    with i18n.language(lang):
        words = {
            "subject": i18n.counted("alerts.subject", len(hits), name=alert.name),
            "query": i18n.message("alerts.mail_query", query=alert.query),
            "why": i18n.message("alerts.mail_why", name=alert.name),
        }
    address = parseaddr(to)[1]
    if "@" not in address or "\n" in to or "\r" in to:
        raise MailError(i18n.message("alerts.bad_email", value=to))
    msg = EmailMessage()
    msg["Subject"] = words["subject"]
    msg["From"] = sender
    msg["To"] = address
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(idstring=f"alert{alert.id}", domain=_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"  # auto-responders stay quiet
    context = {"words": words, "items": _items(config, hits, lang), "lang": lang}
    env = _templates()
    msg.set_content(env.get_template("alert.txt").render(context), cte="quoted-printable")
    html = env.get_template("alert.html").render(context)
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.split("@", 1)[1] if "@" in address else "localhost"


def alert_message(config: Config, alert: Alert, hits: Sequence[SearchHit]) -> AlertMessage:
    """The channel post of one alert's new matches."""
    items = tuple(
        ChannelItem(
            title=h.title or h.url,
            url=h.url,
            source=h.source_name or h.source,
            published_at=datetime.fromisoformat(h.date) if h.date else None,
        )
        for h in hits
    )
    return AlertMessage(
        alert=alert.name,
        query=alert.query,
        items=items,
        total=len(items),
        lang=config.settings.digest.lang,
        tz=config.settings.timezone,
    )


def alert_filters(alert: Alert) -> str:
    """``sources officielles`` / ``formation-pro · centre-inffo`` / ``toutes les sources``."""
    parts = [*alert.tags, *alert.sources]
    if alert.official:
        parts.append(i18n.message("alerts.official_only"))
    return " · ".join(parts) or i18n.message("alerts.all_sources")


def recipient_labels(alert: Alert) -> list[str]:
    """The addresses, then the channels as ``#name`` (as the CLI and the page show them)."""
    return [*alert.emails, *(f"#{c}" for c in alert.channels)]


def alert_recipients(alert: Alert) -> str:
    """The addresses and channels, or how to add one."""
    return ", ".join(recipient_labels(alert)) or i18n.message(
        "alerts.no_recipient", name=alert.name
    )


# --- setting alerts up (the command line and the web page) ----------------------------------

MAX_NAME = 100


def check_email(value: str) -> str:
    """The bare address, or a UsageError in the current language."""
    address = parseaddr(value)[1]
    local, _, domain = address.partition("@")
    if not local or "." not in domain or any(c in value for c in "\r\n"):
        raise UsageError(i18n.message("alerts.bad_email", value=value))
    return address


def channel_recipient(config: Config, value: str) -> str:
    """``channel:NAME`` for a channel of settings.channels that receives alerts; a raw webhook
    address is refused (a secret: it belongs in the environment, named by the channel)."""
    if "://" in value or value.startswith("www."):
        raise UsageError(i18n.message("alerts.webhook_is_url"))
    declared = {c.name: c for c in config.settings.channels}
    if value not in declared:
        names = ", ".join(declared) or "—"
        raise UsageError(i18n.message("alerts.unknown_channel", name=value, names=names))
    if "alerts" not in declared[value].receives:
        raise UsageError(i18n.message("alerts.channel_not_alerts", name=value))
    return CHANNEL + value


def set_up_alert(
    config: Config,
    store: Store,
    name: str,
    *,
    query: str | None = None,
    tags: Sequence[str] = (),
    sources: Sequence[str] = (),
    emails: Sequence[str] = (),
    channels: Sequence[str] = (),
    by: str | None = None,
) -> str:
    """Create the alert ``name`` (``query`` needed), or add recipients to an existing one;
    the sentence saying what was done. UsageError (in the current language) when a value is
    wrong: nothing is changed then."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise UsageError(i18n.message("alerts.bad_name"))
    recipients = [check_email(e) for e in emails] + [channel_recipient(config, c) for c in channels]
    existing = {a.name: a for a in store.alerts()}.get(name)
    said = []
    if existing is None:
        if not query or not query.strip():
            raise UsageError(i18n.message("alerts.query_needed", name=name))
        _check_filters(config, query, tags, sources)
        store.add_alert(name, query.strip(), tags=tags, sources=sources, created_by=by)
        said.append(i18n.message("alerts.added", name=name))
    elif (query and query.strip() != existing.query) or tags or sources:
        raise UsageError(i18n.message("alerts.exists", name=name))
    added = store.add_alert_recipients(name, recipients, added_by=by)
    if added:
        who = ", ".join(r.replace(CHANNEL, "canal " if i18n.current() == "fr" else "channel ")
                        for r in added)  # fmt: skip
        said.append(i18n.message("alerts.recipients_added", name=name, who=who))
    return " ".join(said) or i18n.message("alerts.unchanged", name=name)


def _check_filters(config: Config, query: str, tags: Sequence[str], sources: Sequence[str]) -> None:
    fts_query(query)  # a query of common words only finds everything: refused, as in search
    known = [t.id for t in config.taxonomy]
    for tag in tags:
        if tag not in known:
            raise UsageError(unknown_tag(tag, known))
    ids = [s.id for s in config.sources]
    for source in sources:
        if source not in ids:
            raise UsageError(
                i18n.message("alerts.unknown_source", source=source, ids=", ".join(ids))
            )


def remove_recipients(
    store: Store,
    name: str,
    *,
    emails: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> str:
    """Take addresses or channels off the alert ``name``; the sentence saying what was done.
    NotFoundError when there is no such alert, UsageError when a value is not one of its."""
    alert = {a.name: a for a in store.alerts()}.get(name)
    if alert is None:
        raise NotFoundError(i18n.message("alerts.not_found", name=name))
    wanted = [parseaddr(e)[1] or e.strip() for e in emails] + [
        CHANNEL + c.strip().lstrip("#") for c in channels
    ]
    mine = {*alert.emails, *(CHANNEL + c for c in alert.channels)}
    unknown = [w.removeprefix(CHANNEL) for w in wanted if w not in mine]
    if unknown or not wanted:
        raise UsageError(
            i18n.message("alerts.not_a_recipient", name=name, who=", ".join(unknown) or "—")
        )
    removed = store.remove_alert_recipients(name, wanted)
    who = ", ".join(r.replace(CHANNEL, "#") for r in removed)
    return i18n.message("alerts.recipients_removed", name=name, who=who)


def set_active(store: Store, name: str, active: bool) -> str:
    """Pause or resume the alert ``name``; the sentence saying so (NotFoundError if none)."""
    changed = store.set_alert_active(name, active)
    if changed is None:
        raise NotFoundError(i18n.message("alerts.not_found", name=name))
    key = ("alerts.resumed" if active else "alerts.paused") if changed else "alerts.unchanged"
    return i18n.message(key, name=name)
