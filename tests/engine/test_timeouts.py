"""Timeout strategies: fixed, time-of-day rules in local time, adaptive, and bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    OccupancyEngine,
    SensorConfig,
    SensorRole,
    StrategyKind,
    TimeOfDayRule,
    TimeoutPolicy,
)
from custom_components.occupancy_manager.engine.timeouts import (
    RunningMean,
    area_timeout,
    parse_rules,
)

BERLIN = ZoneInfo("Europe/Berlin")
PIR = "binary_sensor.kitchen_motion"
SEED_000 = TimeoutPolicy(
    kind=StrategyKind.TIME_OF_DAY,
    rules=(TimeOfDayRule(22, 6, timeout=180), TimeOfDayRule(7, 9, multiplier=1.5)),
    min_timeout=120,
    max_timeout=600,
)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 5, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(23), 180),  # night rule, wraps past midnight
        (local(3), 180),
        (local(6), 300),  # end hour is exclusive
        (local(8, 30), 450),  # peak x1.5
        (local(12), 300),
    ],
)
def test_time_of_day_rules(when: datetime, expected: float) -> None:
    assert area_timeout(SEED_000, 300, when, None) == expected


def test_bounds_limit_what_strategies_choose() -> None:
    fixed = TimeoutPolicy(min_timeout=120, max_timeout=600)
    assert area_timeout(fixed, 30, local(12), None) == 30  # the user's own number is literal
    night = TimeoutPolicy(
        kind=StrategyKind.TIME_OF_DAY,
        rules=(TimeOfDayRule(0, 24, multiplier=0.1),),
        min_timeout=120,
        max_timeout=600,
    )
    assert area_timeout(night, 300, local(12), None) == 120
    assert area_timeout(night, 30000, local(12), None) == 600
    adaptive = TimeoutPolicy(kind=StrategyKind.ADAPTIVE, min_timeout=120, max_timeout=600)
    assert area_timeout(adaptive, 300, local(12), 1000) == 600
    assert area_timeout(adaptive, 300, local(12), 100) == 200  # 2 x mean (seed 000)
    assert area_timeout(adaptive, 300, local(12), None) == 300  # nothing learned yet


def test_engine_uses_local_time_for_rules() -> None:
    """08:30 Berlin is 07:30 UTC: the peak rule applies in the home's zone, not in UTC."""
    area = AreaConfig("kitchen", (SensorConfig(PIR, SensorRole.TRIGGER),), policy=SEED_000)
    engine = OccupancyEngine([area], tz=BERLIN)
    now = local(8, 30).astimezone(UTC)
    engine.handle(Event(PIR, on=True), now)
    assert engine.handle(Event(PIR, on=False), now).next_wakeup == now + timedelta(seconds=450)


def test_adaptive_learns_from_sessions() -> None:
    policy = TimeoutPolicy(kind=StrategyKind.ADAPTIVE, min_timeout=60, max_timeout=3600)
    area = AreaConfig("kitchen", (SensorConfig(PIR, SensorRole.TRIGGER),), policy=policy)
    engine = OccupancyEngine([area])
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    engine.learn_session("kitchen", 400)
    engine.learn_session("kitchen", 600)
    assert engine.state("kitchen", start).timeout == 1000


def test_running_mean_becomes_moving_average() -> None:
    mean = RunningMean(window=2)
    for value in (100, 200, 400):
        mean.add(value)
    assert mean.mean == 275  # 150 after two, then +(400-150)/2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_hour": 25, "end_hour": 2, "timeout": 1},
        {"start_hour": 1, "end_hour": 2},
        {"start_hour": 1, "end_hour": 2, "timeout": 1, "multiplier": 2},
        {"start_hour": 1, "end_hour": 2, "timeout": -1},
    ],
)
def test_bad_rules_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="rule"):
        TimeOfDayRule(**kwargs)


def test_bad_bounds_raise() -> None:
    with pytest.raises(ValueError, match="min_timeout"):
        TimeoutPolicy(min_timeout=10, max_timeout=5)


def test_parse_rules() -> None:
    text = "# night\n22:00-06:00 3m\n\n7-9:30 x1.5\n12-13 90s\n0-1 1h\n"
    assert parse_rules(text) == (
        TimeOfDayRule(22, 6, timeout=180),
        TimeOfDayRule(7, 9.5, multiplier=1.5),
        TimeOfDayRule(12, 13, timeout=90),
        TimeOfDayRule(0, 1, timeout=3600),
    )


@pytest.mark.parametrize(("text", "line"), [("7-9 fast", "1:"), ("1-2 3m\n25-2 3m", "2:")])
def test_parse_rules_errors_name_the_line(text: str, line: str) -> None:
    with pytest.raises(ValueError, match=f"^{line}"):
        parse_rules(text)
