"""People counting benchmark: line-crossing throughput and count replays on real door counts.

Run with `.venv/bin/python -m benchmarks.counting` from the repository root. Part (a) feeds
synthetic tracked objects through `LineCrossingCounter`; part (b) replays the SDU OU44 room counts
and the CalIt2 building flows through `CounterDelta` and `AreaCount`; part (c) sends the same
synthetic objects as `frigate/events` JSON through the integration's MQTT message handler. The
data is read in place from ../shared/data (or --data) and never copied.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from custom_components.occupancy_manager.engine.counting import (
    XY,
    AreaCount,
    CounterDelta,
    CountingLine,
    Direction,
    LineCrossingCounter,
    Point,
    TimedXY,
)

type Update = tuple[str, str, Sequence[XY] | Sequence[TimedXY], datetime, bool]
"""One detection: object id, label, new points, now, ended."""

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LINE = CountingLine(Point(0.15, 0.50), Point(0.85, 0.62), in_side=1)
MARGIN = 0.03
"""Normalised distance kept between synthetic paths and the line's ends, so truth is unambiguous."""

# --------------------------------------------------------------------------- (a) throughput


@dataclass
class Synthetic:
    """Synthetic detections sorted by time, and the truth of each object's straight path."""

    updates: list[Update]
    timed: list[Update]
    truth: dict[str, Direction]
    objects: int


def _side(points: np.ndarray) -> np.ndarray:
    (sx, sy), (ex, ey) = LINE.start, LINE.end
    return np.sign((ex - sx) * (points[:, 1] - sy) - (ey - sy) * (points[:, 0] - sx))


