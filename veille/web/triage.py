"""« Aidez veille à trier » (``/tri``): the week's items the model is least sure of, and the
curator's answers, which the model learns from."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from veille import triage
from veille.web.context import WebContext, back, current_week, page


def triage_page(request: Request) -> Response:
    web = WebContext.of(request)
    config, store = web.config, web.store
    week = current_week(request)
    todo = triage.week_to_sort(config, store, week)
    threshold = config.settings.relevance_threshold
    return page(
        request,
        "triage.html",
        week=week,
        todo=todo,
        threshold=threshold,
        n=triage.RETRAIN_AFTER,
    )


def triage_answer(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    week = current_week(request)
    form = request.state.form
    tags = [str(v) for v in form.getlist("tag")]
    relevant = form.get("do") != "off"
    triage.answer(config, store, request.path_params["article_id"], tags, relevant=relevant)
    return back(request, f"/tri?week={week}", t["triage_done"])
