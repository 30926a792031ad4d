"""What every route shares: :class:`WebContext` (the app's settings, store, templates and
threads, on ``app.state.web``), and the answers every page gives (a page, a redirect with a
message, an error page)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from veille import clock, i18n
from veille import digest as digests
from veille.auth import LoginThrottle
from veille.config import Config
from veille.jobs import Jobs
from veille.roles import Action, can
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
    user = session.get("user")
    # The guard's, read for this request (None on a public page or a 404: no role's links).
    role = getattr(request.state, "role", None)
    html = web.templates.get_template(template).render(
        t=web.t,
        lang=web.lang,
        user=user,
        role=role,
        may=lambda action: can(role, Action(action)),  # what to show; the guard decides
        csrf=session.get("csrf", ""),
        path=request.url.path,
        flash=flash,
        tags=web.tags,
        tag_labels=web.tag_labels,
        count=functools.partial(count, web.t, web.lang),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def local_day(moment: datetime | date, zone: ZoneInfo) -> date:
    """The day a moment falls on in the organisation's time zone (a stored naive moment is
    UTC); a calendar day as it is."""
    if not isinstance(moment, datetime):
        return moment
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def kind_label(kind: str, lang: str) -> str:
    """A source's kind as people say it: ``flux``, ``page``, ``API JSON``."""
    key = f"kind.{kind}"
    if key not in i18n.MESSAGES:
        return kind
    with i18n.language(lang):
        return i18n.message(key)


def count(t: dict[str, str], lang: str, key: str, n: int, **params: Any) -> str:
    """The app's words for ``n`` things: ``t[key_one]`` or ``t[key_other]`` as the language
    agrees (French: 0 and 1 singular), ``t[key_zero]`` for none when the catalogue has one::

        count(t, "fr", "csv_added", 0)   # "aucun abonné ajouté"
    """
    if n == 0 and f"{key}_zero" in t:
        return t[f"{key}_zero"].format(n=n, **params)
    form = "one" if i18n.is_singular(n, lang) else "other"
    # Thousands apart as each language writes them: 100 000 (narrow no-break space), 100,000.
    figure = f"{n:,}".replace(",", "\u202f" if lang == "fr" else ",")
    return t[f"{key}_{form}"].format(n=figure, **params)


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
