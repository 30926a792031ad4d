"""The error tree: every error veille raises on purpose is declared in veille/errors.py, with a
stable ``kind`` (recorded in databases and matched by policy, never derived from a name)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import veille
from veille import errors, health
from veille.errors import VeilleError

PACKAGE = Path(veille.__file__).parent

# Kinds already written into users' databases (sources.last_error_kind) or matched by policy:
# they never change, whatever the classes are called.
STORED_KINDS = {
    "ConfigError": "config",
    "FetchError": "fetch",
    "UnsupportedURLError": "unsupported-url",
    "BlockedAddressError": "blocked-address",
    "NetworkError": "network",
    "DeadlineExceededError": "deadline-exceeded",
    "ResponseTooLargeError": "response-too-large",
    "TooManyRedirectsError": "too-many-redirects",
    "UnsupportedEncodingError": "unsupported-encoding",
    "BotChallengeError": "bot-challenge",
    "HTTPStatusError": "http-status",
    "RateLimitedError": "rate-limited",
    "ParseError": "parse",
    "ExtractionError": "extraction",
    "StoreError": "store",
    "DatabaseLockedError": "database-locked",
    "SpoolError": "spool",
}


def _tree() -> list[type[VeilleError]]:
    found: list[type[VeilleError]] = []
    todo = [VeilleError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _import_every_module() -> None:
    for module in pkgutil.walk_packages([str(PACKAGE)], "veille."):
        if not module.name.endswith(".__main__"):  # importing it runs the command
            importlib.import_module(module.name)


def test_every_error_of_veille_is_declared_in_errors_py() -> None:
    _import_every_module()
    outside = [f"{c.__module__}.{c.__name__}" for c in _tree() if c.__module__ != "veille.errors"]
    assert outside == []


def test_every_error_names_its_own_kind_and_no_two_share_one() -> None:
    tree = _tree()
    missing = [c.__name__ for c in tree if "kind" not in vars(c)]
    assert missing == []
    kinds = [c.kind for c in tree]
    assert len(kinds) == len(set(kinds))
    assert {name: getattr(errors, name).kind for name in STORED_KINDS} == STORED_KINDS
    assert {"network", "deadline-exceeded"} == health.NETWORK_KINDS


def test_the_documented_tree_lists_every_class() -> None:
    doc = errors.__doc__ or ""
    assert [c.__name__ for c in _tree() if c.__name__ not in doc] == []


def test_veille_never_raises_the_base_class() -> None:
    # A bare VeilleError says nothing a caller can act on: each raise names its kind.
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(call, ast.Name) and call.id == "VeilleError":
                    bare.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert bare == []
