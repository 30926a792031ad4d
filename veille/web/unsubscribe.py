"""The public unsubscribe page (``/unsubscribe``): the link in every letter (confirm, then
leave), and the one-click unsubscribe mail providers send (RFC 8058)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n, sending
from veille.mail import verify_unsubscribe_token
from veille.web.context import WebContext, page


def unsubscribe(request: Request) -> Response:
    web = WebContext.of(request)
    store, t = web.store, web.t
    params = request.query_params
    email = (params.get("email") or "")[:320]
    token = (params.get("token") or "")[:100]
    secret = store.secret("unsubscribe").encode()
    valid = bool(email and token) and verify_unsubscribe_token(
        secret, email, sending.UNSUBSCRIBE_LIST, token
    )
    if not valid:
        return page(request, "unsubscribe.html", status=400, message=t["unsub_invalid"], form=False)
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
    # CSRF token: the HMAC token in the URL is the proof. Drain the (bounded) body.
    web = WebContext.of(request)
    await request.body()
    i18n.use(web.lang)
    return await web.on_database(unsubscribe, request)
