"""Ground-truth occupancy per area, and the metrics that score states and predictions against it.

Definitions follow ../shared/data/DATASETS.md sections 2.2-2.3:
- label-derived: the area of the activity under way (labels mapped to areas); labelled away
  empties the home; activities without an area fall back to the firing rule;
- firing-derived (single resident): the area of the most recent ON event stays occupied until an
  ON event in another area, or until an entrance event is followed by >= 15 min without interior
  events (away);
- presence: an area's presence sensors are its truth (UGent offices).
Times are float seconds since the epoch of the file's wall-clock read as UTC; intervals are
half-open [start, end), sorted and disjoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from devtools.casas import SensorKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from devtools.casas import ReplayEvent, SensorSpec

    from .datasets import Dataset, Label

type FloatArray = npt.NDArray[np.float64]
type BoolArray = npt.NDArray[np.bool_]
NOBODY = -1
UNKNOWN = -2
AWAY_AFTER_S = 900.0
MIN_EPISODE_S = 600.0
USEFUL_HORIZON_S = 1800.0
P20_S = 1200.0


def epoch(at: datetime) -> float:
    """Seconds since the epoch of a naive wall-clock time read as UTC (aware times as they are)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True, slots=True)
class Intervals:
    """Occupied intervals of one area: sorted, disjoint, half-open."""

    start: FloatArray
    end: FloatArray

    @classmethod
    def of(cls, pairs: Iterable[tuple[float, float]]) -> Intervals:
        """Sort and merge (start, end) pairs; empty and inverted pairs are dropped."""
        rows = sorted((s, e) for s, e in pairs if e > s)
        merged: list[list[float]] = []
        for s, e in rows:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        table = np.array(merged, dtype=np.float64).reshape(-1, 2)
        return cls(table[:, 0].copy(), table[:, 1].copy())

    def __len__(self) -> int:
        """Number of intervals."""
        return len(self.start)

    def index(self, times: FloatArray) -> npt.NDArray[np.int64]:
        """For each time, the interval that contains it, or -1."""
        if not len(self):
            return np.full(len(times), -1, dtype=np.int64)
        found = np.searchsorted(self.start, times, side="right") - 1
        inside = (found >= 0) & (times < self.end[np.maximum(found, 0)])
        return np.where(inside, found, -1)

    def contains(self, times: FloatArray) -> BoolArray:
        """Whether each time falls in an interval."""
        return self.index(times) >= 0


