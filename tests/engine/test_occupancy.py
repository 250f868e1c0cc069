"""Behaviour of the occupancy engine: transitions, timers and next_wakeup for literal datetimes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    OccupancyEngine,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    SnapshotError,
    StuckChange,
    Transition,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

PIR = "binary_sensor.kitchen_motion"
PIR_2 = "binary_sensor.kitchen_motion_2"
PRESENCE = "binary_sensor.kitchen_presence"
BED = "binary_sensor.bedroom_bed_mat"
HALL_PIR = "binary_sensor.hall_motion"
DOOR_PIR = "binary_sensor.hall_kitchen_motion"
UNKNOWN = "binary_sensor.garage_motion"


def area(area_id: str, *sensors: SensorConfig, timeout: float) -> AreaConfig:
    """An area without stuck-sensor detection, so next_wakeup reflects occupancy timers only."""
    return AreaConfig(
        area_id, sensors, timeout=timeout, stuck_sustain_after=None, stuck_trigger_timeouts=0
    )


KITCHEN = area(
    "kitchen",
    SensorConfig(PIR, SensorRole.TRIGGER),
    SensorConfig(PIR_2, SensorRole.TRIGGER),
    SensorConfig(PRESENCE, SensorRole.SUSTAIN, starts_occupancy=False),
    SensorConfig(DOOR_PIR, SensorRole.TRIGGER),
    timeout=300,
)
HALL = area(
    "hall",
    SensorConfig(HALL_PIR, SensorRole.TRIGGER),
    SensorConfig(DOOR_PIR, SensorRole.TRIGGER),
    timeout=60,
)
BEDROOM = area("bedroom", SensorConfig(BED, SensorRole.SUSTAIN), timeout=120)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the package-wide autouse fixture: engine tests run without a `hass` instance."""


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def on(source: str) -> Event:
    return Event(source, on=True)


def off(source: str) -> Event:
    return Event(source, on=False)


def occupied(area: str, seconds: float, reason: Reason, source: str) -> Transition:
    return Transition(area, occupied=True, at=at(seconds), reason=reason, source=source)


def vacant(
    area: str, seconds: float, source: str | None, duration: float | None, reason: Reason
) -> Transition:
    return Transition(
        area, occupied=False, at=at(seconds), reason=reason, source=source, duration=duration
    )


@pytest.fixture
def engine() -> OccupancyEngine:
    return OccupancyEngine([KITCHEN, HALL, BEDROOM])


# Starting, holding and timing out


def test_all_areas_start_vacant(engine: OccupancyEngine) -> None:
    for state in engine.states().values():
        assert not state.occupied
        assert state.reason is None
        assert state.since is None
        assert state.occupied_until is None
    assert engine.next_wakeup() is None


def test_trigger_on_starts_occupancy(engine: OccupancyEngine) -> None:
    result = engine.handle(on(PIR), at(0))

    assert result == Result((occupied("kitchen", 0, Reason.TRIGGER, PIR),), None)
    state = engine.state("kitchen")
    assert state.occupied
    assert state.reason is Reason.TRIGGER
    assert state.since == at(0)
    assert state.occupied_until is None
    assert state.active_sensors == (PIR,)
    assert state.last_sensor == PIR
    assert not engine.state("hall").occupied


def test_area_is_held_while_a_sensor_is_on(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))

    assert engine.tick(at(86_400)) == Result()
    assert engine.handle(on(PIR_2), at(90_000)) == Result()
    assert engine.state("kitchen").occupied
    assert engine.state("kitchen").since == at(0)


