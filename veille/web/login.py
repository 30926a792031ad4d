"""Logging in and out (``/login``, public; ``/logout``)."""

from __future__ import annotations

import shlex
from datetime import timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from veille import clock
from veille.auth import hash_password, needs_rehash, new_csrf_token, verify_password
from veille.web.context import WebContext, page
from veille.web.forms import _next, _text
from veille.web.security import SESSION_DAYS

_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "0Jd4v0pDKcdk5c4Q0ipgGmEnAGj0mF9s4C6G4k4Ew7k"
)


def account_command(web: WebContext) -> str:
    """The command that creates the first account on this very database and sources file
    (paths as given to ``veille ui``, quoted for a shell)."""
    config = shlex.quote(str(Path(web.config.path).resolve()))
    database = shlex.quote(str(web.store.path.resolve()))
    return f"veille --config {config} --db {database} users add {web.t['no_user_name']}"


def login(request: Request) -> Response:
    web = WebContext.of(request)
    store, t, limiter = web.store, web.t, web.limiter
    no_user = not store.users()
    if request.method == "GET":
        return _login_page(request, 200, no_user, None, _next(request, None))
    form = request.state.form
    name = _text(form, "user", 64).strip().lower()
    password = _text(form, "password", 1024)
    target = _next(request, form)
    client = request.client.host if request.client else "?"
    # Two keys, never mixed: an account can be named like an address ("127.0.0.1").
    account, address = f"user:{name}", f"address:{client}"
    if not limiter.allowed(account) or not limiter.allowed(address):
        return _login_page(request, 429, no_user, t["throttled"], target)
    stored = store.password_hash(name) if name else None
    # An unknown name costs the same argon2 work as a wrong password: the answer time
    # does not tell which accounts exist.
    if not verify_password(stored or _DUMMY_HASH, password) or stored is None:
        limiter.failed(account)
        limiter.failed(address)
        return _login_page(request, 401, no_user, t["bad_login"], target)
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


def _login_page(
    request: Request, status: int, no_user: bool, error: str | None, target: str
) -> Response:
    command = account_command(WebContext.of(request)) if no_user else ""
    return page(
        request, "login.html", status=status, no_user=no_user, no_user_command=command,
        error=error, next=target,
    )  # fmt: skip


def logout(request: Request) -> Response:
    user = request.session.get("user")
    if isinstance(user, str):
        WebContext.of(request).store.end_sessions(user)  # a copy of the cookie stops working too
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
