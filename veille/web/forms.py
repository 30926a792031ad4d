"""What a request may carry, and how its fields are read: size limits, and the checks that turn
a form or query field into a clear error (:class:`~veille.errors.UsageError`) when it is wrong.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from veille import i18n
from veille.errors import UsageError
from veille.weeks import parse_day

MAX_UPLOAD = 16 * 1024 * 1024  # an OPML file, a CSV of subscribers (100,000 lines: ~6 MB)
MAX_FORM = 64 * 1024  # every other request body: forms of a few fields
MAX_QUERY = 200  # characters of a search
MAX_URL = 2000
ARTICLE_ID_RE = re.compile(r"[0-9a-f]{6,64}")


async def _form(request: Request) -> FormData:
    """The POST's form; its size was bounded as it arrived
    (:class:`~veille.web.security.BodyLimit`)."""
    return await request.form(max_files=1, max_fields=200, max_part_size=MAX_FORM)


def _upload(form: FormData, field: str) -> tuple[str, bytes]:
    """(file name, bytes) of an uploaded file (the body was bounded as it arrived)."""
    item = form.get(field)
    if not isinstance(item, UploadFile):
        raise UsageError(i18n.message("web.no_file"))
    item.file.seek(0)
    data = item.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise UsageError(i18n.message("web.too_large", size=_size(MAX_UPLOAD)))
    return _file_name(item.filename), data


def _file_name(given: str | None) -> str:
    """The name a person gave their file, never a path: some browsers send the whole path
    (C:\\Users\\…\\abonnes.csv), and a message must not show where a file sat."""
    name = (given or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or i18n.message("web.file"))[:100]


def _text(values: Any, field: str, limit: int) -> str:
    """A text field of a form or query (empty when absent), at most ``limit`` characters."""
    value = values.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(i18n.message("web.bad_choice", field=field, value="(fichier)"))
    if len(value) > limit:
        raise UsageError(i18n.message("web.too_long", field=field, limit=limit))
    return value


def _choice(values: Any, field: str, allowed: list[str]) -> str | None:
    """One of ``allowed`` (None when empty); a clear error for anything else."""
    value = _text(values, field, 200).strip()
    if not value:
        return None
    if value not in allowed:
        raise UsageError(i18n.message("web.bad_choice", field=field, value=value[:64]))
    return value


def _position(form: FormData) -> int | None:
    raw = _text(form, "position", 12).strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1000:
        raise UsageError(i18n.message("web.bad_position", value=raw))
    return int(raw) - 1


def _article_id(value: str) -> str:
    if not ARTICLE_ID_RE.fullmatch(value):
        raise UsageError(i18n.message("web.bad_article", value=value[:64]))
    return value


def _http_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise UsageError(i18n.message("web.bad_url", value=url[:200]))
    return url


def _next(request: Request, form: FormData | None) -> str:
    """Where to go after logging in: a path of this app, never another site."""
    raw = _text(form, "next", MAX_URL) if form is not None else request.query_params.get("next")
    target = (raw or "/")[:MAX_URL]
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} Mo" if limit >= 1024 * 1024 else f"{limit // 1024} Kio"


def _referer(request: Request) -> str:
    ref = request.headers.get("referer", "")
    path = ref.split(str(request.base_url).rstrip("/"), 1)[-1] if ref else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _day(value: str | None) -> date | None:
    return parse_day(value) if value else None
