"""The public side of veille over HTTP: the published archive and the unsubscribe page.

``veille ui`` runs it with uvicorn. The archive (``digests/``) is served as static files;
``/unsubscribe`` checks the link's HMAC token and asks for a confirmation (a GET must not
unsubscribe anyone: mail scanners follow links), while a POST unsubscribes at once, which is
what RFC 8058 one-click unsubscribe (``List-Unsubscribe-Post``) sends.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from veille.digest import UNSUBSCRIBE_LIST
from veille.mail import verify_unsubscribe_token
from veille.store import Store

_TEXT = {
    "fr": {
        "title": "Désinscription",
        "confirm": "Ne plus recevoir la lettre de veille à l’adresse {email}\u00a0?",
        "button": "Me désinscrire",
        "done": "C’est fait\u00a0: {email} ne recevra plus la lettre de veille.",
        "already": "{email} n’est pas (ou plus) inscrit(e) à la lettre de veille.",
        "invalid": "Ce lien de désinscription n’est pas valide. Copiez le lien complet depuis "
        "la lettre, ou écrivez à l’équipe qui vous l’envoie.",
    },
    "en": {
        "title": "Unsubscribe",
        "confirm": "Stop receiving the digest at {email}?",
        "button": "Unsubscribe me",
        "done": "Done: {email} will no longer receive the digest.",
        "already": "{email} is not (or no longer) subscribed to the digest.",
        "invalid": "This unsubscribe link is not valid. Copy the whole link from the e-mail, "
        "or write to the team that sends it.",
    },
}


def create_app(store: Store, digests_dir: Path, *, lang: str = "fr") -> Starlette:
    """The ASGI app: ``/unsubscribe`` and the archive under ``/``."""
    text = _TEXT.get(lang, _TEXT["fr"])

    def page(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{text['title']}</title><style>body{{max-width:560px;margin:40px auto;"
            "padding:0 16px;font:17px/1.5 Arial,Helvetica,sans-serif;color:#1f2933}"
            "button{font-size:17px;padding:10px 18px;background:#12395b;color:#fff;border:0;"
            f"border-radius:4px}}</style></head><body><h1>{text['title']}</h1>{body}</body></html>",
            status_code=status,
        )

    def checked(params: dict[str, str]) -> str | None:
        email = params.get("email", "")
        token = params.get("token", "")
        secret = store.secret("unsubscribe").encode()
        if email and token and verify_unsubscribe_token(secret, email, UNSUBSCRIBE_LIST, token):
            return email.strip().lower()
        return None

    async def unsubscribe(request: Request) -> Response:
        params = dict(request.query_params)
        email = checked(params)
        if email is None:
            return page(f"<p>{escape(text['invalid'])}</p>", status=400)
        if request.method == "GET":
            return page(
                f"<p>{escape(text['confirm'].format(email=email))}</p>"
                f'<form method="post"><button type="submit">{text["button"]}</button></form>'
            )
        await request.body()  # one-click (List-Unsubscribe=One-Click) or the form: both say yes
        done = store.unsubscribe(email)
        key = "done" if done else "already"
        return page(f"<p>{escape(text[key].format(email=email))}</p>")

    routes: list[Route | Mount] = [
        Route("/unsubscribe", unsubscribe, methods=["GET", "POST"]),
    ]
    digests_dir.mkdir(parents=True, exist_ok=True)
    routes.append(Mount("/", app=StaticFiles(directory=digests_dir, html=True), name="archive"))
    return Starlette(routes=routes)
