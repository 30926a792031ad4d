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
:func:`~veille.web.guard.guarded`) runs on it, one at a time, so the app never opens the file
from two threads (which DuckDB refuses) and the event loop keeps taking requests while a route
waits. DuckDB lets one process write at a time: the app opens the file only for the length of
a request (the :class:`~veille.store.Store` waits, with a bounded timeout, while a run holds
it), so a scheduled ``veille run`` and the app can work at the same time. Long work — sending
the letter, importing subscribers or OPML, adding a source — runs as a background job
(:mod:`veille.jobs`) with a progress page, and takes the file only for its short writes.

The package: :mod:`~veille.web.app` makes the app (its shared state, the route table, the
middleware); :mod:`~veille.web.security` and :mod:`~veille.web.guard` protect every route;
:mod:`~veille.web.context` holds the :class:`WebContext` every route reaches through
``app.state.web`` and the answers every page gives; :mod:`~veille.web.forms` reads request
fields; then one module per page or group of pages, each route a module-level function.
"""

from __future__ import annotations

from veille.web.app import create_app
from veille.web.context import WebContext
from veille.web.security import (
    CSP,
    FRAMED_CSP,
    PREVIEW_CSP,
    PUBLIC_PATHS,
    BodyLimit,
    SecurityHeaders,
    session_secret,
)

__all__ = [
    "CSP",
    "FRAMED_CSP",
    "PREVIEW_CSP",
    "PUBLIC_PATHS",
    "BodyLimit",
    "SecurityHeaders",
    "WebContext",
    "create_app",
    "session_secret",
]
