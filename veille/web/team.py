"""The team: suggesting an article (``/suggestions``, every role) and the accounts' roles with
what each person did (``/utilisateurs``, admins). Who may do what is :mod:`veille.roles`'s."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n
from veille.errors import NotFoundError, UsageError
from veille.jobs import Progress
from veille.roles import Action, Role, can
from veille.store import Suggestion
from veille.web.context import WebContext, back, current_week, page
from veille.web.forms import MAX_URL, _choice, _http_url, _text
from veille.weeks import parse_week, week_label

MAX_COMMENT = 2000
_DECISIONS = {"keep": "kept_by", "top": "kept_by", "drop": "dropped_by"}


@dataclass(frozen=True)
class WeekTraces:
    """Who did what to a week, as its pages show it."""

    by_article: dict[str, str]  # article id -> "retenu par Claire"
    suggestions: dict[str, Suggestion]  # article id -> who suggested it, and why
    published_by: str | None
    sent_by: str | None


def week_traces(web: WebContext, week: str) -> WeekTraces:
    """The latest decision on each of ``week``'s items and who made it, its suggestions, who
    published the letter and who started its sending."""
    whats = (*_DECISIONS, "publish", "send")
    by_article: dict[str, str] = {}
    done: dict[str, str] = {}
    for deed in web.store.activity(week=week, whats=whats, limit=2000):  # latest first
        if deed.what in _DECISIONS and deed.object and deed.object not in by_article:
            by_article[deed.object] = web.t[_DECISIONS[deed.what]].format(name=deed.actor)
        done.setdefault(deed.what, deed.actor)
    suggestions = {s.article_id: s for s in web.store.suggestions(week=week)}
    return WeekTraces(by_article, suggestions, done.get("publish"), done.get("send"))


def suggestions_page(request: Request) -> Response:
    """The form, and the suggestions with what became of them: a contributor's own; every one
    for those who curate."""
    web = WebContext.of(request)
    user = str(request.session.get("user"))
    everyone = can(getattr(request.state, "role", None), Action.CURATE)
    rows = web.store.suggestions(by=None if everyone else user)
    week = current_week(request)
    return page(
        request, "suggestions.html", rows=rows, everyone=everyone, week=week,
        period=week_label(week, web.lang),
    )  # fmt: skip


def suggest_article(request: Request) -> Response:
    """Fetch the address in the background (a job), then add it to the week's candidates."""
    web = WebContext.of(request)
    form = request.state.form
    url = _http_url(_text(form, "url", MAX_URL))
    comment = _text(form, "comment", MAX_COMMENT).strip() or None
    week = _text(form, "week", 10) or current_week(request)
    parse_week(week)
    user = str(request.session.get("user"))
    config, store, lang = web.config, web.store, web.lang

    def work(progress: Progress) -> str:
        from veille.suggestions import suggest

        progress(0, None)
        with i18n.language(lang):
            article, added = suggest(config, store, week, url, by=user, comment=comment)
            key = "roles.suggested" if added else "roles.suggested_again"
            return i18n.message(key, title=article.title, period=week_label(week, lang))

    title = i18n.message("roles.job_suggest", url=url)
    key = f"suggest:{secrets.token_urlsafe(8)}"
    job, _ = web.jobs.start(key, title, work, back="/suggestions", lang=lang)
    return back(request, f"/taches/{job.id}")


def users_page(request: Request) -> Response:
    """The accounts, their roles (an admin changes them here; accounts are added with
    ``veille users add``), and the latest of what people did."""
    store = WebContext.of(request).store
    return page(
        request, "users.html", accounts=store.users(), roles=[r.value for r in Role],
        activity=store.activity(limit=100),
    )  # fmt: skip


def change_role(request: Request) -> Response:
    form = request.state.form
    name = _text(form, "name", 64).strip().lower()
    role = _choice(form, "role", [r.value for r in Role])
    if role is None:
        raise UsageError(i18n.message("web.bad_choice", field="role", value=""))
    web = WebContext.of(request)
    if not web.store.set_role(name, role):
        raise NotFoundError(i18n.message("users.unknown", name=name))
    said = i18n.message("roles.changed", name=name, role=web.t[f"role_{role}"])
    return back(request, "/utilisateurs", said)
