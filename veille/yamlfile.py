"""A sources file's YAML, read within bounds, its syntax errors said in words (the checks of
its content are veille/config.py's)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from veille import i18n
from veille.errors import ConfigError

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


def read_yaml(text: str, name: str) -> tuple[dict[str, Any], yaml.Node | None]:
    """The top mapping of a sources file and its composed document; ConfigError when the YAML
    cannot be read or is not a mapping with a list of sources."""
    try:
        data, node = _safe_yaml(text, name)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = i18n.message("config.yaml.where", line=mark.line + 1, column=mark.column + 1)
        problem = _yaml_problem(getattr(exc, "problem", None))
        raise ConfigError(
            i18n.message("config.yaml.syntax", name=name, where=where, problem=problem)
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        found = {list: "list", str: "text", int: "number", float: "number"}.get(type(data), "other")
        raise ConfigError(
            i18n.message("config.yaml.not_mapping", name=name, found=_message(f"found.{found}"))
        )
    if data.get("sources") is not None and not isinstance(data["sources"], list):
        raise ConfigError(i18n.message("config.yaml.sources_not_list", name=name))
    return data, node


def _message(key: str, **params: object) -> str:
    return i18n.message(f"config.yaml.{key}", **params)


# PyYAML's problems said as a person would, by how PyYAML's own words start.
_YAML_PROBLEMS = (
    (re.compile(r"mapping values are not allowed"), "mapping_values"),
    (re.compile(r"could not find expected ':'"), "expected_colon"),
    (re.compile(r"found character '\\t'"), "tab"),
    (re.compile(r"expected <block end>"), "block_end"),
    (re.compile(r"expected ',' or '[\]}]'"), "unclosed"),
    (re.compile(r"found unexpected end of stream"), "end_of_stream"),
    (re.compile(r"found undefined alias '(?P<alias>[^']*)'"), "alias"),
)


def _yaml_problem(problem: str | None) -> str:
    if not problem:
        return _message("invalid")
    for pattern, key in _YAML_PROBLEMS:
        if found := pattern.match(problem):
            return _message(key, **found.groupdict())
    return problem  # a rare one: PyYAML's own words
