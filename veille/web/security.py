"""The app's protections that wrap every route: security headers on every answer, a bound on
every request body, and the key that signs session cookies (the login and CSRF checks are
:mod:`veille.web.guard`'s)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape as html_escape

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veille import i18n
from veille.environment import env_secret
from veille.errors import ConfigError
from veille.store import Store
from veille.web.forms import _size

PUBLIC_PATHS = ("/login", "/unsubscribe", "/static/", "/feed.xml", "/index.html")
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
# The Qualiopi register (a page to read and print): its own inline styles, no script at all,
# never framed, no form.
REGISTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
# An answer shown in the preview's frame that is not the e-mail (an error, the login page):
# the app's own rules, but the preview page may frame it, so the curator sees what went wrong.
FRAMED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
SESSION_DAYS = 7


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


def too_large(lang: str, limit: int) -> bytes:
    """:class:`BodyLimit`'s 413 page, in the app's language."""
    with i18n.language(lang):
        message = i18n.message("web.too_large", size=_size(limit))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<title>413</title><link rel="stylesheet" href="/static/ui.css"></head><body><main>'
        f'<p class="error" role="alert">{html_escape(message)}</p></main></body></html>'
    ).encode()


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
