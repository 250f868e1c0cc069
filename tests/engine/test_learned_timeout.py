"""The learner's timeout for adaptive areas: bounds, precedence, persistence and reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    OccupancyEngine,
    SensorConfig,
    SensorRole,
    StrategyKind,
    TimeoutPolicy,
)

PIR = "binary_sensor.bedroom_motion"
T0 = datetime(2026, 1, 5, 22, tzinfo=UTC)


def engine(kind: StrategyKind = StrategyKind.ADAPTIVE) -> OccupancyEngine:
    policy = TimeoutPolicy(kind=kind, min_timeout=60, max_timeout=4 * 3600)
    area = AreaConfig(
        "bedroom", (SensorConfig(PIR, SensorRole.TRIGGER),), timeout=300, policy=policy
    )
    return OccupancyEngine([area])


def test_learned_timeout_wins_over_the_mean_rule_within_bounds() -> None:
    e = engine()
    e.learn_session("bedroom", 400)
    assert e.state("bedroom", T0).timeout == 800

    e.set_learned_timeout("bedroom", 3 * 3600, T0)
    assert e.state("bedroom", T0).timeout == 3 * 3600

    e.set_learned_timeout("bedroom", 10, T0)
    assert e.state("bedroom", T0).timeout == 60  # min bound

    e.set_learned_timeout("bedroom", None, T0)
    assert e.state("bedroom", T0).timeout == 800


def test_learned_timeout_ends_the_session() -> None:
    e = engine()
    e.set_learned_timeout("bedroom", 2 * 3600, T0)
    e.handle(Event(PIR, on=True), T0)
    e.handle(Event(PIR, on=False), T0 + timedelta(seconds=5))

    assert e.next_wakeup() == T0 + timedelta(seconds=5, hours=2)
    assert e.tick(T0 + timedelta(hours=1)).transitions == ()
    assert not e.tick(T0 + timedelta(hours=2, seconds=5)).transitions[0].occupied


def test_fixed_area_ignores_learned_timeout() -> None:
    e = engine(StrategyKind.FIXED)
    e.set_learned_timeout("bedroom", 3600, T0)
    assert e.state("bedroom", T0).timeout == 300


def test_learned_timeout_survives_restore_and_reset_forgets_it() -> None:
    e = engine()
    e.learn_session("bedroom", 400)
    e.set_learned_timeout("bedroom", 1800, T0)
    snapshot = e.export(T0)

    restored = engine()
    restored.restore(snapshot, T0, set(), set())
    assert restored.state("bedroom", T0).timeout == 1800

    restored.reset_learning("bedroom")
    assert restored.state("bedroom", T0).timeout == 300  # nothing learned: the base


def test_negative_learned_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        engine().set_learned_timeout("bedroom", -1, T0)
