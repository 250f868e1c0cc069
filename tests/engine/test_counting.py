"""Behaviour of the people-counting engine for literal points, readings and datetimes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.occupancy_manager.engine.counting import (
    AreaCount,
    Beam,
    CounterDelta,
    CountingLine,
    CountPolicy,
    Crossing,
    Direction,
    DirectionalPair,
    LineCrossingCounter,
    Point,
    bottom_centre,
    orientation,
    rollup,
    segments_intersect,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# A doorway line across the middle of the view; "in" is below it on screen (y > 0.5).
DOOR = CountingLine(Point(0.2, 0.5), Point(0.8, 0.5), in_side=1)
ABOVE, BELOW = (0.5, 0.3), (0.5, 0.7)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def walk(counter: LineCrossingCounter, object_id: str, *points: tuple[float, float]) -> list[str]:
    """Send each point as its own sparse update, one second apart; return the directions."""
    found: list[str] = []
    for i, point in enumerate(points):
        found += [c.direction for c in counter.update(object_id, "person", [point], at(i))]
    return found


# --------------------------------------------------------------------------- geometry


def test_orientation_sign_is_right_left_or_collinear_on_screen() -> None:
    assert orientation((0, 0), (1, 0), (0.5, 0.2)) > 0  # below on screen = right of travel
    assert orientation((0, 0), (1, 0), (0.5, -0.2)) < 0
    assert orientation((0, 0), (1, 0), (2, 0)) == 0


@pytest.mark.parametrize(
    ("p1", "p2", "q1", "q2", "expected"),
    [
        ((0, 0), (1, 1), (0, 1), (1, 0), True),  # proper crossing
        ((0, 0), (1, 0), (0, 1), (1, 1), False),  # parallel
        ((0, 0), (1, 1), (2, 0), (3, -1), False),  # disjoint, lines would cross
        ((0, 0), (1, 0), (0.5, 0), (0.5, 1), True),  # T: endpoint touches the other segment
        ((0, 0), (1, 0), (1, 0), (2, 1), True),  # shared endpoint
        ((0, 0), (1, 0), (1.5, 0), (0.5, 1), False),  # would touch the extension only
        ((0, 0), (2, 0), (1, 0), (3, 0), True),  # collinear, overlapping
        ((0, 0), (1, 0), (1, 0), (2, 0), True),  # collinear, touching at one end
        ((0, 0), (1, 0), (2, 0), (3, 0), False),  # collinear, apart
    ],
)
def test_segments_intersect_decides_edge_cases(
    p1: tuple[float, float],
    p2: tuple[float, float],
    q1: tuple[float, float],
    q2: tuple[float, float],
    expected: bool,
) -> None:
    assert segments_intersect(p1, p2, q1, q2) is expected
    assert segments_intersect(q2, q1, p2, p1) is expected


def test_counting_line_validates_and_accepts_pairs() -> None:
    line = CountingLine((0.1, 0.2), (0.3, 0.4), in_side=-1)  # type: ignore[arg-type]
    assert line.start == Point(0.1, 0.2)
    assert line.end.y == 0.4
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        CountingLine(Point(0, 0), Point(1.2, 0))
    with pytest.raises(ValueError, match="distinct"):
        CountingLine(Point(0.5, 0.5), Point(0.5, 0.5))
    with pytest.raises(ValueError, match="in_side"):
        CountingLine(Point(0, 0), Point(1, 1), in_side=0)
    with pytest.raises(ValueError, match="pairs"):
        CountingLine((0.1, 0.2, 0.3), (0.5, "x"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pairs"):
        CountingLine((0.1, 0.2), (0.5, "x"))  # type: ignore[arg-type]


def test_counting_line_side_and_single_segment_crossing() -> None:
    assert DOOR.side(BELOW) == 1
    assert DOOR.side(ABOVE) == -1
    assert DOOR.side((0.9, 0.5)) == 0
    assert DOOR.crossing(ABOVE, BELOW) is Direction.IN
    assert DOOR.crossing(BELOW, ABOVE) is Direction.OUT
    assert DOOR.crossing(ABOVE, (0.5, 0.5)) is None  # ends on the line: a touch
    assert DOOR.crossing((0.9, 0.3), (0.9, 0.7)) is None  # beside the line
    assert DOOR.crossing((0.8, 0.3), (0.8, 0.7)) is Direction.IN  # through its end point
    flipped = CountingLine(DOOR.start, DOOR.end, in_side=-1)
    assert flipped.crossing(ABOVE, BELOW) is Direction.OUT


def test_bottom_centre_of_a_frigate_box() -> None:
    assert bottom_centre([424, 500, 536, 712], 1280, 720) == Point(0.375, 712 / 720)
    with pytest.raises(ValueError, match="four"):
        bottom_centre([1, 2, 3], 1280, 720)
    with pytest.raises(ValueError, match="width"):
        bottom_centre([1, 2, 3, 4], 0, 720)


# --------------------------------------------------------------------------- line crossings


def test_crossings_in_both_directions() -> None:
    counter = LineCrossingCounter(DOOR)
    assert walk(counter, "a", ABOVE, BELOW) == ["in"]
    assert walk(counter, "b", BELOW, ABOVE) == ["out"]


def test_crossing_carries_object_label_and_time() -> None:
    counter = LineCrossingCounter(DOOR)
    counter.update("a", "person", [ABOVE], at(0))
    assert counter.update("a", "person", [BELOW], at(7)) == (
        Crossing("a", "person", Direction.IN, at(7)),
    )


def test_sparse_updates_far_apart_still_cross() -> None:
    counter = LineCrossingCounter(DOOR)
    assert walk(counter, "a", (0.05, 0.02), (0.95, 0.98)) == ["in"]


def test_passing_beside_the_line_counts_nothing() -> None:
    counter = LineCrossingCounter(DOOR)
    assert walk(counter, "a", (0.9, 0.3), (0.9, 0.7), (0.95, 0.2)) == []


def test_first_point_never_counts() -> None:
    counter = LineCrossingCounter(DOOR)
    assert walk(counter, "a", BELOW) == []
    assert counter.tracked == 1


def test_once_per_object_and_direction() -> None:
    counter = LineCrossingCounter(DOOR)
    assert walk(counter, "a", ABOVE, BELOW, ABOVE, BELOW, ABOVE) == ["in", "out"]


def test_re_entry_around_the_line_end_counts_no_second_in() -> None:
    counter = LineCrossingCounter(DOOR)
    # in, back above beside the line (no crossing), in again
    assert walk(counter, "a", ABOVE, BELOW, (0.9, 0.7), (0.9, 0.3), ABOVE, BELOW) == ["in"]


def test_alternating_policy_keeps_the_net_right() -> None:
    counter = LineCrossingCounter(DOOR, policy=CountPolicy.ALTERNATING)
    assert walk(counter, "a", ABOVE, BELOW, ABOVE, BELOW) == ["in", "out", "in"]
    assert walk(counter, "b", ABOVE, BELOW, (0.9, 0.7), (0.9, 0.3), ABOVE, BELOW) == ["in"]


def test_several_points_in_one_update_in_order() -> None:
    counter = LineCrossingCounter(DOOR)
    found = counter.update("a", "person", [ABOVE, BELOW, (0.4, 0.2)], at(0))
    assert [c.direction for c in found] == ["in", "out"]


def test_points_within_the_dead_band_are_on_the_line() -> None:
    counter = LineCrossingCounter(DOOR, dead_band=0.02)
    # touch the line and return, then jitter across it inside the band
    assert walk(counter, "a", ABOVE, (0.5, 0.5), ABOVE, (0.5, 0.49), (0.5, 0.51), (0.5, 0.49)) == []
    # stand on the line, then go through
    assert walk(counter, "b", ABOVE, (0.5, 0.51), (0.5, 0.49), BELOW) == ["in"]


def test_without_dead_band_a_touch_is_not_a_crossing() -> None:
    counter = LineCrossingCounter(DOOR, dead_band=0.0)
    assert walk(counter, "a", ABOVE, (0.5, 0.5), ABOVE) == []
    assert walk(counter, "b", ABOVE, (0.5, 0.5), BELOW) == ["in"]
    assert walk(counter, "c", ABOVE, (0.5, 0.501)) == ["in"]


def test_walking_along_the_line_is_judged_by_the_chord_across_it() -> None:
    counter = LineCrossingCounter(DOOR, dead_band=0.0)
    # the chord (0.5, 0.3) -> (0.95, 0.7) meets the line at x = 0.725: a crossing
    assert walk(counter, "a", ABOVE, (0.5, 0.5), (0.95, 0.5), (0.95, 0.7)) == ["in"]
    # the chord (0.85, 0.3) -> (0.95, 0.7) meets the extension at x = 0.9: beside the line
    assert walk(counter, "b", (0.85, 0.3), (0.95, 0.5), (0.95, 0.7)) == []


def test_other_labels_are_ignored() -> None:
    counter = LineCrossingCounter(DOOR)
    assert counter.update("car", "car", [ABOVE], at(0)) == ()
    assert counter.update("car", "car", [BELOW], at(1)) == ()
    assert counter.tracked == 0
    both = LineCrossingCounter(DOOR, labels=frozenset({"person", "dog"}))
    both.update("d", "dog", [ABOVE], at(0))
    assert [c.label for c in both.update("d", "dog", [BELOW], at(1))] == ["dog"]


def test_ended_objects_are_forgotten() -> None:
    counter = LineCrossingCounter(DOOR)
    counter.update("a", "person", [ABOVE], at(0))
    assert [c.direction for c in counter.update("a", "person", [BELOW], at(1), ended=True)] == [
        "in"
    ]
    assert counter.tracked == 0
    counter.update("car", "car", [ABOVE], at(2), ended=True)
    counter.forget("unknown")
    assert counter.tracked == 0


def test_stale_objects_are_forgotten() -> None:
    counter = LineCrossingCounter(DOOR, stale_after=300)
    counter.update("old", "person", [ABOVE], at(0))
    counter.update("new", "person", [ABOVE], at(300))
    assert counter.tracked == 2  # exactly stale_after: kept
    counter.update("new", "person", [ABOVE], at(300.5))
    assert counter.tracked == 1
    # "old" comes back: it is a new track, its first point cannot count
    assert walk(counter, "old", BELOW) == []


def test_memory_is_bounded_by_max_tracked() -> None:
    counter = LineCrossingCounter(DOOR, max_tracked=2)
    for name in ("a", "b", "c"):
        counter.update(name, "person", [ABOVE], at(0))
    assert counter.tracked == 2
    assert counter.update("a", "person", [BELOW], at(1)) == ()  # "a" was evicted
    assert [c.direction for c in counter.update("c", "person", [BELOW], at(1))] == ["in"]


def test_frigate_path_data_resent_whole_counts_once() -> None:
    counter = LineCrossingCounter(DOOR)
    path = [[[0.5, 0.3], 100.0], [[0.5, 0.45], 100.5]]
    assert counter.update("a", "person", path, at(0)) == ()  # type: ignore[arg-type]
    path.append([[0.5, 0.7], 101.0])
    assert len(counter.update("a", "person", path, at(1))) == 1  # type: ignore[arg-type]
    path.append([[0.5, 0.8], 101.5])
    assert counter.update("a", "person", path, at(2)) == ()  # type: ignore[arg-type]
    # an out-of-order older entry is skipped
    assert counter.update("a", "person", [((0.5, 0.2), 99.0)], at(3)) == ()


def test_export_restore_round_trip_does_not_count_twice() -> None:
    counter = LineCrossingCounter(DOOR)
    walk(counter, "a", ABOVE, BELOW)
    counter.update("b", "person", [((0.5, 0.3), 50.0)], at(0))
    counter.update("stale", "person", [ABOVE], at(-400))
    snapshot = json.loads(json.dumps(counter.export()))

    restored = LineCrossingCounter(DOOR)
    restored.restore(snapshot, at(2))
    assert restored.tracked == 2
    assert restored.export() == counter.export() | {
        "objects": {k: v for k, v in counter.export()["objects"].items() if k != "stale"}
    }
    assert walk(restored, "a", ABOVE, BELOW) == ["out"]  # "in" was already counted
    assert restored.update("b", "person", [((0.5, 0.3), 50.0), ((0.5, 0.7), 51.0)], at(3))


@pytest.mark.parametrize(
    "snapshot",
    [
        {"version": 2, "objects": {}},
        {"version": 1},
        {"version": 1, "objects": {"a": [0.5, 0.5, 1]}},
        {"version": 1, "objects": {"a": [0.5, 0.5, 1, None, "2026-01-05T08:00:00", 0, 0, None]}},
        {"version": 1, "objects": {"a": [0.5, 0.5, 1, None, "yesterday", 0, 0, None]}},
        {"version": 1, "objects": {"a": [0.5, 0.5, 7, None, T0.isoformat(), 0, 0, None]}},
        {"version": 1, "objects": {"a": [0.5, 0.5, 1, None, T0.isoformat(), 0, 0, "up"]}},
    ],
)
def test_restore_rejects_malformed_snapshots(snapshot: dict[str, object]) -> None:
    counter = LineCrossingCounter(DOOR)
    with pytest.raises(ValueError, match="snapshot"):
        counter.restore(snapshot, T0)


def test_counter_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="label"):
        LineCrossingCounter(DOOR, labels=frozenset())
    with pytest.raises(ValueError, match="dead_band"):
        LineCrossingCounter(DOOR, dead_band=-0.1)
    with pytest.raises(ValueError, match="stale_after"):
        LineCrossingCounter(DOOR, stale_after=0)


# --------------------------------------------------------------------------- directional pairs


def test_directional_pair_a_then_b_is_in_b_then_a_is_out() -> None:
    pair = DirectionalPair(window_s=3)
    assert pair.trigger(Beam.A, at(0)) is None
    assert pair.trigger(Beam.B, at(1)) is Direction.IN
    assert pair.trigger(Beam.B, at(10)) is None
    assert pair.trigger(Beam.A, at(13)) is Direction.OUT  # exactly at the window


def test_directional_pair_lone_late_and_repeated_beams() -> None:
    pair = DirectionalPair(window_s=3)
    assert pair.trigger(Beam.A, at(0)) is None
    assert pair.trigger(Beam.B, at(3.5)) is None  # late: B now waits for an A
    assert pair.trigger(Beam.A, at(5)) is Direction.OUT
    assert pair.trigger(Beam.B, at(6)) is None  # a pass consumes both beams
    assert pair.trigger(Beam.B, at(20)) is None
    assert pair.trigger(Beam.B, at(22)) is None  # the repeat restarts the wait
    assert pair.trigger(Beam.A, at(24.5)) is Direction.OUT
    assert pair.trigger(Beam.A, at(30)) is None
    assert pair.trigger(Beam.B, at(29)) is None  # earlier than A: not a pass


def test_directional_pair_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        DirectionalPair(window_s=0)


# --------------------------------------------------------------------------- counter deltas


def test_counter_delta_increments_and_resets() -> None:
    counter = CounterDelta()
    assert [counter.update(v) for v in (5, 7, "9", 9, 2, 4.0, 0, 1)] == [0, 2, 2, 0, 2, 2, 0, 1]


@pytest.mark.parametrize(
    "junk", ["unknown", "unavailable", None, "", float("nan"), "inf", "2.5", -1, True, [3]]
)
def test_counter_delta_ignores_non_numeric_readings(junk: object) -> None:
    counter = CounterDelta()
    counter.update(3)
    assert counter.update(junk) == 0
    assert counter.last == 3
    assert counter.update(4) == 1


def test_counter_delta_export_restore() -> None:
    counter = CounterDelta()
    counter.update(10)
    restored = CounterDelta()
    restored.restore(json.loads(json.dumps(counter.export())))
    assert restored.update(12) == 2
    empty = CounterDelta()
    empty.restore({"version": 1, "last": None})
    assert empty.update(12) == 0
    with pytest.raises(ValueError, match="version"):
        empty.restore({"version": 0, "last": 1})
    with pytest.raises(ValueError, match="baseline"):
        empty.restore({"version": 1, "last": "lots"})


# --------------------------------------------------------------------------- area counts


def test_area_count_adds_entries_and_exits() -> None:
    area = AreaCount()
    area.apply(3, 0, at(0))
    result = area.apply(1, 2, at(5))
    assert result.previous.count == 3
    assert result.state.count == 2
    assert (result.state.entries, result.state.exits) == (4, 2)
    assert result.state.last_activity == at(5)
    assert result.clamped == 0
    area.apply(0, 0, at(9))
    assert area.state.last_activity == at(5)


def test_area_count_clamps_at_zero_and_flags_the_anomaly() -> None:
    area = AreaCount()
    area.apply(1, 0, at(0))
    result = area.apply(0, 3, at(1))
    assert result.clamped == 2
    assert result.state.count == 0
    assert result.state.anomaly
    assert (result.state.anomalies, result.state.clamped) == (1, 2)
    assert (result.state.entries, result.state.exits) == (1, 3)
    area.apply(0, 1, at(2))
    assert (area.state.anomalies, area.state.clamped) == (2, 3)


def test_calibration_sets_the_count_and_clears_the_anomaly() -> None:
    area = AreaCount()
    area.apply(0, 1, at(0))
    result = area.set_count(4, at(10))
    assert result.previous.anomaly
    assert result.state.count == 4
    assert not result.state.anomaly
    assert result.state.anomalies == 1
    assert (result.state.entries, result.state.exits) == (0, 1)
    assert result.state.calibrated_at == at(10)
    assert result.state.last_activity == at(0)


@pytest.mark.parametrize(
    ("count", "near", "over"),
    [(0, False, False), (7, False, False), (8, True, False), (10, True, False), (11, True, True)],
)
def test_capacity_thresholds(count: int, near: bool, over: bool) -> None:
    area = AreaCount(capacity=10)
    state = area.set_count(count, at(0)).state
    assert (state.near_capacity, state.over_capacity) == (near, over)


def test_near_capacity_threshold_is_exact_for_decimal_ratios() -> None:
    assert AreaCount(capacity=10, near_ratio=0.7).near_threshold == 7
    assert AreaCount(capacity=84).near_threshold == 68
    assert AreaCount(capacity=1, near_ratio=0.1).near_threshold == 1
    assert AreaCount().near_threshold is None
    state = AreaCount().set_count(1000, at(0)).state
    assert not state.near_capacity
    assert not state.over_capacity


@pytest.mark.parametrize(("capacity", "ratio"), [(0, 0.8), (True, 0.8), (10, 0.0), (10, 1.5)])
def test_capacity_configuration_is_validated(capacity: int, ratio: float) -> None:
    with pytest.raises(ValueError, match=r"capacity|near_ratio"):
        AreaCount(capacity, ratio)


@pytest.mark.parametrize(("entries", "exits"), [(-1, 0), (0, -2), (1.5, 0), (True, 0), ("2", 0)])
def test_apply_rejects_bad_counts(entries: object, exits: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        AreaCount().apply(entries, exits, at(0))  # type: ignore[arg-type]


def test_naive_datetimes_and_bad_calibration_are_rejected() -> None:
    area = AreaCount()
    with pytest.raises(ValueError, match="timezone"):
        area.apply(1, 0, datetime(2026, 1, 5, 8, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="whole number"):
        area.set_count(-3, at(0))


def test_stale_at_follows_the_last_activity_or_calibration() -> None:
    area = AreaCount()
    assert area.stale_at(3600) is None
    area.apply(2, 0, at(0))
    assert area.stale_at(3600) == at(3600)
    area.set_count(1, at(100))
    assert area.stale_at(3600) == at(3700)
    area.apply(0, 1, at(200))
    assert area.stale_at(3600) is None


def test_area_count_export_restore_round_trip() -> None:
    area = AreaCount(capacity=10)
    area.apply(5, 7, at(0))
    area.set_count(9, at(60))
    area.apply(1, 0, at(120))
    snapshot = json.loads(json.dumps(area.export()))

    restored = AreaCount(capacity=10)
    restored.restore(snapshot)
    assert restored.state == area.state
    assert restored.state.near_capacity
    assert restored.export() == snapshot


@pytest.mark.parametrize(
    "change",
    [
        {"version": 9},
        {"count": -1},
        {"entries": "3"},
        {"anomaly": "no"},
        {"last_activity": "soon"},
        {"calibrated_at": "2026-01-05T08:00:00"},
        {"clamped": None},
    ],
)
def test_area_count_restore_rejects_malformed_snapshots(change: dict[str, object]) -> None:
    snapshot = AreaCount().export() | change
    with pytest.raises(ValueError, match="count snapshot"):
        AreaCount().restore(snapshot)
    missing = AreaCount().export()
    del missing["exits"]
    with pytest.raises(ValueError, match="snapshot"):
        AreaCount().restore(missing)


def test_rollup_sums_area_counts() -> None:
    assert rollup([3, 0, 2]) == 5
    assert rollup([]) == 0
