"""The web app's background jobs: starting one (sending, imports, adding a source) and its
progress page (``/taches/{job_id}``), which refreshes itself while the job runs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n
from veille.jobs import Work
from veille.web.context import WebContext, back, failure, page


def start_job(request: Request, key: str, title: str, work: Work, back_to: str) -> Response:
    web = WebContext.of(request)
    job, started = web.jobs.start(key, title, work, back=back_to, lang=web.lang)
    return back(request, f"/taches/{job.id}", None if started else web.t["job_already"])


def job_page(request: Request) -> Response:
    job = WebContext.of(request).jobs.get(request.path_params["job_id"])
    if job is None:
        return failure(request, 404, i18n.message("job.unknown"))
    return page(request, "job.html", job=job, refresh=2 if job.running else None)
