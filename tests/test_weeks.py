from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.errors import ConfigError
from veille.weeks import letter_week, parse_week, week_bounds, week_name

pytestmark = pytest.mark.clock  # date-sensitive: .ci/run runs it at three awkward moments


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


@pytest.mark.parametrize(
    ("moment", "letter"),
    [
        ("2026-11-23T00:30:00+01:00", "2026-W47"),  # Monday 00:30 in Paris, Sunday in UTC
        ("2026-11-22T23:59:00+01:00", "2026-W46"),  # Sunday night: still last week's letter
        ("2026-12-31T23:30:00+01:00", "2026-W52"),  # 2026 has a week 53
        ("2027-01-04T00:30:00+01:00", "2026-W53"),  # the first Monday of 2027
        ("2027-03-28T03:30:00+02:00", "2027-W11"),  # the night the clocks go forward
        ("2027-03-29T00:30:00+02:00", "2027-W12"),  # the Monday after: W12 lasted 167 hours
        ("2026-10-26T00:30:00+01:00", "2026-W43"),  # the Monday after the clocks go back
    ],
)
def test_the_letter_week_at_awkward_moments(moment: str, letter: str) -> None:
    assert letter_week(datetime.fromisoformat(moment), "Europe/Paris") == letter


@given(st.datetimes(min_value=datetime(2000, 1, 3), max_value=datetime(2090, 1, 1)))
def test_the_letter_week_is_the_week_before_in_paris(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC)
    start, _ = week_bounds(week_name(moment))  # this week's Monday 00:00 in Paris
    assert letter_week(moment) == week_name(start - timedelta(minutes=1))
