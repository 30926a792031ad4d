"""The watched sources (``/sources``): their health, adding one by its address (a background
job), switching one on or off, and OPML in and out."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from veille import clock, health, i18n, scheduling
from veille.errors import DigestError
from veille.jobs import Progress
from veille.render import format_moment
from veille.web.context import WebContext, back, failure, page
from veille.web.forms import MAX_URL, _http_url, _text, _upload
from veille.web.jobs import start_job


def sources(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, lang, sources_now = web.config, web.store, web.lang, web.sources_now
    now = clock.now()
    rows = []
    # The sources watched, judged as `veille sources check` judges them (one rule: health.assess);
    # those removed from the configuration are not shown, their history stays in the database.
    for h in health.assess(store.source_figures(), now, sources_now().sources):
        rows.append(
            {
                "health": h,
                "silent": (now - h.last_new_at).days if h.last_new_at else None,
                # In the organisation's time zone, as people write it: 2 décembre 2026, 16:15.
                "success": format_moment(h.last_success_at, config.settings.timezone, lang),
            }
        )
    # The schedule, as `veille status` tells it: running or not, last run, next run, crashes.
    seen = scheduling.view(store.scheduler(), store.runs(200), now)
    schedule = scheduling.sentences(seen, config.settings.timezone, lang, format_moment)
    stopped = seen.state is not None and not seen.running and seen.state.stopped_at is None
    return page(request, "sources.html", rows=rows, schedule=schedule, schedule_gone=stopped)


def add_source(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t, sources_now = web.config, web.store, web.t, web.sources_now
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
    web = WebContext.of(request)
    store, sources_now = web.store, web.sources_now
    sid = request.path_params["source_id"]
    current = {s.id: s for s in sources_now().sources}
    if sid not in current:
        return failure(request, 404, i18n.message("web.bad_choice", field="source", value=sid[:64]))
    store.set_source_enabled(sid, not current[sid].enabled)
    return back(request, f"/sources#source-{sid}")


def import_opml(request: Request) -> Response:
    web = WebContext.of(request)
    store, t, sources_now = web.store, web.t, web.sources_now
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
    from veille.sourcelist import sources_opml

    # The file `veille sources export` writes: tags as nested folders, so an import gives
    # them back (one function for both).
    text, _ = sources_opml(WebContext.of(request).sources_now())
    return Response(
        text,
        media_type="text/x-opml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="veille-sources.opml"'},
    )
