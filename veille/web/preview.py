"""The letter before it leaves (``/apercu``): the preview page and the e-mail itself (framed,
sandboxed), approving, publishing, and sending it as a background job."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from veille import digest as digests
from veille import i18n, publishing, sending
from veille.errors import DigestError
from veille.jobs import Progress
from veille.moments import format_day_time
from veille.render import render_email_html, week_url
from veille.web.context import WebContext, back, current_week, page
from veille.web.forms import _text
from veille.web.jobs import start_job
from veille.web.security import PREVIEW_CSP
from veille.web.team import week_traces
from veille.weeks import week_label


@dataclass(frozen=True, slots=True)
class LetterState:
    """The week's letter as the curators' pages say it: published when, sent when and to how
    many, what a send would do now, and the warning an edit deserves once it left."""

    published: str
    items: str
    sent: str  # "" until someone had it
    lock: str  # "" while nothing was published
    pending: int  # active subscribers a send would serve
    confirm: str
    button: str


def counted(web: WebContext, key: str, n: int, **params: str) -> str:
    """``key_one`` or ``key_other`` of the app's words, for ``n`` (0 is singular in French)."""
    one = n in (0, 1) if web.lang == "fr" else n == 1
    return web.t[f"{key}_{'one' if one else 'other'}"].format(n=n, **params)


def letter_state(web: WebContext, week: str, view: digests.Draft) -> LetterState:
    t, tz, lang = web.t, web.config.settings.timezone, web.lang
    state = sending.send_state(web.store, week)
    published = (
        t["published_on"].format(when=format_day_time(view.published_at, tz, lang))
        if view.published_at
        else t["not_published"]
    )
    sent = lock = ""
    if state.sent and state.last_sent_at is not None:
        when = format_day_time(state.last_sent_at, tz, lang)
        sent = counted(web, "sent_state", state.sent, when=when)
        lock = t["locked_sent"].format(when=when, n=counted(web, "subscribers", state.sent))
    elif view.published_at:
        lock = t["locked_published"].format(when=format_day_time(view.published_at, tz, lang))
    return LetterState(
        published=published,
        items=counted(web, "items", len(view.included)),
        sent=sent,
        lock=lock,
        pending=state.pending,
        confirm=counted(web, "send_rest" if state.sent else "send_all", state.pending),
        button=t["send_rest"] if state.sent else t["send"],
    )


def preview(request: Request) -> Response:
    web = WebContext.of(request)
    config, store = web.config, web.store
    week = current_week(request)
    if store.digest(week) is None:  # nothing to preview yet: offer the way forward
        return page(
            request, "preview.html", week=week, view=None, period=week_label(week, web.lang)
        )
    view = digests.load(config, store, week)
    return page(
        request,
        "preview.html",
        week=week,
        view=view,
        letter=letter_state(web, week, view),
        period=week_label(week, web.lang),
        missing=sending.missing_settings(config),
        traces=week_traces(web, week),  # who published the letter, who started its sending
    )


def preview_email(request: Request) -> Response:
    web = WebContext.of(request)
    config, store = web.config, web.store
    week = current_week(request)
    view = digests.load(config, store, week)
    letter = publishing.build_digest(config, view)
    site = config.settings.digest.site_url
    html = render_email_html(
        letter,
        unsubscribe_url=f"{site}unsubscribe" if site else None,
        archive_url=week_url(site, week) if site else None,
    )
    return HTMLResponse(
        html,
        headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"},
    )


def publish(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, digests_dir = web.config, web.store, web.digests_dir
    week = current_week(request)
    result = publishing.publish(config, store, week, digests_dir)
    return back(request, f"/apercu/{week}", " ".join(publishing.publish_summary(result, config)))


def approve(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    week = current_week(request)
    view = digests.load(config, store, week)
    store.approve_digest(week, None if view.approved_by else request.session["user"])
    return back(request, f"/apercu/{week}", t["saved"])


def send(request: Request) -> Response:
    from veille.mail import SmtpSettings

    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    week = current_week(request)
    missing = sending.missing_settings(config)
    if missing:  # the page said so already; a form sent anyway gets the same words
        raise DigestError(i18n.message("send.blocked", what=" ; ".join(missing)))
    given = _text(request.state.form, "count", 12)
    # More people than confirmed would get it: refused. Fewer (another send served some
    # meanwhile) is what the curator asked for, minus those already served.
    if not given.isdigit() or sending.send_state(store, week).pending > int(given):
        raise DigestError(i18n.message("web.subscribers_changed"))
    settings = SmtpSettings.from_env()
    publishing.published_letter(store, week)  # not published: say so now, not in the job

    def work(progress: Progress) -> str:
        return sending.report_sentence(
            sending.send(config, store, week, settings, progress=progress)
        )

    return start_job(
        request,
        f"send:{week}",
        t["job_send"].format(week=week_label(week, web.lang)),
        work,
        f"/apercu/{week}",
    )
