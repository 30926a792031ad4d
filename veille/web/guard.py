"""Every route's gate (:func:`guarded`): a valid session unless the route is public, the
session's CSRF token on every POST, the work run on the database thread with the file held, and
errors turned into a page or a message instead of a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from veille import clock, i18n
from veille.auth import csrf_ok, new_csrf_token
from veille.errors import DatabaseLockedError, VeilleError
from veille.web.context import WebContext, back, failure
from veille.web.forms import _form, _referer
from veille.web.security import FRAMED_CSP

logger = logging.getLogger("veille.web")

Handler = Callable[[Request], Awaitable[Response]]
Page = Callable[[Request], Response]  # a route's work: runs on the app's database thread


def guarded(handler: Page, *, public: bool = False, framed: bool = False) -> Handler:
    """Session required (unless public); CSRF token required on every POST.

    ``handler`` is plain (not async) and runs on the database thread with the request
    (a POST's form in ``request.state.form``): a new route is a function and a line in
    ``routes``. A POST's body is read on the event loop, and only once the session is
    known to be valid. ``framed``: the route is shown in the preview's frame, so its
    other answers (an error page) may be framed by the app's own pages.
    """

    async def wrapped(request: Request) -> Response:
        web = WebContext.of(request)
        i18n.use(web.lang)
        form = None
        if request.method == "POST":
            if not public and not await web.on_database(_logged_in, request):
                return failure(request, 401, web.t["login_required"])
            form = await _form(request)
        answer = await web.on_database(_serve, handler, request, form, public)
        if framed and "content-security-policy" not in answer.headers:
            answer.headers["content-security-policy"] = FRAMED_CSP
            answer.headers["x-frame-options"] = "SAMEORIGIN"
        return answer

    return wrapped


def _serve(handler: Page, request: Request, form: FormData | None, public: bool) -> Response:
    web = WebContext.of(request)
    i18n.use(web.lang)  # this thread's own context
    try:
        # One opening of the file per request, not one per query: each opening costs
        # 40-50 ms of CPU (DuckDB builds a database instance; measured with py-spy) and a
        # page makes 3-6 queries. Requests are short; jobs run after, in their own thread.
        with web.store.held():
            return _answer(handler, request, form, public)
    except VeilleError as exc:  # the file could not be opened (busy, damaged, full disk)
        if request.method == "POST":
            return back(request, _referer(request), str(exc), error=True)
        return failure(request, 503 if isinstance(exc, DatabaseLockedError) else 500, str(exc))


def _answer(handler: Page, request: Request, form: FormData | None, public: bool) -> Response:
    t = WebContext.of(request).t
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    if not public and form is None and not _logged_in(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
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
    generation = WebContext.of(request).store.session_generation(user)
    return generation is not None and session.get("generation") == generation