def test_timeout_counts_from_the_last_sensor_off(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(on(PIR_2), at(10))

    assert engine.handle(off(PIR_2), at(20)) == Result()
    assert engine.state("kitchen").occupied_until is None

    assert engine.handle(off(PIR), at(30)) == Result((), at(330))
    state = engine.state("kitchen")
    assert state.occupied
    assert state.occupied_until == at(330)
    assert state.last_sensor == PIR

    assert engine.tick(at(329)) == Result((), at(330))
    assert engine.tick(at(330)) == Result(
        (vacant("kitchen", 330, PIR, 330.0, Reason.TIMEOUT),), None
    )
    state = engine.state("kitchen")
    assert not state.occupied
    assert state.reason is Reason.TIMEOUT
    assert state.since == at(330)
    assert state.occupied_until is None
    assert state.active_sensors == ()


def test_redetection_cancels_the_timer(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    assert engine.handle(off(PIR), at(10)) == Result((), at(310))

    assert engine.handle(on(PIR), at(100)) == Result((), None)
    assert engine.state("kitchen").occupied_until is None
    assert engine.tick(at(310)) == Result()
    assert engine.state("kitchen").occupied

    assert engine.handle(off(PIR), at(200)) == Result((), at(500))
    assert engine.tick(at(499)) == Result((), at(500))
    assert engine.tick(at(500)) == Result(
        (vacant("kitchen", 500, PIR, 500.0, Reason.TIMEOUT),), None
    )


def test_redetection_moves_next_wakeup_to_the_next_timer(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(on(HALL_PIR), at(0))
    engine.handle(off(HALL_PIR), at(10))
    assert engine.handle(off(PIR), at(20)) == Result((), at(70))

    assert engine.handle(on(HALL_PIR), at(30)) == Result((), at(320))
    assert engine.state("hall").occupied_until is None
    assert engine.state("kitchen").occupied_until == at(320)


def test_redetection_by_another_sensor_of_the_area_cancels_the_timer(
    engine: OccupancyEngine,
) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    assert engine.handle(on(PIR_2), at(20)) == Result()
    assert engine.state("kitchen").last_sensor == PIR_2
    assert engine.handle(off(PIR_2), at(40)) == Result((), at(340))
    assert engine.tick(at(340)).transitions == (
        vacant("kitchen", 340, PIR_2, 340.0, Reason.TIMEOUT),
    )


# Sustain sensors


def test_sustain_that_may_start_occupancy(engine: OccupancyEngine) -> None:
    assert engine.handle(on(BED), at(0)) == Result(
        (occupied("bedroom", 0, Reason.SUSTAIN, BED),), None
    )
    assert engine.state("bedroom").reason is Reason.SUSTAIN

    assert engine.handle(off(BED), at(3600)) == Result((), at(3720))
    assert engine.tick(at(3720)).transitions == (
        vacant("bedroom", 3720, BED, 3720.0, Reason.TIMEOUT),
    )


def test_sustain_that_may_not_start_occupancy(engine: OccupancyEngine) -> None:
    assert engine.handle(on(PRESENCE), at(0)) == Result()

    state = engine.state("kitchen")
    assert not state.occupied
    assert state.active_sensors == (PRESENCE,)
    assert engine.handle(off(PRESENCE), at(10)) == Result()
    assert engine.state("kitchen").active_sensors == ()


def test_sustain_holds_an_area_a_trigger_started(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    assert engine.handle(on(PRESENCE), at(60)) == Result()

    assert engine.handle(off(PIR), at(90)) == Result()
    assert engine.tick(at(5000)) == Result()
    assert engine.state("kitchen").active_sensors == (PRESENCE,)

    assert engine.handle(off(PRESENCE), at(6000)) == Result((), at(6300))
    assert engine.tick(at(6300)).transitions == (
        vacant("kitchen", 6300, PRESENCE, 6300.0, Reason.TIMEOUT),
    )


def test_sustain_on_before_occupancy_holds_once_a_trigger_starts_it(
    engine: OccupancyEngine,
) -> None:
    engine.handle(on(PRESENCE), at(0))
    assert engine.handle(on(PIR), at(10)).transitions == (
        occupied("kitchen", 10, Reason.TRIGGER, PIR),
    )

    assert engine.handle(off(PIR), at(20)) == Result()
    assert engine.handle(off(PRESENCE), at(100)) == Result((), at(400))


def test_sustain_that_may_not_start_extends_a_running_timer(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    assert engine.handle(on(PRESENCE), at(200)) == Result()
    assert engine.tick(at(310)) == Result()
    assert engine.state("kitchen").occupied


# Sources


def test_sensor_in_two_areas(engine: OccupancyEngine) -> None:
    assert engine.handle(on(DOOR_PIR), at(0)) == Result(
        (
            occupied("kitchen", 0, Reason.TRIGGER, DOOR_PIR),
            occupied("hall", 0, Reason.TRIGGER, DOOR_PIR),
        ),
        None,
    )

    assert engine.handle(off(DOOR_PIR), at(10)) == Result((), at(70))
    assert engine.tick(at(70)) == Result(
        (vacant("hall", 70, DOOR_PIR, 70.0, Reason.TIMEOUT),), at(310)
    )
    assert engine.tick(at(310)) == Result(
        (vacant("kitchen", 310, DOOR_PIR, 310.0, Reason.TIMEOUT),), None
    )


def test_shared_sensor_extends_an_area_that_another_sensor_started(
    engine: OccupancyEngine,
) -> None:
    engine.handle(on(PIR), at(0))
    assert engine.handle(on(DOOR_PIR), at(5)).transitions == (
        occupied("hall", 5, Reason.TRIGGER, DOOR_PIR),
    )


def test_sources_lists_every_sensor_once(engine: OccupancyEngine) -> None:
    assert engine.sources == {PIR, PIR_2, PRESENCE, DOOR_PIR, HALL_PIR, BED}


def test_unknown_source_is_ignored(engine: OccupancyEngine) -> None:
    before = engine.states()

    assert engine.handle(on(UNKNOWN), at(0)) == Result()
    assert engine.handle(off(UNKNOWN), at(1)) == Result()
    assert engine.states() == before


def test_off_without_on_is_ignored(engine: OccupancyEngine) -> None:
    assert engine.handle(off(PIR), at(0)) == Result()
    assert engine.state("kitchen") == OccupancyEngine([KITCHEN]).state("kitchen")


def test_off_of_a_sensor_that_never_turned_on_keeps_the_hold(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))

    assert engine.handle(off(PIR_2), at(10)) == Result()
    assert engine.state("kitchen").occupied_until is None


def test_repeated_on_and_off_are_idempotent(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    assert engine.handle(on(PIR), at(5)) == Result()
    assert engine.handle(off(PIR), at(10)) == Result((), at(310))
    assert engine.handle(off(PIR), at(20)) == Result((), at(310))


# Time


def test_default_stuck_detection_wakes_the_host_while_a_trigger_holds() -> None:
    engine = OccupancyEngine([AreaConfig("kitchen", (SensorConfig(PIR, SensorRole.TRIGGER),))])
    engine.handle(on(PIR), at(0))

    assert engine.next_wakeup() == at(3600)
    assert engine.tick(at(3600)) == Result(
        (), at(3900), (StuckChange(PIR, "kitchen", stuck=True, at=at(3600)),)
    )
    assert engine.tick(at(3900)).transitions == (
        vacant("kitchen", 3900, PIR, 3900.0, Reason.TIMEOUT),
    )


@pytest.mark.parametrize(
    ("tick_at", "expected"),
    [
        pytest.param(309.999999, Result((), at(310)), id="before"),
        pytest.param(
            310, Result((vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),), None), id="at"
        ),
        pytest.param(
            5000, Result((vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),), None), id="after"
        ),
    ],
)
def test_tick_around_expiry(engine: OccupancyEngine, tick_at: float, expected: Result) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    assert engine.tick(at(tick_at)) == expected


def test_tick_without_timers_does_nothing(engine: OccupancyEngine) -> None:
    assert engine.tick(at(0)) == Result()


def test_late_tick_expires_in_time_order(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(on(HALL_PIR), at(0))
    engine.handle(off(PIR), at(10))
    engine.handle(off(HALL_PIR), at(100))

    assert engine.tick(at(1000)).transitions == (
        vacant("hall", 160, HALL_PIR, 160.0, Reason.TIMEOUT),
        vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),
    )


def test_handle_after_a_missed_tick_expires_first_then_applies_the_event(
    engine: OccupancyEngine,
) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    assert engine.handle(on(PIR), at(400)) == Result(
        (
            vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),
            occupied("kitchen", 400, Reason.TRIGGER, PIR),
        ),
        None,
    )
    assert engine.state("kitchen").since == at(400)


def test_any_event_expires_due_timers(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    assert engine.handle(on(UNKNOWN), at(310)) == Result(
        (vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),), None
    )


def test_zero_timeout_ends_occupancy_when_the_evidence_clears() -> None:
    engine = OccupancyEngine([area("hall", SensorConfig(HALL_PIR, SensorRole.TRIGGER), timeout=0)])
    engine.handle(on(HALL_PIR), at(0))

    assert engine.handle(off(HALL_PIR), at(5)) == Result(
        (vacant("hall", 5, HALL_PIR, 5.0, Reason.EVIDENCE_CLEARED),), None
    )
    assert not engine.state("hall").occupied


def test_fractional_timeout_keeps_microseconds() -> None:
    engine = OccupancyEngine(
        [area("hall", SensorConfig(HALL_PIR, SensorRole.TRIGGER), timeout=0.25)]
    )
    engine.handle(on(HALL_PIR), at(0))

    assert engine.handle(off(HALL_PIR), at(1)) == Result((), at(1.25))


# Construction and views


def test_duplicate_area_id_raises() -> None:
    with pytest.raises(ValueError, match="duplicate area_id 'kitchen'"):
        OccupancyEngine([KITCHEN, AreaConfig("kitchen")])


def test_engine_without_areas() -> None:
    engine = OccupancyEngine([])
    assert engine.states() == {}
    assert engine.handle(on(PIR), at(0)) == Result()


def test_state_of_an_unknown_area_raises_key_error(engine: OccupancyEngine) -> None:
    with pytest.raises(KeyError):
        engine.state("garage")


def test_states_view_every_area_in_config_order(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))

    states = engine.states()
    assert list(states) == ["kitchen", "hall", "bedroom"]
    assert states == {area_id: engine.state(area_id) for area_id in states}
    assert states["kitchen"].occupied_until == at(310)
    assert states["kitchen"].timeout == 300
    assert states["hall"].timeout == 60


def test_states_are_a_copy(engine: OccupancyEngine) -> None:
    before = engine.states()
    engine.handle(on(PIR), at(0))

    assert not before["kitchen"].occupied
    assert engine.states()["kitchen"].occupied


# Export


def test_export_is_json_safe(engine: OccupancyEngine) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))
    engine.handle(on(BED), at(20))
    engine.handle(on(HALL_PIR), at(30))
    engine.handle(off(HALL_PIR), at(40))
    engine.handle(on(PRESENCE), at(50))
    engine.tick(at(100))

    snapshot = engine.export(at(200))

    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["saved_at"] == "2026-01-05T08:03:20+00:00"
    assert set(snapshot["areas"]) == {"kitchen", "hall", "bedroom"}


