"""The shape of the code: no import cycle between veille's modules (imports inside functions
count too: they only hide a cycle), and Prefect is imported only in flows/."""

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


def test_the_web_app_has_no_long_module_or_function() -> None:
    """veille/web/ was one file whose create_app held every route in a 672-line closure:
    its modules stay under 600 lines and its functions under 60 (nested ones included)."""
    long = []
    for path in sorted((REPO / "veille" / "web").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 600:
            long.append(path.name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > 60:
                    long.append(f"{path.name}:{node.name}")
    assert long == []
