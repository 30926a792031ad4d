"""sources.yaml and settings: read once at the entry point, validated, with messages that help.

The file has two keys::

    settings: {...}     # optional: fetch limits, timezone, paths (table below)
    sources:
      - id: centre-inffo
        url: https://www.centre-inffo.fr/feed
        kind: feed        # feed | page

Any mistake becomes one :class:`~veille.errors.ConfigError` whose message names the file, the
source, the key, the bad value and a hint, in French unless English is in use or the file asks
for English letters (its words: veille/i18n/config.py), e.g.::

    sources.yaml : source « centre-inffo » (sources[0]), clé « kind » : « rss » n’est pas l’une
    des valeurs feed, page, json, mailbox. Astuce : kind: feed pour un flux RSS/Atom/JSON, …

Unknown keys are errors (a typo must not be silently ignored). Environment variables override the
file where it makes sense (``VEILLE_ALLOW_PRIVATE_NETWORKS``, ``VEILLE_DB``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from veille import i18n, sourcefile, yamlfile
from veille.channel_formats import MAX_ITEMS
from veille.channel_settings import ChannelList, ChannelSettings, channel_where
from veille.environment import env_flag
from veille.errors import ConfigError, one_line
from veille.fetch import FetchLimits
from veille.identity import site_of
from veille.mailbox_options import MailboxOptions
from veille.models import ManagedSource
from veille.taxonomy import DEFAULT_TAXONOMY, SLUG_RE, Tag, check_tags

SOURCE_ID_RE = SLUG_RE


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_LIMITS = FetchLimits()  # the defaults are declared once, in veille.fetch


class FetchSettings(_Strict):
    """The HTTP client's limits as sources.yaml may set them: the ranges allowed here, the
    defaults (Miniflux's and trafilatura's) in :class:`veille.fetch.FetchLimits`."""

    connect_timeout: Annotated[float, Field(gt=0, le=120)] = _LIMITS.connect_timeout
    read_timeout: Annotated[float, Field(gt=0, le=300)] = _LIMITS.read_timeout
    deadline: Annotated[float, Field(gt=0, le=600)] = _LIMITS.deadline
    max_bytes: Annotated[int, Field(ge=1024, le=200 * 1024 * 1024)] = _LIMITS.max_bytes
    max_redirects: Annotated[int, Field(ge=0, le=20)] = _LIMITS.max_redirects
    per_host: Annotated[int, Field(ge=1, le=16)] = _LIMITS.per_host
    concurrency: Annotated[int, Field(ge=1, le=64)] = _LIMITS.concurrency
    user_agent: str | None = None  # None: FetchLimits' own


class DigestSettings(_Strict):
    """The weekly digest: its name, language, size and public address."""

    title: str = "Veille formation"
    lang: Literal["fr", "en"] = "fr"
    # Public address of the published archive (digests/), e.g. https://veille.example.org/.
    # The feed's links and the e-mail's "read online" and unsubscribe links start with it.
    site_url: str | None = None
    out_dir: str = "digests"  # relative paths are next to sources.yaml
    max_items: Annotated[int, Field(ge=1, le=200)] = 15
    max_per_section: Annotated[int, Field(ge=1, le=100)] = 5
    max_per_source: Annotated[int, Field(ge=1, le=100)] = 5
    reading_wpm: Annotated[int, Field(ge=50, le=1000)] = 230  # for "reading time saved"

    @field_validator("site_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(i18n.message("config.value.not_site_url", value=value))
        return value if value.endswith("/") else value + "/"


class ScheduleSettings(_Strict):
    """What ``veille serve`` runs, and when (in settings.timezone)."""

    ingest_every_hours: Annotated[float, Field(gt=0, le=168)] = 6.0
    draft_cron: str = "0 6 * * 1"  # Monday 06:00: draft last week
    # Publish and e-mail last week's digest at this time once a curator approved it
    # (`veille digest approve`); null: publishing stays manual.
    publish_cron: str | None = None

    @field_validator("draft_cron", "publish_cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value.split()) != 5:
            raise ValueError(i18n.message("config.value.not_cron", value=value))
        return value


class QualiopiSettings(_Strict):
    """Who keeps the watch, as the Qualiopi register's header and watch plan name them."""

    organisation: Annotated[str, Field(max_length=200)] | None = None
    watch_lead: Annotated[str, Field(max_length=200)] | None = None  # the référent veille


