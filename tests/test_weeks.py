from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.errors import ConfigError
from veille.weeks import parse_week, week_bounds, week_name


def test_iso_year_not_calendar_year() -> None:
    # %Y-W%V would call this 2024-W01 and overwrite the first digest of 2024.
    assert week_name(datetime(2024, 12, 31, 12, tzinfo=UTC)) == "2025-W01"
    assert week_name(datetime(2027, 1, 1, 12, tzinfo=UTC)) == "2026-W53"


def test_week_bounds_in_paris_time() -> None:
    start, end = week_bounds("2026-W46")
    assert start == datetime(2026, 11, 8, 23, 0, tzinfo=UTC)  # Monday 00:00 in Paris (UTC+1)
    assert end - start == timedelta(days=7)


def test_dst_week_lasts_167_hours() -> None:
    start, end = week_bounds("2025-W13")  # the week of 2025-03-30, when clocks go forward
    assert end - start == timedelta(hours=167)


@pytest.mark.parametrize("bad", ["2026-46", "2026W46", "W46", "2026-W54", "2025-W53", ""])
def test_bad_week_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"2026-W46|n’existe pas"):
        parse_week(bad)


@given(st.datetimes(min_value=datetime(2000, 1, 3), max_value=datetime(2090, 1, 1)))
def test_every_moment_is_in_exactly_its_week(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC)
    name = week_name(moment)
    start, end = week_bounds(name)
    assert start <= moment < end
