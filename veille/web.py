"""The curators' web app (``veille ui``): curate the week, preview, publish, search, sources,
subscribers — and the public unsubscribe page.

Server-rendered Jinja2 pages; htmx (vendored, ``hx-boost``) makes forms update the page in
place, and every form also works without JavaScript. Security:

- every route but ``/login``, ``/unsubscribe`` and ``/static`` requires a session (signed,
  HttpOnly, SameSite=Lax cookie; ``Secure`` with ``--https``); no user at all means nobody gets
  in (fails closed) and ``/login`` says how to create one;
- every POST carries the session's CSRF token (a form field, or the ``X-CSRF-Token`` header
  htmx sends), checked before anything is read or changed;
- a Content-Security-Policy allows scripts, styles and frames from the app itself only; the
  e-mail preview, whose styles are inline by nature, is served on its own route, sandboxed;
- feed text is escaped by Jinja2 autoescape everywhere.

- every request body is bounded before it is read (a declared length or a chunked stream):
  64 KiB for forms, 16 MiB for the two uploads (:class:`BodyLimit`);
- a session belongs to its user's current generation: logging out, or a new password, ends
  every session of that user, copies of the cookie included;
- failed logins are counted per account and per client address, as separate keys.

One database thread, as datasette has one writer: every route's work (plain functions, see
``guarded``) runs on it, one at a time, so the app never opens the file from two threads (which
DuckDB refuses) and the event loop keeps taking requests while a route waits. DuckDB lets one
process write at a time: the app opens the file only for the length of a request (the
:class:`~veille.store.Store` waits, with a bounded timeout, while a run holds it), so a
scheduled ``veille run`` and the app can work at the same time. Long work — sending the
letter, importing subscribers or OPML, adding a source — runs as a background job
(:mod:`veille.jobs`) with a progress page, and takes the file only for its short writes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from html import escape as html_escape
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veille import clock, health, i18n, triage
from veille import digest as digests
from veille.config import Config
from veille.environment import env_secret
from veille.errors import (
    ConfigError,
    DatabaseLockedError,
    DigestError,
    NotFoundError,
    UsageError,
    VeilleError,
)
from veille.jobs import Jobs, Progress, Work
from veille.mail import verify_unsubscribe_token
from veille.render import format_date, format_moment, render_email_html, safe_url, week_url
from veille.search import fts_query
from veille.sourcelist import effective
from veille.store import Store
from veille.weeks import adjacent_weeks, parse_day, parse_week

logger = logging.getLogger(__name__)

PUBLIC_PATHS = ("/login", "/unsubscribe", "/static/")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# The e-mail preview is the e-mail: inline styles, remote images. It runs sandboxed (no
# script, no form, no same-origin access) inside the preview page's frame.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
# An answer shown in the preview's frame that is not the e-mail (an error, the login page):
# the app's own rules, but the preview page may frame it, so the curator sees what went wrong.
FRAMED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
MAX_UPLOAD = 16 * 1024 * 1024  # an OPML file, a CSV of subscribers (100,000 lines: ~6 MB)
MAX_FORM = 64 * 1024  # every other request body: forms of a few fields
MAX_QUERY = 200  # characters of a search
MAX_URL = 2000
SHOWN_SUBSCRIBERS = 500  # the subscribers page lists this many; a search finds the others
SESSION_DAYS = 7
T = TypeVar("T")


Handler = Callable[[Request], Awaitable[Response]]
Page = Callable[[Request], Response]  # a route's work: runs on the app's database thread


class SecurityHeaders:
    """Content-Security-Policy and friends on every answer (a route may set its own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once a request body passes its limit."""


class BodyLimit:
    """Every request body is bounded before it is read, with a length or chunked.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked
    body is counted as it arrives and refused the moment it passes the limit. The refusal is a
    413 page that closes the connection, so the client stops sending (otherwise the server
    would go on reading and dropping the rest). ``limits``: larger limits for some paths
    (the uploads); ``default`` for the others.
    """

    def __init__(
        self, app: ASGIApp, *, default: int, limits: dict[str, int], page: Callable[[int], bytes]
    ) -> None:
        self.app = app
        self.default = default
        self.limits = limits
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded, watched)
        except _BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = self.page(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def session_secret(store: Store) -> str:
    """The key that signs session cookies: VEILLE_SESSION_SECRET(_FILE), else the key file
    beside the database (made on first use; see :meth:`Store.session_key`). Set it to share
    sessions between instances or to rotate it."""
    secret = env_secret("VEILLE_SESSION_SECRET")
    if secret is None:
        return store.session_key()
    if len(secret) < 32:
        raise ConfigError(i18n.message("web.session_secret_short", count=len(secret)))
    return secret


def create_app(
    config: Config,
    store: Store,
    digests_dir: Path,
    *,
    https: bool = False,
    throttle: Any = None,
) -> Starlette:
    """The ASGI app. ``https``: mark the session cookie Secure (behind an HTTPS proxy)."""
    from veille.auth import (
        LoginThrottle,
        csrf_ok,
        hash_password,
        needs_rehash,
        new_csrf_token,
        verify_password,
    )

    lang = config.settings.digest.lang
    t = i18n.WEB.get(lang, i18n.WEB["fr"])
    tags = [
        (tag.id, (tag.label_en or tag.label) if lang == "en" else tag.label)
        for tag in config.taxonomy
    ]
    tag_labels = dict(tags) | {digests.OTHER_SECTION: "Autres" if lang == "fr" else "Other"}
    limiter = throttle or LoginThrottle()
    jobs = Jobs()
    # The database thread: every route's work runs here, one at a time (datasette's single
    # writer), so the app never has the file open from two threads and the event loop stays
    # free to take requests while a route waits for the file.
    database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veille-db")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("veille", "templates/ui"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Stored URLs are http(s) or veille's own urn: for link-less items; a link is only drawn
    # for a checked http(s) URL, whatever the store holds (defence in depth, like the digest).
    env.filters["safe_url"] = safe_url
    # A moment as the day people say, in the organisation's time zone ("2 décembre 2026").
    zone = ZoneInfo(config.settings.timezone)
    env.filters["day"] = lambda moment: format_date(moment.astimezone(zone).date(), lang)

    async def on_database(work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(database, functools.partial(work, *args))

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = request.session
        flash = session.pop("flash", None)
        if isinstance(flash, str):  # a cookie from before flashes had a kind
            flash = {"kind": "ok", "text": flash}
        context.setdefault("week", None)
        context.setdefault("refresh", None)
        html = env.get_template(template).render(
            t=t,
            lang=lang,
            user=session.get("user"),
            csrf=session.get("csrf", ""),
            path=request.url.path,
            flash=flash,
            tags=tags,
            tag_labels=tag_labels,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def too_large(limit: int) -> bytes:
        with i18n.language(lang):
            message = i18n.message("web.too_large", size=_size(limit))
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<title>413</title><link rel="stylesheet" href="/static/ui.css"></head><body><main>'
            f'<p class="error" role="alert">{html_escape(message)}</p></main></body></html>'
        ).encode()

    def back(
        request: Request, url: str, message: str | None = None, *, error: bool = False
    ) -> RedirectResponse:
        """Redirect after a POST, with a message shown once on the next page."""
        if message:
            request.session["flash"] = {"kind": "error" if error else "ok", "text": message}
        return RedirectResponse(url, status_code=303)

    def failure(request: Request, status: int, message: str) -> HTMLResponse:
        """An error page in the app's language, styled as an error (htmx swaps it in too)."""
        return page(request, "error.html", status=status, message=message)

    def guarded(handler: Page, *, public: bool = False, framed: bool = False) -> Handler:
        """Session required (unless public); CSRF token required on every POST.

        ``handler`` is plain (not async) and runs on the database thread with the request
        (a POST's form in ``request.state.form``): a new route is a function and a line in
        ``routes``. A POST's body is read on the event loop, and only once the session is
        known to be valid. ``framed``: the route is shown in the preview's frame, so its
        other answers (an error page) may be framed by the app's own pages.
        """

        async def wrapped(request: Request) -> Response:
            i18n.use(lang)
            form = None
            if request.method == "POST":
                if not public and not await on_database(_logged_in, request):
                    return failure(request, 401, t["login_required"])
                form = await _form(request)
            answer = await on_database(_serve, handler, request, form, public)
            if framed and "content-security-policy" not in answer.headers:
                answer.headers["content-security-policy"] = FRAMED_CSP
                answer.headers["x-frame-options"] = "SAMEORIGIN"
            return answer

        return wrapped

    def _serve(handler: Page, request: Request, form: FormData | None, public: bool) -> Response:
        i18n.use(lang)  # this thread's own context
        try:
            # One opening of the file per request, not one per query: each opening costs
            # 40-50 ms of CPU (DuckDB builds a database instance; measured with py-spy) and a
            # page makes 3-6 queries. Requests are short; jobs run after, in their own thread.
            with store.held():
                return _answer(handler, request, form, public)
        except VeilleError as exc:  # the file could not be opened (busy, damaged, full disk)
            if request.method == "POST":
                return back(request, _referer(request), str(exc), error=True)
            return failure(request, 503 if isinstance(exc, DatabaseLockedError) else 500, str(exc))

    def _answer(handler: Page, request: Request, form: FormData | None, public: bool) -> Response:
        if "csrf" not in request.session:
            request.session["csrf"] = new_csrf_token()
        if not public and form is None and not _logged_in(request):
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if form is not None:
            given = form.get("csrf") or request.headers.get("x-csrf-token")
            if not csrf_ok(request.session.get("csrf"), given if isinstance(given, str) else None):
                return failure(request, 403, t["csrf"])
            request.state.form = form
        try:
            return handler(request)
        except VeilleError as exc:
            if request.method == "POST":
                return back(request, _referer(request), str(exc), error=True)
            return failure(request, 400, str(exc))
        except Exception:
            logger.exception("unexpected error on %s %s", request.method, request.url.path)
            return failure(request, 500, t["unexpected"])

    def _logged_in(request: Request) -> bool:
        """A session of a user who still exists, not expired, of the user's current generation
        (logging out and changing the password start a new one: older cookies stop working)."""
        session = request.session
        user = session.get("user")
        expires = session.get("expires", 0)
        if not isinstance(user, str) or not isinstance(expires, int | float):
            return False
        if expires < clock.now().timestamp():
            return False
        generation = store.session_generation(user)
        return generation is not None and session.get("generation") == generation

    # -- login ---------------------------------------------------------------------------------

    def login(request: Request) -> Response:
        no_user = not store.users()
        if request.method == "GET":
            return page(
                request, "login.html", no_user=no_user, error=None, next=_next(request, None)
            )
        form = request.state.form
        name = _text(form, "user", 64).strip().lower()
        password = _text(form, "password", 1024)
        target = _next(request, form)
        client = request.client.host if request.client else "?"
        # Two keys, never mixed: an account can be named like an address ("127.0.0.1").
        account, address = f"user:{name}", f"address:{client}"
        if not limiter.allowed(account) or not limiter.allowed(address):
            return page(
                request, "login.html", status=429, no_user=no_user, error=t["throttled"],
                next=target,
            )  # fmt: skip
        stored = store.password_hash(name) if name else None
        # An unknown name costs the same argon2 work as a wrong password: the answer time
        # does not tell which accounts exist.
        if not verify_password(stored or _DUMMY_HASH, password) or stored is None:
            limiter.failed(account)
            limiter.failed(address)
            return page(
                request, "login.html", status=401, no_user=no_user, error=t["bad_login"],
                next=target,
            )  # fmt: skip
        limiter.succeeded(account)
        if needs_rehash(stored):  # made with weaker parameters than today's: renew it
            store.rehash_password(name, stored, hash_password(password))
        request.session.clear()  # a new session: no fixation
        request.session.update(
            user=name,
            csrf=new_csrf_token(),
            expires=(clock.now() + timedelta(days=SESSION_DAYS)).timestamp(),
            generation=store.session_generation(name),
        )
        store.user_logged_in(name)
        return RedirectResponse(target, status_code=303)

    def logout(request: Request) -> Response:
        user = request.session.get("user")
        if isinstance(user, str):
            store.end_sessions(user)  # a copy of the cookie stops working too
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # -- the week ------------------------------------------------------------------------------

    def current_week(request: Request) -> str:
        week = request.query_params.get("week") or request.path_params.get("week")
        if week:
            parse_week(week)
            return str(week)
        return digests.week_of(clock.now(), config.settings.timezone)

    def home(request: Request) -> Response:
        return RedirectResponse("/semaine", status_code=303)

    def week_page(request: Request) -> Response:
        week = current_week(request)
        try:
            view: digests.Draft | None = digests.load(config, store, week)
        except DigestError:
            view = None
        prev_week, next_week = adjacent_weeks(week)
        sections = []
        if view is not None:
            for tag_id in [*config.tag_ids(), digests.OTHER_SECTION]:
                items = [i for i in view.items if i.section == tag_id]
                if items:
                    sections.append((tag_id, tag_labels.get(tag_id, tag_id), items))
        return page(
            request,
            "week.html",
            week=week,
            view=view,
            sections=sections,
            whys=_whys(store, view),
            prev_week=prev_week,
            next_week=next_week,
            top=view.top.article_id if view and view.top else None,
        )

    def draft(request: Request) -> Response:
        week = current_week(request)
        view = digests.draft(config, store, week)
        done = t["drafted"].format(kept=len(view.included), total=len(view.items))
        if request.state.form.get("then") == "apercu":
            return back(request, f"/apercu/{week}", done)
        return back(request, f"/semaine?week={week}", done)

    def item_action(request: Request) -> Response:
        week = current_week(request)
        aid = _article_id(request.path_params["article_id"])
        action = request.path_params["action"]
        form = request.state.form
        if action == "keep":
            digests.include(store, week, [aid])
        elif action == "drop":
            digests.exclude(store, week, [aid], off_topic=form.get("off_topic") == "1")
        elif action == "top":
            digests.set_top(store, week, aid)
        elif action == "move":
            section = _choice(form, "section", [*config.tag_ids(), digests.OTHER_SECTION])
            position = _position(form)
            if section is None and position is None:
                raise DigestError(i18n.message("web.move_needs_target"))
            digests.move(config, store, week, aid, section=section, position=position)
        elif action == "tags":
            chosen = [str(v) for v in form.getlist("tag")]
            unknown = [c for c in chosen if c not in config.tag_ids()]
            if unknown:
                raise UsageError(i18n.message("web.bad_choice", field="tag", value=unknown[0]))
            digests.set_tags(config, store, week, aid, chosen)
        elif action == "summary":
            text = _text(form, "summary", 5000).strip()
            digests.set_summary(store, week, aid, text or None)
        elif action == "note":
            digests.set_note(store, week, aid, _text(form, "note", 5000))
        else:
            return failure(request, 404, i18n.message("web.unknown_action", action=action[:40]))
        return back(request, f"/semaine?week={week}#item-{aid}")

    def triage_page(request: Request) -> Response:
        week = current_week(request)
        todo = triage.week_to_sort(config, store, week)
        threshold = config.settings.relevance_threshold
        return page(
            request,
            "triage.html",
            week=week,
            todo=todo,
            threshold=threshold,
            n=triage.RETRAIN_AFTER,
        )

    def triage_answer(request: Request) -> Response:
        week = current_week(request)
        form = request.state.form
        tags = [str(v) for v in form.getlist("tag")]
        relevant = form.get("do") != "off"
        triage.answer(config, store, request.path_params["article_id"], tags, relevant=relevant)
        return back(request, f"/tri?week={week}", t["triage_done"])

    def editorial(request: Request) -> Response:
        week = current_week(request)
        digests.set_editorial(store, week, _text(request.state.form, "editorial", 20000))
        return back(request, f"/semaine?week={week}", t["saved"])

    # -- preview and publish -------------------------------------------------------------------

    def preview(request: Request) -> Response:
        week = current_week(request)
        if store.digest(week) is None:  # nothing to preview yet: offer the way forward
            return page(request, "preview.html", week=week, view=None, subscribers=0, confirm="")
        view = digests.load(config, store, week)
        count = store.count_subscribers()
        return page(
            request,
            "preview.html",
            week=week,
            view=view,
            subscribers=count,
            confirm=t["send_confirm"].format(n=count),
        )

    def preview_email(request: Request) -> Response:
        week = current_week(request)
        view = digests.load(config, store, week)
        letter = digests.build_digest(config, view)
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
        week = current_week(request)
        result = digests.publish(config, store, week, digests_dir)
        return back(request, f"/apercu/{week}", f"{week} : {result.items} → {digests_dir / week}")

    def approve(request: Request) -> Response:
        week = current_week(request)
        view = digests.load(config, store, week)
        store.approve_digest(week, None if view.approved_by else request.session["user"])
        return back(request, f"/apercu/{week}", t["saved"])

    def send(request: Request) -> Response:
        from veille.mail import SmtpSettings

        week = current_week(request)
        given = _text(request.state.form, "count", 12)
        if not given.isdigit() or int(given) != store.count_subscribers():
            raise DigestError(i18n.message("web.subscribers_changed"))
        settings = SmtpSettings.from_env()
        digests.published_letter(store, week)  # not published: say so now, not in the job

        def work(progress: Progress) -> str:
            report = digests.send(config, store, week, settings, progress=progress)
            failed = "".join(f" · {r} : {why}" for r, why in report.failed)
            return i18n.message(
                "send.report", sent=len(report.sent), skipped=len(report.skipped),
                failed=len(report.failed), uncertain=len(report.uncertain),
            ) + failed  # fmt: skip

        return start_job(
            request, f"send:{week}", t["job_send"].format(week=week), work, f"/apercu/{week}"
        )

    # -- jobs ----------------------------------------------------------------------------------

    def start_job(request: Request, key: str, title: str, work: Work, back_to: str) -> Response:
        job, started = jobs.start(key, title, work, back=back_to, lang=lang)
        return back(request, f"/taches/{job.id}", None if started else t["job_already"])

    def job_page(request: Request) -> Response:
        job = jobs.get(request.path_params["job_id"])
        if job is None:
            return failure(request, 404, i18n.message("job.unknown"))
        return page(request, "job.html", job=job, refresh=2 if job.running else None)

    # -- archive and search --------------------------------------------------------------------

    def archive(request: Request) -> Response:
        q = request.query_params
        query = (q.get("q") or "").strip()
        if len(query) > MAX_QUERY:
            raise UsageError(i18n.message("web.too_long", field="q", limit=MAX_QUERY))
        since = _day(q.get("from"))
        until = _day(q.get("to"))
        tag = _choice(q, "tag", config.tag_ids())
        source = _choice(q, "source", [s.id for s in sources_now().sources])
        results = None
        if query:
            results = store.search(
                fts_query(query),
                tag=tag,
                source=source,
                since=datetime.combine(since, time(0), tzinfo=UTC) if since else None,
                until=datetime.combine(until + timedelta(days=1), time(0), tzinfo=UTC)
                if until
                else None,
            )
        published = list(reversed(digests.published_letters(store)))
        return page(
            request,
            "archive.html",
            published=published,
            results=results,
            q=query,
            tag=tag or "",
            source=source or "",
            since=since.isoformat() if since else "",
            until=until.isoformat() if until else "",
            sources=[(s.id, s.name or s.id) for s in sources_now().sources],
        )

    # -- sources -------------------------------------------------------------------------------

    def sources_now() -> Config:
        """sources.yaml plus the sources added or switched here (read at each request)."""
        return effective(config, store)

    def sources(request: Request) -> Response:
        effective = sources_now()
        now = clock.now()
        known = {h.id: h for h in health.assess(store.source_figures(), now)}
        rows = []
        for s in effective.sources:
            h = known.get(s.id)
            last_new = h.last_new_at if h else None
            silent = (now - last_new).days if last_new else None
            success = h.last_success_at if h else None
            rows.append(
                {
                    "source": s,
                    "health": h.as_dict() if h else {},
                    "silent": silent,
                    # In the organisation's time zone, as people write it: 2 décembre 2026, 16:15.
                    "success": format_moment(success, config.settings.timezone, lang),
                }
            )
        return page(request, "sources.html", rows=rows)

    def add_source(request: Request) -> Response:
        url = _http_url(_text(request.state.form, "url", MAX_URL))

        def work(progress: Progress) -> str:
            from veille.discovery import discover
            from veille.sourcelist import existing_source, row_for

            progress(0, None)
            # The fetch and the parsing of a large feed take this thread, not the app's loop.
            found = asyncio.run(discover(url, config.fetch_limits()))
            effective = sources_now()
            # The rules of `veille sources add`: the same source under another spelling of its
            # address is refused, and a page source keeps its proposed link pattern.
            if existing_source(found.url, effective) is not None:
                raise DigestError(i18n.message("web.already_source", url=found.url))
            row = row_for(found, effective, origin="web")
            store.add_managed_sources([row])
            key = "web.feed_added" if found.kind == "feed" else "web.page_added"
            plural = "s" if found.entries > 1 else ""
            return i18n.message(key, id=row.id, entries=found.entries, plural=plural, url=found.url)

        return start_job(
            request, f"add-source:{url}", t["job_add_source"].format(url=url), work, "/sources"
        )

    def toggle_source(request: Request) -> Response:
        sid = request.path_params["source_id"]
        current = {s.id: s for s in sources_now().sources}
        if sid not in current:
            return failure(
                request, 404, i18n.message("web.bad_choice", field="source", value=sid[:64])
            )
        store.set_source_enabled(sid, not current[sid].enabled)
        return back(request, f"/sources#source-{sid}")

    def import_opml(request: Request) -> Response:
        name, data = _upload(request.state.form, "file")

        def work(progress: Progress) -> str:
            from veille.opml import scan_opml
            from veille.sourcelist import plan_opml_import

            progress(0, None)
            scan = scan_opml(data, name="OPML")
            plan = plan_opml_import(scan, sources_now())  # same rules as `veille sources import`
            added = store.add_managed_sources(plan.rows)
            return f"OPML : {added} / {len(scan.feeds)}"

        return start_job(
            request, f"opml:{name}", t["job_import_opml"].format(name=name), work, "/sources"
        )

    def export_opml(request: Request) -> Response:
        from veille.opml import OpmlFeed, render_opml

        effective = sources_now()
        feeds = [
            OpmlFeed(s.url, s.name or s.id, None, None)
            for s in effective.sources
            if s.kind == "feed"
        ]
        return Response(
            render_opml(feeds, title=config.settings.digest.title),
            media_type="text/x-opml; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="veille-sources.opml"'},
        )

    # -- subscribers ---------------------------------------------------------------------------

    def subscribers(request: Request) -> Response:
        search = (request.query_params.get("q") or "").strip()
        if len(search) > MAX_QUERY:
            raise UsageError(i18n.message("web.too_long", field="q", limit=MAX_QUERY))
        rows = store.subscribers(active_only=False, search=search or None, limit=SHOWN_SUBSCRIBERS)
        total = store.count_subscribers(active_only=False)
        return page(request, "subscribers.html", rows=rows, total=total, q=search)

    def add_subscriber(request: Request) -> Response:
        from veille.subscribers import check_subscriber

        form = request.state.form
        row = check_subscriber(
            {
                "email": _text(form, "email", 320),
                "name": _text(form, "name", 200),
                "tags": ",".join(str(v) for v in form.getlist("tag")),
                "lang": _text(form, "lang", 8),
            },
            config.tag_ids(),
        )
        store.add_subscribers([row])
        return back(request, "/abonnes", f"+ {row.email}")

    def remove_subscriber(request: Request) -> Response:
        email = _text(request.state.form, "email", 320).strip().lower()
        if not store.remove_subscriber(email):
            raise NotFoundError(i18n.message("web.no_subscriber", email=email))
        return back(request, "/abonnes", f"− {email}")

    def import_subscribers(request: Request) -> Response:
        name, data = _upload(request.state.form, "file")

        def work(progress: Progress) -> str:
            from veille.subscribers import parse_csv

            rows = parse_csv(data, name, config.tag_ids(), progress)  # the file is not held
            counts = store.add_subscribers(rows)  # one short transaction
            return f"CSV : +{counts.added}, ~{counts.updated}"

        return start_job(
            request, f"csv:{name}", t["job_import_csv"].format(name=name), work, "/abonnes"
        )

    # -- public: unsubscribe -------------------------------------------------------------------

    def unsubscribe(request: Request) -> Response:
        params = request.query_params
        email = (params.get("email") or "")[:320]
        token = (params.get("token") or "")[:100]
        secret = store.secret("unsubscribe").encode()
        valid = bool(email and token) and verify_unsubscribe_token(
            secret, email, digests.UNSUBSCRIBE_LIST, token
        )
        if not valid:
            return page(
                request, "unsubscribe.html", status=400, message=t["unsub_invalid"], form=False
            )
        address = email.strip().lower()
        if request.method == "GET":
            return page(
                request,
                "unsubscribe.html",
                message=t["unsub_confirm"].format(email=address),
                form=True,
                button=t["unsub_button"],
            )
        done = store.unsubscribe(address)
        key = "done" if done else "already"
        return page(
            request, "unsubscribe.html", message=t[f"unsub_{key}"].format(email=address), form=False
        )

    async def unsubscribe_post(request: Request) -> Response:
        # One-click unsubscribe (RFC 8058) comes from the mail provider without our cookie or
        # CSRF token: the HMAC token in the URL is the proof. Drain the (bounded) body.
        await request.body()
        i18n.use(lang)
        return await on_database(unsubscribe, request)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        key = "web.method_not_allowed" if status == 405 else "web.not_found"
        return failure(request, status, i18n.message(key))

    routes = [
        Route("/login", guarded(login, public=True), methods=["GET", "POST"]),
        Route("/logout", guarded(logout), methods=["POST"]),
        Route("/unsubscribe", guarded(unsubscribe, public=True), methods=["GET"]),
        Route("/unsubscribe", unsubscribe_post, methods=["POST"]),
        Route("/", guarded(home)),
        Route("/semaine", guarded(week_page)),
        Route("/semaine/{week}/brouillon", guarded(draft), methods=["POST"]),
        Route("/semaine/{week}/edito", guarded(editorial), methods=["POST"]),
        Route(
            "/semaine/{week}/articles/{article_id}/{action}", guarded(item_action), methods=["POST"]
        ),
        Route("/tri", guarded(triage_page)),
        Route("/tri/{week}/{article_id}", guarded(triage_answer), methods=["POST"]),
        Route("/apercu", guarded(preview)),
        Route("/apercu/{week}", guarded(preview)),
        Route("/apercu/{week}/email", guarded(preview_email, framed=True)),
        Route("/apercu/{week}/publier", guarded(publish), methods=["POST"]),
        Route("/apercu/{week}/envoyer", guarded(send), methods=["POST"]),
        Route("/apercu/{week}/approuver", guarded(approve), methods=["POST"]),
        Route("/taches/{job_id}", guarded(job_page)),
        Route("/archives", guarded(archive)),
        Route("/sources", guarded(sources)),
        Route("/sources/ajouter", guarded(add_source), methods=["POST"]),
        Route("/sources/opml", guarded(export_opml)),
        Route("/sources/opml", guarded(import_opml), methods=["POST"]),
        Route("/sources/{source_id}/basculer", guarded(toggle_source), methods=["POST"]),
        Route("/abonnes", guarded(subscribers)),
        Route("/abonnes/ajouter", guarded(add_subscriber), methods=["POST"]),
        Route("/abonnes/retirer", guarded(remove_subscriber), methods=["POST"]),
        Route("/abonnes/importer", guarded(import_subscribers), methods=["POST"]),
        Mount(
            "/static",
            app=StaticFiles(directory=str(resources.files("veille") / "static")),
            name="static",
        ),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            BodyLimit,
            default=MAX_FORM,
            limits={"/abonnes/importer": MAX_UPLOAD, "/sources/opml": MAX_UPLOAD},
            page=too_large,
        ),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(store),
            session_cookie="veille_session",
            max_age=SESSION_DAYS * 86400,
            same_site="lax",
            https_only=https,
        ),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={404: not_found, 405: not_found},
    )


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "0Jd4v0pDKcdk5c4Q0ipgGmEnAGj0mF9s4C6G4k4Ew7k"
)
ARTICLE_ID_RE = re.compile(r"[0-9a-f]{6,64}")


