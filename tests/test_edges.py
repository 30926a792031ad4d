"""Inputs at the edges: YAML bombs, secret files that never end, the ends of the calendar.

Each one used to end in a traceback (MemoryError, RecursionError, OverflowError) or minutes of
work; each is now one clear line. The bombs run in a child with hard limits, so that without
the protection the child hits its limit and the test fails instead of eating the machine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_bounded
from tests.conftest import run_cli as cli
from veille.config import parse_config
from veille.environment import env_secret
from veille.errors import ConfigError
from veille.weeks import LAST_YEAR, adjacent_weeks, parse_day, parse_week

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["sources: [*i]"]
)


def _one_line(code: str, out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert "Traceback" not in out and "Error:" not in lines[0].split(" ", 1)[0], out
    return lines[0]


def test_yaml_billion_laughs_is_one_line_at_once() -> None:
    child = run_bounded(
        "from veille.config import parse_config\n"
        "from veille.errors import ConfigError\n"
        f"text = {BILLION_LAUGHS!r}\n"
        "try:\n"
        "    parse_config(text)\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n",
        memory_mb=700,
        timeout=30,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    line = _one_line("", child.stdout)
    assert "alias" in line


@pytest.mark.slow
def test_deep_yaml_is_one_line() -> None:
    with pytest.raises(ConfigError, match="64") as caught:
        parse_config("sources: " + "[" * 100_000 + "]" * 100_000)
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="64"):
        parse_config("sources:\n" + "".join("  " * i + "- \n" for i in range(200)))


def test_yaml_bomb_at_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources: " + "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = cli(
        capsys, "--config", str(path), "--db", str(tmp_path / "v.duckdb"), "config", "show"
    )
    assert code == 1
    _one_line("", err)


def test_a_secret_file_that_never_ends_is_one_line() -> None:
    child = run_bounded(
        "from veille.environment import env_secret\n"
        "from veille.errors import ConfigError\n"
        "try:\n"
        "    env_secret('VEILLE_SMTP_PASSWORD', {'VEILLE_SMTP_PASSWORD_FILE': '/dev/zero'})\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n",
        memory_mb=700,
        timeout=30,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "/dev/zero" in _one_line("", child.stdout)
    assert env_secret("X", {}) is None


@pytest.mark.parametrize(
    "week", ["0001-W01", "9999-W52", "1899-W52", "２０２６-W４７", "2026-W٤٧", "2026-W47\n2026"]
)
def test_weeks_past_the_calendar_or_not_ascii_are_refused(week: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_week(week)
    assert "\n" not in str(caught.value).replace(week, "")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "２０２６-11-23", "2026-02-30"])
def test_days_past_the_calendar_or_not_ascii_are_refused(day: str) -> None:
    with pytest.raises(ConfigError):
        parse_day(day)


def test_the_last_weeks_have_no_neighbour_past_the_end() -> None:
    assert parse_week("2026-W47") == (2026, 47)
    last = date(LAST_YEAR, 12, 28).strftime("%G-W%V")  # 9998-W53
    assert adjacent_weeks(last)[1] is None and adjacent_weeks(last)[0] is not None
    assert adjacent_weeks("1900-W01") == (None, "1900-W02")
    assert parse_day("2026-11-23").isoformat() == "2026-11-23"