def test_export_of_a_fresh_engine_is_json_safe(engine: OccupancyEngine) -> None:
    snapshot = engine.export(at(0))

    assert json.loads(json.dumps(snapshot)) == snapshot


# Restore

SAVED_AT = "2026-01-05T08:03:20+00:00"
UNTIL = "2026-01-05T08:05:10+00:00"


def restored(
    snapshot: dict[str, Any],
    seconds: float,
    on_sources: tuple[str, ...] = (),
    unknown_sources: tuple[str, ...] = (),
) -> tuple[OccupancyEngine, Result]:
    """A fresh engine restored from a JSON round trip of `snapshot` at T0 + `seconds`."""
    engine = OccupancyEngine([KITCHEN, HALL, BEDROOM])
    result = engine.restore(
        json.loads(json.dumps(snapshot)), at(seconds), on_sources, unknown_sources
    )
    return engine, result


@pytest.fixture
def timer_snapshot(engine: OccupancyEngine) -> dict[str, Any]:
    """Kitchen occupied from 0 with its timer running until 310, saved at 200."""
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))
    return engine.export(at(200))


@pytest.fixture
def held_snapshot(engine: OccupancyEngine) -> dict[str, Any]:
    """Kitchen occupied from 0 and held by PIR, saved at 200."""
    engine.handle(on(PIR), at(0))
    return engine.export(at(200))