async def _form(request: Request) -> FormData:
    """The POST's form; its size was bounded by :class:`BodyLimit` as it arrived."""
    return await request.form(max_files=1, max_fields=200, max_part_size=MAX_FORM)


def _upload(form: FormData, field: str) -> tuple[str, bytes]:
    """(file name, bytes) of an uploaded file (the body was bounded as it arrived)."""
    item = form.get(field)
    if not isinstance(item, UploadFile):
        raise UsageError(i18n.message("web.no_file"))
    item.file.seek(0)
    data = item.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise UsageError(i18n.message("web.too_large", size=_size(MAX_UPLOAD)))
    return (item.filename or "fichier")[:100], data


def _text(values: Any, field: str, limit: int) -> str:
    """A text field of a form or query (empty when absent), at most ``limit`` characters."""
    value = values.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(i18n.message("web.bad_choice", field=field, value="(fichier)"))
    if len(value) > limit:
        raise UsageError(i18n.message("web.too_long", field=field, limit=limit))
    return value


def _choice(values: Any, field: str, allowed: list[str]) -> str | None:
    """One of ``allowed`` (None when empty); a clear error for anything else."""
    value = _text(values, field, 200).strip()
    if not value:
        return None
    if value not in allowed:
        raise UsageError(i18n.message("web.bad_choice", field=field, value=value[:64]))
    return value


