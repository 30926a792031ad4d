"""The curators' web app (``veille ui``): curate the week, preview, publish, search, sources,
subscribers — and the public unsubscribe page.

Server-rendered Jinja2 pages; htmx (vendored, ``hx-boost``) makes forms update the page in
place, and every form also works without JavaScript. Security:

- every route but ``/login``, ``/unsubscribe`` and ``/static`` requires a session (signed,
  HttpOnly, SameSite=Lax cookie; ``Secure`` with ``--https``); no user at all means nobody gets
  in (fails closed) and ``/login`` says how to create one;
- every POST carries the session's CSRF token (a form field, or the ``X-CSRF-Token`` header
  htmx sends), checked before anything is read or changed;
- a Content-Security-Policy allows scripts, styles and frames from the app itself only; the
  e-mail preview, whose styles are inline by nature, is served on its own route, sandboxed;
- feed text is escaped by Jinja2 autoescape everywhere.

DuckDB lets one process write at a time: the app opens the file only for the length of a request
(the :class:`~veille.store.Store` waits, with a bounded timeout, while a run holds it), so a
scheduled ``veille run`` and the app can work at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veille import clock, i18n, triage
from veille import digest as digests
from veille.config import Config, env_secret
from veille.errors import ConfigError, VeilleError
from veille.mail import verify_unsubscribe_token
from veille.render import render_email_html, safe_url, week_url
from veille.search import fts_query
from veille.store import Store
from veille.weeks import parse_week

logger = logging.getLogger(__name__)

PUBLIC_PATHS = ("/login", "/unsubscribe", "/static/")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# The e-mail preview is the e-mail: inline styles, remote images. It runs sandboxed (no
# script, no form, no same-origin access) inside the preview page's frame.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
MAX_UPLOAD = 5 * 1024 * 1024
SESSION_DAYS = 7

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "app": "Veille",
        "week": "Cette semaine",
        "preview": "Aperçu et publication",
        "archive": "Archives et recherche",
        "sources": "Sources",
        "subscribers": "Abonnés",
        "logout": "Se déconnecter",
        "login": "Connexion",
        "user": "Identifiant",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "bad_login": "Identifiant ou mot de passe incorrect.",
        "throttled": "Trop d’essais : réessayez dans quelques minutes.",
        "no_user": "Aucun compte n’existe encore. Créez-en un sur le serveur : "
        "veille users add VOTRE-NOM",
        "no_draft": "Pas encore de brouillon pour cette semaine.",
        "no_draft_preview": "Rien à prévisualiser : la semaine {week} n’a pas encore de "
        "brouillon. Préparez-le à partir des articles de la semaine, puis revenez ici.",
        "drafted": "Brouillon prêt : {kept} article(s) retenu(s) sur {total} candidat(s).",
        "login_required": "Votre session a expiré : reconnectez-vous, puis recommencez.",
        "unexpected": "Une erreur inattendue s’est produite. Réessayez ; si elle revient, "
        "signalez-la à la personne qui administre veille (le journal du serveur en dit plus).",
        "back_to_week": "Revenir à la semaine",
        "make_draft": "Préparer le brouillon",
        "redraft": "Actualiser le brouillon",
        "keep": "Garder",
        "drop": "Écarter",
        "top": "À la une",
        "make_top": "Mettre à la une",
        "move": "Déplacer",
        "retag": "Thèmes",
        "save": "Enregistrer",
        "summary": "Résumé",
        "note": "Note de la rédaction (ce que cela change pour nous)",
        "editorial": "Édito",
        "also": "Aussi relayé par",
        "score": "pertinence",
        "why": "mots décisifs",
        "included": "retenu",
        "candidate": "non retenu",
        "publish": "Publier",
        "send": "Envoyer",
        "approve": "Approuver pour l’envoi programmé",
        "unapprove": "Retirer l’approbation",
        "approved": "Approuvée par {who}",
        "published": "Publiée le",
        "not_published": "Pas encore publiée.",
        "send_confirm": "Envoyer la lettre à {n} abonné(s) ?",
        "search": "Rechercher",
        "all_tags": "Tous les thèmes",
        "all_sources": "Toutes les sources",
        "from": "du",
        "to": "au",
        "results": "{n} résultat(s)",
        "add_source": "Ajouter une source (adresse d’un site ou d’un flux)",
        "add": "Ajouter",
        "import_opml": "Importer un fichier OPML",
        "export_opml": "Exporter en OPML",
        "import": "Importer",
        "enable": "Activer",
        "disable": "Désactiver",
        "silent": "silencieuse depuis {n} j",
        "import_csv": "Importer un fichier CSV (email, name, tags, lang)",
        "remove": "Retirer",
        "failing": "Sources en échec",
        "week_prev": "← semaine précédente",
        "week_next": "semaine suivante →",
        "saved": "Enregistré.",
        "csrf": "Formulaire expiré : rechargez la page et recommencez.",
        "unsub_confirm": "Ne plus recevoir la lettre de veille à l’adresse {email} ?",
        "unsub_button": "Me désinscrire",
        "unsub_done": "C’est fait : {email} ne recevra plus la lettre de veille.",
        "unsub_already": "{email} n’est pas (ou plus) inscrit(e) à la lettre de veille.",
        "unsub_invalid": "Ce lien de désinscription n’est pas valide. Copiez le lien complet "
        "depuis la lettre, ou écrivez à l’équipe qui vous l’envoie.",
        "figures": "{gathered} articles, {duplicates} doublons, {off_topic} hors sujet",
        "col_source": "source",
        "col_state": "état",
        "col_success": "dernier succès",
        "col_errors": "erreurs",
        "col_articles": "articles",
        "disabled": "désactivée",
        "col_email": "e-mail",
        "col_name": "nom",
        "col_tags": "thèmes",
        "col_lang": "langue",
        "col_since": "depuis",
        "all": "tous",
        "unsubscribed": "désinscrit",
        "off_topic": "hors sujet",
        "triage": "Aidez veille à trier",
        "triage_intro": "Les articles de la semaine dont veille est le moins sûr. Chaque réponse "
        "lui apprend à trier : il se réentraîne après {n} réponses, et ne garde le nouveau "
        "modèle que s’il n’est pas moins bon.",
        "triage_empty": "Rien à trier cette semaine.",
        "triage_decisions": "{n} décision(s) des curateurs enregistrée(s) en tout.",
        "triage_relevant": "Pertinent",
        "triage_off": "Hors sujet",
        "triage_rescue": "Repêcher",
        "triage_off_list": "Écartés comme hors sujet cette semaine",
        "triage_off_empty": "Aucun article écarté cette semaine.",
        "triage_done": "Merci : réponse enregistrée.",
        "triage_section": "Section",
        "triage_unsure": "sûr à {pct} %",
    },
    "en": {
        "app": "Veille",
        "week": "This week",
        "preview": "Preview and publish",
        "archive": "Archive and search",
        "sources": "Sources",
        "subscribers": "Subscribers",
        "logout": "Log out",
        "login": "Log in",
        "user": "User name",
        "password": "Password",
        "sign_in": "Log in",
        "bad_login": "Wrong user name or password.",
        "throttled": "Too many attempts: try again in a few minutes.",
        "no_user": "No account exists yet. Create one on the server: veille users add YOUR-NAME",
        "no_draft": "No draft for this week yet.",
        "no_draft_preview": "Nothing to preview: week {week} has no draft yet. Draft it from "
        "the week's articles, then come back here.",
        "drafted": "Draft ready: {kept} item(s) kept out of {total} candidate(s).",
        "login_required": "Your session expired: log in again, then retry.",
        "unexpected": "Something unexpected went wrong. Try again; if it happens again, tell "
        "whoever runs veille (the server's log says more).",
        "back_to_week": "Back to the week",
        "make_draft": "Draft this week",
        "redraft": "Refresh the draft",
        "keep": "Keep",
        "drop": "Drop",
        "top": "Top story",
        "make_top": "Make top story",
        "move": "Move",
        "retag": "Tags",
        "save": "Save",
        "summary": "Summary",
        "note": "Curator's note (what this changes for us)",
        "editorial": "Editorial",
        "also": "Also reported by",
        "score": "relevance",
        "why": "deciding words",
        "included": "kept",
        "candidate": "not kept",
        "publish": "Publish",
        "send": "Send",
        "approve": "Approve for the scheduled sending",
        "unapprove": "Withdraw the approval",
        "approved": "Approved by {who}",
        "published": "Published on",
        "not_published": "Not published yet.",
        "send_confirm": "Send the digest to {n} subscriber(s)?",
        "search": "Search",
        "all_tags": "All tags",
        "all_sources": "All sources",
        "from": "from",
        "to": "to",
        "results": "{n} result(s)",
        "add_source": "Add a source (address of a site or a feed)",
        "add": "Add",
        "import_opml": "Import an OPML file",
        "export_opml": "Export as OPML",
        "import": "Import",
        "enable": "Enable",
        "disable": "Disable",
        "silent": "silent for {n} d",
        "import_csv": "Import a CSV file (email, name, tags, lang)",
        "remove": "Remove",
        "failing": "Failing sources",
        "week_prev": "← previous week",
        "week_next": "next week →",
        "saved": "Saved.",
        "csrf": "This form expired: reload the page and try again.",
        "unsub_confirm": "Stop receiving the digest at {email}?",
        "unsub_button": "Unsubscribe me",
        "unsub_done": "Done: {email} will no longer receive the digest.",
        "unsub_already": "{email} is not (or no longer) subscribed to the digest.",
        "unsub_invalid": "This unsubscribe link is not valid. Copy the whole link from the "
        "e-mail, or write to the team that sends it.",
        "figures": "{gathered} articles, {duplicates} duplicates, {off_topic} off-topic",
        "col_source": "source",
        "col_state": "state",
        "col_success": "last success",
        "col_errors": "errors",
        "col_articles": "articles",
        "disabled": "disabled",
        "col_email": "e-mail",
        "col_name": "name",
        "col_tags": "tags",
        "col_lang": "language",
        "col_since": "since",
        "all": "all",
        "unsubscribed": "unsubscribed",
        "off_topic": "off-topic",
        "triage": "Help veille sort",
        "triage_intro": "The week's articles veille is least sure of. Each answer teaches it: it "
        "retrains after {n} answers, and keeps the new model only if it is not worse.",
        "triage_empty": "Nothing to sort this week.",
        "triage_decisions": "{n} curator decision(s) stored in all.",
        "triage_relevant": "Relevant",
        "triage_off": "Off-topic",
        "triage_rescue": "Rescue",
        "triage_off_list": "Set aside as off-topic this week",
        "triage_off_empty": "No article set aside this week.",
        "triage_done": "Thank you: answer stored.",
        "triage_section": "Section",
        "triage_unsure": "{pct} % sure",
    },
}

Handler = Callable[[Request], Awaitable[Response]]


class SecurityHeaders:
    """Content-Security-Policy and friends on every answer (a route may set its own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def session_secret(store: Store) -> str:
    """The key that signs session cookies: VEILLE_SESSION_SECRET(_FILE), else one kept in the
    database (made on first use). Set it to share sessions between instances or to rotate it."""
    secret = env_secret("VEILLE_SESSION_SECRET")
    if secret is None:
        return store.secret("session")
    if len(secret) < 32:
        raise ConfigError(i18n.message("web.session_secret_short", count=len(secret)))
    return secret


def create_app(
    config: Config,
    store: Store,
    digests_dir: Path,
    *,
    https: bool = False,
    throttle: Any = None,
) -> Starlette:
    """The ASGI app. ``https``: mark the session cookie Secure (behind an HTTPS proxy)."""
    from veille.auth import LoginThrottle, csrf_ok, new_csrf_token, verify_password

    lang = config.settings.digest.lang
    t = STRINGS.get(lang, STRINGS["fr"])
    tags = [
        (tag.id, (tag.label_en or tag.label) if lang == "en" else tag.label)
        for tag in config.taxonomy
    ]
    tag_labels = dict(tags) | {digests.OTHER_SECTION: "Autres" if lang == "fr" else "Other"}
    limiter = throttle or LoginThrottle()
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

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = request.session
        flash = session.pop("flash", None)
        if isinstance(flash, str):  # a cookie from before flashes had a kind
            flash = {"kind": "ok", "text": flash}
        context.setdefault("week", None)
        html = env.get_template(template).render(
            t=t,
            lang=lang,
            user=session.get("user"),
            csrf=session.get("csrf", ""),
            path=request.url.path,
            flash=flash,
            tags=tags,
            tag_labels=tag_labels,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def back(
        request: Request, url: str, message: str | None = None, *, error: bool = False
    ) -> RedirectResponse:
        """Redirect after a POST, with a message shown once on the next page."""
        if message:
            request.session["flash"] = {"kind": "error" if error else "ok", "text": message}
        return RedirectResponse(url, status_code=303)

    def failure(request: Request, status: int, message: str) -> HTMLResponse:
        """An error page in the app's language, styled as an error (htmx swaps it in too)."""
        return page(request, "error.html", status=status, message=message)

    def guarded(handler: Handler, *, public: bool = False) -> Handler:
        """Session required (unless public); CSRF token required on every POST."""

        async def wrapped(request: Request) -> Response:
            i18n.use(lang)
            if "csrf" not in request.session:
                request.session["csrf"] = new_csrf_token()
            if not public and not _logged_in(request):
                if request.method != "GET":
                    return failure(request, 401, t["login_required"])
                target = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else "")
                )
                return RedirectResponse(f"/login?next={target}", status_code=303)
            if request.method == "POST":
                form = await _form(request)
                given = form.get("csrf") or request.headers.get("x-csrf-token")
                if not csrf_ok(
                    request.session.get("csrf"), given if isinstance(given, str) else None
                ):
                    return failure(request, 403, t["csrf"])
                request.state.form = form
            try:
                return await handler(request)
            except VeilleError as exc:
                if request.method == "POST":
                    return back(request, _referer(request), str(exc), error=True)
                return failure(request, 400, str(exc))
            except Exception:
                logger.exception("unexpected error on %s %s", request.method, request.url.path)
                return failure(request, 500, t["unexpected"])

        return wrapped

    def _logged_in(request: Request) -> bool:
        user = request.session.get("user")
        expires = request.session.get("expires", 0)
        if not user or expires < clock.now().timestamp():
            return False
        return store.password_hash(user) is not None  # a removed account is logged out

    # -- login ---------------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        no_user = not store.users()
        if request.method == "GET":
            return page(
                request,
                "login.html",
                no_user=no_user,
                error=None,
                next=request.query_params.get("next", "/"),
            )
        form = request.state.form
        name = str(form.get("user", "")).strip().lower()
        password = str(form.get("password", ""))
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        client = request.client.host if request.client else "?"
        if not limiter.allowed(name) or not limiter.allowed(client):
            return page(
                request,
                "login.html",
                status=429,
                no_user=no_user,
                error=t["throttled"],
                next=target,
            )
        stored = store.password_hash(name) if name else None
        # An unknown name costs the same argon2 work as a wrong password: the answer time
        # does not tell which accounts exist.
        if not verify_password(stored or _DUMMY_HASH, password) or stored is None:
            limiter.failed(name)
            limiter.failed(client)
            return page(
                request,
                "login.html",
                status=401,
                no_user=no_user,
                error=t["bad_login"],
                next=target,
            )
        limiter.succeeded(name)
        request.session.clear()  # a new session: no fixation
        request.session.update(
            user=name,
            csrf=new_csrf_token(),
            expires=(clock.now() + timedelta(days=SESSION_DAYS)).timestamp(),
        )
        store.user_logged_in(name)
        return RedirectResponse(target, status_code=303)

    async def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # -- the week ------------------------------------------------------------------------------

    def current_week(request: Request) -> str:
        week = request.query_params.get("week") or request.path_params.get("week")
        if week:
            parse_week(week)
            return str(week)
        return digests.week_of(clock.now(), config.settings.timezone)

    async def home(request: Request) -> Response:
        return RedirectResponse("/semaine", status_code=303)

    async def week_page(request: Request) -> Response:
        week = current_week(request)
        try:
            view: digests.Draft | None = digests.load(config, store, week)
        except digests.DigestError:
            view = None
        whys = _whys(store, view)
        year, number = parse_week(week)
        monday = date.fromisocalendar(year, number, 1)
        prev_week = (monday - timedelta(days=7)).strftime("%G-W%V")
        next_week = (monday + timedelta(days=7)).strftime("%G-W%V")
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
            whys=whys,
            prev_week=prev_week,
            next_week=next_week,
            top=view.top.article_id if view and view.top else None,
        )

    async def draft(request: Request) -> Response:
        week = current_week(request)
        view = digests.draft(config, store, week)
        done = t["drafted"].format(kept=len(view.included), total=len(view.items))
        if request.state.form.get("then") == "apercu":
            return back(request, f"/apercu/{week}", done)
        return back(request, f"/semaine?week={week}", done)

    async def item_action(request: Request) -> Response:
        week = current_week(request)
        aid = request.path_params["article_id"]
        action = request.path_params["action"]
        form = request.state.form
        if action == "keep":
            digests.include(store, week, [aid])
        elif action == "drop":
            digests.exclude(store, week, [aid], off_topic=form.get("off_topic") == "1")
        elif action == "top":
            digests.set_top(store, week, aid)
        elif action == "move":
            section = str(form.get("section") or "") or None
            raw = str(form.get("position") or "").strip()
            position = int(raw) - 1 if raw.isdigit() and int(raw) > 0 else None
            if section is None and position is None:
                raise digests.DigestError(i18n.message("web.move_needs_target"))
            digests.move(config, store, week, aid, section=section, position=position)
        elif action == "tags":
            chosen = [str(v) for v in form.getlist("tag")]
            digests.set_tags(config, store, week, aid, chosen)
        elif action == "summary":
            text = str(form.get("summary", "")).strip()
            digests.set_summary(store, week, aid, text or None)
        elif action == "note":
            digests.set_note(store, week, aid, str(form.get("note", "")))
        else:
            return PlainTextResponse("unknown action", status_code=404)
        return back(request, f"/semaine?week={week}#item-{aid}")

    async def triage_page(request: Request) -> Response:
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

    async def triage_answer(request: Request) -> Response:
        week = current_week(request)
        form = request.state.form
        tags = [str(v) for v in form.getlist("tag")]
        relevant = form.get("do") != "off"
        triage.answer(config, store, request.path_params["article_id"], tags, relevant=relevant)
        return back(request, f"/tri?week={week}", t["triage_done"])

    async def editorial(request: Request) -> Response:
        week = current_week(request)
        digests.set_editorial(store, week, str(request.state.form.get("editorial", "")))
        return back(request, f"/semaine?week={week}", t["saved"])

    # -- preview and publish -------------------------------------------------------------------

    async def preview(request: Request) -> Response:
        week = current_week(request)
        if store.digest(week) is None:  # nothing to preview yet: offer the way forward
            return page(request, "preview.html", week=week, view=None, subscribers=0, confirm="")
        view = digests.load(config, store, week)
        subscribers = store.subscribers()
        return page(
            request,
            "preview.html",
            week=week,
            view=view,
            subscribers=len(subscribers),
            confirm=t["send_confirm"].format(n=len(subscribers)),
        )

    async def preview_email(request: Request) -> Response:
        week = current_week(request)
        view = digests.load(config, store, week)
        letter = digests.build_digest(config, view)
        site = config.settings.digest.site_url
        html = render_email_html(
            letter,
            unsubscribe_url=f"{site}unsubscribe" if site else None,
            archive_url=week_url(site, week) if site else None,
        )
        return HTMLResponse(
            html,
            headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"},
        )

    async def publish(request: Request) -> Response:
        week = current_week(request)
        result = digests.publish(config, store, week, digests_dir)
        return back(request, f"/apercu/{week}", f"{week} : {result.items} → {digests_dir / week}")

    async def approve(request: Request) -> Response:
        week = current_week(request)
        view = digests.load(config, store, week)
        store.approve_digest(week, None if view.approved_by else request.session["user"])
        return back(request, f"/apercu/{week}", t["saved"])

    async def send(request: Request) -> Response:
        from veille.mail import SmtpSettings

        week = current_week(request)
        expected = str(len(store.subscribers()))
        if request.state.form.get("count") != expected:
            raise digests.DigestError(i18n.message("web.subscribers_changed"))
        settings = SmtpSettings.from_env()
        report = await asyncio.to_thread(digests.send, config, store, week, settings)
        failed = "".join(f" · {r}: {why}" for r, why in report.failed)
        return back(request, f"/apercu/{week}", f"{report}{failed}")

    # -- archive and search --------------------------------------------------------------------

    async def archive(request: Request) -> Response:
        q = request.query_params
        query = (q.get("q") or "").strip()
        since = _date(q.get("from"))
        until = _date(q.get("to"))
        results = None
        if query:
            results = store.search(
                fts_query(query),
                tag=q.get("tag") or None,
                source=q.get("source") or None,
                since=datetime.combine(since, time(0), tzinfo=UTC) if since else None,
                until=datetime.combine(until + timedelta(days=1), time(0), tzinfo=UTC)
                if until
                else None,
            )
        published = list(reversed(store.published_digests()))
        return page(
            request,
            "archive.html",
            published=published,
            results=results,
            q=query,
            tag=q.get("tag") or "",
            source=q.get("source") or "",
            since=q.get("from") or "",
            until=q.get("to") or "",
            sources=[(s.id, s.name or s.id) for s in config.sources],
        )

    # -- sources -------------------------------------------------------------------------------

    def sources_now() -> Config:
        """sources.yaml plus the sources added or switched here (read at each request)."""
        return config.with_managed(store.managed_sources())

    async def sources(request: Request) -> Response:
        effective = sources_now()
        health = {h["id"]: h for h in store.source_health()}
        now = clock.now()
        rows = []
        for s in effective.sources:
            h = health.get(s.id, {})
            last_new = h.get("last_new_at")
            silent = (now - datetime.fromisoformat(last_new)).days if last_new else None
            rows.append({"source": s, "health": h, "silent": silent})
        return page(request, "sources.html", rows=rows)

    async def add_source(request: Request) -> Response:
        from veille.discovery import discover
        from veille.opml import OpmlFeed, source_id_for

        url = str(request.state.form.get("url", ""))
        found = await discover(url, config.fetch_limits())
        effective = sources_now()
        taken = {s.id for s in effective.sources}
        if found.url in {s.url for s in effective.sources}:
            raise digests.DigestError(i18n.message("web.already_source", url=found.url))
        sid = source_id_for(OpmlFeed(found.url, found.title, None, None), taken)
        store.add_managed_sources(
            [
                {
                    "id": sid,
                    "url": found.url,
                    "kind": found.kind,
                    "name": found.title,
                    "origin": "web",
                }
            ]
        )
        kind = f"{found.kind}, {found.entries} items" if found.kind == "feed" else found.kind
        return back(request, "/sources", f"+ {sid} ({kind}): {found.url}")

    async def toggle_source(request: Request) -> Response:
        sid = request.path_params["source_id"]
        effective = sources_now()
        current = {s.id: s for s in effective.sources}
        if sid not in current:
            return PlainTextResponse("unknown source", status_code=404)
        store.set_source_enabled(sid, not current[sid].enabled)
        return back(request, f"/sources#source-{sid}")

    async def import_opml(request: Request) -> Response:
        from veille.opml import scan_opml
        from veille.sourcelist import plan_opml_import

        data = await _upload(request.state.form, "file")
        scan = scan_opml(data, name="OPML")
        plan = plan_opml_import(scan, sources_now())  # same rules as `veille sources import`
        added = store.add_managed_sources(plan.rows)
        return back(request, "/sources", f"OPML : {added} / {len(scan.feeds)}")

    async def export_opml(request: Request) -> Response:
        from veille.opml import OpmlFeed, render_opml

        effective = sources_now()
        feeds = [
            OpmlFeed(s.url, s.name or s.id, None, None)
            for s in effective.sources
            if s.kind == "feed"
        ]
        return Response(
            render_opml(feeds, title=config.settings.digest.title),
            media_type="text/x-opml; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="veille-sources.opml"'},
        )

    # -- subscribers ---------------------------------------------------------------------------

    async def subscribers(request: Request) -> Response:
        return page(request, "subscribers.html", rows=store.subscribers(active_only=False))

    async def add_subscriber(request: Request) -> Response:
        from veille.subscribers import check_subscriber

        form = request.state.form
        row = check_subscriber(
            {
                "email": form.get("email"),
                "name": form.get("name"),
                "tags": ",".join(str(v) for v in form.getlist("tag")),
                "lang": form.get("lang"),
            },
            config.tag_ids(),
        )
        store.add_subscribers([row])
        return back(request, "/abonnes", f"+ {row['email']}")

    async def remove_subscriber(request: Request) -> Response:
        email = str(request.state.form.get("email", ""))
        store.remove_subscriber(email)
        return back(request, "/abonnes", f"− {email}")

    async def import_subscribers(request: Request) -> Response:
        from veille.subscribers import read_csv

        data = await _upload(request.state.form, "file")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "abonnes.csv"
            path.write_bytes(data)
            rows = read_csv(path, config.tag_ids())
        counts = store.add_subscribers(rows)
        return back(request, "/abonnes", f"CSV : +{counts['added']}, ~{counts['updated']}")

    # -- public: unsubscribe -------------------------------------------------------------------

    async def unsubscribe(request: Request) -> Response:
        params = dict(request.query_params)
        email = params.get("email", "")
        token = params.get("token", "")
        secret = store.secret("unsubscribe").encode()
        valid = bool(email and token) and verify_unsubscribe_token(
            secret, email, digests.UNSUBSCRIBE_LIST, token
        )
        if not valid:
            return page(
                request, "unsubscribe.html", status=400, message=t["unsub_invalid"], form=False
            )
        address = email.strip().lower()
        if request.method == "GET":
            return page(
                request,
                "unsubscribe.html",
                message=t["unsub_confirm"].format(email=address),
                form=True,
                button=t["unsub_button"],
            )
        done = store.unsubscribe(address)
        key = "done" if done else "already"
        return page(
            request, "unsubscribe.html", message=t[f"unsub_{key}"].format(email=address), form=False
        )

    async def unsubscribe_post(request: Request) -> Response:
        # One-click unsubscribe (RFC 8058) comes from the mail provider without our cookie or
        # CSRF token: the HMAC token in the URL is the proof. Drain the body and answer.
        await request.body()
        return await unsubscribe(request)

    routes = [
        Route("/login", guarded(login, public=True), methods=["GET", "POST"]),
        Route("/logout", guarded(logout), methods=["POST"]),
        Route("/unsubscribe", guarded(unsubscribe, public=True), methods=["GET"]),
        Route("/unsubscribe", unsubscribe_post, methods=["POST"]),
        Route("/", guarded(home)),
        Route("/semaine", guarded(week_page)),
        Route("/semaine/{week}/brouillon", guarded(draft), methods=["POST"]),
        Route("/semaine/{week}/edito", guarded(editorial), methods=["POST"]),
        Route(
            "/semaine/{week}/articles/{article_id}/{action}", guarded(item_action), methods=["POST"]
        ),
        Route("/tri", guarded(triage_page)),
        Route("/tri/{week}/{article_id}", guarded(triage_answer), methods=["POST"]),
        Route("/apercu", guarded(preview)),
        Route("/apercu/{week}", guarded(preview)),
        Route("/apercu/{week}/email", guarded(preview_email)),
        Route("/apercu/{week}/publier", guarded(publish), methods=["POST"]),
        Route("/apercu/{week}/envoyer", guarded(send), methods=["POST"]),
        Route("/apercu/{week}/approuver", guarded(approve), methods=["POST"]),
        Route("/archives", guarded(archive)),
        Route("/sources", guarded(sources)),
        Route("/sources/ajouter", guarded(add_source), methods=["POST"]),
        Route("/sources/opml", guarded(export_opml)),
        Route("/sources/opml", guarded(import_opml), methods=["POST"]),
        Route("/sources/{source_id}/basculer", guarded(toggle_source), methods=["POST"]),
        Route("/abonnes", guarded(subscribers)),
        Route("/abonnes/ajouter", guarded(add_subscriber), methods=["POST"]),
        Route("/abonnes/retirer", guarded(remove_subscriber), methods=["POST"]),
        Route("/abonnes/importer", guarded(import_subscribers), methods=["POST"]),
        Mount(
            "/static",
            app=StaticFiles(directory=str(resources.files("veille") / "static")),
            name="static",
        ),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(store),
            session_cookie="veille_session",
            max_age=SESSION_DAYS * 86400,
            same_site="lax",
            https_only=https,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware)


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "0Jd4v0pDKcdk5c4Q0ipgGmEnAGj0mF9s4C6G4k4Ew7k"
)


