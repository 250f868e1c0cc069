"""Properties of the occupancy engine over random sensor topologies and event sequences."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    Event,
    OccupancyEngine,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    Transition,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
AREAS = ("kitchen", "hall", "bedroom")
UNKNOWN = "binary_sensor.unknown"
END_REASONS = {Reason.TIMEOUT, Reason.EVIDENCE_CLEARED}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the package-wide autouse fixture: engine tests run without a `hass` instance."""


@dataclass(frozen=True)
class Step:
    """Wait `gap` seconds, then the host reports `event`."""

    gap: float
    event: Event


@dataclass
class Host:
    """Drives an engine like the coordinator does and records every call's result."""

    engine: OccupancyEngine
    now: datetime = T0
    ticks: bool = True
    results: list[tuple[datetime, Result]] = field(default_factory=list)
    on: set[str] = field(default_factory=set)

    def call_tick(self, now: datetime) -> Result:
        result = self.engine.tick(now)
        self.results.append((now, result))
        return result

    def step(self, step: Step) -> None:
        """Tick at every wake-up due before the event (if the host ticks), then handle it."""
        self.now += timedelta(seconds=step.gap)
        wakeup = self.engine.next_wakeup()
        while self.ticks and wakeup is not None and wakeup <= self.now:
            due = {
                area_id: state.occupied_until
                for area_id, state in self.engine.states().items()
                if state.occupied_until is not None and state.occupied_until <= wakeup
            }
            result = self.call_tick(wakeup)
            assert_due_areas_expired(self.engine, result, due)
            wakeup = result.next_wakeup
        self.results.append((self.now, self.engine.handle(step.event, self.now)))
        if step.event.on:
            self.on.add(step.event.source)
        else:
            self.on.discard(step.event.source)

    def transitions(self) -> list[Transition]:
        return [t for _, result in self.results for t in result.transitions]


def assert_due_areas_expired(
    engine: OccupancyEngine, result: Result, due: dict[str, datetime]
) -> None:
    """Every area due by the tick's time is vacant, with a vacancy at its occupied_until."""
    expired = {t.area_id: t for t in result.transitions if not t.occupied}
    for area_id, until in due.items():
        assert not engine.state(area_id).occupied
        assert expired[area_id].at == until
        assert expired[area_id].reason in END_REASONS


def assert_consistent(engine: OccupancyEngine, configs: list[AreaConfig], on: set[str]) -> None:
    """Invariants linking states, sensors and next_wakeup.

    Sensors that are on hold their area unless flagged stuck; an occupied area without a hold
    has a timer; the host is woken no later than the earliest timer (stuck checks may wake it
    earlier).
    """
    states = engine.states()
    for config in configs:
        state = states[config.area_id]
        holding = ({s.entity_id for s in config.sensors} & on) - set(state.stuck_sensors)
        assert set(state.active_sensors) == holding
        if state.occupied_until is not None:
            assert state.occupied
            assert not holding
        if state.occupied and not holding:
            assert state.occupied_until is not None
    timers = [s.occupied_until for s in states.values() if s.occupied_until is not None]
    wakeup = engine.next_wakeup()
    if timers:
        assert wakeup is not None
        assert wakeup <= min(timers)


@st.composite
def topologies(draw: st.DrawFn, *, stuck: bool = True) -> list[AreaConfig]:
    """One to three areas; one to four sensors, each in one or more areas.

    With `stuck`, stuck-sensor detection may be on (short enough to fire within a scenario).
    """
    areas = AREAS[: draw(st.integers(1, len(AREAS)))]
    sensors: dict[str, list[SensorConfig]] = defaultdict(list)
    for index in range(draw(st.integers(1, 4))):
        role = draw(st.sampled_from([SensorRole.TRIGGER, SensorRole.SUSTAIN]))
        starts = draw(st.booleans()) if role is SensorRole.SUSTAIN else True
        entity_id = f"binary_sensor.{role}_{index}"
        for area_id in draw(st.sets(st.sampled_from(areas), min_size=1)):
            sensors[area_id].append(SensorConfig(entity_id, role, starts_occupancy=starts))
    return [
        AreaConfig(
            area_id,
            tuple(sensors[area_id]),
            timeout=draw(st.sampled_from([0, 0.5, 1, 30, 90, 300])),
            stuck_sustain_after=draw(st.sampled_from([None, 600, 3600])) if stuck else None,
            stuck_trigger_timeouts=draw(st.sampled_from([0, 1, 10])) if stuck else 0,
        )
        for area_id in areas
    ]


def steps_for(configs: list[AreaConfig]) -> st.SearchStrategy[list[Step]]:
    sources = sorted({s.entity_id for c in configs for s in c.sensors} | {UNKNOWN})
    events = st.builds(Event, st.sampled_from(sources), st.booleans())
    gaps = st.one_of(
        st.just(0), st.integers(0, 400), st.floats(0, 5, allow_nan=False), st.integers(0, 4000)
    )
    return st.lists(st.builds(Step, gaps, events), max_size=40)


@st.composite
def scenarios(draw: st.DrawFn, *, stuck: bool = True) -> tuple[list[AreaConfig], list[Step]]:
    configs = draw(topologies(stuck=stuck))
    return configs, draw(steps_for(configs))


