"""Archives and search (``/archives``): the published letters, and a full-text search of the
stored articles by words, tag, source and period."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n, publishing
from veille.errors import UsageError
from veille.search import fts_query
from veille.web.context import WebContext, page
from veille.web.followup import badges_by_article, today
from veille.web.forms import MAX_QUERY, _choice, _day


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
