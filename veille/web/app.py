"""The app itself: :func:`create_app` makes the :class:`~veille.web.context.WebContext` every
route reaches through ``app.state.web``, and puts together the route table and the middleware."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.applications import Starlette
from starlette.convertors import register_url_convertor
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from veille import digest as digests
from veille import i18n
from veille.actions import label
from veille.auth import LoginThrottle
from veille.config import Config
from veille.jobs import Jobs
from veille.render import format_date, format_moment, safe_url
from veille.roles import Action
from veille.store import Store
from veille.web.actions import action_page, new_action
from veille.web.alerts import (
    add_alert,
    alerts_page,
    pause_or_resume,
    remove_alert,
    take_off_recipient,
)
from veille.web.archive import (
    WeekConvertor,
    archive,
    public_root,
    published_top,
    published_week,
)
from veille.web.context import WebContext, failure, kind_label, local_day
from veille.web.followup import followup, register
from veille.web.forms import MAX_FORM, MAX_UPLOAD
from veille.web.guard import guarded
from veille.web.jobs import job_page
from veille.web.login import login, logout
from veille.web.preview import approve, preview, preview_email, publish, send
from veille.web.security import (
    SESSION_DAYS,
    BodyLimit,
    SecurityHeaders,
    session_secret,
    too_large,
)
from veille.web.sources import (
    add_source,
    confirm_source,
    delete_source,
    edit_source,
    export_opml,
    import_opml,
    proposal_page,
    sources,
    toggle_source,
)
from veille.web.subscribers import (
    add_subscriber,
    export_subscribers,
    import_subscribers,
    remove_subscriber,
    subscribers,
)
from veille.web.team import change_role, suggest_article, suggestions_page, users_page
from veille.web.triage import triage_answer, triage_page
from veille.web.unsubscribe import unsubscribe, unsubscribe_post
from veille.web.week import draft, editorial, home, item_action, week_page
from veille.weeks import week_label

READ, SUGGEST, CURATE, PUBLISH, RECORD = (
    Action.READ, Action.SUGGEST, Action.CURATE, Action.PUBLISH, Action.RECORD
)  # fmt: skip
SEND, SUBSCRIBERS, SOURCES, ALERTS, USERS = (
    Action.SEND, Action.SUBSCRIBERS, Action.SOURCES, Action.ALERTS, Action.USERS
)  # fmt: skip
register_url_convertor("isoweek", WeekConvertor())  # /2026-W47/: a published week


def create_app(
    config: Config,
    store: Store,
    digests_dir: Path,
    *,
    https: bool = False,
    throttle: Any = None,
) -> Starlette:
    """The ASGI app. ``https``: mark the session cookie Secure (behind an HTTPS proxy)."""
    web = _context(config, store, digests_dir, throttle)
    app = Starlette(
        routes=_routes(),
        middleware=_middleware(web, https),
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.web = web
    return app


def _context(config: Config, store: Store, digests_dir: Path, throttle: Any) -> WebContext:
    lang = config.settings.digest.lang
    tags = [
        (tag.id, (tag.label_en or tag.label) if lang == "en" else tag.label)
        for tag in config.taxonomy
    ]
    return WebContext(
        config=config,
        store=store,
        digests_dir=digests_dir,
        lang=lang,
        t=i18n.WEB.get(lang, i18n.WEB["fr"]),
        tags=tags,
        tag_labels=dict(tags) | {digests.OTHER_SECTION: "Autres" if lang == "fr" else "Other"},
        limiter=throttle or LoginThrottle(),
        jobs=Jobs(),
        database=ThreadPoolExecutor(max_workers=1, thread_name_prefix="veille-db"),
        templates=_templates(config, lang),
    )


def _templates(config: Config, lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("veille", "templates/ui"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Stored URLs are http(s) or veille's own urn: for link-less items; a link is only drawn
    # for a checked http(s) URL, whatever the store holds (defence in depth, like the digest).
    env.filters["safe_url"] = safe_url
    # A moment as the day people say, in the organisation's time zone ("2 décembre 2026").
    zone = ZoneInfo(config.settings.timezone)
    env.filters["day"] = lambda moment: format_date(local_day(moment, zone), lang)
    # A calendar day (a due date) in words, a moment with its time ("2 décembre 2026, 16:15").
    env.filters["date_words"] = lambda day: format_date(day, lang) if day else "—"
    env.filters["moment"] = lambda moment: format_moment(moment, config.settings.timezone, lang)
    env.filters["word"] = lambda value: label(value, lang)  # an action's type, impact, status
    # A week as its days ("semaine du 16 au 22 novembre 2026"), a source's kind ("flux").
    env.filters["week_label"] = lambda week: week_label(week, lang)
    env.filters["week_title"] = lambda week: week_label(week, lang, title=True)
    env.filters["kind"] = lambda kind: kind_label(kind, lang)
    return env


def _routes() -> list[BaseRoute]:
    """Every route; each one that is not public declares the action it needs (veille.roles)."""
    return [*_curation_routes(), *_team_routes(), *_public_routes()]


def _curation_routes() -> list[BaseRoute]:
    """Logging in and out, the week, sorting, the preview, the archive, the follow-up."""
    return [
        Route("/login", guarded(login, public=True), methods=["GET", "POST"]),
        Route("/logout", guarded(logout, needs=READ), methods=["POST"]),
        Route("/unsubscribe", guarded(unsubscribe, public=True), methods=["GET"]),
        Route("/unsubscribe", unsubscribe_post, methods=["POST"]),
        Route("/", public_root(guarded(home, needs=READ))),  # the archive's index without a session
        Route("/semaine", guarded(week_page, needs=READ)),
        Route("/semaine/{week}/brouillon", guarded(draft, needs=CURATE), methods=["POST"]),
        Route("/semaine/{week}/edito", guarded(editorial, needs=CURATE), methods=["POST"]),
        Route(
            "/semaine/{week}/articles/{article_id}/{action}",
            guarded(item_action, needs=CURATE),
            methods=["POST"],
        ),
        Route("/tri", guarded(triage_page, needs=CURATE)),
        Route("/tri/{week}/{article_id}", guarded(triage_answer, needs=CURATE), methods=["POST"]),
        Route("/apercu", guarded(preview, needs=READ)),
        Route("/apercu/{week}", guarded(preview, needs=READ)),
        Route("/apercu/{week}/email", guarded(preview_email, framed=True, needs=READ)),
        Route("/apercu/{week}/publier", guarded(publish, needs=PUBLISH), methods=["POST"]),
        Route("/apercu/{week}/envoyer", guarded(send, needs=SEND), methods=["POST"]),
        Route("/apercu/{week}/approuver", guarded(approve, needs=PUBLISH), methods=["POST"]),
        Route("/taches/{job_id}", guarded(job_page, needs=READ)),
        Route("/archives", guarded(archive, needs=READ)),
        Route("/actions/nouvelle", guarded(new_action, needs=RECORD), methods=["GET", "POST"]),
        Route(
            "/actions/{action_id:int}", guarded(action_page, needs=RECORD), methods=["GET", "POST"]
        ),
        Route("/suivi", guarded(followup, needs=RECORD)),
        Route("/suivi/registre", guarded(register, needs=RECORD)),
    ]


def _team_routes() -> list[BaseRoute]:
    """Sources, subscribers, alerts (admins), suggestions and the team."""
    return [
        Route("/sources", guarded(sources, needs=SOURCES)),
        Route("/sources/ajouter", guarded(add_source, needs=SOURCES), methods=["POST"]),
        Route("/sources/opml", guarded(export_opml, needs=SOURCES)),
        Route("/sources/opml", guarded(import_opml, needs=SOURCES), methods=["POST"]),
        Route("/sources/proposition/{job_id}", guarded(proposal_page, needs=SOURCES)),
        Route(
            "/sources/proposition/{job_id}",
            guarded(confirm_source, needs=SOURCES),
            methods=["POST"],
        ),
        Route(
            "/sources/{source_id}/basculer", guarded(toggle_source, needs=SOURCES), methods=["POST"]
        ),
        Route(
            "/sources/{source_id}/modifier",
            guarded(edit_source, needs=SOURCES),
            methods=["GET", "POST"],
        ),
        Route(
            "/sources/{source_id}/supprimer",
            guarded(delete_source, needs=SOURCES),
            methods=["POST"],
        ),
        Route("/abonnes", guarded(subscribers, needs=SUBSCRIBERS)),
        Route("/abonnes/ajouter", guarded(add_subscriber, needs=SUBSCRIBERS), methods=["POST"]),
        Route("/abonnes/retirer", guarded(remove_subscriber, needs=SUBSCRIBERS), methods=["POST"]),
        Route(
            "/abonnes/importer", guarded(import_subscribers, needs=SUBSCRIBERS), methods=["POST"]
        ),
        Route("/abonnes/export.csv", guarded(export_subscribers, needs=SUBSCRIBERS)),
        Route("/alertes", guarded(alerts_page, needs=ALERTS)),
        Route("/alertes/ajouter", guarded(add_alert, needs=ALERTS), methods=["POST"]),
        Route("/alertes/supprimer", guarded(remove_alert, needs=ALERTS), methods=["POST"]),
        Route("/alertes/retirer", guarded(take_off_recipient, needs=ALERTS), methods=["POST"]),
        Route("/alertes/etat", guarded(pause_or_resume, needs=ALERTS), methods=["POST"]),
        Route("/suggestions", guarded(suggestions_page, needs=SUGGEST)),
        Route("/suggestions", guarded(suggest_article, needs=SUGGEST), methods=["POST"]),
        Route("/utilisateurs", guarded(users_page, needs=USERS)),
        Route("/utilisateurs/role", guarded(change_role, needs=USERS), methods=["POST"]),
    ]


def _public_routes() -> list[BaseRoute]:
    """The app's files and the published archive (--out), public and read-only."""
    return [
        Mount(
            "/static",
            app=StaticFiles(directory=str(resources.files("veille") / "static")),
            name="static",
        ),
        # The published archive (--out), public and read-only: site_url may point at the app.
        Route("/feed.xml", published_top),
        Route("/index.html", published_top),
        Mount(
            "/{week:isoweek}",
            routes=[Route("/", published_week), Route("/{name}", published_week)],
        ),
    ]


def _middleware(web: WebContext, https: bool) -> list[Middleware]:
    return [
        Middleware(SecurityHeaders),
        Middleware(
            BodyLimit,
            default=MAX_FORM,
            limits={"/abonnes/importer": MAX_UPLOAD, "/sources/opml": MAX_UPLOAD},
            page=functools.partial(too_large, web.lang),
        ),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(web.store),
            session_cookie="veille_session",
            max_age=SESSION_DAYS * 86400,
            same_site="lax",
            https_only=https,
        ),
    ]


async def not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    key = "web.method_not_allowed" if status == 405 else "web.not_found"
    return failure(request, status, i18n.message(key))
