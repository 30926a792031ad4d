"""The list of sources as users bring and take it: OPML import plans, YAML and OPML exports.

Where added sources live: sources.yaml is the reference and is **never rewritten** by veille.
Sources imported from OPML or added with ``veille sources add`` (or the web app's Sources page) are
kept in the database (``managed_sources``) and merged with sources.yaml by :func:`effective`
wherever sources are read (``veille run``, the flows, the web app, the Qualiopi export). So the
file's comments, order and layout can never be damaged by an import, the web app and the command
line share one list, and ``veille sources export --format yaml`` prints the merged list for anyone
who wants to move sources into the file by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import yaml

from veille import i18n
from veille.config import Config, Source
from veille.discovery import Discovered, Exploration
from veille.errors import UsageError
from veille.identity import canonical_url
from veille.models import ManagedSource, NewManagedSource
from veille.opml import CATEGORY_SEP, OpmlFeed, OpmlProblem, OpmlScan, render_opml, slugify
from veille.opml import source_id_for as _id_for
from veille.taxonomy import check_source_tags


class _HoldsManagedSources(Protocol):
    def managed_sources(self) -> list[ManagedSource]: ...


def effective(config: Config, store: _HoldsManagedSources) -> Config:
    """The sources veille watches: sources.yaml plus those added or switched on or off in the
    web app or with ``veille sources add/import`` (read again at each call: the list changes
    while the app runs). Every command, flow and page that lists sources goes through here."""
    return config.with_managed(store.managed_sources())


@dataclass(slots=True)
class ImportPlan:
    """What an OPML import will do: the sources to add, and everything it leaves out, with why."""

    rows: list[NewManagedSource] = field(default_factory=list)  # for Store.add_managed_sources
    already: list[tuple[OpmlFeed, str]] = field(default_factory=list)  # (feed, existing id)
    problems: list[OpmlProblem] = field(default_factory=list)  # invalid or repeated outlines

    def warnings(self) -> list[str]:
        lines = [str(p) for p in self.problems]
        lines += [i18n.message("opml.already", url=f.url, id=sid) for f, sid in self.already]
        return lines


def folder_tags(category: str | None) -> tuple[str, ...]:
    """Tags for a feed from its OPML folders: ``"Réglementaire / OPCO"`` gives
    ``("reglementaire", "opco")``. Tags that are taxonomy ids are hints for the classifier and
    place the source under a Qualiopi indicator; the others only label it."""
    tags: list[str] = []
    for folder in (category or "").split(CATEGORY_SEP):
        tag = slugify(folder)
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def plan_opml_import(scan: OpmlScan, config: Config, *, origin: str = "opml") -> ImportPlan:
    """The sources ``scan`` adds to ``config`` (sources.yaml plus those already added).

    A feed whose canonical URL (:func:`veille.identity.canonical_url`) is already a source, or
    appears twice in the file, is reported, not added; ids are made from titles, never clash.
    """
    plan = ImportPlan(problems=list(scan.problems))
    known = {_canonical(s.url): s.id for s in config.sources}
    taken = {s.id for s in config.sources}
    in_file: dict[str, OpmlFeed] = {}
    for feed in scan.feeds:
        key = _canonical(feed.url)
        if key in in_file:  # the same feed spelt another way (final "/", tracking parameters)
            first = in_file[key]
            where = i18n.message("opml.line", line=first.line) if first.line else first.url
            label = feed.title or i18n.message("source.untitled")
            plan.problems.append(
                OpmlProblem(feed.line, label, i18n.message("opml.same_feed", where=where))
            )
            continue
        in_file[key] = feed
        if key in known:
            plan.already.append((feed, known[key]))
            continue
        sid = _id_for(feed, taken)
        taken.add(sid)
        tags = folder_tags(feed.category)
        plan.rows.append(
            NewManagedSource(
                id=sid,
                url=feed.url,
                kind="feed",
                name=feed.title,
                origin=origin,
                options={"tags": list(tags)} if tags else {},
            )
        )
    return plan


@dataclass(frozen=True, slots=True)
class SourceProposal:
    """What adding the address ``asked`` would do (:func:`propose_source`), for a person to
    confirm: the sources to choose from (the feeds found, best first, or the page itself),
    the warnings to read first, and the choices that are already sources (with their id)."""

    asked: str
    choices: tuple[Discovered, ...]
    warnings: tuple[str, ...] = ()
    followed: Mapping[str, str] = field(default_factory=dict)  # choice url -> source id

    @property
    def best(self) -> Discovered:
        return self.choices[0]

    def choice(self, url: str) -> Discovered:
        """The choice at ``url``; UsageError when it is not one of them (an old form)."""
        for found in self.choices:
            if found.url == url:
                return found
        raise UsageError(i18n.message("source.not_proposed", url=url))


async def propose_source(url: str, config: Config) -> SourceProposal:
    """The one rule of adding a source by its address, for the web app and ``veille sources
    add`` alike: look at what ``url`` offers (:func:`veille.discovery.explore`), then say what
    would be added and what to know first; nothing is added until :func:`source_to_add`."""
    from veille.discovery import explore

    return proposal_of(url, await explore(url, config.fetch_limits()), config)


def proposal_of(url: str, found: Exploration, config: Config) -> SourceProposal:
    """:func:`propose_source` once the address was explored."""
    choices = tuple(found.feeds) if found.feeds else (found.best,)
    warnings = [i18n.message("source.unreadable_feed", url=bad) for bad in found.unreachable]
    page = found.page
    if page is not None and page.article:
        warnings.append(i18n.message("source.article_page", url=page.url, count=page.entries))
    elif page is not None:
        warnings.append(i18n.message("source.no_feed", url=page.url, count=page.entries))
    followed = {}
    for choice in choices:
        sid = existing_source(choice.url, config)
        if sid is not None:
            followed[choice.url] = sid
            warnings.append(i18n.message("source.already", url=choice.url, id=sid))
    return SourceProposal(url, choices, tuple(warnings), followed)


def source_to_add(
    proposal: SourceProposal,
    url: str,
    config: Config,
    *,
    tags: Sequence[str] = (),
    name: str | None = None,
    origin: str,
) -> NewManagedSource:
    """The source to store for the choice at ``url`` of ``proposal``, with the themes and the
    name a person gave; UsageError when it is already a source (also under another spelling of
    its address), ConfigError for a tag that is a typo of a theme."""
    chosen = proposal.choice(url)
    already = existing_source(chosen.url, config)
    if already is not None:
        raise UsageError(i18n.message("source.already", url=chosen.url, id=already))
    check_source_tags(tags, config.tag_ids())
    row = row_for(chosen, config, origin=origin)
    options = {**row.options, **({"tags": list(tags)} if tags else {})}
    return replace(row, options=options, name=(name or "").strip() or row.name)


def describe(found: Discovered) -> str:
    """One line for a person choosing: what it is, its title, how many items, how found."""
    return i18n.message(
        f"source.choice.{found.kind}",
        title=found.title or i18n.message("source.untitled"),
        count=found.entries,
        plural="s" if found.entries != 1 else "",
        how=i18n.message(f"discovery.how.{found.how or 'itself'}"),
        pattern=found.link_pattern or i18n.message("source.no_pattern"),
    )


def row_for(found: Discovered, config: Config, *, origin: str = "cli") -> NewManagedSource:
    """The managed source for what :func:`veille.discovery.explore` found."""
    taken = {s.id for s in config.sources}
    sid = _id_for(OpmlFeed(found.url, found.title, None, None), taken)
    options: dict[str, object] = {}
    if found.kind == "page" and found.link_pattern:
        options["link_pattern"] = found.link_pattern
    return NewManagedSource(
        id=sid, url=found.url, kind=found.kind, name=found.title, origin=origin, options=options
    )


def existing_source(url: str, config: Config) -> str | None:
    """The id of the source with this canonical URL, if there is one."""
    key = _canonical(url)
    return next((s.id for s in config.sources if _canonical(s.url) == key), None)


def sources_yaml(config: Config, managed_ids: set[str] | frozenset[str] = frozenset()) -> str:
    """The sources of ``config`` as a ``sources:`` YAML list (keys left at their default are
    left out), sources.yaml's first, in order; ``managed_ids`` get a comment saying so."""
    parts = ["sources:\n"]
    for source in config.sources:
        if source.id in managed_ids:
            parts.append("  # added with `veille sources` or the web app (kept in the database)\n")
        parts.append(_yaml_item(source))
    return "".join(parts)


def sources_opml(config: Config) -> tuple[str, list[Source]]:
    """An OPML file of the feed sources (tags as nested folders, so an import gives them back),
    and the sources left out because OPML only lists feeds (page and json sources)."""
    feeds = [
        OpmlFeed(s.url, s.name or s.id, None, CATEGORY_SEP.join(s.tags) or None)
        for s in config.sources
        if s.kind == "feed"
    ]
    left_out = [s for s in config.sources if s.kind != "feed"]
    return render_opml(feeds, title=config.settings.digest.title), left_out


def _yaml_item(source: Source) -> str:
    data = source.model_dump(mode="json", exclude_defaults=True)
    data = {"id": data.pop("id"), "url": data.pop("url"), **data}
    text = yaml.safe_dump([data], allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def _canonical(url: str) -> str:
    try:
        return canonical_url(url)
    except ValueError:  # a port that is not a number: compare the text
        return url.strip()
