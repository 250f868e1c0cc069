"""Property tests of the hierarchy: roll-up invariant, wake-ups, export/restore equivalence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    LockMode,
    LockScope,
    NodeKind,
    OccupancyEngine,
    SensorConfig,
    SensorRole,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
AREAS = ("kitchen", "hall", "bedroom", "closet", "garden")
PARENTS = {
    "kitchen": "ground",
    "hall": "ground",
    "garden": "ground",
    "bedroom": "upstairs",
    "closet": "bedroom",
}


def build() -> OccupancyEngine:
    configs = [
        AreaConfig("home", kind=NodeKind.HOME),
        AreaConfig("ground", parent="home", kind=NodeKind.FLOOR),
        AreaConfig("upstairs", parent="home", kind=NodeKind.FLOOR),
    ]
    for area in AREAS:
        sensors = (
            SensorConfig(f"{area}.pir", SensorRole.TRIGGER),
            SensorConfig(f"{area}.mmwave", SensorRole.SUSTAIN),
        )
        configs.append(
            AreaConfig(
                area,
                sensors,
                timeout=60,
                parent=PARENTS[area],
                contributes=area != "garden",
                follow_parent=area == "closet",
            )
        )
    return OccupancyEngine(configs)


SOURCES = [f"{a}.{kind}" for a in AREAS for kind in ("pir", "mmwave")]
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=200),  # seconds since the previous step
        st.one_of(
            st.tuples(st.just("event"), st.sampled_from(SOURCES), st.booleans()),
            st.tuples(st.just("lock"), st.sampled_from(AREAS), st.sampled_from(list(LockMode))),
            st.tuples(st.just("unlock"), st.sampled_from(AREAS), st.just(None)),
        ),
    ),
    max_size=40,
)


def apply(engine: OccupancyEngine, step: tuple[str, str, object], now: datetime) -> datetime | None:
    kind, target, value = step
    if kind == "event":
        return engine.handle(Event(target, on=bool(value)), now).next_wakeup
    if kind == "lock":
        assert isinstance(value, LockMode)
        return engine.lock(target, value, now, LockScope.SELF).next_wakeup
    return engine.unlock(target, now).next_wakeup


def run(
    engine: OccupancyEngine, plan: list[tuple[int, tuple[str, str, object]]], start: datetime = T0
) -> datetime:
    """Apply the plan, ticking at every wake-up on the way; returns the last time."""
    now = start
    for gap, step in plan:
        target = now + timedelta(seconds=gap)
        wakeup = engine.next_wakeup()
        while wakeup is not None and wakeup <= target:
            engine.tick(wakeup)
            now = wakeup
            wakeup = engine.next_wakeup()
        now = target
        after = apply(engine, step, now)
        assert after is None or after > now
    return now


def rollup_holds(engine: OccupancyEngine) -> None:
    states = engine.states()
    for floor, children in (("ground", ("kitchen", "hall")), ("upstairs", ("bedroom",))):
        assert states[floor].occupied == any(states[c].occupied for c in children)
    assert states["home"].occupied == (states["ground"].occupied or states["upstairs"].occupied)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_parents_are_occupied_iff_a_contributing_child_is(
    plan: list[tuple[int, tuple[str, str, object]]],
) -> None:
    engine = build()
    run(engine, plan)
    rollup_holds(engine)
    # The invariant also holds after every timer has run out.
    wakeup = engine.next_wakeup()
    for _ in range(100):
        if wakeup is None:
            break
        engine.tick(wakeup)
        wakeup = engine.next_wakeup()
    rollup_holds(engine)


@settings(max_examples=100, deadline=None)
@given(steps, steps)
def test_export_restore_then_continue_equals_continue(
    first: list[tuple[int, tuple[str, str, object]]],
    second: list[tuple[int, tuple[str, str, object]]],
) -> None:
    original = build()
    now = run(original, first)
    snapshot = original.export(now)
    on = [s for s in SOURCES if any(s in st_.active_sensors for st_ in original.states().values())]
    restored = build()
    restored.restore(snapshot, now, on_sources=on)
    for engine in (original, restored):
        run(engine, second, now)
    left, right = original.states(), restored.states()
    assert {a: s.occupied for a, s in left.items()} == {a: s.occupied for a, s in right.items()}
    assert {a: s.lock for a, s in left.items()} == {a: s.lock for a, s in right.items()}
