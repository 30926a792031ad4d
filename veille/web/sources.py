"""The watched sources (``/sources``): their health, adding one by its address (a background
job), switching one on or off, and OPML in and out."""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from veille import clock, health, i18n, scheduling
from veille.config import Source
from veille.errors import NotFoundError, UsageError
from veille.jobs import Progress
from veille.models import ManagedSource
from veille.render import format_moment
from veille.sourcelist import SourceProposal
from veille.taxonomy import check_source_tags
from veille.web.context import WebContext, back, count, failure, page
from veille.web.forms import MAX_URL, _http_url, _text, _upload
from veille.web.jobs import start_job

if TYPE_CHECKING:
    from veille.sourcelist import ImportPlan

KEPT_PROPOSALS = 20
_LOCK = threading.Lock()


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
    """Look at what an address offers, in the background; nothing is added before the
    curator confirms on the proposal page (the rule of `veille sources add`: one function,
    :func:`veille.sourcelist.propose_source`)."""
    web = WebContext.of(request)
    t, sources_now = web.t, web.sources_now
    url = _http_url(_text(request.state.form, "url", MAX_URL))
    slot = _Proposal(url)

    def work(progress: Progress) -> str:
        from veille.sourcelist import propose_source

        progress(0, None)
        # The fetches and the parsing of a large feed take this thread, not the app's loop.
        slot.proposal = asyncio.run(propose_source(url, sources_now()))
        return ""

    key = f"propose-source:{secrets.token_urlsafe(8)}"  # each curator's own proposal
    job, _ = web.jobs.start(key, t["job_add_source"].format(url=url), work, back="/sources",
                            lang=web.lang)  # fmt: skip
    _proposals(request)[job.id] = slot
    return back(request, f"/sources/proposition/{job.id}")


def proposal_page(request: Request) -> Response:
    """What the address offers, to choose and confirm (or the search still running)."""
    web = WebContext.of(request)
    job_id = request.path_params["job_id"]
    slot, job = _proposals(request).get(job_id), web.jobs.get(job_id)
    if slot is None or job is None:
        return failure(request, 404, i18n.message("source.proposal_gone"))
    from veille.sourcelist import describe

    proposal = slot.proposal if job.state == "done" else None
    lines = {found.url: describe(found) for found in proposal.choices} if proposal else {}
    return page(
        request, "source_proposal.html", asked=slot.url, job=job, proposal=proposal,
        lines=lines, refresh=2 if job.running else None,
    )  # fmt: skip


def confirm_source(request: Request) -> Response:
    """Add the source the curator chose on the proposal page, with the themes ticked."""
    from veille.sourcelist import source_to_add

    web = WebContext.of(request)
    store, sources_now = web.store, web.sources_now
    form = request.state.form
    slot = _proposals(request).get(request.path_params["job_id"])
    if slot is None or slot.proposal is None:
        return failure(request, 404, i18n.message("source.proposal_gone"))
    tags = [str(v) for v in form.getlist("tag")]
    row = source_to_add(
        slot.proposal,
        _text(form, "choice", MAX_URL),
        sources_now(),
        tags=tags,
        name=_text(form, "name", 200),
        origin="web",
    )
    store.add_managed_sources([row])
    _proposals(request).pop(request.path_params["job_id"], None)
    what = i18n.message(f"source.kind.{row.kind}")
    message = i18n.message("source.added", name=row.name or row.id, what=what)
    return back(request, f"/sources#source-{row.id}", message)


def toggle_source(request: Request) -> Response:
    web = WebContext.of(request)
    store, sources_now = web.store, web.sources_now
    sid = request.path_params["source_id"]
    current = {s.id: s for s in sources_now().sources}
    if sid not in current:
        return failure(request, 404, i18n.message("web.bad_choice", field="source", value=sid[:64]))
    store.set_source_enabled(sid, not current[sid].enabled)
    return back(request, f"/sources#source-{sid}")


