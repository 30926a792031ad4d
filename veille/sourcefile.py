"""The checks of sources.yaml's ``sources:`` list that pydantic cannot phrase for a person: an
item that is a bare address instead of a source, two sources with one id (both places named),
a tag that is a typo of one of the taxonomy's themes (with a "did you mean"). Each failure is one
:class:`~veille.errors.ConfigError` line naming the file, the source's number and its line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from veille import i18n
from veille.errors import ConfigError
from veille.taxonomy import check_source_tags as check_tags


def entry_lines(root: yaml.Node | None) -> list[int]:
    """The line (from 1) where each item of the file's top-level ``sources:`` list starts."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "sources" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def where(index: int, lines: Sequence[int]) -> str:
    """``source n° 3 (ligne 12)``: how a person finds the item ``index`` of ``sources:``."""
    if index < len(lines):
        return i18n.message("config.where_line", n=index + 1, line=lines[index])
    return i18n.message("config.where", n=index + 1)


def check_entries(sources: Sequence[Any], lines: Sequence[int], name: str) -> None:
    """Every item a mapping (a bare address says how to write a source), every id once."""
    first: dict[str, int] = {}
    for index, entry in enumerate(sources):
        if isinstance(entry, str):
            raise ConfigError(
                i18n.message(
                    "config.bare_url", name=name, where=where(index, lines), value=entry[:200]
                )
            )
        if not isinstance(entry, dict):
            raise ConfigError(
                i18n.message("config.not_a_source", name=name, where=where(index, lines))
            )
        sid = entry.get("id")
        if not isinstance(sid, str):
            continue
        if sid in first:
            raise ConfigError(
                i18n.message(
                    "config.duplicate_id",
                    name=name,
                    id=sid,
                    first=where(first[sid], lines),
                    second=where(index, lines),
                )
            )
        first[sid] = index


def check_source_tags(
    tags_by_source: Sequence[tuple[str, Sequence[str]]],
    known: Sequence[str],
    lines: Sequence[int],
    name: str,
) -> None:
    """No source's tag is a typo of a theme (:func:`veille.taxonomy.check_source_tags`): it
    would file the source's items under nothing, silently."""
    for index, (sid, tags) in enumerate(tags_by_source):
        try:
            check_tags(tags, known)
        except ConfigError as exc:
            raise ConfigError(
                i18n.message(
                    "config.source_tag", name=name, id=sid, where=where(index, lines), problem=exc
                )
            ) from None
