"""sources.yaml and settings: read once at the entry point, validated, with messages that help.

The file has two keys::

    settings: {...}     # optional: fetch limits, timezone, paths (table below)
    sources:
      - id: centre-inffo
        url: https://www.centre-inffo.fr/feed
        kind: feed        # feed | page

Any mistake becomes one :class:`~veille.errors.ConfigError` whose message names the file, the
source, the key, the bad value and a hint, e.g.::

    sources.yaml: source 'centre-inffo' (sources[0]), key 'kind': 'rss' is not one of feed, page.
    Hint: use kind: feed for RSS/Atom/JSON feeds, kind: page for an HTML page listing articles.

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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from veille import i18n, sourcefile
from veille.channel_settings import CHANNEL_HINTS, ChannelList, ChannelSettings, channel_where
from veille.environment import env_flag
from veille.errors import ConfigError
from veille.fetch import FetchLimits
from veille.identity import site_of
from veille.mailbox_options import MAILBOX_HINTS, MailboxOptions
from veille.models import ManagedSource
from veille.taxonomy import DEFAULT_TAXONOMY, SLUG_RE, Tag, check_tags

SOURCE_ID_RE = SLUG_RE

# Hints keyed by the last element of the error location: what a user should write instead.
HINTS: dict[str, str] = {
    "id": "use lowercase letters, digits and dashes, e.g. centre-inffo",
    "url": "give the full address, starting with https:// or http://",
    "kind": "use kind: feed for RSS/Atom/JSON feeds, kind: page for an HTML page listing articles, "
    "kind: json for a JSON API listing articles (e.g. WordPress wp-json/wp/v2/posts), "
    "kind: mailbox for newsletters received in an IMAP mailbox",
    "items": "give the dotted path of the list of articles in the JSON, e.g. data.posts, or $ "
    "when the document itself is the list",
    "link": "give the dotted path of each article's address in the JSON, e.g. link or url",
    "title": "give the dotted path of each article's title in the JSON, e.g. title.rendered",
    "date": "give the dotted path of each article's date (ISO 8601 or RFC 822), e.g. date_gmt",
    "summary": "give the dotted path of each article's summary, e.g. excerpt.rendered",
    "content": "give the dotted path of each article's full text or HTML, e.g. content.rendered",
    "author": "give the dotted path of each article's author name, or leave it out",
    "guid": "give the dotted path of a stable id of each article, e.g. id",
    "lang": "use a language code such as fr or en",
    "enabled": "use true or false",
    "official": "use true or false",
    "fetch_pages": "use true (fetch each article page) or false (keep the feed's own text)",
    "tags": "give a list, e.g. tags: [reglementaire, handicap]",
    "sites": "give a list of site names, e.g. sites: [centre-inffo.fr]",
    "timezone": "use an IANA time zone name such as Europe/Paris",
    "link_pattern": "give a Python regular expression matched against article URLs",
    "link_selector": "give a CSS selector of the article links, e.g. 'main h2 a'",
    "mapping": "give the fields' paths, e.g. mapping: {items: $, link: link, title: "
    "title.rendered}",
    "indicator": "use a Qualiopi indicator such as I23, or leave it out",
    **MAILBOX_HINTS,
    "also": "give a list of Qualiopi indicators, e.g. also: [I23]",
    "organisation": "give the organisation's name, e.g. organisation: GRETA Exemple",
    "watch_lead": "give the watch lead's name, e.g. watch_lead: Marie Dupont",
    "keywords": "give a list of words or phrases, e.g. keywords: [CPF, OPCO]",
    "relevance_threshold": "give a number between 0 and 1, e.g. 0.5",
    "site_url": "give the public address of the archive, e.g. https://veille.example.org/",
    "max_items": "give a whole number, e.g. 15",
    "max_per_section": "give a whole number, e.g. 5",
    "max_per_source": "give a whole number, e.g. 3",
    "draft_cron": "give a cron line such as '0 6 * * 1' (Monday 06:00)",
    "publish_cron": "give a cron line such as '0 8 * * 1', or null to publish by hand",
    "ingest_every_hours": "give a number of hours, e.g. 6",
}


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
            raise ValueError(f"{value!r} is not an http(s) address")
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
            raise ValueError(f"{value!r} is not a cron line of five fields")
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
            raise ValueError(f"unknown time zone {value!r}") from None
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
            raise ValueError(f"{value!r} is not a dotted path such as title.rendered")
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
                raise ValueError(f"{site!r} is not a site name such as example.fr")
            out.append(found)
        return tuple(out)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SOURCE_ID_RE.match(value):
            raise ValueError(f"{value!r} is not a valid id")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme in ("imaps", "imap", "maildir"):
            return value  # a mailbox's address, checked with its kind (mailbox_options.py)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*", value):
            raise ValueError(f"{value!r} is not a language code")
        return value.split("-")[0].split("_")[0].lower() if value else None

    @field_validator("link_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
        return value

    @model_validator(mode="after")
    def _page_options(self) -> Source:
        page_only = self.link_selector or (self.link_pattern and self.kind != "mailbox")
        if self.kind != "page" and page_only:
            raise ValueError("link_pattern and link_selector only apply to kind: page sources")
        if self.mapping is not None and self.kind != "json":
            raise ValueError("mapping only applies to kind: json sources")
        return self

    @field_validator("link_selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            from cssselect import SelectorError, parse  # lxml's CSS engine

            try:
                parse(value)
            except SelectorError as exc:
                raise ValueError(f"{value!r} is not a valid CSS selector ({exc})") from None
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
            raise ValueError("the taxonomy is empty: give at least one tag, or remove 'taxonomy'")
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate tag id {duplicates[0]!r} in taxonomy")
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
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self

    def enabled_sources(self, only: tuple[str, ...] | list[str] = ()) -> list[Source]:
        """Enabled sources, or exactly the ``only`` ids (enabled or not); unknown ids: error."""
        if only:
            known = {s.id: s for s in self.sources}
            unknown = [i for i in only if i not in known]
            if unknown:
                raise ConfigError(
                    f"{self.path}: no source with id {', '.join(map(repr, unknown))}. "
                    f"Hint: `veille sources check` lists the ids."
                )
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


# Bounds of a sources file. Aliases let a few hundred bytes of YAML stand for a billion nodes
# ("billion laughs": PyYAML shares them, validation then walks them all for minutes and runs
# out of memory), and PyYAML composes nested collections by recursion (RecursionError deep
# down). The real files are a few hundred sources, six levels deep.
MAX_YAML_BYTES = 16 * 1024 * 1024
MAX_YAML_NODES = 1_000_000  # counted with every alias expanded
MAX_YAML_DEPTH = 64


def _safe_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """``yaml.safe_load`` within the bounds above (ConfigError past them), and the composed
    document (where each item is, for messages that name a line)."""
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(i18n.message("config.yaml_too_big", name=name, mb=MAX_YAML_BYTES >> 20))
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise ConfigError(
                i18n.message("config.yaml_too_deep", name=name, depth=MAX_YAML_DEPTH)
            ) from None
        if node is None:
            return None, None
        _check_yaml_size(node, name)
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def _check_yaml_size(root: yaml.Node, name: str) -> None:
    """Count the nodes of a composed document as if every alias were copied, and its depth,
    without expanding anything (each node is measured once: a DAG walk, iterative)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _yaml_children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_NODES:
                raise ConfigError(
                    i18n.message("config.yaml_too_large", name=name, nodes=MAX_YAML_NODES)
                )
            if depth[key] > MAX_YAML_DEPTH:
                raise ConfigError(
                    i18n.message("config.yaml_too_deep", name=name, depth=MAX_YAML_DEPTH)
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise ConfigError(i18n.message("config.yaml_recursive", name=name))
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _yaml_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def parse_config(text: str, *, name: str = "sources.yaml") -> Config:
    """Validate the YAML text of a sources file."""
    try:
        data, node = _safe_yaml(text, name)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(
            f"{name}: YAML syntax error{where}: {problem}. "
            "Hint: check indentation and quote values that contain ':' or '#'."
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name}: expected a mapping with 'settings' and 'sources' at the top, "
            f"found {type(data).__name__}."
        )
    sources = data.get("sources")
    if sources is not None and not isinstance(sources, list):
        raise ConfigError(
            f"{name}: key 'sources' must be a list of sources (lines starting with '- id: ...')."
        )
    lines = sourcefile.entry_lines(node)
    sourcefile.check_entries(sources or [], lines, name)
    try:
        config = Config.model_validate({**data, "path": name})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, data, name)) from None
    given = [(s.id, s.tags) for s in config.sources]
    sourcefile.check_source_tags(given, config.tag_ids(), lines, name)
    return config