def edit_source(request: Request) -> Response:
    """A source's page: its address, name and themes to change (a source added here; those of
    sources.yaml are changed in the file), and deleting it."""
    web = WebContext.of(request)
    source, managed = _source(request)
    if request.method == "POST":
        if managed is None:  # sources.yaml is never rewritten by veille
            raise UsageError(i18n.message("source.in_yaml", id=source.id, path=web.config.path))
        form = request.state.form
        url = _http_url(_text(form, "url", MAX_URL))
        known = web.config.tag_ids()
        tags = [str(v) for v in form.getlist("tag")]
        check_source_tags(tags, known)
        # The curator's own labels (OPML folders) are not checkboxes: kept as they were.
        tags += [t for t in source.tags if t not in known and t not in tags]
        others = web.sources_now().model_copy(
            update={"sources": tuple(s for s in web.sources_now().sources if s.id != source.id)}
        )
        from veille.sourcelist import existing_source

        taken = existing_source(url, others)
        if taken is not None:
            raise UsageError(i18n.message("source.already", url=url, id=taken))
        name = _text(form, "name", 200).strip() or None
        options = {**managed.options, "tags": tags}
        if not tags:
            options.pop("tags", None)
        web.store.update_managed_source(source.id, url=url, name=name, options=options)
        message = i18n.message("source.saved", name=name or source.id)
        return back(request, f"/sources#source-{source.id}", message)
    figures = {f.id: f for f in web.store.source_figures()}
    articles = figures[source.id].articles if source.id in figures else 0
    return page(request, "source_edit.html", source=source, managed=managed is not None,
                articles=articles, path_yaml=web.config.path)  # fmt: skip


def delete_source(request: Request) -> Response:
    """Delete a source added here, once the curator ticked the confirmation; its articles
    stay (archive, letters, register)."""
    web = WebContext.of(request)
    source, managed = _source(request)
    if managed is None:
        raise UsageError(i18n.message("source.in_yaml", id=source.id, path=web.config.path))
    if _text(request.state.form, "confirm", 8) != "oui":
        raise UsageError(i18n.message("source.delete_unconfirmed", name=source.label))
    web.store.remove_managed_source(source.id)
    figures = {f.id: f for f in web.store.source_figures()}
    count = figures[source.id].articles if source.id in figures else 0
    return back(request, "/sources", i18n.message("source.deleted", name=source.label, n=count))


def _source(request: Request) -> tuple[Source, ManagedSource | None]:
    """The source of the path, and its row when it was added outside sources.yaml."""
    web = WebContext.of(request)
    sid = request.path_params["source_id"]
    current = {s.id: s for s in web.sources_now().sources}
    if sid not in current:
        raise NotFoundError(i18n.message("web.bad_choice", field="source", value=sid[:64]))
    managed = {m.id: m for m in web.store.managed_sources() if m.url}
    return current[sid], managed.get(sid)


@dataclass(slots=True)
class _Proposal:
    """An address being looked at, then what it offers (set by the job's thread)."""

    url: str
    proposal: SourceProposal | None = None


def _proposals(request: Request) -> dict[str, _Proposal]:
    """This app's proposals waiting for a confirmation, by job id (the last few only: like
    jobs, they live in memory, and an app restart asks for the address again)."""
    state = request.app.state
    with _LOCK:
        held: dict[str, _Proposal] | None = getattr(state, "source_proposals", None)
        if held is None:
            held = state.source_proposals = {}
        while len(held) > KEPT_PROPOSALS:
            held.pop(next(iter(held)))
    return held


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
    from veille.sourcelist import sources_opml

    # The file `veille sources export` writes: tags as nested folders, so an import gives
    # them back (one function for both).
    text, _ = sources_opml(WebContext.of(request).sources_now())
    return Response(
        text,
        media_type="text/x-opml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="veille-sources.opml"'},
    )