def run(configs: list[AreaConfig], steps: list[Step], *, ticks: bool = True) -> Host:
    host = Host(OccupancyEngine(configs), ticks=ticks)
    for step in steps:
        host.step(step)
        assert_consistent(host.engine, configs, host.on)
    return host


@given(scenarios(), st.booleans())
def test_next_wakeup_is_never_in_the_past(
    scenario: tuple[list[AreaConfig], list[Step]], ticks: bool
) -> None:
    host = run(*scenario, ticks=ticks)

    for now, result in host.results:
        assert result.next_wakeup is None or result.next_wakeup >= now


@given(scenarios())
def test_ticking_at_each_next_wakeup_never_misses_an_expiry(
    scenario: tuple[list[AreaConfig], list[Step]],
) -> None:
    configs, steps = scenario
    host = run(configs, steps)

    wakeup = host.engine.next_wakeup()
    while wakeup is not None:
        until = {a: s.occupied_until for a, s in host.engine.states().items() if s.occupied_until}
        result = host.call_tick(wakeup)
        assert_due_areas_expired(
            host.engine, result, {a: t for a, t in until.items() if t <= wakeup}
        )
        wakeup = result.next_wakeup
    assert all(not s.occupied or s.active_sensors for s in host.engine.states().values())


@given(scenarios(), st.booleans())
def test_transitions_alternate_per_area(
    scenario: tuple[list[AreaConfig], list[Step]], ticks: bool
) -> None:
    host = run(*scenario, ticks=ticks)

    by_area: dict[str, list[Transition]] = defaultdict(list)
    for transition in host.transitions():
        by_area[transition.area_id].append(transition)
    for area_id, transitions in by_area.items():
        assert [t.occupied for t in transitions] == [i % 2 == 0 for i in range(len(transitions))]
        for start, end in zip(transitions[::2], transitions[1::2], strict=False):
            assert end.reason in END_REASONS
            assert end.at >= start.at
            assert end.duration == (end.at - start.at).total_seconds()
        assert engine_state_matches_last(host.engine, area_id, transitions)


def engine_state_matches_last(
    engine: OccupancyEngine, area_id: str, transitions: list[Transition]
) -> bool:
    state = engine.state(area_id)
    return (state.occupied, state.since) == (transitions[-1].occupied, transitions[-1].at)


@settings(max_examples=200)
@given(st.data())
def test_export_restore_continues_like_the_original(data: st.DataObject) -> None:
    """Restoring at the export time, with the sensors that are on, loses nothing that matters.

    Without stuck detection: the snapshot does not keep when a sensor turned on, so a restored
    engine starts its stuck clocks again.
    """
    configs, steps = data.draw(scenarios(stuck=False))
    split = data.draw(st.integers(0, len(steps)))
    original = run(configs, steps[:split])
    original.call_tick(original.now)
    snapshot = json.loads(json.dumps(original.engine.export(original.now)))

    copy = Host(OccupancyEngine(configs), now=original.now, on=set(original.on))
    restored = copy.engine.restore(snapshot, copy.now, on_sources=frozenset(copy.on))

    assert restored == Result((), original.engine.next_wakeup())
    del original.results[:]
    for step in steps[split:]:
        original.step(step)
        copy.step(step)
        assert normalized(copy.results) == normalized(original.results)
        assert flags_and_timers(copy.engine) == flags_and_timers(original.engine)


@given(st.data())
def test_restore_after_downtime_matches_ticking_through_it(data: st.DataObject) -> None:
    """With no sensor change during downtime, restore ends exactly the timers a tick would."""
    configs, steps = data.draw(scenarios(stuck=False))
    downtime = data.draw(st.floats(0, 1000, allow_nan=False))
    original = run(configs, steps)
    snapshot = json.loads(json.dumps(original.engine.export(original.now)))
    later = original.now + timedelta(seconds=downtime)

    engine = OccupancyEngine(configs)
    restored = engine.restore(snapshot, later, on_sources=frozenset(original.on))
    ticked = original.engine.tick(later)

    assert normalized([(later, restored)]) == normalized([(later, as_restart_expired(ticked))])
    assert flags_and_timers(engine) == flags_and_timers(original.engine)


def as_restart_expired(result: Result) -> Result:
    transitions = (
        dataclasses.replace(t, reason=Reason.RESTART_EXPIRED) for t in result.transitions
    )
    return dataclasses.replace(result, transitions=tuple(transitions))


def normalized(results: list[tuple[datetime, Result]]) -> list[tuple[datetime, Result]]:
    """Results with simultaneous transitions of different areas in area order.

    Timers of several areas due at the same instant expire in the order they were armed, which a
    restored engine cannot know; the order within one area is kept (the sort is stable).
    """
    return [
        (now, dataclasses.replace(r, transitions=tuple(sorted(r.transitions, key=_instant))))
        for now, r in results
    ]


def _instant(transition: Transition) -> tuple[datetime, str]:
    return transition.at, transition.area_id


def flags_and_timers(engine: OccupancyEngine) -> dict[str, tuple[bool, datetime | None]]:
    return {a: (s.occupied, s.occupied_until) for a, s in engine.states().items()}