async def _form(request: Request) -> FormData:
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD:
        raise VeilleError(i18n.message("web.upload_too_large", mb=MAX_UPLOAD // 1024 // 1024))
    return await request.form(max_files=1, max_fields=200)


async def _upload(form: FormData, field: str) -> bytes:
    item = form.get(field)
    if not isinstance(item, UploadFile):
        raise VeilleError(i18n.message("web.no_file"))
    data = await item.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise VeilleError(i18n.message("web.upload_too_large", mb=MAX_UPLOAD // 1024 // 1024))
    return data


def _referer(request: Request) -> str:
    ref = request.headers.get("referer", "")
    path = ref.split(str(request.base_url).rstrip("/"), 1)[-1] if ref else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise VeilleError(i18n.message("web.bad_date", value=value)) from None


def _whys(store: Store, view: digests.Draft | None) -> dict[str, dict[str, list[str]]]:
    """Per article and tag: the words that weighed most (shown to curators next to each tag)."""
    if view is None:
        return {}
    ids = {i.article_id for i in view.items}
    return {
        row["id"]: {tag: [str(w) for w in row["why"].get(tag, [])[:5]] for tag in row["tags"]}
        for row in store.articles(include_all=True)
        if row["id"] in ids
    }


__all__ = ["CSP", "PUBLIC_PATHS", "STRINGS", "create_app"]
