"""Hierarchy (areas -> floors -> home), follow-parent, locks, overrides and identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    Lock,
    LockMode,
    LockScope,
    NodeKind,
    OccupancyEngine,
    Reason,
    SensorConfig,
    SensorRole,
    Transition,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def pir(area: str) -> str:
    return f"binary_sensor.{area}_motion"


def area(area_id: str, parent: str | None, **kwargs: object) -> AreaConfig:
    sensors = (SensorConfig(pir(area_id), SensorRole.TRIGGER),)
    return AreaConfig(area_id, sensors, timeout=60, parent=parent, **kwargs)  # type: ignore[arg-type]


def home(**overrides: dict[str, object]) -> OccupancyEngine:
    """home <- ground (kitchen, hall, backyard (opt-out)), upstairs (bedroom, closet follows)."""
    kw = {name: overrides.get(name, {}) for name in ("kitchen", "closet", "backyard")}
    return OccupancyEngine(
        [
            AreaConfig("home", kind=NodeKind.HOME),
            AreaConfig("ground", parent="home", kind=NodeKind.FLOOR),
            AreaConfig("upstairs", parent="home", kind=NodeKind.FLOOR),
            area("kitchen", "ground", **kw["kitchen"]),
            area("hall", "ground"),
            area("backyard", "ground", contributes=False, **kw["backyard"]),
            area("bedroom", "upstairs"),
            area("closet", "bedroom", contributes=False, follow_parent=True, **kw["closet"]),
        ]
    )


def pulse(engine: OccupancyEngine, area_id: str, seconds: float) -> list[Transition]:
    out = list(engine.handle(Event(pir(area_id), on=True), at(seconds)).transitions)
    out += engine.handle(Event(pir(area_id), on=False), at(seconds + 1)).transitions
    return out


def occupied(engine: OccupancyEngine) -> set[str]:
    return {a for a, s in engine.states().items() if s.occupied}


def test_child_rolls_up_to_floor_and_home() -> None:
    engine = home()
    transitions = pulse(engine, "kitchen", 0)
    assert [(t.area_id, t.reason, t.source) for t in transitions] == [
        ("kitchen", Reason.TRIGGER, pir("kitchen")),
        ("ground", Reason.CHILD, "kitchen"),
        ("home", Reason.CHILD, "ground"),
    ]
    pulse(engine, "hall", 30)
    result = engine.tick(at(61))
    assert [t.area_id for t in result.transitions] == ["kitchen"]
    result = engine.tick(at(91))
    assert [(t.area_id, t.occupied, t.reason) for t in result.transitions] == [
        ("hall", False, Reason.TIMEOUT),
        ("ground", False, Reason.CHILD),
        ("home", False, Reason.CHILD),
    ]
    assert result.transitions[-1].duration == 91


def test_opted_out_child_does_not_occupy_parent() -> None:
    engine = home()
    pulse(engine, "backyard", 0)
    assert occupied(engine) == {"backyard"}


def test_follow_parent_child_vacates_with_parent() -> None:
    engine = home()
    pulse(engine, "bedroom", 0)
    pulse(engine, "closet", 30)  # closet keeps its own timer until 91
    result = engine.tick(at(61))
    assert [(t.area_id, t.reason) for t in result.transitions] == [
        ("bedroom", Reason.TIMEOUT),
        ("upstairs", Reason.CHILD),
        ("home", Reason.CHILD),
        ("closet", Reason.PARENT),
    ]
    assert engine.next_wakeup() is None


def test_parent_area_with_own_sensors() -> None:
    engine = home()
    pulse(engine, "bedroom", 0)
    assert {"bedroom", "upstairs", "home"} <= occupied(engine)


def test_block_occupied_lock_keeps_vacant_and_expires() -> None:
    engine = home()
    result = engine.lock("kitchen", LockMode.BLOCK_OCCUPIED, at(0), expires=at(100))
    assert result.next_wakeup == at(100)
    assert pulse(engine, "kitchen", 10) == []
    assert engine.state("kitchen").lock == Lock(LockMode.BLOCK_OCCUPIED, LockScope.SELF, at(100))
    engine.handle(Event(pir("kitchen"), on=True), at(50))
    result = engine.tick(at(100))
    assert next((t.area_id, t.occupied, t.reason) for t in result.transitions) == (
        "kitchen",
        True,
        Reason.LOCK,
    )
    assert engine.state("kitchen").lock is None


def test_block_vacant_subtree_lock() -> None:
    engine = home()
    result = engine.lock("upstairs", LockMode.BLOCK_VACANT, at(0), LockScope.SUBTREE)
    assert {t.area_id for t in result.transitions} == {"bedroom", "closet", "upstairs", "home"}
    assert engine.state("closet").lock == Lock(LockMode.BLOCK_VACANT, LockScope.SUBTREE)
    result = engine.unlock("upstairs", at(10))
    assert {(t.area_id, t.occupied) for t in result.transitions} == {
        ("bedroom", False),
        ("closet", False),
        ("upstairs", False),
        ("home", False),
    }


def test_freeze_keeps_state_then_follows_evidence() -> None:
    engine = home()
    pulse(engine, "kitchen", 0)
    engine.lock("kitchen", LockMode.FREEZE, at(5))
    assert engine.tick(at(300)).transitions == ()
    assert engine.state("kitchen").occupied
    result = engine.unlock("kitchen", at(310))
    assert next((t.area_id, t.occupied, t.reason) for t in result.transitions) == (
        "kitchen",
        False,
        Reason.LOCK,
    )


def test_lock_rejects_past_expiry() -> None:
    with pytest.raises(ValueError, match="expire after now"):
        home().lock("kitchen", LockMode.FREEZE, at(10), expires=at(10))


def test_force_occupied_with_duration() -> None:
    engine = home()
    result = engine.force_occupied("kitchen", at(0), duration=600)
    assert next((t.area_id, t.reason) for t in result.transitions) == ("kitchen", Reason.MANUAL)
    assert result.next_wakeup == at(600)
    assert engine.state("kitchen").occupied_until == at(600)


def test_extend_never_shortens() -> None:
    engine = home()
    pulse(engine, "kitchen", 0)
    assert engine.extend("kitchen", 10, at(5)).next_wakeup == at(61)
    assert engine.extend("kitchen", 600, at(5)).next_wakeup == at(605)


def test_force_vacant_ignores_sensors_until_they_change() -> None:
    engine = home()
    engine.handle(Event(pir("kitchen"), on=True), at(0))
    result = engine.force_vacant("kitchen", at(10))
    assert next((t.area_id, t.reason) for t in result.transitions) == ("kitchen", Reason.MANUAL)
    assert engine.handle(Event(pir("kitchen"), on=False), at(20)).transitions == ()
    assert pulse(engine, "kitchen", 30)[0].occupied


def test_force_vacant_with_duration_blocks() -> None:
    engine = home()
    result = engine.force_vacant("kitchen", at(0), duration=120)
    assert result.next_wakeup == at(120)
    assert pulse(engine, "kitchen", 60) == []
    # Evidence seen while blocked still counts once the block ends (motion at 60, timeout 60).
    assert next((t.area_id, t.occupied, t.reason) for t in engine.tick(at(120)).transitions) == (
        "kitchen",
        True,
        Reason.LOCK,
    )
    assert not engine.tick(at(121)).transitions[0].occupied


def test_negative_durations_raise() -> None:
    engine = home()
    with pytest.raises(ValueError, match="duration"):
        engine.force_occupied("kitchen", at(0), -1)
    with pytest.raises(ValueError, match="duration"):
        engine.force_vacant("kitchen", at(0), -1)
    with pytest.raises(ValueError, match="timeout"):
        engine.set_timeout("kitchen", -1, at(0))


def test_unknown_parent_and_cycle_raise() -> None:
    with pytest.raises(ValueError, match="unknown parent"):
        OccupancyEngine([AreaConfig("a", parent="nowhere")])
    with pytest.raises(ValueError, match="cycle"):
        OccupancyEngine([AreaConfig("a", parent="b"), AreaConfig("b", parent="a")])


def test_set_timeout_applies_from_next_clear() -> None:
    engine = home()
    engine.set_timeout("kitchen", 600, at(0))
    engine.handle(Event(pir("kitchen"), on=True), at(0))
    assert engine.handle(Event(pir("kitchen"), on=False), at(1)).next_wakeup == at(601)
    assert engine.state("kitchen").timeout == 600
    engine.set_timeout("kitchen", None, at(2))
    assert engine.state("kitchen").timeout == 60


def test_identity_holds_but_never_starts() -> None:
    engine = home()
    assert engine.set_presence("person.anna", "kitchen", at(0)).transitions == ()
    assert not engine.state("kitchen").occupied
    assert engine.state("kitchen").occupants == ("person.anna",)
    assert engine.state("home").occupants == ("person.anna",)
    pulse(engine, "kitchen", 10)
    assert engine.tick(at(600)).transitions == ()  # Anna holds it
    result = engine.set_presence("person.anna", None, at(700))
    assert result.next_wakeup == at(760)
    assert engine.state("kitchen").occupants == ()


def test_pets_are_ignored() -> None:
    engine = home()
    engine.set_presence("device_tracker.rex", "kitchen", at(0), pet=True)
    assert engine.state("kitchen").occupants == ()


def test_export_restore_keeps_locks_and_timeouts() -> None:
    engine = home()
    engine.lock("kitchen", LockMode.BLOCK_OCCUPIED, at(0), expires=at(1000))
    engine.set_timeout("hall", 900, at(0))
    snapshot = engine.export(at(10))
    restored = home()
    restored.restore(snapshot, at(20))
    assert restored.state("kitchen").lock == Lock(LockMode.BLOCK_OCCUPIED, expires=at(1000))
    assert restored.state("hall").timeout == 900
    assert restored.next_wakeup() == at(1000)
    fresh = home()
    fresh.restore(snapshot, at(2000))
    assert fresh.state("kitchen").lock is None


def test_restore_keeps_wasp_box_hold() -> None:
    door = "binary_sensor.bath_door"
    sensors = (
        SensorConfig("binary_sensor.bath_motion", SensorRole.TRIGGER),
        SensorConfig(door, SensorRole.DOOR, starts_occupancy=False),
    )
    config = AreaConfig("bath", sensors, timeout=60, wasp_in_box=True)
    engine = OccupancyEngine([config])
    engine.handle(Event("binary_sensor.bath_motion", on=True), at(0))
    engine.handle(Event("binary_sensor.bath_motion", on=False), at(1))
    engine.handle(Event(door, on=False), at(2))
    restored = OccupancyEngine([config])
    result = restored.restore(engine.export(at(3)), at(7200))
    assert result.transitions == ()
    assert restored.state("bath").occupied
