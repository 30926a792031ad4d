"""The watched sources (``/sources``): their health, adding one by its address (a background
job), switching one on or off, and OPML in and out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from veille import clock, health, i18n, scheduling
from veille.errors import DigestError
from veille.jobs import Progress
from veille.render import format_moment
from veille.web.context import WebContext, back, count, failure, page
from veille.web.forms import MAX_URL, _http_url, _text, _upload
from veille.web.jobs import start_job

if TYPE_CHECKING:
    from veille.sourcelist import ImportPlan


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
        if found.kind == "feed":
            return i18n.counted("web.feed_added", found.entries, id=row.id, url=found.url)
        return i18n.message("web.page_added", id=row.id, url=found.url)

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
    store, t, lang, sources_now = web.store, web.t, web.lang, web.sources_now
    name, data = _upload(request.state.form, "file")

    def work(progress: Progress) -> str:
        from veille.opml import scan_opml
        from veille.sourcelist import plan_opml_import

        progress(0, None)
        scan = scan_opml(data, name="OPML")
        plan = plan_opml_import(scan, sources_now())  # same rules as `veille sources import`
        added = store.add_managed_sources(plan.rows)
        return _opml_done(t, lang, name, added, len(scan.feeds), plan)

    return start_job(
        request, f"opml:{name}", t["job_import_opml"].format(name=name), work, "/sources"
    )


def _opml_done(
    t: dict[str, str], lang: str, name: str, added: int, total: int, plan: ImportPlan
) -> str:
    """« Import de abonnements.opml terminé : aucune source ajoutée sur 4 flux dans le fichier.
    Non ajoutés : 4 flux étaient déjà des sources (a, b, c, d). »"""
    done = t["opml_done"].format(
        name=name,
        added=count(t, lang, "opml_added", added),
        total=count(t, lang, "opml_total", total),
    )
    reasons = []
    if plan.already:
        ids = ", ".join(sid for _, sid in plan.already[:5]) + (
            ", …" if len(plan.already) > 5 else ""
        )
        reasons.append(count(t, lang, "opml_already", len(plan.already), ids=ids))
    if plan.problems:
        reasons.append(
            count(t, lang, "opml_problems", len(plan.problems), detail=plan.problems[0].label)
        )
    joined = (" ; " if lang == "fr" else "; ").join(reasons)
    return f"{done} {t['opml_left_out'].format(reasons=joined)}" if reasons else done


def export_opml(request: Request) -> Response:
    from veille.opml import OpmlFeed, render_opml

    web = WebContext.of(request)
    config, sources_now = web.config, web.sources_now
    effective = sources_now()
    feeds = [
        OpmlFeed(s.url, s.name or s.id, None, None) for s in effective.sources if s.kind == "feed"
    ]
    return Response(
        render_opml(feeds, title=config.settings.digest.title),
        media_type="text/x-opml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="veille-sources.opml"'},
    )