def test_restore_keeps_the_remaining_time_of_a_running_timer(
    timer_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(timer_snapshot, 250)

    assert result == Result((), at(310))
    state = engine.state("kitchen")
    assert state.occupied
    assert state.reason is Reason.TRIGGER
    assert state.since == at(0)
    assert state.occupied_until == at(310)
    assert state.last_sensor == PIR
    assert engine.tick(at(310)).transitions == (vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),)


def test_restore_ends_a_timer_that_ran_out_during_downtime(
    timer_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(timer_snapshot, 1000)

    assert result == Result((vacant("kitchen", 310, PIR, 310.0, Reason.RESTART_EXPIRED),), None)
    state = engine.state("kitchen")
    assert not state.occupied
    assert state.reason is Reason.RESTART_EXPIRED
    assert state.since == at(310)


def test_restore_at_the_expiry_time_expires(timer_snapshot: dict[str, Any]) -> None:
    _, result = restored(timer_snapshot, 310)

    assert result.transitions == (vacant("kitchen", 310, PIR, 310.0, Reason.RESTART_EXPIRED),)


def test_restore_held_area_with_its_sensor_still_on_stays_occupied(
    held_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(held_snapshot, 5000, on_sources=(PIR,))

    assert result == Result()
    state = engine.state("kitchen")
    assert state.occupied
    assert state.since == at(0)
    assert state.occupied_until is None
    assert state.active_sensors == (PIR,)
    assert engine.handle(off(PIR), at(6000)) == Result((), at(6300))


def test_restore_held_area_with_its_sensor_now_off_times_out_from_saved_at(
    held_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(held_snapshot, 300)

    assert result == Result((), at(500))
    assert engine.state("kitchen").occupied_until == at(500)
    assert engine.state("kitchen").active_sensors == ()


def test_restore_held_area_with_its_sensor_now_off_expired_during_downtime(
    held_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(held_snapshot, 600)

    assert result == Result((vacant("kitchen", 500, PIR, 500.0, Reason.RESTART_EXPIRED),), None)
    assert not engine.state("kitchen").occupied


def test_restore_held_area_ignores_a_stored_until(held_snapshot: dict[str, Any]) -> None:
    held_snapshot["areas"]["kitchen"]["until"] = at(100_000).isoformat()

    _, result = restored(held_snapshot, 300)

    assert result.next_wakeup == at(500)


def test_restore_held_area_with_its_sensor_unknown_keeps_the_hold(
    held_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(held_snapshot, 5000, unknown_sources=(PIR,))

    assert result == Result()
    state = engine.state("kitchen")
    assert state.occupied
    assert state.occupied_until is None
    assert state.active_sensors == (PIR,)
    assert engine.handle(off(PIR), at(6000)) == Result((), at(6300))


def test_restore_unknown_sensor_keeps_only_its_own_part_of_the_hold(
    engine: OccupancyEngine,
) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(on(PRESENCE), at(10))

    restored_engine, result = restored(engine.export(at(200)), 300, unknown_sources=(PRESENCE,))

    assert result == Result()
    assert restored_engine.state("kitchen").active_sensors == (PRESENCE,)
    assert restored_engine.handle(off(PRESENCE), at(400)) == Result((), at(700))


@pytest.mark.parametrize(
    "unknown_sources",
    [pytest.param((PIR_2,), id="not-active-at-saved_at"), pytest.param((), id="none")],
)
def test_restore_unknown_sensor_that_was_not_holding_changes_nothing(
    held_snapshot: dict[str, Any], unknown_sources: tuple[str, ...]
) -> None:
    engine, result = restored(held_snapshot, 300, unknown_sources=unknown_sources)

    assert result == Result((), at(500))
    assert engine.state("kitchen").active_sensors == ()


def test_restore_unknown_sensor_of_a_running_timer_changes_nothing(
    timer_snapshot: dict[str, Any],
) -> None:
    _, result = restored(timer_snapshot, 250, unknown_sources=(PIR,))

    assert result == Result((), at(310))


@pytest.mark.parametrize(
    "active_sensors",
    [
        pytest.param(None, id="missing"),
        pytest.param(PIR, id="string"),
        pytest.param({PIR: True}, id="mapping"),
        pytest.param([42, None], id="not-strings"),
    ],
)
def test_restore_malformed_active_sensors_fall_back_to_the_timeout(
    held_snapshot: dict[str, Any], active_sensors: object
) -> None:
    held_snapshot["areas"]["kitchen"]["active"] = active_sensors

    engine, result = restored(held_snapshot, 300, unknown_sources=(PIR,))

    assert result == Result((), at(500))
    assert engine.state("kitchen").active_sensors == ()


def test_restore_ignores_a_stored_active_sensor_of_another_area(
    held_snapshot: dict[str, Any],
) -> None:
    """A foreign id kept as a hold would hold the area for ever: its off never reaches the area."""
    held_snapshot["areas"]["kitchen"]["active"] = [PIR, HALL_PIR]

    engine, _ = restored(held_snapshot, 300, unknown_sources=(PIR, HALL_PIR))

    assert engine.state("kitchen").active_sensors == (PIR,)


def test_restore_vacant_area_with_a_sensor_on_becomes_occupied(
    engine: OccupancyEngine,
) -> None:
    _, result = restored(engine.export(at(0)), 100, on_sources=(PIR, BED))

    assert sorted(result.transitions, key=lambda t: t.area_id) == [
        occupied("bedroom", 100, Reason.SUSTAIN, BED),
        occupied("kitchen", 100, Reason.TRIGGER, PIR),
    ]
    assert result.next_wakeup is None


def test_restore_vacant_area_with_a_non_starting_sustain_on(engine: OccupancyEngine) -> None:
    restored_engine, result = restored(engine.export(at(0)), 100, on_sources=(PRESENCE,))

    assert result == Result()
    assert restored_engine.state("kitchen").active_sensors == (PRESENCE,)
    assert restored_engine.handle(on(PIR), at(110)).transitions == (
        occupied("kitchen", 110, Reason.TRIGGER, PIR),
    )
    assert restored_engine.handle(off(PIR), at(120)) == Result()


def test_restore_running_timer_with_a_sensor_on_again_holds(
    timer_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(timer_snapshot, 250, on_sources=(PIR_2,))

    assert result == Result()
    assert engine.state("kitchen").occupied_until is None
    assert engine.state("kitchen").since == at(0)


def test_restore_timer_expired_during_downtime_with_a_sensor_on_starts_a_new_session(
    timer_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(timer_snapshot, 1000, on_sources=(PIR,))

    assert result == Result(
        (
            vacant("kitchen", 310, PIR, 310.0, Reason.RESTART_EXPIRED),
            occupied("kitchen", 1000, Reason.TRIGGER, PIR),
        ),
        None,
    )
    assert engine.state("kitchen").since == at(1000)


def test_restore_held_area_whose_holding_sensor_cleared_during_downtime_starts_a_new_session(
    held_snapshot: dict[str, Any],
) -> None:
    engine, result = restored(held_snapshot, 5000, on_sources=(PIR_2,))

    assert result == Result(
        (
            vacant("kitchen", 500, PIR, 500.0, Reason.RESTART_EXPIRED),
            occupied("kitchen", 5000, Reason.TRIGGER, PIR_2),
        ),
        None,
    )
    assert engine.state("kitchen").since == at(5000)


def test_restore_unknown_on_source_is_ignored(engine: OccupancyEngine) -> None:
    _, result = restored(engine.export(at(0)), 100, on_sources=(UNKNOWN,))

    assert result == Result()


def test_restore_replaces_the_current_state(
    engine: OccupancyEngine, timer_snapshot: dict[str, Any]
) -> None:
    fresh = OccupancyEngine([KITCHEN, HALL, BEDROOM])
    fresh.handle(on(HALL_PIR), at(0))
    fresh.handle(on(BED), at(0))
    fresh.handle(off(BED), at(1))

    assert fresh.restore(timer_snapshot, at(250)) == Result((), at(310))
    assert not fresh.state("hall").occupied
    assert fresh.state("hall").active_sensors == ()


def test_restore_missing_area_starts_vacant_and_unknown_area_is_ignored(
    timer_snapshot: dict[str, Any],
) -> None:
    timer_snapshot["areas"]["garage"] = timer_snapshot["areas"].pop("kitchen")

    engine, result = restored(timer_snapshot, 250)

    assert result == Result()
    assert not engine.state("kitchen").occupied
    assert "garage" not in engine.states()


@pytest.mark.parametrize(
    "snapshot",
    [
        pytest.param(None, id="none"),
        pytest.param([], id="list"),
        pytest.param("version 1", id="string"),
        pytest.param({}, id="empty"),
        pytest.param({"version": 0, "saved_at": SAVED_AT, "areas": {}}, id="older-version"),
        pytest.param({"version": 99, "saved_at": SAVED_AT, "areas": {}}, id="newer-version"),
        pytest.param({"version": "2", "saved_at": SAVED_AT, "areas": {}}, id="version-string"),
        pytest.param({"version": 2, "areas": {}}, id="no-saved_at"),
        pytest.param({"version": 2, "saved_at": None, "areas": {}}, id="saved_at-none"),
        pytest.param({"version": 2, "saved_at": "yesterday", "areas": {}}, id="saved_at-garbage"),
        pytest.param(
            {"version": 2, "saved_at": "2026-01-05T08:03:20", "areas": {}}, id="saved_at-naive"
        ),
        pytest.param({"version": 2, "saved_at": SAVED_AT}, id="no-areas"),
        pytest.param({"version": 2, "saved_at": SAVED_AT, "areas": []}, id="areas-list"),
    ],
)
def test_restore_malformed_snapshot_raises_and_changes_nothing(
    engine: OccupancyEngine, snapshot: Any
) -> None:
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(10))
    before = engine.states()

    with pytest.raises(SnapshotError):
        engine.restore(snapshot, at(100), on_sources=(BED,))

    assert engine.states() == before
    assert engine.next_wakeup() == at(310)


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(None, id="none"),
        pytest.param("occupied", id="string"),
        pytest.param([True], id="list"),
        pytest.param({}, id="empty"),
        pytest.param({"occupied": "yes", "own": "yes", "until": UNTIL}, id="yes"),
        pytest.param({"occupied": 1, "own": 1, "until": UNTIL}, id="one"),
    ],
)
def test_restore_unreadable_area_record_starts_that_area_vacant(
    timer_snapshot: dict[str, Any], record: Any
) -> None:
    timer_snapshot["areas"]["hall"] = timer_snapshot["areas"]["kitchen"]
    timer_snapshot["areas"]["kitchen"] = record

    engine, result = restored(timer_snapshot, 250)

    assert result == Result((), at(310))
    assert not engine.state("kitchen").occupied
    assert engine.state("kitchen").occupied_until is None
    assert engine.state("hall").occupied


@pytest.mark.parametrize(
    "until",
    [
        pytest.param(None, id="none"),
        pytest.param("soon", id="garbage"),
        pytest.param(1_767_600_310, id="number"),
        pytest.param("2026-01-05T08:05:10", id="naive"),
    ],
)
def test_restore_occupied_record_without_a_timer_closes_its_session(
    timer_snapshot: dict[str, Any], until: object
) -> None:
    """Occupied but neither held nor timed: vacant at restore, so the host can end the session."""
    timer_snapshot["areas"]["kitchen"] |= {"until": until, "evidence_until": until}

    engine, result = restored(timer_snapshot, 250)

    assert result == Result(
        (
            Transition(
                "kitchen", occupied=False, at=at(250), reason=Reason.RESTART_EXPIRED, duration=250.0
            ),
        ),
        None,
    )
    assert not engine.state("kitchen").occupied


def test_restore_occupied_record_with_only_the_flag(engine: OccupancyEngine) -> None:
    snapshot = {"version": 2, "saved_at": SAVED_AT, "areas": {"kitchen": {"occupied": True}}}

    _, result = restored(snapshot, 250)

    assert result == Result(
        (Transition("kitchen", occupied=False, at=at(250), reason=Reason.RESTART_EXPIRED),), None
    )


def test_restore_reads_a_version_1_snapshot() -> None:
    """The format before the hierarchy: occupied, occupied_until, held, active_sensors."""
    snapshot = {
        "version": 1,
        "saved_at": SAVED_AT,
        "areas": {
            "kitchen": {
                "occupied": True,
                "reason": "trigger",
                "since": "2026-01-05T08:00:00+00:00",
                "occupied_until": UNTIL,
                "held": False,
                "active_sensors": [],
                "last_sensor": PIR,
            },
            "bedroom": {
                "occupied": True,
                "reason": "sustain",
                "since": "2026-01-05T08:00:20+00:00",
                "occupied_until": None,
                "held": True,
                "active_sensors": [BED],
                "last_sensor": BED,
            },
        },
    }

    engine, result = restored(snapshot, 250, unknown_sources=(BED,))

    assert result == Result((), at(310))
    assert engine.state("kitchen").occupied_until == at(310)
    assert engine.state("kitchen").since == at(0)
    assert engine.state("bedroom").active_sensors == (BED,)
    assert engine.tick(at(310)).transitions == (vacant("kitchen", 310, PIR, 310.0, Reason.TIMEOUT),)


def test_restore_tolerates_garbage_in_descriptive_fields(timer_snapshot: dict[str, Any]) -> None:
    """A bad since, reason or last_sensor loses that detail but keeps the area (and privacy) on."""
    timer_snapshot["areas"]["kitchen"] |= {
        "since": "2026-01-05T08:00:00",
        "own_since": "later",
        "reason": "bogus",
        "last_sensor": 42,
    }

    engine, result = restored(timer_snapshot, 250)

    assert result == Result((), at(310))
    state = engine.state("kitchen")
    assert state.occupied
    assert state.since is None
    assert state.reason is None
    assert state.last_sensor is None
    assert engine.tick(at(310)).transitions == (vacant("kitchen", 310, None, None, Reason.TIMEOUT),)


def test_restore_rejects_a_boolean_version(engine: OccupancyEngine) -> None:
    snapshot = engine.export(at(0))
    snapshot["version"] = True  # True == 1 in Python; a snapshot never stores a boolean
    with pytest.raises(SnapshotError):
        engine.restore(snapshot, at(1))