def firing_rooms(
    events: Sequence[ReplayEvent],
    mapping: Mapping[str, SensorSpec],
    areas: Sequence[str],
    entrance_areas: Sequence[str] = (),
    away_after_s: float = AWAY_AFTER_S,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """The single-resident "current room" as a step function (times, area index or NOBODY).

    ON events of motion and presence sensors move the resident to their area. Any event of an
    entrance-area sensor followed by `away_after_s` without an interior ON event starts away
    (NOBODY) until that next interior event. Events must be sorted by time.
    """
    index = {area: i for i, area in enumerate(areas)}
    times: list[float] = []
    codes: list[int] = []
    interior: list[float] = []
    entries: list[float] = []
    for event in events:
        spec = mapping.get(event.sensor)
        if spec is None or spec.area not in index:
            continue
        at = epoch(event.at)
        if spec.area in entrance_areas:
            entries.append(at)
        elif event.on:
            interior.append(at)
        if event.on and spec.kind is not SensorKind.DOOR:
            times.append(at)
            codes.append(index[spec.area])
    inside = np.array(interior)
    for at in entries:
        following = np.searchsorted(inside, at, side="right")
        back = inside[following] if following < len(inside) else np.inf
        if back - at >= away_after_s:
            times.append(at)
            codes.append(NOBODY)
    order = np.argsort(np.array(times), kind="stable")
    return np.array(times)[order], np.array(codes, dtype=np.int64)[order]


def label_rooms(
    labels: Sequence[Label],
    away: Sequence[tuple[datetime, datetime]],
    label_areas: Mapping[str, str],
    areas: Sequence[str],
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """The labelled room as a step function: area index, NOBODY (away) or UNKNOWN (no area).

    Away intervals win over activity labels; time outside every label is UNKNOWN.
    """
    index = {area: i for i, area in enumerate(areas)}
    changes: list[tuple[float, int, int]] = []
    for label in labels:
        code = index.get(label_areas.get(label.activity, ""), UNKNOWN)
        changes.extend([(epoch(label.start), 1, code), (epoch(label.end), 0, UNKNOWN)])
    times, codes = _steps(changes)
    away_intervals = Intervals.of((epoch(s), epoch(e)) for s, e in away)
    if len(away_intervals):
        edges = np.concatenate((times, away_intervals.start, away_intervals.end))
        edges = np.unique(edges)
        codes = _evaluate(times, codes, edges, UNKNOWN)
        codes[away_intervals.contains(edges)] = NOBODY
        times = edges
    return times, codes


def combine(
    labelled: tuple[FloatArray, npt.NDArray[np.int64]],
    firing: tuple[FloatArray, npt.NDArray[np.int64]],
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Labelled room where known (including away), else the firing-derived room."""
    edges = np.unique(np.concatenate((labelled[0], firing[0])))
    by_label = _evaluate(*labelled, edges, UNKNOWN)
    by_firing = _evaluate(*firing, edges, NOBODY)
    return edges, np.where(by_label == UNKNOWN, by_firing, by_label)


def room_intervals(
    step: tuple[FloatArray, npt.NDArray[np.int64]], areas: Sequence[str], end: float
) -> dict[str, Intervals]:
    """Per area, the intervals during which the step function names it (until `end`)."""
    times, codes = step
    stops = np.append(times[1:], end)
    return {
        area: Intervals.of(zip(times[codes == i], stops[codes == i], strict=True))
        for i, area in enumerate(areas)
    }


def sensor_intervals(
    events: Iterable[ReplayEvent], mapping: Mapping[str, SensorSpec], end: float
) -> dict[str, Intervals]:
    """Per area, the union of the ON intervals of its sensors (a sensor still on runs to `end`)."""
    opened: dict[str, float] = {}
    pairs: dict[str, list[tuple[float, float]]] = {}
    for event in events:
        spec = mapping.get(event.sensor)
        if spec is None:
            continue
        if event.on:
            opened.setdefault(event.sensor, epoch(event.at))
        elif event.sensor in opened:
            pairs.setdefault(spec.area, []).append((opened.pop(event.sensor), epoch(event.at)))
    for sensor, start in opened.items():
        pairs.setdefault(mapping[sensor].area, []).append((start, end))
    return {area: Intervals.of(rows) for area, rows in pairs.items()}


def ground_truth(dataset: Dataset) -> dict[str, Intervals]:
    """Occupied intervals per area of a dataset, by its `truth` rule (see the module docstring)."""
    areas = sorted({spec.area for spec in dataset.mapping.values()})
    end = epoch(dataset.events[-1].at) if dataset.events else 0.0
    if dataset.truth == "presence":
        truth = sensor_intervals(dataset.events, dataset.mapping, end)
        return {area: truth.get(area, Intervals.of([])) for area in areas}
    firing = firing_rooms(dataset.events, dataset.mapping, areas, dataset.entrance_areas)
    if dataset.truth == "labels" and dataset.labels:
        step = combine(
            label_rooms(dataset.labels, dataset.away, dataset.label_areas, areas), firing
        )
    else:
        step = firing
    return room_intervals(step, areas, end)


@dataclass(frozen=True, slots=True)
class StateScore:
    """How an occupancy signal matched the truth on the evaluation clock.

    Attributes:
        accuracy: share of ticks where both agree.
        false_vacant_min_day: minutes per day the truth was occupied and the signal vacant.
        false_occupied_min_day: minutes per day the truth was vacant and the signal occupied.
        on_latency: seconds from each true occupancy onset to the signal's (median, p90);
            censored at the end of the true episode.
        off_latency: the same for vacancy onsets, censored at the next true occupancy.
        onsets: true occupancy onsets scored.
        missed: occupancy onsets the signal never followed within the episode.
    """

    accuracy: float
    false_vacant_min_day: float
    false_occupied_min_day: float
    on_latency: tuple[float, float]
    off_latency: tuple[float, float]
    onsets: int
    missed: int


def state_score(
    truth: Intervals, signal: Intervals, ticks: FloatArray, tick_s: float
) -> StateScore:
    """Score `signal` against `truth` at `ticks` (evenly spaced by `tick_s` seconds)."""
    real = truth.contains(ticks)
    said = signal.contains(ticks)
    days = len(ticks) * tick_s / 86400
    minutes = tick_s / 60
    first, last = ticks[0], ticks[-1]
    onsets = truth.start[(truth.start >= first) & (truth.start <= last)]
    on = _follow(onsets, signal, truth, occupied=True)
    ends = truth.end[(truth.end >= first) & (truth.end <= last)]
    off = _follow(ends, signal, truth, occupied=False)
    return StateScore(
        float((real == said).mean()),
        float((real & ~said).sum() * minutes / days),
        float((~real & said).sum() * minutes / days),
        _median_p90(on[0]),
        _median_p90(off[0]),
        len(onsets),
        int(on[1].sum()),
    )


def _follow(
    onsets: FloatArray, signal: Intervals, truth: Intervals, *, occupied: bool
) -> tuple[FloatArray, BoolArray]:
    """Seconds until `signal` reaches the truth's new state after each onset, and which missed."""
    if not len(onsets):
        return np.empty(0), np.empty(0, dtype=bool)
    if occupied:
        limit = truth.end[np.searchsorted(truth.start, onsets)]
        already = signal.contains(onsets)
        upcoming = np.searchsorted(signal.start, onsets, side="left")
        reach = np.append(signal.start, np.inf)[upcoming]
    else:
        following = np.searchsorted(truth.start, onsets, side="left")
        limit = np.append(truth.start, np.inf)[following]
        held = signal.index(onsets)
        already = held < 0
        reach = np.where(already, onsets, np.append(signal.end, np.inf)[np.maximum(held, 0)])
    delay = np.where(already, 0.0, reach - onsets)
    missed = ~already & (reach >= limit)
    return np.minimum(delay, limit - onsets), missed


def _median_p90(values: FloatArray) -> tuple[float, float]:
    if not len(values):
        return (float("nan"), float("nan"))
    return float(np.median(values)), float(np.percentile(values, 90))


@dataclass(frozen=True, slots=True)
class Targets:
    """For each tick, what a prediction must hit.

    Attributes:
        occupied: the true state at the tick.
        since: when the true state began.
        actual: when the true state ends (the transition to predict).
        eligible: the tick is in an episode of at least `MIN_EPISODE_S` that ends in the data.
    """

    occupied: BoolArray
    since: FloatArray
    actual: FloatArray
    eligible: BoolArray


def targets(truth: Intervals, ticks: FloatArray, first: float, last: float) -> Targets:
    """The true transition after each tick, for data spanning [first, last].

    An episode still running at `last` has no known end, so its ticks are not eligible.
    """
    found = np.searchsorted(truth.start, ticks, side="right") - 1
    safe = np.maximum(found, 0)
    if not len(truth):
        nowhere = np.zeros(len(ticks), dtype=bool)
        return Targets(nowhere, np.full(len(ticks), first), np.full(len(ticks), np.inf), nowhere)
    occupied = (found >= 0) & (ticks < truth.end[safe])
    previous_end = np.where(found >= 0, truth.end[safe], first)
    since = np.where(occupied, truth.start[safe], previous_end)
    actual = np.where(occupied, truth.end[safe], np.append(truth.start, np.inf)[found + 1])
    eligible = (actual < last) & (actual - since >= MIN_EPISODE_S)
    return Targets(occupied, since, actual, eligible)


@dataclass(frozen=True, slots=True)
class PredictionScore:
    """Errors of predicted transition times, in minutes.

    Attributes:
        count: predictions scored.
        mae, median: absolute error.
        p20: share within 20 minutes.
        coverage: share of actual times inside [low, high]; None without intervals.
        mae_useful, count_useful: the same MAE over predictions made >= 30 min ahead.
    """

    count: int
    mae: float
    median: float
    p20: float
    coverage: float | None
    mae_useful: float
    count_useful: int


def prediction_score(
    made_at: FloatArray,
    actual: FloatArray,
    predicted: FloatArray,
    low: FloatArray | None = None,
    high: FloatArray | None = None,
) -> PredictionScore:
    """Score predicted transition times (epoch seconds) against the actual ones."""
    if not len(actual):
        nan = float("nan")
        return PredictionScore(0, nan, nan, nan, None, nan, 0)
    error = np.abs(predicted - actual) / 60
    useful = actual - made_at >= USEFUL_HORIZON_S
    coverage = None
    if low is not None and high is not None:
        coverage = float(((low <= actual) & (actual <= high)).mean())
    return PredictionScore(
        len(error),
        float(error.mean()),
        float(np.median(error)),
        float((error <= P20_S / 60).mean()),
        coverage,
        float(error[useful].mean()) if useful.any() else float("nan"),
        int(useful.sum()),
    )


def _steps(changes: list[tuple[float, int, int]]) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Order (time, priority, code) changes; at equal times the last one wins."""
    changes.sort(key=lambda row: (row[0], row[1]))
    times = np.array([row[0] for row in changes], dtype=np.float64)
    codes = np.array([row[2] for row in changes], dtype=np.int64)
    if not len(times):
        return times, codes
    keep = np.append(times[1:] != times[:-1], True)
    return times[keep], codes[keep]


def _evaluate(
    times: FloatArray, codes: npt.NDArray[np.int64], at: FloatArray, before: int
) -> npt.NDArray[np.int64]:
    """The step function's value at each of `at`; `before` ahead of its first step."""
    found = np.searchsorted(times, at, side="right") - 1
    return np.where(found >= 0, codes[np.maximum(found, 0)] if len(codes) else before, before)
