"""The week's curation (``/semaine``): the draft's items by section, and what a curator does to
them (make the draft, keep, drop, put on top, move, tag, summarise, annotate, the editorial)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from veille import digest as digests
from veille import i18n
from veille.errors import DigestError, UsageError
from veille.moments import format_day_time
from veille.store import Store
from veille.web.context import WebContext, back, current_week, failure, page
from veille.web.followup import badges_by_article, today
from veille.web.forms import _article_id, _choice, _position, _text
from veille.web.preview import counted, letter_state
from veille.web.team import week_traces
from veille.weeks import adjacent_weeks, week_label


def home(request: Request) -> Response:
    return RedirectResponse("/semaine", status_code=303)


def week_page(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, tag_labels = web.config, web.store, web.tag_labels
    week = current_week(request)
    try:
        view: digests.Draft | None = digests.load(config, store, week)
    except DigestError:
        view = None
    prev_week, next_week = adjacent_weeks(week)
    sections = []
    if view is not None:
        for tag_id in [*config.tag_ids(), digests.OTHER_SECTION]:
            items = [i for i in view.items if i.section == tag_id]
            if items:
                sections.append((tag_id, tag_labels.get(tag_id, tag_id), items))
    return page(
        request,
        "week.html",
        week=week,
        view=view,
        sections=sections,
        whys=_whys(store, view),
        prev_week=prev_week,
        next_week=next_week,
        top=view.top.article_id if view and view.top else None,
        letter=letter_state(web, week, view) if view else None,
        period=week_label(week, web.lang),
        reasons=_reasons(web, view),
        threshold=round(config.settings.relevance_threshold * 100),
        relevance=_relevance(web, view),
        candidates=counted(web, "candidates", len(view.items)) if view else "",
        figures=_figures(web, view),
        followups=badges_by_article(
            store, [i.article_id for i in view.items] if view else [], today(config), web.t
        ),
        traces=week_traces(web, week),  # who suggested, kept or left out each item
    )


def draft(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    week = current_week(request)
    view = digests.draft(config, store, week)
    done = t["drafted"].format(
        kept=counted(web, "items", len(view.included)),
        total=counted(web, "candidates", len(view.items)),
    )
    if request.state.form.get("then") == "apercu":
        return back(request, f"/apercu/{week}", done)
    return back(request, f"/semaine?week={week}", done)


def item_action(request: Request) -> Response:
    web = WebContext.of(request)
    config, store = web.config, web.store
    week = current_week(request)
    aid = _article_id(request.path_params["article_id"])
    action = request.path_params["action"]
    form = request.state.form
    if action == "keep":
        digests.include(store, week, [aid])
    elif action == "drop":
        digests.exclude(store, week, [aid], off_topic=form.get("off_topic") == "1")
    elif action == "top":
        digests.set_top(store, week, aid)
    elif action == "move":
        section = _choice(form, "section", [*config.tag_ids(), digests.OTHER_SECTION])
        position = _position(form)
        if section is None and position is None:
            raise DigestError(i18n.message("web.move_needs_target"))
        digests.move(config, store, week, aid, section=section, position=position)
    elif action == "tags":
        chosen = [str(v) for v in form.getlist("tag")]
        unknown = [c for c in chosen if c not in config.tag_ids()]
        if unknown:
            raise UsageError(i18n.message("web.bad_choice", field="tag", value=unknown[0]))
        digests.set_tags(config, store, week, aid, chosen)
    elif action == "summary":
        text = _text(form, "summary", 5000).strip()
        digests.set_summary(store, week, aid, text or None)
    elif action == "note":
        digests.set_note(store, week, aid, _text(form, "note", 5000))
    else:
        return failure(request, 404, i18n.message("web.unknown_action", action=action[:40]))
    return back(request, f"/semaine?week={week}#item-{aid}")


def editorial(request: Request) -> Response:
    web = WebContext.of(request)
    store, t = web.store, web.t
    week = current_week(request)
    digests.set_editorial(store, week, _text(request.state.form, "editorial", 20000))
    return back(request, f"/semaine?week={week}", t["saved"])


def _figures(web: WebContext, view: digests.Draft | None) -> str:
    """What the watch gathered that week, counted in words."""
    if view is None:
        return ""
    f = view.figures
    return web.t["figures"].format(
        gathered=counted(web, "gathered", f.gathered),
        duplicates=counted(web, "duplicates", f.duplicates),
        off_topic=counted(web, "off_topic", f.off_topic),
    )


def _reasons(web: WebContext, view: digests.Draft | None) -> dict[str, str]:
    """Per item left out: why, in words."""
    said = {}
    for item in view.items if view else ():
        out = item.out
        if out is None:
            continue
        if out.kind == "curator":
            when = out.when
            said[item.article_id] = (
                web.t["out_curator"].format(
                    when=format_day_time(when, web.config.settings.timezone, web.lang)
                )
                if when
                else web.t["out_curator_undated"]
            )
        elif out.kind == "room":
            said[item.article_id] = web.t["out_room"]
        else:
            said[item.article_id] = counted(web, f"out_{out.kind}", out.count, limit=str(out.limit))
    return said


# The model's probability in words: near the top it no longer tells items apart (the demo's
# items, written on the seed's topics, all score 0.97-1.00, which the page showed as "1.00"
# on every one); what a curator can use is where the model hesitates.
SURE, LIKELY = 0.9, 0.7


def _relevance(web: WebContext, view: digests.Draft | None) -> dict[str, str]:
    """Per item: the model's estimate in words (with its percentage when it hesitates), or
    the curator's decision that replaced it (the model learns from decisions: its score of an
    article it learnt from is no estimate)."""
    said = {}
    for item in view.items if view else ():
        if item.decided:
            said[item.article_id] = web.t["relevance_decided"]
        elif item.score is not None:
            band = "sure" if item.score >= SURE else "likely" if item.score >= LIKELY else "unsure"
            said[item.article_id] = web.t[f"relevance_{band}"].format(pct=round(item.score * 100))
    return said


def _whys(store: Store, view: digests.Draft | None) -> dict[str, dict[str, list[str]]]:
    """Per article and tag: the words that weighed most (shown to curators next to each tag)."""
    if view is None:
        return {}
    ids = {i.article_id for i in view.items}
    return {
        row.id: {tag: [str(w) for w in row.why.get(tag, [])[:5]] for tag in row.tags}
        for row in store.articles(include_all=True)
        if row.id in ids
    }
