"""Tests of the engine benchmark's workload generator (and a smoke run of the benchmark)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from benchmarks import engine as bench
from benchmarks.workload import (
    ARRIVAL_HOURS,
    DAY,
    MOTION_HOLD,
    STAY_HOURS,
    SensorKind,
    Workload,
    generate,
)

EVENTS = 20_000


@pytest.fixture(scope="module")
def workload() -> Workload:
    return generate(EVENTS, areas=12, floors=3, seed=7)


def _same(a: Workload, b: Workload) -> bool:
    return (
        np.array_equal(a.times, b.times)
        and np.array_equal(a.sensor, b.sensor)
        and np.array_equal(a.on, b.on)
    )


def test_same_seed_same_events(workload: Workload) -> None:
    again = generate(EVENTS, areas=12, floors=3, seed=7)
    assert _same(workload, again)
    assert again.sensors == workload.sensors


def test_other_seed_other_events(workload: Workload) -> None:
    assert not _same(workload, generate(EVENTS, areas=12, floors=3, seed=8))


def test_fewer_events_are_a_prefix(workload: Workload) -> None:
    short = generate(3_000, areas=12, floors=3, seed=7)
    assert len(short) == 3_000
    assert np.array_equal(short.times, workload.times[:3_000])
    assert np.array_equal(short.sensor, workload.sensor[:3_000])
    assert np.array_equal(short.on, workload.on[:3_000])


def test_hierarchy_and_sensors(workload: Workload) -> None:
    assert workload.home == "home"
    assert workload.floors == ("floor_0", "floor_1", "floor_2")
    assert len(workload.areas) == len(set(workload.areas)) == 12
    assert workload.area_floor == (0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2)
    assert len({s.entity_id for s in workload.sensors}) == len(workload.sensors) == 36
    per_area = Counter((s.area, s.kind) for s in workload.sensors)
    assert set(per_area) == {(a, k) for a in range(12) for k in SensorKind}
    assert all(per_area[a, SensorKind.MOTION] == 2 for a in range(12))
    assert all(per_area[a, SensorKind.PRESENCE] == 1 for a in range(12))
    assert workload.people == 3


def test_events_are_ordered_and_alternate_per_sensor(workload: Workload) -> None:
    assert len(workload) == EVENTS
    assert workload.times[0] >= 0
    assert np.all(np.diff(workload.times) >= 0)
    assert workload.sensor.min() >= 0
    assert workload.sensor.max() < len(workload.sensors)
    for index in range(len(workload.sensors)):
        mine = workload.sensor == index
        states = workload.on[mine]
        assert states[0]
        assert np.all(states[::2])
        assert not np.any(states[1::2])
        assert np.all(np.diff(workload.times[mine]) > 0)


def test_every_area_has_both_kinds_of_event(workload: Workload) -> None:
    seen = Counter((workload.sensors[i].area, workload.sensors[i].kind) for i in workload.sensor)
    assert len(seen) == 24
    motion = sum(n for (_, kind), n in seen.items() if kind is SensorKind.MOTION)
    assert 0.5 < motion / EVENTS < 0.95


def _on_durations(workload: Workload, kind: SensorKind) -> list[float]:
    durations: list[float] = []
    for index, sensor in enumerate(workload.sensors):
        if sensor.kind is not kind:
            continue
        times = workload.times[workload.sensor == index]
        pairs = len(times) // 2 * 2
        durations.extend((times[1:pairs:2] - times[0:pairs:2]).tolist())
    return durations


def test_motion_pulses_are_short_and_presence_spans_minutes(workload: Workload) -> None:
    motion = _on_durations(workload, SensorKind.MOTION)
    presence = _on_durations(workload, SensorKind.PRESENCE)
    assert MOTION_HOLD[0] <= float(np.median(motion)) <= MOTION_HOLD[1]
    assert min(motion) >= MOTION_HOLD[0]
    assert float(np.percentile(presence, 90)) > 120


def test_areas_fall_quiet_for_longer_than_a_timeout(workload: Workload) -> None:
    for area in range(len(workload.areas)):
        mine = np.isin(workload.sensor, [3 * area, 3 * area + 1, 3 * area + 2])
        assert np.diff(workload.times[mine]).max() > 3 * bench.MOTION_TIMEOUT


def test_the_building_is_empty_at_night(workload: Workload) -> None:
    hours = (workload.times % DAY) / 3600
    assert hours.min() >= ARRIVAL_HOURS[0]
    assert hours.max() < ARRIVAL_HOURS[1] + STAY_HOURS[1] + 1 / 60
    assert workload.span > 2 * DAY


def test_small_and_empty_workloads() -> None:
    empty = generate(0, areas=2, floors=5)
    assert len(empty) == 0
    assert empty.span == 0.0
    assert empty.floors == ("floor_0", "floor_1")
    one = generate(10, areas=1, floors=1, people=2)
    assert len(one) == 10
    assert one.areas == ("area_0",)


@pytest.mark.parametrize(
    "kwargs",
    [{"areas": 0}, {"floors": 0}, {"people": 0}, {"events": -1}],
)
def test_impossible_sizes_are_rejected(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least one"):
        generate(**kwargs)


def test_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--events", "1000", "--areas", "4", "--floors", "2", "--repeat", "1"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "ours (custom_components engine)" in out
    assert "baseline occupancy-manager 0.1.0" in out
    assert "ratio ours / baseline" in out
    assert "target >= 200,000" in out


def test_both_engines_see_similar_vacancies() -> None:
    small = generate(8_000, areas=10, floors=2, seed=3)
    stamps = bench.timestamps(small)
    parents = frozenset((small.home, *small.floors))
    ours = bench.run_ours(bench.our_areas(small), bench.our_inputs(small, stamps), parents)
    base = bench.run_baseline(
        bench.baseline_configs(small), bench.baseline_inputs(small, stamps), parents
    )
    assert ours.calls == len(small)
    assert base.calls == int(np.sum(small.on)) + sum(
        1
        for i, on in zip(small.sensor.tolist(), small.on.tolist(), strict=True)
        if not on and small.sensors[i].kind is SensorKind.PRESENCE
    )
    mine, theirs = ours.changes["area", False], base.changes["area", False]
    assert mine > 0
    assert abs(mine - theirs) / mine < 0.2
