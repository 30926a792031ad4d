"""The subscribers (``/abonnes``): the list and its search, adding and removing one, and
importing a CSV file (a background job)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n
from veille.errors import NotFoundError, UsageError
from veille.jobs import Progress
from veille.web.context import WebContext, back, count, page
from veille.web.forms import MAX_QUERY, _text, _upload
from veille.web.jobs import start_job

SHOWN_SUBSCRIBERS = 500  # the subscribers page lists this many; a search finds the others


def subscribers(request: Request) -> Response:
    store = WebContext.of(request).store
    search = (request.query_params.get("q") or "").strip()
    if len(search) > MAX_QUERY:
        raise UsageError(i18n.message("web.too_long", field="q", limit=MAX_QUERY))
    rows = store.subscribers(active_only=False, search=search or None, limit=SHOWN_SUBSCRIBERS)
    total = store.count_subscribers(active_only=False)
    return page(request, "subscribers.html", rows=rows, total=total, q=search)


def export_subscribers(request: Request) -> Response:
    """The subscribers as the CSV file `veille subscribers export` writes (French Excel opens
    it in columns; the import reads it back)."""
    from veille.tabular import subscribers_csv

    rows = WebContext.of(request).store.subscribers(active_only=True)
    return Response(
        subscribers_csv(rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="abonnes.csv"'},
    )


def add_subscriber(request: Request) -> Response:
    from veille.subscribers import check_subscriber

    web = WebContext.of(request)
    config, store = web.config, web.store
    form = request.state.form
    row = check_subscriber(
        {
            "email": _text(form, "email", 320),
            "name": _text(form, "name", 200),
            "tags": ",".join(str(v) for v in form.getlist("tag")),
            "lang": _text(form, "lang", 8),
        },
        config.tag_ids(),
    )
    counts = store.add_subscribers([row])
    key = "subscribers.added" if counts.added else "subscribers.updated"
    return back(request, "/abonnes", i18n.message(key, email=row.email))


def remove_subscriber(request: Request) -> Response:
    web = WebContext.of(request)
    store = web.store
    email = _text(request.state.form, "email", 320).strip().lower()
    if not store.remove_subscriber(email):
        raise NotFoundError(i18n.message("web.no_subscriber", email=email))
    return back(request, "/abonnes", i18n.message("subscribers.removed", email=email))


def import_subscribers(request: Request) -> Response:
    web = WebContext.of(request)
    config, store, t = web.config, web.store, web.t
    name, data = _upload(request.state.form, "file")

    def work(progress: Progress) -> str:
        from veille.subscribers import parse_csv

        rows = parse_csv(data, name, config.tag_ids(), progress)  # the file is not held
        counts = store.add_subscribers(rows)  # one short transaction
        added = count(t, web.lang, "csv_added", counts.added)
        updated = count(t, web.lang, "csv_updated", counts.updated)
        return t["csv_done"].format(name=name, added=added, updated=updated)

    return start_job(
        request, f"csv:{name}", t["job_import_csv"].format(name=name), work, "/abonnes"
    )
