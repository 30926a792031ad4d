"""The shape of the code: no import cycle between veille's modules (imports inside functions
count too: they only hide a cycle), Prefect imported only in flows/, and no module over 600
lines nor function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("veille", "flows")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (functions included)."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named.add(node.module)
            named |= {f"{node.module}.{a.name}" for a in node.names}
    return named


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path, or [] (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_no_import_cycle_even_inside_functions() -> None:
    modules = _modules()
    graph = {
        name: {m for m in _imports(path) if m in modules and m not in PACKAGES} - {name}
        for name, path in modules.items()
    }
    assert _cycle(graph) == []
    # The check itself finds a cycle when there is one.
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_only_flows_imports_prefect() -> None:
    outside = sorted(
        name
        for name, path in _modules().items()
        if not name.startswith("flows")
        and any(m == "prefect" or m.startswith("prefect.") for m in _imports(path))
    )
    assert outside == []


LONGEST_MODULE = 600  # lines
LONGEST_FUNCTION = 60  # lines, nested functions and methods included


def _too_long(text: str) -> list[str]:
    """What in a module's source is over the limits: "module" and/or the long functions."""
    long = ["module"] if len(text.splitlines()) > LONGEST_MODULE else []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            if node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION:
                long.append(node.name)
    return long


def test_no_long_module_or_function() -> None:
    """No module of veille/ or flows/ over 600 lines, no function over 60 (measured with ast,
    nested ones included): the web app was one 997-line file whose create_app held every route
    in a 672-line closure, digest.py 786 lines of drafting, publishing and sending."""
    long = [
        f"{path.relative_to(REPO)}:{what}"
        for path in sorted(_modules().values())
        for what in _too_long(path.read_text(encoding="utf-8"))
    ]
    assert long == []
    # The check itself finds what is too long.
    body = "".join(f"    x = {n}\n" for n in range(LONGEST_FUNCTION))
    assert _too_long(f"def f():\n{body}") == ["f"]
    assert _too_long(f"def f():\n{body[: body.rindex('    x')]}") == []
    assert _too_long("x = 1\n" * (LONGEST_MODULE + 1)) == ["module"]