def _paths(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end points of n straight walks and whether each crosses the line segment.

    A third of the walks cross the segment, a third cross the line's extension beside the
    segment, a third stay on one side. Each walk passes the line (or its extension) at least
    MARGIN away from the segment's ends, so the truth does not depend on rounding.
    """
    start, end = np.array(LINE.start), np.array(LINE.end)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / np.hypot(*direction)
    kind = rng.integers(0, 3, n)
    along = np.where(
        kind == 0,
        rng.uniform(MARGIN, 1 - MARGIN, n),
        np.where(
            rng.random(n) < 0.5, rng.uniform(-0.4, -MARGIN, n), rng.uniform(1 + MARGIN, 1.4, n)
        ),
    )
    crossing = start + along[:, None] * direction
    heading = rng.uniform(0.2, np.pi - 0.2, n) * np.where(rng.random(n) < 0.5, 1, -1)
    unit = (
        np.cos(heading)[:, None] * direction / np.hypot(*direction)
        + np.sin(heading)[:, None] * normal
    )
    before, after = rng.uniform(0.1, 0.4, n), rng.uniform(0.1, 0.4, n)
    a = crossing - before[:, None] * unit
    b = crossing + after[:, None] * unit
    stay = kind == 2
    b[stay] = crossing[stay] - rng.uniform(0.05, 0.3, stay.sum())[:, None] * unit[stay]
    return a, b, kind == 0


def synthetic(detections: int, concurrent: int, seed: int = 5) -> Synthetic:
    """About `detections` sparse updates of walks through or beside the line, sorted by time.

    Each object sends 4 to 16 points at uneven fractions of its walk, 0.5 to 5 s apart; 10 % are
    cars (ignored by a person counter), 10 % never send `end` (they go stale).
    """
    rng = np.random.default_rng(seed)
    per_object = rng.integers(4, 17, detections // 4 + 1)
    n = int(np.searchsorted(np.cumsum(per_object), detections)) + 1
    per_object = per_object[:n]
    a, b, crosses = _paths(rng, n)
    labels = np.where(rng.random(n) < 0.1, "car", "person")
    ends = rng.random(n) >= 0.1
    mean_duration = float(per_object.mean()) * 2.75
    starts = np.sort(rng.uniform(0, n * mean_duration / concurrent, n))
    truth = {
        f"obj-{i}": Direction.IN if _side(b[i : i + 1])[0] == LINE.in_side else Direction.OUT
        for i in np.flatnonzero(crosses & (labels == "person"))
    }
    owner = np.repeat(np.arange(n), per_object)
    first = np.cumsum(per_object) - per_object
    last = first + per_object - 1
    fractions = rng.random(owner.size)
    fractions = fractions[np.lexsort((fractions, owner))]
    fractions[first], fractions[last] = 0.0, 1.0
    xy = a[owner] + fractions[:, None] * (b[owner] - a[owner])
    gaps = np.cumsum(rng.uniform(0.5, 5.0, owner.size))
    times = starts[owner] + gaps - np.repeat(gaps[first] - 0.5, per_object)
    ended = np.zeros(owner.size, dtype=bool)
    ended[last] = ends
    order = np.argsort(times, kind="stable")
    rows = zip(
        times[order].tolist(),
        owner[order].tolist(),
        xy[order, 0].tolist(),
        xy[order, 1].tolist(),
        ended[order].tolist(),
        strict=True,
    )
    updates: list[Update] = []
    timed: list[Update] = []
    paths: dict[int, list[TimedXY]] = {}
    names = [f"obj-{i}" for i in range(n)]
    label_of = labels.tolist()
    for t, i, x, y, end in rows:
        now = T0 + timedelta(seconds=t)
        updates.append((names[i], label_of[i], ((x, y),), now, end))
        path = paths.setdefault(i, [])
        path.append(((x, y), T0.timestamp() + t))
        timed.append((names[i], label_of[i], list(path), now, end))
    return Synthetic(updates, timed, truth, n)


def _run(
    counter: LineCrossingCounter,
    updates: list[Update],
) -> tuple[float, dict[str, list[Direction]], int]:
    found: dict[str, list[Direction]] = {}
    peak = 0
    update = counter.update
    started = time.perf_counter()
    for object_id, label, points, now, ended in updates:
        for crossing in update(object_id, label, points, now, ended=ended):
            found.setdefault(crossing.object_id, []).append(crossing.direction)
        peak = max(peak, counter.tracked)
    return time.perf_counter() - started, found, peak


def _score(
    name: str, elapsed: float, n: int, found: dict[str, list[Direction]], data: Synthetic
) -> None:
    truth = data.truth
    hits = sum(1 for oid, d in truth.items() if found.get(oid) == [d])
    missed = sum(1 for oid in truth if oid not in found)
    wrong = sum(1 for oid, got in found.items() if oid in truth and got != [truth[oid]])
    extra = sum(len(got) for oid, got in found.items() if oid not in truth)
    n_in = sum(got.count(Direction.IN) for got in found.values())
    n_out = sum(got.count(Direction.OUT) for got in found.values())
    t_in = sum(1 for d in truth.values() if d is Direction.IN)
    print(
        f"  {name}: {n:,} detections in {elapsed:.2f} s = {n / elapsed:,.0f} detections/s; "
        f"crossings found in/out {n_in:,}/{n_out:,} vs truth {t_in:,}/{len(truth) - t_in:,}; "
        f"exact per object {hits:,}/{len(truth):,}, missed {missed}, wrong {wrong}, "
        f"false {extra}"
    )


def throughput(detections: int, concurrent: int) -> None:
    """Print line-crossing throughput and crossings found vs. the truth of the synthetic walks."""
    print(f"(a) line-crossing throughput, {detections:,} synthetic detections")
    started = time.perf_counter()
    data = synthetic(detections, concurrent)
    print(
        f"  {data.objects:,} objects (~{concurrent} tracked at once), "
        f"{len(data.truth):,} person walks cross the line; generated in "
        f"{time.perf_counter() - started:.1f} s"
    )
    counter = LineCrossingCounter(LINE, max_tracked=4 * concurrent)
    elapsed, found, peak = _run(counter, data.updates)
    _score("one point per update", elapsed, len(data.updates), found, data)
    print(f"    objects remembered: peak {peak:,}, at the end {counter.tracked:,}")
    counter = LineCrossingCounter(LINE, max_tracked=4 * concurrent)
    elapsed, found, _ = _run(counter, data.timed)
    _score("whole path_data resent per update", elapsed, len(data.timed), found, data)


# --------------------------------------------------------------------------- (b) replays


@dataclass
class Score:
    """Replay errors of one room (or group of rooms) against the ground-truth count."""

    errors: list[int] = field(default_factory=list)
    drifts: list[int] = field(default_factory=list)
    clamps: int = 0
    clamped_people: int = 0
    near: int = 0
    over: int = 0

    def add(self, other: Score) -> None:
        """Pool another score into this one."""
        self.errors += other.errors
        self.drifts += other.drifts
        self.clamps += other.clamps
        self.clamped_people += other.clamped_people
        self.near += other.near
        self.over += other.over

    def line(self, name: str, unit: str) -> str:
        """One printed row."""
        errors = np.array(self.errors or [0])
        drifts = np.abs(np.array(self.drifts or [0]))
        return (
            f"  {name:<22} MAE {errors.mean():6.3f}  "
            f"{unit} with error>=1 {np.mean(errors >= 1):6.1%}  "
            f"end-of-day drift mean|max {drifts.mean():5.2f}|{drifts.max():3d}  "
            f"clamps {self.clamps:4d} ({self.clamped_people} people)  "
            f"near/over capacity {self.near}/{self.over} {unit}"
        )


def _sdu_days(path: Path) -> Iterator[list[int]]:
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        day, counts = "", list[int]()
        for row in reader:
            if row[0] != day and counts:  # DayIds come in blocks of 1440 minutes
                yield counts
                counts = []
            day = row[0]
            counts.append(round(float(row[4])))
        if counts:
            yield counts


def _replay_day(counts: list[int], capacity: int, miss: float, rng: np.random.Generator) -> Score:
    """One day: calibrate to the first minute, then feed the deltas as entry/exit counter totals."""
    score = Score()
    area = AreaCount(capacity)
    entries_counter, exits_counter = CounterDelta(), CounterDelta()
    entries_total = exits_total = 0
    now = T0
    area.set_count(counts[0], now)
    entries_counter.update(0)
    exits_counter.update(0)
    for previous, count in itertools.pairwise(counts):
        now += timedelta(minutes=1)
        delta = count - previous
        people = abs(delta) - (int(rng.binomial(abs(delta), miss)) if miss else 0)
        if delta > 0:
            entries_total += people
        else:
            exits_total += people
        result = area.apply(
            entries_counter.update(str(entries_total)), exits_counter.update(exits_total), now
        )
        score.clamps += result.clamped > 0
        score.clamped_people += result.clamped
        score.errors.append(abs(area.count - count))
        score.near += result.state.near_capacity
        score.over += result.state.over_capacity
    score.drifts.append(area.count - counts[-1])
    return score


def sdu(data: Path, miss: float) -> None:
    """Replay the SDU OU44 per-minute room counts as door-counter totals through AreaCount."""
    folder = data / "sdu_ou44_room_counts"
    if not folder.is_dir():
        print(f"  skipped: {folder} is absent")
        return
    seats = {1: 84, 2: 32, 3: 32, 4: 84}
    kinds = {1: "lecture", 2: "study zone", 3: "study zone", 4: "lecture"}
    rng = np.random.default_rng(44)
    groups = {"lecture": Score(), "study zone": Score()}
    title = "exact deltas" if not miss else f"each counted person missed with p={miss:.0%}"
    print(f"  SDU OU44, per-minute counts, within each of 15 days, {title}:")
    for room in (1, 2, 3, 4):
        score = Score()
        for counts in _sdu_days(folder / f"occ_data_room_{room}.csv"):
            score.add(_replay_day(counts, seats[room], miss, rng))
        groups[kinds[room]].add(score)
        print(score.line(f"room {room} ({kinds[room]})", "minutes"))
    for name, score in groups.items():
        print(score.line(f"all {name}s", "minutes"))


def calit2(data: Path) -> None:
    """Replay the CalIt2 30-min in/out flows through AreaCount, reset daily at 04:00.

    Ground truth is the unclamped running count cumsum(in - out) since the last reset. The
    building should be empty at 04:00, so the engine's count then is its end-of-day drift; the
    truth's value then is the counter's own asymmetry.
    """
    path = data / "calit2_people_counts" / "calit2_flows_clean.csv"
    if not path.is_file():
        print(f"  skipped: {path} is absent")
        return
    area, score, missing = AreaCount(), Score(), 0
    truth, asymmetry = 0, []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            # Local wall time tagged UTC: the engine only orders by it.
            slot_end = datetime.fromisoformat(row["slot_end_local"]).replace(tzinfo=UTC)
            missing += (row["in_count"] == "") + (row["out_count"] == "")
            entries, exits = int(row["in_count"] or 0), int(row["out_count"] or 0)
            truth += entries - exits
            result = area.apply(entries, exits, slot_end)
            score.clamps += result.clamped > 0
            score.clamped_people += result.clamped
            score.errors.append(abs(area.count - truth))
            if slot_end.hour == 4 and slot_end.minute == 0:
                score.drifts.append(area.count)
                asymmetry.append(truth)
                area.set_count(0, slot_end)
                truth = 0
    drifts = np.array(asymmetry)
    print(
        f"  CalIt2 main door, 30-min flows, {len(score.errors):,} slots "
        f"({missing} missing cells read as 0), {len(drifts)} days reset at 04:00:"
    )
    print(score.line("building", "slots"))
    print(
        f"  {'':<22} truth at 04:00 (in - out of the day): mean {drifts.mean():+.2f}, "
        f"median {np.median(drifts):+.0f}, range {drifts.min():+d}..{drifts.max():+d}; "
        f"days with in < out {int(np.sum(drifts < 0))}"
    )


# --------------------------------------------------------------------------- (c) MQTT handler


def _payloads(data: Synthetic, limit: int) -> list[SimpleNamespace]:
    """The first `limit` timed updates as Frigate `frigate/events` MQTT messages."""
    messages = []
    for object_id, label, points, _now, ended in data.timed[:limit]:
        path = [[[round(x, 4), round(y, 4)], t] for (x, y), t in points]  # type: ignore[misc]
        after = {
            "id": object_id,
            "camera": "bench",
            "label": label,
            "false_positive": False,
            "box": [600, 300, 680, 500],
            "path_data": path,
        }
        payload = json.dumps({"type": "end" if ended else "update", "before": {}, "after": after})
        messages.append(SimpleNamespace(topic="frigate/events", payload=payload))
    return messages


def mqtt_handler(detections: int, concurrent: int) -> None:
    """Time `CountingSources._on_frigate` (JSON decode, path parsing, counting) per message.

    The handler runs unbound on a stand-in that holds one counted area and tallies what it
    would record, so no Home Assistant instance is needed; the code timed is the handler's.
    """
    from custom_components.occupancy_manager.counting_area import AreaCounter  # noqa: PLC0415
    from custom_components.occupancy_manager.counting_flow import (  # noqa: PLC0415
        CountingSetup,
        FrigateSource,
    )
    from custom_components.occupancy_manager.counting_sources import (  # noqa: PLC0415
        CountingSources,
    )

    data = synthetic(detections, concurrent)
    messages = _payloads(data, detections)
    setup = CountingSetup(
        "bench",
        "Bench",
        frigate=FrigateSource(
            "bench", "frigate/events", LINE, frozenset({"person"}), 1280.0, 720.0
        ),
    )
    tally = [0, 0]

    def record(_area: str, entries: int, exits: int, _now: Any) -> None:
        tally[0] += entries
        tally[1] += exits

    manager = SimpleNamespace(
        counters={"bench": AreaCounter(setup)}, _record=record, _save=lambda: None
    )
    handler = CountingSources._on_frigate  # noqa: SLF001
    mean_bytes = sum(len(m.payload) for m in messages) / len(messages)
    started = time.perf_counter()
    for message in messages:
        handler(manager, message)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    _, direct, _ = _run(LineCrossingCounter(LINE), data.timed[: len(messages)])
    direct_in = sum(d.count(Direction.IN) for d in direct.values())
    direct_out = sum(d.count(Direction.OUT) for d in direct.values())
    print(
        f"(c) MQTT handler, {len(messages):,} frigate/events messages (whole path_data, "
        f"{mean_bytes:,.0f} bytes on average): {elapsed:.2f} s = "
        f"{len(messages) / elapsed:,.0f} messages/s, {elapsed / len(messages) * 1e6:.1f} µs each; "
        f"crossings in/out {tally[0]:,}/{tally[1]:,} (the counter fed directly: "
        f"{direct_in:,}/{direct_out:,})"
    )


def main() -> None:
    """Parse arguments and print both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--concurrent", type=int, default=500, help="objects tracked at once")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args()
    throughput(args.detections, args.concurrent)
    print("(b) count replays through CounterDelta + AreaCount")
    for miss in (0.0, 0.02):
        sdu(args.data, miss)
    calit2(args.data)
    mqtt_handler(min(args.detections, 200_000), args.concurrent)


if __name__ == "__main__":
    main()
