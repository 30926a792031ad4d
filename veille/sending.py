"""Sending a published letter: one e-mail per active subscriber, at most once each.

- :func:`send`: the letter as published (its snapshot), to every active subscriber, each
  message claimed, then confirmed once the mail server accepted it (see :mod:`veille.mail`);
- :func:`letter_for`: the published letter as one subscriber gets it (their tags, their
  language);
- :func:`report_sentence`: what a send did, as a sentence in the current language;
- :func:`send_state`: who had the letter of a week, when, and who has not yet;
  :func:`missing_settings`: what must be set before a send can start (said before anyone
  confirms a send, not after).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, TypeVar

from veille import i18n
from veille.config import Config
from veille.digest import OTHER_SECTION
from veille.errors import DigestError
from veille.publishing import published_letter
from veille.render import Digest, DigestSection, week_url
from veille.store import Store, crash_point

if TYPE_CHECKING:
    from veille.mail import SendReport, SmtpSettings

T = TypeVar("T")

__all__ = [
    "UNSUBSCRIBE_LIST",
    "SendState",
    "letter_for",
    "missing_settings",
    "report_sentence",
    "send",
    "send_state",
]

UNSUBSCRIBE_LIST = "veille"  # unsubscribe tokens name the list, not the week: links never expire


def letter_for(
    config: Config, letter: Digest, *, tags: Sequence[str] | None, lang: str | None
) -> Digest:
    """The published ``letter`` as one subscriber gets it: only the items that carry one of
    their ``tags`` or sit in the section of one (all when none), sections named in their
    ``lang``, and a footer that counts what this letter shows."""
    lang = lang if lang in i18n.LETTER else letter.lang
    wanted = set(tags or ())
    labels = {t.id: (t.label_en or t.label) if lang == "en" else t.label for t in config.taxonomy}
    labels[OTHER_SECTION] = i18n.LETTER[lang]["other_news"]
    sections = []
    for section in letter.sections:
        # An item a curator moved to a section is read as that theme's, whatever its tags.
        items = tuple(i for i in section.items if not wanted or wanted & {*i.tags, section.tag_id})
        if items:
            label = labels.get(section.tag_id, section.label)
            sections.append(DigestSection(tag_id=section.tag_id, label=label, items=items))
    kept = {i.article_id: i for s in sections for i in s.items}
    top = letter.top_story
    if top is None or top.article_id not in kept:
        top = next(iter(kept.values()), None)  # their best-placed item
    every = {i.article_id: i for s in letter.sections for i in s.items}
    left_out = sum(i.word_count for aid, i in every.items() if aid not in kept)
    stats = replace(
        letter.stats,
        kept=len(kept),
        words_not_read=letter.stats.words_not_read + left_out,
    )
    return replace(
        letter,
        sections=tuple(sections),
        top_story=top,
        lang=lang,
        stats=stats,
        themed=bool(wanted),
    )


@dataclass(frozen=True, slots=True)
class SendState:
    """The letter of a week and its subscribers: how many had it, when the last one did, and
    how many active subscribers a send would still serve."""

    sent: int
    last_sent_at: datetime | None
    pending: int  # not sent yet, nor claimed by a send that died (those are "uncertain")


def send_state(store: Store, week: str) -> SendState:
    sent, last = store.letter_sent(week)
    served = store.sends(week)
    pending = sum(1 for s in store.subscribers() if s.email not in served)
    return SendState(sent=sent, last_sent_at=last, pending=pending)


def missing_settings(config: Config, environ: Mapping[str, str] | None = None) -> list[str]:
    """What stops a send now, each as a sentence saying how to set it (empty: all set)."""
    from veille.errors import MailError
    from veille.mail import SmtpSettings

    missing = []
    site = config.settings.digest.site_url
    if not site or not site.startswith("https://"):
        missing.append(i18n.message("send.missing_site_url"))
    env = os.environ if environ is None else environ
    no_host = not env.get("VEILLE_SMTP_HOST", "").strip()
    no_sender = not env.get("VEILLE_MAIL_FROM", "").strip()
    if no_host:
        missing.append(i18n.message("send.missing_smtp_host"))
    if no_sender:
        missing.append(i18n.message("send.missing_sender"))
    if not (no_host or no_sender):  # both given: the rest of the checks are mail.py's
        try:
            SmtpSettings.from_env(env)
        except MailError as e:
            missing.append(i18n.message("send.bad_smtp", error=e))
    return missing


def _counted(key: str, n: int) -> str:
    one = n in (0, 1) if i18n.current() == "fr" else n == 1  # French: 0 and 1 are singular
    return i18n.message(f"{key}_{'one' if one else 'other'}", n=n)


def report_sentence(report: SendReport) -> str:
    """What a send did, for the curator: "Lettre envoyée à 8 abonnés." and, when there are
    any, those who had it already, the failures (with their reasons) and the uncertain ones."""
    parts = [_counted("send.sent", len(report.sent)) if report.sent else ""]
    if not report.sent:
        parts[0] = i18n.message("send.sent_none")
    if report.skipped:
        parts.append(_counted("send.skipped", len(report.skipped)))
    if report.failed:
        reasons = " ; ".join(f"{who} ({why})" for who, why in report.failed)
        parts.append(f"{_counted('send.failed', len(report.failed))} {reasons}.")
    if report.uncertain:
        parts.append(_counted("send.uncertain_count", len(report.uncertain)))
    return " ".join(parts)


def _confirm(store: Store, week: str, email: str, run_id: str) -> None:
    # The window that makes a message "uncertain": accepted by the server, not yet recorded.
    crash_point("send_accepted")
    store.confirm_send(week, email, run_id)


def send(
    config: Config,
    store: Store,
    week: str,
    smtp: SmtpSettings,
    *,
    resend_uncertain: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SendReport:
    """E-mail the published letter of ``week`` to every active subscriber, at most once each.

    What goes out is the letter as published (its snapshot), not the draft as it is now. One
    send per week at a time (SendInProgressError otherwise). ``resend_uncertain``: send again
    to the subscribers whose message was in flight when an earlier send died (they may get it
    twice). ``progress(done, total)`` after each subscriber.
    """
    from veille.mail import build_message, send_all, unsubscribe_link

    letter = published_letter(store, week)
    site = config.settings.digest.site_url
    if not site or not site.startswith("https://"):
        raise DigestError(i18n.message("digest.no_site_url"))
    secret = store.secret("unsubscribe").encode()
    run_id = uuid.uuid4().hex
    store.lock_send(week, run_id)
    try:
        if resend_uncertain:
            store.forget_uncertain(week, run_id)
        subscribers = store.subscribers()

        def messages() -> Iterator[tuple[str, EmailMessage]]:
            for sub in subscribers:
                mine = letter_for(config, letter, tags=list(sub.tags), lang=sub.lang)
                link = unsubscribe_link(f"{site}unsubscribe", secret, sub.email, UNSUBSCRIBE_LIST)
                yield (
                    sub.email,
                    build_message(
                        mine,
                        to=sub.email,
                        unsubscribe_url=link,
                        archive_url=week_url(site, week),
                        sender=smtp.sender,
                    ),
                )

        with _Turns(store) as turn:
            return send_all(
                messages(),
                smtp,
                claim=lambda email: turn(store.claim_send, week, email, run_id),
                confirm=lambda email: turn(_confirm, store, week, email, run_id),
                release=lambda email: turn(store.release_send, week, email, run_id),
                progress=(lambda done: progress(done, len(subscribers))) if progress else None,
                on_wire=turn.let_go,
            )
    finally:
        store.unlock_send(week, run_id)


class _Turns:
    """The send's bookkeeping in few openings of the file: one opening records a message as
    sent and claims the next one, and it is let go before each exchange with the mail server
    and after :attr:`LONGEST` seconds (others take their turn meanwhile). Each opening costs
    40-50 ms of CPU (measured with py-spy): opening the file twice per subscriber made it the
    main cost of a send."""

    LONGEST = 0.2  # seconds

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hold = contextlib.ExitStack()
        self.since: float | None = None

    def __call__(self, work: Callable[..., T], *args: Any) -> T:
        now = time.monotonic()
        if self.since is not None and now - self.since > self.LONGEST:
            self.let_go()
        if self.since is None:
            self.hold.enter_context(self.store.held())
            self.since = now
        return work(*args)

    def let_go(self) -> None:
        self.since = None
        self.hold.close()

    def __enter__(self) -> _Turns:
        return self

    def __exit__(self, *exc: object) -> None:
        self.let_go()
