"""The letter before it leaves (``/apercu``): the preview page and the e-mail itself (framed,
sandboxed), approving, publishing, and sending it as a background job."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from veille import digest as digests
from veille import i18n, publishing, sending
from veille.errors import DigestError
from veille.jobs import Progress
from veille.render import render_email_html, week_url
from veille.web.context import WebContext, back, count, current_week, page
from veille.web.forms import _text
from veille.web.jobs import start_job
from veille.web.security import PREVIEW_CSP
from veille.weeks import week_label


def preview(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    week = current_week(request)
    if store.digest(week) is None:  # nothing to preview yet: offer the way forward
        return page(request, "preview.html", week=week, view=None, subscribers=0, confirm="")
    view = digests.load(config, store, week)
    subscribers = store.count_subscribers()
    return page(
        request,
        "preview.html",
        week=week,
        view=view,
        subscribers=subscribers,
        confirm=count(t, web.lang, "send_confirm", subscribers),
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
    items = count(web.t, web.lang, "n_articles", result.items)
    done = web.t["published_done"].format(
        week=week_label(week, web.lang), items=items, folder=digests_dir / week
    )
    return back(request, f"/apercu/{week}", done)


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
    given = _text(request.state.form, "count", 12)
    if not given.isdigit() or int(given) != store.count_subscribers():
        raise DigestError(i18n.message("web.subscribers_changed"))
    settings = SmtpSettings.from_env()
    publishing.published_letter(store, week)  # not published: say so now, not in the job

    def work(progress: Progress) -> str:
        report = sending.send(config, store, week, settings, progress=progress)
        failed = "".join(f" · {r}{t['colon']}{why}" for r, why in report.failed)
        return f"{report}.{failed}"

    return start_job(
        request,
        f"send:{week}",
        t["job_send"].format(week=week_label(week, web.lang)),
        work,
        f"/apercu/{week}",
    )
