"""What every route shares: :class:`WebContext` (the app's settings, store, templates and
threads, on ``app.state.web``), and the answers every page gives (a page, a redirect with a
message, an error page)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from veille import clock
from veille import digest as digests
from veille.auth import LoginThrottle
from veille.config import Config
from veille.jobs import Jobs
from veille.sourcelist import effective
from veille.store import Store
from veille.weeks import parse_week

T = TypeVar("T")


@dataclass(frozen=True)
class WebContext:
    """The app's shared state, made once by :func:`~veille.web.app.create_app`: every route
    reaches it through :meth:`of` (the request's app), none through a closure."""

    config: Config
    store: Store
    digests_dir: Path
    lang: str
    t: dict[str, str]  # the app's words in its language (veille/i18n/web.py)
    tags: list[tuple[str, str]]  # (id, label) of the taxonomy's tags
    tag_labels: dict[str, str]  # their labels, and the "other" section's
    limiter: LoginThrottle
    jobs: Jobs
    # The database thread: every route's work runs here, one at a time (datasette's single
    # writer), so the app never has the file open from two threads and the event loop stays
    # free to take requests while a route waits for the file.
    database: ThreadPoolExecutor
    templates: jinja2.Environment

    @staticmethod
    def of(request: Request) -> WebContext:
        web: WebContext = request.app.state.web
        return web

    async def on_database(self, work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.database, functools.partial(work, *args))

    def sources_now(self) -> Config:
        """sources.yaml plus the sources added or switched here (read at each request)."""
        return effective(self.config, self.store)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    web = WebContext.of(request)
    session = request.session
    flash = session.pop("flash", None)
    if isinstance(flash, str):  # a cookie from before flashes had a kind
        flash = {"kind": "ok", "text": flash}
    context.setdefault("week", None)
    context.setdefault("refresh", None)
    html = web.templates.get_template(template).render(
        t=web.t,
        lang=web.lang,
        user=session.get("user"),
        csrf=session.get("csrf", ""),
        path=request.url.path,
        flash=flash,
        tags=web.tags,
        tag_labels=web.tag_labels,
        **context,
    )
    return HTMLResponse(html, status_code=status)


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


def current_week(request: Request) -> str:
    week = request.query_params.get("week") or request.path_params.get("week")
    if week:
        parse_week(week)
        return str(week)
    return digests.week_of(clock.now(), WebContext.of(request).config.settings.timezone)