class Settings(_Strict):
    """Everything under ``settings:``; every key is optional."""

    database: str = "veille.duckdb"
    timezone: str = "Europe/Paris"
    allow_private_networks: bool = False
    fetch: FetchSettings = FetchSettings()
    # Pages fetched per source and run at most: a new feed with 500 old items must not stall a run.
    max_new_per_source: Annotated[int, Field(ge=1, le=10_000)] = 100
    extract_workers: Annotated[int, Field(ge=1, le=32)] = 2
    # Where trained classifier models are kept; relative paths are next to the database.
    models_dir: str = "models"
    # An article whose relevance score is below this is kept but marked off-topic.
    relevance_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    digest: DigestSettings = DigestSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    qualiopi: QualiopiSettings = QualiopiSettings()
    channels: ChannelList = ()  # Teams, Slack, Mattermost webhooks (veille/channel_settings.py)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(i18n.message("config.value.timezone", value=value)) from None
        return value


JSON_PATH_RE = re.compile(r"^(?:\$|[A-Za-z0-9_:@-]+(?:\.[A-Za-z0-9_:@-]+)*)$")


class JsonMapping(_Strict):
    """Where the fields of each article are in a ``kind: json`` source's document.

    Each value is a dotted path (``title.rendered``; a number indexes a list: ``authors.0.name``).
    ``items`` is the path of the list of articles, ``$`` when the document itself is the list.
    The defaults read the WordPress REST API (``/wp-json/wp/v2/posts``); a path that is missing
    in an item just leaves that field empty, except ``link``, without which an item is skipped.
    """

    items: str = "$"
    link: str = "link"
    title: str | None = "title.rendered"
    date: str | None = "date_gmt"
    summary: str | None = "excerpt.rendered"
    content: str | None = "content.rendered"
    author: str | None = None
    guid: str | None = "id"

    @field_validator("items", "link", "title", "date", "summary", "content", "author", "guid")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and not JSON_PATH_RE.match(value):
            raise ValueError(i18n.message("config.value.json_path", value=value))
        return value