def _position(form: FormData) -> int | None:
    raw = _text(form, "position", 12).strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1000:
        raise UsageError(i18n.message("web.bad_position", value=raw))
    return int(raw) - 1


def _article_id(value: str) -> str:
    if not ARTICLE_ID_RE.fullmatch(value):
        raise UsageError(i18n.message("web.bad_article", value=value[:64]))
    return value


def _http_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise UsageError(i18n.message("web.bad_url", value=url[:200]))
    return url


def _next(request: Request, form: FormData | None) -> str:
    """Where to go after logging in: a path of this app, never another site."""
    raw = _text(form, "next", MAX_URL) if form is not None else request.query_params.get("next")
    target = (raw or "/")[:MAX_URL]
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} Mo" if limit >= 1024 * 1024 else f"{limit // 1024} Kio"


def _referer(request: Request) -> str:
    ref = request.headers.get("referer", "")
    path = ref.split(str(request.base_url).rstrip("/"), 1)[-1] if ref else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _day(value: str | None) -> date | None:
    return parse_day(value) if value else None


def _whys(store: Store, view: digests.Draft | None) -> dict[str, dict[str, list[str]]]:
    """Per article and tag: the words that weighed most (shown to curators next to each tag)."""
    if view is None:
        return {}
    ids = {i.article_id for i in view.items}
    return {
        row.id: {tag: [str(w) for w in row.why.get(tag, [])[:5]] for tag in row.tags}
        for row in store.articles(include_all=True)
        if row.id in ids
    }


__all__ = ["CSP", "PUBLIC_PATHS", "BodyLimit", "create_app"]
