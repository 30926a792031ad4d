"""The alerts (``/alertes``): saved searches whose new matches are sent after each run; the
list, adding one (or recipients to one), removing one. The rules are :mod:`veille.alerts`'s."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from veille import i18n
from veille.alerts import (
    alert_filters,
    recipient_labels,
    remove_recipients,
    set_active,
    set_up_alert,
)
from veille.errors import NotFoundError
from veille.sourcelist import effective
from veille.web.context import WebContext, back, page
from veille.web.forms import _text


def alerts_page(request: Request) -> Response:
    web = WebContext.of(request)
    config = effective(web.config, web.store)
    rows = [(a, alert_filters(a), recipient_labels(a)) for a in web.store.alerts()]
    channels = [c.name for c in config.settings.channels if "alerts" in c.receives]
    sources = [(s.id, s.name or s.id) for s in config.sources]
    return page(request, "alerts.html", rows=rows, channels=channels, sources=sources)


def add_alert(request: Request) -> Response:
    web = WebContext.of(request)
    config = effective(web.config, web.store)
    form = request.state.form
    emails = [e.strip() for e in _text(form, "emails", 2000).split(",") if e.strip()]
    tag, source, channel = (_text(form, key, 200).strip() for key in ("tag", "source", "channel"))
    sentence = set_up_alert(
        config,
        web.store,
        _text(form, "name", 200),
        query=_text(form, "query", 500) or None,
        tags=[tag] if tag else (),
        sources=[source] if source else (),
        emails=emails,
        channels=[channel] if channel else (),
        by=request.session.get("user"),
    )
    return back(request, "/alertes", sentence)


def remove_alert(request: Request) -> Response:
    store = WebContext.of(request).store
    name = _text(request.state.form, "name", 200)
    if not store.remove_alert(name):
        raise NotFoundError(i18n.message("alerts.not_found", name=name))
    return back(request, "/alertes", i18n.message("alerts.removed", name=name))


def take_off_recipient(request: Request) -> Response:
    store = WebContext.of(request).store
    form = request.state.form
    recipient = _text(form, "recipient", 400)
    channel = recipient.startswith("#")
    sentence = remove_recipients(
        store,
        _text(form, "name", 200),
        emails=() if channel else [recipient],
        channels=[recipient[1:]] if channel else (),
    )
    return back(request, "/alertes", sentence)


def pause_or_resume(request: Request) -> Response:
    store = WebContext.of(request).store
    form = request.state.form
    active = _text(form, "active", 10) == "1"
    return back(request, "/alertes", set_active(store, _text(form, "name", 200), active))
