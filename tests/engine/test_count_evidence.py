"""A people count as occupancy evidence: `OccupancyEngine.set_count` (issue 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    LockMode,
    OccupancyEngine,
    Reason,
    SensorConfig,
    SensorRole,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PIR = "binary_sensor.shop_motion"
KEY = "count:shop"


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def engine(**kwargs: object) -> OccupancyEngine:
    """A shop (timeout 300 s, one PIR) on the home node."""
    shop = AreaConfig(
        "shop",
        (SensorConfig(PIR, SensorRole.TRIGGER),),
        parent="home",
        **kwargs,  # type: ignore[arg-type]
    )
    return OccupancyEngine([AreaConfig("home"), shop])


def test_entry_starts_occupancy_and_count_holds_it() -> None:
    eng = engine()
    result = eng.set_count("shop", 1, at(0))
    assert [(t.area_id, t.occupied, t.reason, t.source) for t in result.transitions] == [
        ("shop", True, Reason.TRIGGER, KEY),
        ("home", True, Reason.CHILD, "shop"),
    ]
    assert result.next_wakeup is None
    assert eng.state("shop").active_sensors == (KEY,)
    # Hours later the count still holds the area: no timer runs.
    assert eng.tick(at(10 * 3600)).transitions == ()
    assert eng.state("shop").occupied


def test_zero_releases_the_hold_with_the_sustain_timeout() -> None:
    eng = engine(role_timeouts={SensorRole.SUSTAIN: 30.0})
    eng.set_count("shop", 2, at(0))
    assert eng.set_count("shop", 1, at(60)).transitions == ()
    result = eng.set_count("shop", 0, at(120))
    assert result.transitions == ()
    assert result.next_wakeup == at(150)
    vacant = eng.tick(at(150)).transitions
    assert [(t.area_id, t.occupied, t.reason) for t in vacant] == [
        ("shop", False, Reason.TIMEOUT),
        ("home", False, Reason.CHILD),
    ]


def test_zero_without_sustain_timeout_uses_the_area_timeout() -> None:
    eng = engine()
    eng.set_count("shop", 1, at(0))
    assert eng.set_count("shop", 0, at(100)).next_wakeup == at(400)


def test_count_keeps_a_motion_occupied_area_after_motion_clears() -> None:
    eng = engine()
    eng.handle(Event(PIR, on=True), at(0))
    assert eng.set_count("shop", 1, at(10)).transitions == ()
    eng.handle(Event(PIR, on=False), at(20))
    assert eng.tick(at(1000)).transitions == ()
    assert eng.state("shop").occupied_until is None


def test_a_fall_above_zero_does_not_start_occupancy() -> None:
    eng = engine()
    eng.set_count("shop", 3, at(0))
    eng.force_vacant("shop", at(10))
    assert not eng.state("shop").occupied
    # The forced vacancy dropped the hold; an exit is no arrival evidence.
    assert eng.set_count("shop", 2, at(20)).transitions == ()
    assert not eng.state("shop").occupied
    # The next entry is.
    assert [t.occupied for t in eng.set_count("shop", 3, at(30)).transitions] == [True, True]


def test_restart_reapplication_does_not_start_but_holds_later_occupancy() -> None:
    eng = engine()
    assert eng.set_count("shop", 2, at(0), starts=False).transitions == ()
    assert not eng.state("shop").occupied
    eng.handle(Event(PIR, on=True), at(5))
    eng.handle(Event(PIR, on=False), at(6))
    # Motion started occupancy; the pending count hold keeps it.
    assert eng.tick(at(2000)).transitions == ()
    assert eng.state("shop").occupied


def test_zero_on_a_vacant_area_is_a_no_op() -> None:
    eng = engine()
    result = eng.set_count("shop", 0, at(0))
    assert result.transitions == ()
    assert result.next_wakeup is None
    eng.set_count("shop", 1, at(1), starts=False)
    assert eng.set_count("shop", 0, at(2)).next_wakeup is None
    assert eng.state("shop").active_sensors == ()


def test_a_block_occupied_lock_keeps_a_counted_area_vacant() -> None:
    eng = engine()
    eng.lock("shop", LockMode.BLOCK_OCCUPIED, at(0))
    assert eng.set_count("shop", 1, at(1)).transitions == ()
    assert not eng.state("shop").occupied


def test_restore_forgets_counts_so_the_host_can_reapply_them() -> None:
    eng = engine()
    eng.set_count("shop", 2, at(0))
    snapshot = eng.export(at(10))
    eng.restore(snapshot, at(20))
    # Still occupied from the snapshot (evidence until saved_at + timeout); re-applying the
    # same count holds it again instead of being ignored as "no change".
    eng.set_count("shop", 2, at(20), starts=False)
    assert eng.state("shop").active_sensors == (KEY,)
    assert eng.tick(at(5000)).transitions == ()


def test_rejects_negative_counts_and_unknown_areas() -> None:
    eng = engine()
    with pytest.raises(ValueError, match="count"):
        eng.set_count("shop", -1, at(0))
    with pytest.raises(KeyError):
        eng.set_count("attic", 1, at(0))