def _describe(exc: ValidationError, data: dict[str, Any], name: str) -> str:
    """Turn pydantic's first error into one sentence naming file, source, key, value and a hint."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if loc and loc[0] == "sources" and len(loc) > 1 and isinstance(loc[1], int):
        index = loc[1]
        entry = data.get("sources", [])[index]
        sid = entry.get("id") if isinstance(entry, dict) else None
        where = f"source {sid!r} (sources[{index}])" if sid else f"sources[{index}]"
        loc = loc[2:]
    elif loc and loc[0] == "taxonomy" and len(loc) > 1 and isinstance(loc[1], int):
        index = loc[1]
        entry = (data.get("taxonomy") or [None] * (index + 1))[index]
        tid = entry.get("id") if isinstance(entry, dict) else None
        where = f"tag {tid!r} (taxonomy[{index}])" if tid else f"taxonomy[{index}]"
        loc = loc[2:]
    elif loc[:2] == ["settings", "channels"] and len(loc) > 2 and isinstance(loc[2], int):
        where, loc = channel_where(data, loc[2]), loc[3:]
    elif loc and loc[0] == "settings":
        where = "settings"
        loc = loc[1:]
    hints = CHANNEL_HINTS if where.startswith(("channel ", "settings.channels")) else HINTS
    key = ".".join(str(p) for p in loc if not isinstance(p, int))
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(where, loc)
        detail = f"unknown key {key!r}"
        hint = f"allowed keys are: {', '.join(allowed)}" if allowed else "remove it"
    elif kind == "missing":
        detail = f"key {key!r} is missing"
        hint = hints.get(key.rsplit(".", 1)[-1], "add it")
    else:
        msg = str(err["msg"]).removeprefix("Value error, ")
        detail = f"key {key!r}: {value!r} is invalid ({msg})" if key else msg
        if kind == "literal_error":
            detail = f"key {key!r}: {value!r} is not one of {_literal_choices(str(err['msg']))}"
        hint = hints.get(key.rsplit(".", 1)[-1], "see the README's sources.yaml section")
    prefix = f"{name}: {where}, " if where else f"{name}: "
    return f"{prefix}{detail}. Hint: {hint}."


def _literal_choices(msg: str) -> str:
    return ", ".join(re.findall(r"'([^']*)'", msg)) or msg


def _allowed_keys(where: str, loc: list[Any]) -> list[str]:
    if where.startswith("source") or where.startswith("sources["):
        if len(loc) > 1 and loc[0] == "mapping":
            return sorted(JsonMapping.model_fields)
        return sorted(Source.model_fields)
    if where.startswith("tag ") or where.startswith("taxonomy["):
        return sorted(Tag.model_fields)
    if where.startswith(("channel ", "settings.channels")):
        return sorted(ChannelSettings.model_fields)
    if where == "settings":
        if len(loc) > 1 and loc[0] == "fetch":
            return sorted(FetchSettings.model_fields)
        return sorted(Settings.model_fields)
    return ["settings", "sources", "taxonomy"]
