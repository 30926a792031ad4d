"""The README documents every command and every environment variable veille has: adding one
without a line in the README fails here."""

from __future__ import annotations

import re

import typer

from tests.conftest import REPO
from veille import environment
from veille.cli import app

README = (REPO / "README.md").read_text(encoding="utf-8")
# A VEILLE_* name in code (``_VEILLE_…`` names are veille's own plumbing, not settings).
VARIABLE = re.compile(r"(?<![A-Za-z0-9_])VEILLE_[A-Z0-9_]*[A-Z0-9]\b")


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        if not getattr(command, "hidden", False):
            found.append(" ".join((*prefix, name)))
            found += _commands(command, (*prefix, name))
    return found


def test_every_command_is_in_the_readme() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 30  # the walk found the command groups' commands too
    assert [c for c in commands if f"veille {c}" not in README] == []


def _read_in_code() -> set[str]:
    names = set()
    for folder in ("veille", "flows"):
        for path in (REPO / folder).rglob("*.py"):
            names |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_environment_variable_is_declared_once_and_documented() -> None:
    declared = {v.name for v in environment.VARIABLES}
    assert len(declared) == len(environment.VARIABLES)
    by_file = {f"{v.name}_FILE" for v in environment.VARIABLES if v.from_file}
    undeclared = _read_in_code() - declared - by_file
    assert undeclared == set()
    assert [n for n in sorted(declared) if f"| `{n}` |" not in README] == []
    assert [n for n in sorted(by_file) if f"`{n}`" not in README] == []


def test_yes_no_words_are_read_the_same_everywhere() -> None:
    assert [environment.yes_no(w) for w in ("1", " Oui ", "on", "0", "NON", "", "peut-être")] == [
        True, True, True, False, False, False, None,
    ]  # fmt: skip


def test_the_readme_map_names_every_module() -> None:
    block = README.split("## How it works", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"^((?:veille|flows)/[\w/]+(?:\.py|/))", block, re.M))
    folder = ""
    for line in block.splitlines():  # a sub-package's modules: indented lines under it
        if re.match(r"^(?:veille|flows)/\w+/", line):
            folder = line.split()[0]
        elif match := re.match(r"^  (\w+\.py) ", line):
            named.add(folder + match.group(1))
        elif not line.startswith(" "):
            folder = ""
    wanted = set()
    for root in ("veille", "flows"):
        for path in (REPO / root).rglob("*.py"):
            relative = path.relative_to(REPO)
            parts = relative.parts
            if len(parts) > 2:  # a sub-package: one line for its folder, one per module
                wanted.add("/".join(parts[:2]) + "/")
                if path.name != "__init__.py":
                    wanted.add(str(relative))
            elif path.name != "__init__.py":
                wanted.add(str(relative))
    assert sorted(wanted - named) == []
    gone = named - wanted - {"flows/"}
    assert sorted(p for p in gone if not p.endswith("__init__.py")) == []  # a module gone
