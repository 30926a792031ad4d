"""Every route's gate (:func:`guarded`): a valid session unless the route is public, the
role's permission for the route's declared action (:mod:`veille.roles`), the session's CSRF
token on every POST, the work run on the database thread with the file held, who did what kept
for every POST that went through, and errors turned into a page or a message instead of a
traceback."""

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
from veille.roles import Action, can
from veille.web.context import WebContext, back, failure
from veille.web.forms import _form, _referer
from veille.web.security import FRAMED_CSP

logger = logging.getLogger("veille.web")

Handler = Callable[[Request], Awaitable[Response]]
Page = Callable[[Request], Response]  # a route's work: runs on the app's database thread


def guarded(
    handler: Page, *, public: bool = False, framed: bool = False, needs: Action | None = None
) -> Handler:
    """Session required (unless public), and a role that may do ``needs`` (every route that
    is not public declares it: a route without one cannot be made); CSRF token required on
    every POST.

    ``handler`` is plain (not async) and runs on the database thread with the request
    (a POST's form in ``request.state.form``): a new route is a function and a line in
    ``routes``. A POST's body is read on the event loop, and only once the session is
    known to be valid. ``framed``: the route is shown in the preview's frame, so its
    other answers (an error page) may be framed by the app's own pages.
    """
    if not public and needs is None:  # a programming error, found when the app is made
        raise AssertionError(f"the route {handler.__name__} declares no action (needs=...)")

    async def wrapped(request: Request) -> Response:
        web = WebContext.of(request)
        i18n.use(web.lang)
        form = None
        if request.method == "POST":
            if not public and not await web.on_database(_logged_in, request):
                return failure(request, 401, web.t["login_required"])
            form = await _form(request)
        answer = await web.on_database(_serve, handler, request, form, needs)
        if framed and "content-security-policy" not in answer.headers:
            answer.headers["content-security-policy"] = FRAMED_CSP
            answer.headers["x-frame-options"] = "SAMEORIGIN"
        return answer

    wrapped.needs = needs  # type: ignore[attr-defined]  # read by declared_action
    return wrapped


def declared_action(endpoint: object) -> Action | None:
    """The action a route's endpoint declared to :func:`guarded` (None: public or unguarded)."""
    needs = getattr(endpoint, "needs", None)
    return needs if isinstance(needs, Action) else None


def _serve(
    handler: Page, request: Request, form: FormData | None, needs: Action | None
) -> Response:
    web = WebContext.of(request)
    i18n.use(web.lang)  # this thread's own context
    try:
        # One opening of the file per request, not one per query: each opening costs
        # 40-50 ms of CPU (DuckDB builds a database instance; measured with py-spy) and a
        # page makes 3-6 queries. Requests are short; jobs run after, in their own thread.
        with web.store.held():
            return _answer(handler, request, form, needs)
    except VeilleError as exc:  # the file could not be opened (busy, damaged, full disk)
        if request.method == "POST":
            return back(request, _referer(request), str(exc), error=True)
        return failure(request, 503 if isinstance(exc, DatabaseLockedError) else 500, str(exc))


def _answer(
    handler: Page, request: Request, form: FormData | None, needs: Action | None
) -> Response:
    web = WebContext.of(request)
    t = web.t
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    if needs is not None and form is None and not _logged_in(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if needs is not None:
        # Read at every request: a role changed by an admin applies at the next click.
        role = request.state.role = web.store.user_role(str(request.session.get("user")))
        if not can(role, needs):
            return failure(request, 403, t["forbidden"])
    if form is not None:
        given = form.get("csrf") or request.headers.get("x-csrf-token")
        if not csrf_ok(request.session.get("csrf"), given if isinstance(given, str) else None):
            return failure(request, 403, t["csrf"])
        request.state.form = form
    try:
        answer = handler(request)
    except VeilleError as exc:
        if request.method == "POST":
            return back(request, _referer(request), str(exc), error=True)
        return failure(request, 400, str(exc))
    except Exception:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return failure(request, 500, t["unexpected"])
    if form is not None and needs not in (None, Action.READ):
        try:
            _keep_trace(request, answer, form, needs, handler.__name__)
        except VeilleError:  # the change is made: say so, and log the trace that was lost
            logger.warning("who did %s %s not kept", request.method, request.url.path)
    return answer


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


# The fields of a form that name what a POST was about, when its path does not.
_OBJECT_FIELDS = ("name", "url", "email")


def _keep_trace(
    request: Request, answer: Response, form: FormData, needs: Action | None, name: str
) -> None:
    """Who did what: a POST that went through (no error status, no error message) is kept
    in the activity log with its user, its week and what it was about."""
    flash = request.session.get("flash")
    if answer.status_code >= 400 or (isinstance(flash, dict) and flash.get("kind") == "error"):
        return
    params = request.path_params
    what = str(params.get("action") or name)  # item_action's keep, drop...; else the route
    subject = next(
        (str(params[k]) for k in ("article_id", "source_id", "action_id") if k in params), None
    )
    if subject is None:
        subject = next((str(form[k]) for k in _OBJECT_FIELDS if form.get(k)), None)
    WebContext.of(request).store.record_activity(
        str(request.session.get("user")),
        str(needs),
        what,
        week=str(params["week"]) if "week" in params else None,
        object_=subject[:300] if subject else None,
    )
