"""Archives and search (``/archives``): the published letters, and a full-text search of the
stored articles by words, tag, source and period; and the published archive itself, served
read-only from the ``--out`` folder (``/2026-W47/``, ``/feed.xml``, ``/index.html``, and ``/``
for a visitor without a session), so that ``settings.digest.site_url`` may point at the app."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from starlette.convertors import Convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from veille import i18n, publishing
from veille.errors import UsageError, VeilleError
from veille.search import fts_query
from veille.web.context import WebContext, page
from veille.web.followup import badges_by_article, today
from veille.web.forms import MAX_QUERY, _choice, _day
from veille.weeks import parse_week

Handler = Callable[[Request], Awaitable[Response]]
# The published pages are self-contained (inline styles, as in the e-mail): no script, no
# form, never framed; the app's other headers (nosniff, no-store...) come from its middleware.
ARCHIVE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
# Only what veille.publishing writes is served: a week's four files, the index and the feed.
WEEK_FILES = {
    "index.html": "text/html; charset=utf-8",
    "digest.html": "text/html; charset=utf-8",
    "digest.txt": "text/plain; charset=utf-8",
    "digest.md": "text/markdown; charset=utf-8",
}
TOP_FILES = {"index.html": "text/html; charset=utf-8", "feed.xml": "application/atom+xml"}


def archive(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, sources_now = web.config, web.store, web.sources_now
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
    published = list(reversed(publishing.published_letters(store)))
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
        followups=badges_by_article(store, [r.id for r in results or []], today(config), web.t),
    )


# --- the published archive, as files -----------------------------------------------------------


class WeekConvertor(Convertor[str]):
    """A path segment shaped like an ISO week (``2026-W47``); the app's own routes never are."""

    regex = r"\d{4}-W\d{2}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def published_file(folder: Path, *parts: str) -> Path | None:
    """The published file ``folder/parts…``, or None when there is none. The names come from
    :data:`WEEK_FILES` and :data:`TOP_FILES` only, and the resolved path must stay inside the
    folder (a link planted there cannot lead out of it)."""
    root = folder.resolve()
    target = root.joinpath(*parts).resolve()
    return target if target.is_relative_to(root) and target.is_file() else None


def _send(path: Path | None, media_type: str) -> Response:
    if path is None:
        raise HTTPException(404)
    return FileResponse(
        path, media_type=media_type, headers={"content-security-policy": ARCHIVE_CSP}
    )


async def published_week(request: Request) -> Response:
    """``/2026-W47/`` (the week's web page) and ``/2026-W47/digest.html`` and its twins."""
    week = str(request.path_params["week"])
    name = str(request.path_params.get("name", "index.html"))
    try:
        parse_week(week)  # 2026-W60 has the shape of a week, not a week
    except VeilleError:
        raise HTTPException(404) from None
    if name not in WEEK_FILES:
        raise HTTPException(404)
    folder = WebContext.of(request).digests_dir
    return _send(published_file(folder, week, name), WEEK_FILES[name])


async def published_top(request: Request) -> Response:
    """``/feed.xml`` and ``/index.html`` (every published week)."""
    name = request.url.path.lstrip("/")
    if name not in TOP_FILES:
        raise HTTPException(404)
    folder = WebContext.of(request).digests_dir
    return _send(published_file(folder, name), TOP_FILES[name])


def public_root(home: Handler) -> Handler:
    """``/``: the archive's index for a visitor without a session (the archive's "all the
    letters" link and the feed lead there), the curators' home otherwise (and the login page
    when nothing is published yet)."""

    @functools.wraps(home)  # keeps the action it declared (veille.web.guard.declared_action)
    async def root(request: Request) -> Response:
        if "user" not in request.session:
            index = published_file(WebContext.of(request).digests_dir, "index.html")
            if index is not None:
                return _send(index, TOP_FILES["index.html"])
        return await home(request)

    return root