class Source(MailboxOptions):  # the mailbox keys: veille/mailbox_options.py
    """One entry of ``sources:``."""

    id: str
    url: str
    kind: Literal["feed", "page", "json", "mailbox"] = "feed"
    name: str | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    official: bool = (
        False  # an official publisher (ministry, France compétences): preferred as "the original"
    )
    fetch_pages: bool = (
        True  # feed sources: fetch and extract each article page (else keep the feed text)
    )
    link_pattern: str | None = None  # page (and mailbox) sources: regex of the article URLs
    link_selector: str | None = None  # page sources: CSS selector of the article links
    mapping: JsonMapping | None = None  # json sources: where each field is (WordPress defaults)
    deadline: Annotated[float | None, Field(gt=0, le=600)] = None  # per-source override
    max_bytes: Annotated[int | None, Field(ge=1024, le=200 * 1024 * 1024)] = None
    # Other sites this source's pages may name in their canonical link (a publisher's second
    # domain, its regional portal): a page never takes over an article of any other site.
    sites: tuple[str, ...] = ()

    @field_validator("sites")
    @classmethod
    def _sites(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for site in value:
            found = site_of(site if "://" in site else f"https://{site}")
            if not found or not re.fullmatch(r"[\w.-]+", found):
                raise ValueError(i18n.message("config.value.site", value=site))
            out.append(found)
        return tuple(out)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SOURCE_ID_RE.match(value):
            raise ValueError(i18n.message("config.value.id", value=value))
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme in ("imaps", "imap", "maildir"):
            return value  # a mailbox's address, checked with its kind (mailbox_options.py)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(i18n.message("config.value.not_http", value=value))
        return value

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*", value):
            raise ValueError(i18n.message("config.value.lang", value=value))
        return value.split("-")[0].split("_")[0].lower() if value else None

    @field_validator("link_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(
                    i18n.message("config.value.regex", value=value, reason=exc)
                ) from None
        return value

    @model_validator(mode="after")
    def _page_options(self) -> Source:
        page_only = self.link_selector or (self.link_pattern and self.kind != "mailbox")
        if self.kind != "page" and page_only:
            raise ValueError(i18n.message("config.value.page_only"))
        if self.mapping is not None and self.kind != "json":
            raise ValueError(i18n.message("config.value.json_only"))
        return self

    @field_validator("link_selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            from cssselect import SelectorError, parse  # lxml's CSS engine

            try:
                parse(value)
            except SelectorError as exc:
                raise ValueError(
                    i18n.message("config.value.selector", value=value, reason=exc)
                ) from None
        return value

    def json_mapping(self) -> JsonMapping:
        """The field mapping of a json source (the WordPress defaults when none is given)."""
        return self.mapping or JsonMapping()

    @property
    def label(self) -> str:
        return self.name or self.id


class Config(_Strict):
    """The validated content of sources.yaml, plus where it came from."""

    settings: Settings = Settings()
    sources: tuple[Source, ...] = ()
    taxonomy: tuple[Tag, ...] = DEFAULT_TAXONOMY
    path: str = "sources.yaml"

    @model_validator(mode="after")
    def _unique_tags(self) -> Config:
        ids = [t.id for t in self.taxonomy]
        if not ids:
            raise ValueError(i18n.message("config.value.no_tags"))
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(i18n.message("config.value.duplicate_tag", id=duplicates[0]))
        return self

    def database_path(self) -> Path:
        """settings.database; a relative path is next to the sources file."""
        database = Path(self.settings.database)
        return database if database.is_absolute() else Path(self.path).parent / database

    def models_path(self, database: str | Path) -> Path:
        """The folder of trained models (settings.models_dir, relative to the database)."""
        folder = Path(self.settings.models_dir)
        return folder if folder.is_absolute() else Path(database).parent / folder

    def tag_ids(self) -> list[str]:
        return [t.id for t in self.taxonomy]

    def check_tags(self, tags: list[str]) -> list[str]:
        """``tags`` when it is a non-empty list of taxonomy ids; ConfigError saying which not."""
        if not tags:
            raise ConfigError(i18n.message("tags.none", tags=", ".join(self.tag_ids())))
        check_tags(tags, self.tag_ids())
        return tags

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(i18n.message("config.value.duplicate_source", id=source.id))
            seen.add(source.id)
        return self

    def enabled_sources(self, only: tuple[str, ...] | list[str] = ()) -> list[Source]:
        """Enabled sources, or exactly the ``only`` ids (enabled or not); unknown ids: error."""
        if only:
            known = {s.id: s for s in self.sources}
            unknown = [i for i in only if i not in known]
            if unknown:
                ids = ", ".join(unknown)
                raise ConfigError(i18n.message("config.no_source", name=self.path, ids=ids))
            return [known[i] for i in only]
        return [s for s in self.sources if s.enabled]

    def with_managed(self, rows: Sequence[ManagedSource]) -> Config:
        """This configuration plus the sources curators added or switched in the web app.

        A row with a URL is a source of its own (added from a page URL or an OPML file); a row
        without one only switches a sources.yaml source on or off. sources.yaml stays the
        reference: a web-app source whose id it also defines is ignored.
        """
        switches = {r.id: r.enabled for r in rows}
        sources = [
            s.model_copy(update={"enabled": switches[s.id]}) if s.id in switches else s
            for s in self.sources
        ]
        known = {s.id for s in sources}
        for r in rows:
            if r.url and r.id not in known:
                own = {"id": r.id, "url": r.url, "kind": r.kind or "feed", "name": r.name}
                try:
                    source = Source.model_validate({**r.options, **own, "enabled": r.enabled})
                except ValidationError:
                    # Options written by an older or newer veille: keep the source, drop them.
                    source = Source.model_validate({**own, "enabled": r.enabled})
                sources.append(source)
        return self.model_copy(update={"sources": tuple(sources)})

    def fetch_limits(self) -> FetchLimits:
        """The fetcher's limits, with the private-network switch from settings or environment."""
        allow = self.settings.allow_private_networks or env_flag("VEILLE_ALLOW_PRIVATE_NETWORKS")
        given = self.settings.fetch.model_dump(exclude_none=True)
        return FetchLimits(**given, allow_private_networks=allow)


def load_config(path: str | Path) -> Config:
    """Read and validate a sources.yaml file; raise ConfigError with a helpful message."""
    path = Path(path)
    name = str(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            i18n.message("config.not_found", name=name, folder=path.absolute().parent)
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(i18n.message("config.not_utf8", name=name)) from None
    except OSError as exc:
        raise ConfigError(
            i18n.message("config.unreadable", name=name, reason=exc.strerror)
        ) from None
    return parse_config(raw_text, name=name)


def parse_config(text: str, *, name: str = "sources.yaml") -> Config:
    """Validate the YAML text of a sources file."""
    data, node = yamlfile.read_yaml(text, name)
    # The language of the messages about this file: the one it declares (settings.digest.lang,
    # the language veille speaks once the file is read: veille.cli.common.Context.config), so
    # that an English-speaking organisation reads its mistakes in English too; when it declares
    # none (or the YAML cannot be read), the one in use: French unless an entry point chose
    # (i18n.current()). The validators below write their ValueErrors in it.
    with i18n.language(_declared_language(data)):
        lines = sourcefile.entry_lines(node)
        sourcefile.check_entries(data.get("sources") or [], lines, name)
        try:
            config = Config.model_validate({**data, "path": name})
        except ValidationError as exc:
            raise ConfigError(_describe(exc, data, name)) from None
        given = [(s.id, s.tags) for s in config.sources]
        sourcefile.check_source_tags(given, config.tag_ids(), lines, name)
    return config


def _declared_language(data: dict[str, Any]) -> str:
    """settings.digest.lang when the file gives a known one, else the language in use."""
    settings = data.get("settings")
    digest = settings.get("digest") if isinstance(settings, dict) else None
    lang = digest.get("lang") if isinstance(digest, dict) else None
    return lang if lang in i18n.LANGUAGES else i18n.current()


def _describe(exc: ValidationError, data: dict[str, Any], name: str) -> str:
    """Turn pydantic's first error into one sentence naming file, source, key, value and a hint."""
    err = exc.errors()[0]
    section, where, loc = _place(list(err["loc"]), data)
    key = ".".join(str(p) for p in loc if not isinstance(p, int))
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(section, loc)
        detail = i18n.message("config.key.unknown", option=key)
        hint = i18n.message("config.key.allowed", keys=", ".join(allowed))
    elif kind == "missing":
        detail = i18n.message("config.key.missing", option=key)
        hint = _hint(section, key, "config.key.add")
    else:
        problem = _problem(err)
        detail = i18n.message("config.key.problem", option=key, problem=problem) if key else problem
        hint = _hint(section, key, "config.key.readme")
    if where:
        said = i18n.message("config.error.at", name=name, where=where, detail=detail, hint=hint)
    else:
        said = i18n.message("config.error.top", name=name, detail=detail, hint=hint)
    # One line whatever the file holds: keys and values are quoted as written (« … »), and a
    # key may be "\n\n" (found by tests/test_hostile.py's property test).
    return one_line(said, 2000)


def _place(loc: list[Any], data: dict[str, Any]) -> tuple[str, str, list[Any]]:
    """The section of an error (source, tag, channel, settings or the top), how a message names
    the place, and the rest of its location."""
    if len(loc) > 1 and loc[0] in ("sources", "taxonomy") and isinstance(loc[1], int):
        section, index = ("source", "tag")[loc[0] == "taxonomy"], loc[1]
        entries = data.get(loc[0])
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        given = entry.get("id") if isinstance(entry, dict) else None
        if not given:
            return section, f"{loc[0]}[{index}]", loc[2:]
        return section, i18n.message(f"config.at.{section}", id=given, index=index), loc[2:]
    if loc[:2] == ["settings", "channels"] and len(loc) > 2 and isinstance(loc[2], int):
        return "channel", channel_where(data, loc[2]), loc[3:]
    if loc and loc[0] == "settings":
        return "settings", "settings", loc[1:]
    return "", "", loc


# pydantic's kinds of mistake said in veille's words (veille/i18n/config.py); any other: the
# value, then pydantic's own words.
_KINDS = {
    "literal_error": "literal_error",
    "string_type": "string_type",
    "int_parsing": "int_parsing",
    "int_type": "int_parsing",
    "int_from_float": "int_parsing",
    "float_parsing": "float_parsing",
    "float_type": "float_parsing",
    "bool_parsing": "bool_parsing",
    "bool_type": "bool_parsing",
    "greater_than_equal": "greater_than_equal",
    "greater_than": "greater_than",
    "less_than_equal": "less_than_equal",
    "less_than": "less_than",
    "string_too_short": "string_too_short",
    "string_too_long": "string_too_long",
    "tuple_type": "list",
    "list_type": "list",
    "model_type": "mapping",
    "dict_type": "mapping",
    "model_attributes_type": "mapping",
}


def _problem(err: Any) -> str:
    """What is wrong with the value, in the current language."""
    msg = str(err["msg"])
    if err["type"] == "value_error":  # veille's own validators: already in the current language
        return msg.removeprefix("Value error, ")
    kind = _KINDS.get(err["type"], "other")
    params = {**(err.get("ctx") or {}), "value": err.get("input"), "reason": msg}
    return i18n.message(f"config.kind.{kind}", choices=_literal_choices(msg), **params)


def _hint(section: str, key: str, default: str) -> str:
    """What to write instead for ``key`` (its last part), or the ``default`` message."""
    family = "config.channel_hint." if section == "channel" else "config.hint."
    found = family + key.rsplit(".", 1)[-1]
    return i18n.message(found if found in i18n.MESSAGES else default, max_items=MAX_ITEMS)


def _literal_choices(msg: str) -> str:
    return ", ".join(re.findall(r"'([^']*)'", msg)) or msg


_SETTINGS_PARTS: dict[str, type[BaseModel]] = {
    "fetch": FetchSettings,
    "digest": DigestSettings,
    "schedule": ScheduleSettings,
    "qualiopi": QualiopiSettings,
}


def _allowed_keys(section: str, loc: list[Any]) -> list[str]:
    if section == "source":
        if len(loc) > 1 and loc[0] == "mapping":
            return sorted(JsonMapping.model_fields)
        return sorted(Source.model_fields)
    if section == "tag":
        return sorted(Tag.model_fields)
    if section == "channel":
        return sorted(ChannelSettings.model_fields)
    if section == "settings":
        part = _SETTINGS_PARTS.get(loc[0], Settings) if len(loc) > 1 else Settings
        return sorted(part.model_fields)
    return ["settings", "sources", "taxonomy"]
