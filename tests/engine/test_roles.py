"""Sensor roles (vacancy, door / wasp in a box), per-role timeouts, grace period, stuck sensors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    OccupancyEngine,
    Reason,
    SensorConfig,
    SensorRole,
    StuckChange,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PIR = "binary_sensor.bath_motion"
MMWAVE = "binary_sensor.bath_presence"
LEFT = "binary_sensor.bath_left"
DOOR = "binary_sensor.bath_door"
HALL_PIR = "binary_sensor.hall_motion"


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def on(source: str) -> Event:
    return Event(source, on=True)


def off(source: str) -> Event:
    return Event(source, on=False)


def bath(**kwargs: object) -> AreaConfig:
    sensors = (
        SensorConfig(PIR, SensorRole.TRIGGER),
        SensorConfig(MMWAVE, SensorRole.SUSTAIN),
        SensorConfig(LEFT, SensorRole.VACANCY),
        SensorConfig(DOOR, SensorRole.DOOR, starts_occupancy=False),
    )
    return AreaConfig("bath", sensors, **kwargs)  # type: ignore[arg-type]


HALL = AreaConfig("hall", (SensorConfig(HALL_PIR, SensorRole.TRIGGER),), timeout=60)


def test_vacancy_signal_ends_occupancy_at_once() -> None:
    engine = OccupancyEngine([bath()])
    engine.handle(on(PIR), at(0))
    result = engine.handle(on(LEFT), at(30))
    assert [(t.occupied, t.reason, t.at, t.duration) for t in result.transitions] == [
        (False, Reason.VACANCY_SIGNAL, at(30), 30.0)
    ]
    assert result.next_wakeup is None or result.next_wakeup > at(30)
    # The motion sensor that was still on does not re-occupy until it changes.
    assert engine.handle(off(PIR), at(40)).transitions == ()
    assert engine.handle(on(PIR), at(50)).transitions[0].occupied


def test_vacancy_signal_while_vacant_does_nothing() -> None:
    engine = OccupancyEngine([bath()])
    assert engine.handle(on(LEFT), at(0)).transitions == ()


def test_role_timeout_presence_trailing() -> None:
    """Presence trailing 30 s while motion keeps 5 min: the later expiry wins."""
    engine = OccupancyEngine([bath(timeout=300, role_timeouts={SensorRole.SUSTAIN: 30})])
    engine.handle(on(MMWAVE), at(0))
    result = engine.handle(off(MMWAVE), at(100))
    assert result.next_wakeup == at(130)
    engine.handle(on(PIR), at(110))
    result = engine.handle(off(PIR), at(120))
    assert result.next_wakeup == at(420)
    assert engine.state("bath").occupied_until == at(420)


def test_sensor_timeout_overrides_role_timeout() -> None:
    sensors = (SensorConfig(PIR, SensorRole.TRIGGER, timeout=10),)
    engine = OccupancyEngine([AreaConfig("bath", sensors, timeout=300)])
    engine.handle(on(PIR), at(0))
    assert engine.handle(off(PIR), at(5)).next_wakeup == at(15)


def test_zero_timeout_ends_with_evidence_cleared() -> None:
    engine = OccupancyEngine([bath(timeout=0)])
    engine.handle(on(PIR), at(0))
    result = engine.handle(off(PIR), at(9))
    assert [(t.reason, t.at) for t in result.transitions] == [(Reason.EVIDENCE_CLEARED, at(9))]


def test_wasp_in_a_box_holds_while_the_door_is_closed() -> None:
    engine = OccupancyEngine([bath(timeout=60, wasp_in_box=True), HALL])
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(5))
    engine.handle(off(DOOR), at(10))  # door closes with someone inside
    engine.handle(on(PIR), at(20))  # motion inside confirms the box
    engine.handle(off(PIR), at(25))
    engine.handle(on(HALL_PIR), at(30))  # motion outside no longer releases a confirmed box
    engine.handle(off(HALL_PIR), at(35))
    assert [t.area_id for t in engine.tick(at(3600)).transitions] == ["hall"]
    assert engine.state("bath").occupied
    assert engine.state("bath").active_sensors == (f"door:{DOOR}",)
    result = engine.handle(on(DOOR), at(4000))  # door opens: the timeout runs from now
    assert result.next_wakeup == at(4060)
    vacated = engine.tick(at(4060)).transitions
    assert [(t.area_id, t.occupied, t.reason) for t in vacated] == [("bath", False, Reason.TIMEOUT)]


def test_wasp_box_released_by_motion_elsewhere_first() -> None:
    """The occupant left before the door closed: motion outside (none inside) releases it."""
    engine = OccupancyEngine([bath(timeout=60, wasp_in_box=True), HALL])
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(5))
    engine.handle(off(DOOR), at(10))
    engine.handle(on(HALL_PIR), at(15))
    result = engine.tick(at(65))
    assert [(t.area_id, t.occupied) for t in result.transitions] == [("bath", False)]


def test_door_without_wasp_mode_is_only_a_boundary() -> None:
    engine = OccupancyEngine([bath(timeout=60)])
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(5))
    engine.handle(off(DOOR), at(10))
    assert [t.occupied for t in engine.tick(at(65)).transitions] == [False]


def test_door_that_starts_occupancy() -> None:
    sensors = (SensorConfig(DOOR, SensorRole.DOOR, starts_occupancy=True),)
    engine = OccupancyEngine([AreaConfig("garage", sensors, timeout=120)])
    result = engine.handle(on(DOOR), at(0))
    assert [(t.occupied, t.reason) for t in result.transitions] == [(True, Reason.DOOR)]
    assert result.next_wakeup == at(120)


def test_grace_period_ignores_a_short_burst() -> None:
    engine = OccupancyEngine([bath(grace_period=10)])
    assert engine.handle(on(PIR), at(0)).transitions == ()
    assert engine.handle(off(PIR), at(2)).transitions == ()
    assert engine.tick(at(10)).transitions == ()
    assert not engine.state("bath").occupied


def test_grace_period_confirmed_by_a_second_event() -> None:
    engine = OccupancyEngine([bath(grace_period=10)])
    engine.handle(on(PIR), at(0))
    engine.handle(off(PIR), at(2))
    result = engine.handle(on(PIR), at(4))
    assert [(t.occupied, t.at) for t in result.transitions] == [(True, at(4))]
    assert engine.state("bath").since == at(0)


def test_grace_period_confirmed_by_a_long_burst() -> None:
    engine = OccupancyEngine([bath(grace_period=10)])
    engine.handle(on(PIR), at(0))
    result = engine.tick(at(10))
    assert [(t.occupied, t.at, t.reason) for t in result.transitions] == [
        (True, at(10), Reason.TRIGGER)
    ]
    assert engine.state("bath").since == at(0)


def test_stuck_sustain_is_flagged_and_stops_holding() -> None:
    engine = OccupancyEngine([bath(timeout=300, stuck_sustain_after=3600)])
    engine.handle(on(MMWAVE), at(0))
    result = engine.tick(at(3600))
    assert result.stuck == (StuckChange(MMWAVE, "bath", stuck=True, at=at(3600)),)
    assert engine.state("bath").stuck_sensors == (MMWAVE,)
    assert [(t.occupied, t.at) for t in engine.tick(at(3900)).transitions] == [(False, at(3900))]
    recovered = engine.handle(off(MMWAVE), at(4000))
    assert recovered.stuck == (StuckChange(MMWAVE, "bath", stuck=False, at=at(4000)),)
    assert engine.state("bath").stuck_sensors == ()


def test_stuck_trigger_after_ten_timeouts() -> None:
    engine = OccupancyEngine([bath(timeout=600)])
    engine.handle(on(PIR), at(0))
    assert engine.tick(at(5999)).stuck == ()
    assert engine.tick(at(6000)).stuck == (StuckChange(PIR, "bath", stuck=True, at=at(6000)),)


def test_stuck_trigger_never_before_an_hour() -> None:
    engine = OccupancyEngine([bath(timeout=60)])
    engine.handle(on(PIR), at(0))
    assert engine.tick(at(3599)).stuck == ()
    assert engine.tick(at(3600)).stuck == (StuckChange(PIR, "bath", stuck=True, at=at(3600)),)


def test_toggling_trigger_is_not_stuck() -> None:
    engine = OccupancyEngine([bath(timeout=60)])
    for minute in range(20):
        engine.handle(on(PIR), at(minute * 60))
        result = engine.handle(off(PIR), at(minute * 60 + 30))
        assert result.stuck == ()
    assert engine.tick(at(1230)).stuck == ()


def test_stuck_detection_can_be_off() -> None:
    engine = OccupancyEngine([bath(stuck_trigger_timeouts=0, stuck_sustain_after=None)])
    engine.handle(on(PIR), at(0))
    assert engine.next_wakeup() is None
