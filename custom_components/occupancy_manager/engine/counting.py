"""People counting: line crossings, directional beam pairs, counter deltas and per-area counts.

Pure: no Home Assistant import and no clock; every call that depends on time takes `now`, an
aware UTC datetime. Image points are normalised coordinates in [0, 1] with y pointing down, as
Frigate reports them. All durations are seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

SNAPSHOT_VERSION = 1

type XY = Sequence[float]
"""A point as `(x, y)` in normalised image coordinates (a tuple, list or `Point`)."""
type TimedXY = tuple[XY, float]
"""A Frigate `path_data` entry: `((x, y), frame_time)`, frame_time in epoch seconds."""


class Point(NamedTuple):
    """A point in normalised image coordinates: x to the right, y down, both in [0, 1]."""

    x: float
    y: float


class Direction(StrEnum):
    """Which way a person passed: into the area or out of it."""

    IN = "in"
    OUT = "out"


class CountPolicy(StrEnum):
    """How often one tracked object may be counted.

    ONCE_PER_DIRECTION (seed 003): at most one `in` and one `out` per object id, so an object
        that goes in, out and in again counts in once and out once; box jitter on the line
        cannot inflate the totals, at the price of a net error of one for a real in-out-in
        within one track.
    ALTERNATING: a crossing counts when its direction differs from the object's last counted one
        (in, out, in counts 2 in and 1 out): the net stays right, the totals may grow with jitter.
    """

    ONCE_PER_DIRECTION = "once_per_direction"
    ALTERNATING = "alternating"


def orientation(a: XY, b: XY, c: XY) -> float:
    """The cross product (b - a) x (c - a), in squared normalised units.

    > 0 when c lies on the right of a->b as seen on screen (y down), < 0 on the left, 0 when the
    three points are collinear.
    """
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _within_box(a: XY, b: XY, c: XY) -> bool:
    """Whether c, known to be collinear with a and b, lies on the closed segment a-b."""
    return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])


def segments_intersect(p1: XY, p2: XY, q1: XY, q2: XY) -> bool:
    """Whether the closed segments p1-p2 and q1-q2 share at least one point.

    Orientation test with the collinear special cases (Cormen et al., "Introduction to
    Algorithms", §33.1; seed 003 "segment intersection plus cross-product side test"). Decided
    cases: a segment touching the other with an endpoint intersects; collinear segments
    intersect when they overlap or touch. Exact for exactly representable inputs.
    """
    d1 = orientation(q1, q2, p1)
    d2 = orientation(q1, q2, p2)
    d3 = orientation(p1, p2, q1)
    d4 = orientation(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _within_box(q1, q2, p1))
        or (d2 == 0 and _within_box(q1, q2, p2))
        or (d3 == 0 and _within_box(p1, p2, q1))
        or (d4 == 0 and _within_box(p1, p2, q2))
    )


def bottom_centre(box: Sequence[float], width: float, height: float) -> Point:
    """The bottom-centre of a Frigate box: `((x_min + x_max) / 2 / width, y_max / height)`.

    Frigate evaluates zones at the bottom-centre of the box (docs/configuration/zones.md) and
    builds `path_data` from the same point. `box` is `[x_min, y_min, x_max, y_max]` in pixels of
    the detect stream; `width` and `height` are that stream's size in pixels.

    Raises:
        ValueError: a box without four numbers, or a non-positive width or height.
    """
    if len(box) != 4:  # noqa: PLR2004
        raise ValueError(f"a box has four numbers, got {len(box)}")
    if width <= 0 or height <= 0:
        raise ValueError("detect width and height must be > 0 pixels")
    return Point((box[0] + box[2]) / 2 / width, box[3] / height)


@dataclass(frozen=True, slots=True)
class CountingLine:
    """A virtual line in a camera view and which side of it is "in".

    Attributes:
        start, end: the line's end points, normalised image coordinates in [0, 1].
        in_side: +1 when the area lies on the right of start->end as seen on screen (the sign of
            `orientation(start, end, p)` for points p inside), -1 when on the left.

    Raises:
        ValueError: an end point that is not two numbers, coordinates outside [0, 1],
            start == end, or in_side not +1/-1.
    """

    start: Point
    end: Point
    in_side: int = 1

    def __post_init__(self) -> None:
        """Reject impossible lines; accept plain (x, y) pairs for the end points."""
        try:
            start, end = (Point(float(x), float(y)) for x, y in (self.start, self.end))
        except (TypeError, ValueError) as err:
            raise ValueError("line end points are (x, y) pairs of numbers") from err
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if not all(0.0 <= value <= 1.0 for value in (*start, *end)):
            raise ValueError("line coordinates must be within [0, 1]")
        if start == end:
            raise ValueError("a counting line needs two distinct points")
        if self.in_side not in {1, -1}:
            raise ValueError("in_side must be +1 or -1")

    def side(self, point: XY) -> int:
        """+1, -1 or 0: the sign of `orientation(start, end, point)`."""
        value = orientation(self.start, self.end, point)
        return (value > 0) - (value < 0)

    def crossing(self, p: XY, q: XY) -> Direction | None:
        """The direction in which the move p->q crosses the line, or None.

        A move crosses when p and q lie strictly on opposite sides and the segments meet; a move
        that starts or ends on the line does not cross (it touches).
        """
        side_p, side_q = self.side(p), self.side(q)
        if side_p * side_q >= 0 or not segments_intersect(p, q, self.start, self.end):
            return None
        return Direction.IN if side_q == self.in_side else Direction.OUT


@dataclass(frozen=True, slots=True)
class Crossing:
    """One counted crossing of a tracked object; `at` is the `now` of the update that found it."""

    object_id: str
    label: str
    direction: Direction
    at: datetime


class _Track:
    """One tracked object: its anchor (last point off the line), that point's side, counts."""

    __slots__ = ("ax", "ay", "counted_in", "counted_out", "last", "last_t", "seen", "side")

    def __init__(self, seen: datetime) -> None:
        self.ax = 0.0
        self.ay = 0.0
        self.side = 0
        self.last_t: float | None = None
        self.seen = seen
        self.counted_in = False
        self.counted_out = False
        self.last: Direction | None = None


class LineCrossingCounter:
    """Counts tracked objects crossing one `CountingLine` (seed 003; Frigate `frigate/events`).

    Each object's path is followed from point to point. A point within `dead_band` of the line's
    infinite extension is "on the line" and is skipped, so box jitter on the line and a touch
    and return never count. When a point lands strictly on the other side of the object's anchor
    (its last point strictly off the line), the chord anchor->point is tested against the line
    segment (`segments_intersect`, endpoints included): updates are sparse, so a crossing is
    found however far apart successive points are, and a straight walk counts once however it is
    sampled. Points skipped on the line do not move the anchor, so a walk along the line that
    steps off on the other side is judged by that chord. The direction is the new side
    (`CountingLine.in_side`); `policy` decides whether the crossing is counted again.

    Memory is bounded: an object is forgotten on `ended`, when not updated for more than
    `stale_after` seconds, and the least recently updated ones beyond `max_tracked`.

    Raises:
        ValueError: no labels, a negative dead band, stale_after <= 0 or max_tracked < 1.
    """

    def __init__(
        self,
        line: CountingLine,
        labels: frozenset[str] = frozenset({"person"}),
        *,
        policy: CountPolicy = CountPolicy.ONCE_PER_DIRECTION,
        dead_band: float = 0.01,
        stale_after: float = 300.0,
        max_tracked: int = 1000,
    ) -> None:
        """Configure the counter; see the class docstring. `dead_band` is a normalised distance."""
        if not labels:
            raise ValueError("count at least one label")
        if dead_band < 0 or stale_after <= 0 or max_tracked < 1:
            raise ValueError("need dead_band >= 0, stale_after > 0 and max_tracked >= 1")
        self.line = line
        self.labels = labels
        self.policy = policy
        self.dead_band = dead_band
        self.stale_after = stale_after
        self.max_tracked = max_tracked
        self._sx, self._sy = line.start
        self._dx, self._dy = line.end.x - line.start.x, line.end.y - line.start.y
        self._band = dead_band * math.hypot(self._dx, self._dy)
        self._stale = timedelta(seconds=stale_after)
        self._tracks: dict[str, _Track] = {}

    @property
    def tracked(self) -> int:
        """How many objects the counter remembers."""
        return len(self._tracks)

    def update(
        self,
        object_id: str,
        label: str,
        points: Sequence[XY] | Sequence[TimedXY],
        now: datetime,
        *,
        ended: bool = False,
    ) -> tuple[Crossing, ...]:
        """Follow one tracked object to its new points; return the crossings counted now.

        Args:
            object_id: the tracker's id (Frigate `after.id`), stable for one object.
            label: the object's label; labels not configured are ignored.
            points: new bottom-centre points in order, as `(x, y)` or as Frigate `path_data`
                entries `((x, y), frame_time)`; timed entries not newer than the last one seen
                for this object are skipped, so Frigate's whole path may be sent every time.
            now: the time of the update (aware UTC).
            ended: the object's track ended (Frigate `type == "end"`): forget it afterwards.
        """
        tracks = self._tracks
        if label not in self.labels:
            if ended:
                tracks.pop(object_id, None)
            return ()
        track = tracks.pop(object_id, None) or _Track(now)
        found: list[Crossing] | None = None
        for item in points:
            head = item[0]
            if isinstance(head, (int, float)):
                x, y = float(head), float(item[1])
            else:
                frame_time = float(item[1])
                if track.last_t is not None and frame_time <= track.last_t:
                    continue
                track.last_t = frame_time
                x, y = float(head[0]), float(head[1])
            value = self._dx * (y - self._sy) - self._dy * (x - self._sx)
            if value > self._band:
                side = 1
            elif value < -self._band:
                side = -1
            else:
                continue
            if side != track.side:
                direction = self._crossed(track, side, x, y)
                if direction is not None:
                    found = found or []
                    found.append(Crossing(object_id, label, direction, now))
                track.side = side
            track.ax, track.ay = x, y
        track.seen = now
        if not ended:
            tracks[object_id] = track
        self.prune(now)
        return tuple(found) if found else ()

    def _crossed(self, track: _Track, side: int, x: float, y: float) -> Direction | None:
        """The direction to count for a side change of `track` to (x, y), or None."""
        line = self.line
        if track.side == 0 or not segments_intersect(
            (track.ax, track.ay), (x, y), line.start, line.end
        ):
            return None
        direction = Direction.IN if side == line.in_side else Direction.OUT
        if self.policy is CountPolicy.ALTERNATING:
            if direction is track.last:
                return None
        elif direction is Direction.IN:
            if track.counted_in:
                return None
            track.counted_in = True
        else:
            if track.counted_out:
                return None
            track.counted_out = True
        track.last = direction
        return direction

    def forget(self, object_id: str) -> None:
        """Drop one object (unknown ids are fine)."""
        self._tracks.pop(object_id, None)

    def prune(self, now: datetime) -> None:
        """Forget objects not updated for more than `stale_after` seconds before `now`.

        Then the least recently updated ones beyond `max_tracked`. `update` calls this itself.
        """
        tracks = self._tracks
        cutoff = now - self._stale
        while tracks:
            oldest = next(iter(tracks))
            if tracks[oldest].seen >= cutoff and len(tracks) <= self.max_tracked:
                break
            del tracks[oldest]

    def export(self) -> dict[str, Any]:
        """The tracked objects, JSON-safe: a restart must not count Frigate's resent paths twice."""
        return {
            "version": SNAPSHOT_VERSION,
            "objects": {
                object_id: [
                    t.ax,
                    t.ay,
                    t.side,
                    t.last_t,
                    t.seen.isoformat(),
                    t.counted_in,
                    t.counted_out,
                    None if t.last is None else str(t.last),
                ]
                for object_id, t in self._tracks.items()
            },
        }

    def restore(self, snapshot: Mapping[str, Any], now: datetime) -> None:
        """Replace the tracked objects with an `export()` snapshot, dropping those stale at `now`.

        Raises:
            ValueError: the snapshot has another version or a malformed object.
        """
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError("unsupported counting snapshot version")
        loaded: list[tuple[str, _Track]] = []
        try:
            for object_id, (ax, ay, side, last_t, seen, c_in, c_out, last) in snapshot[
                "objects"
            ].items():
                track = _Track(_aware(datetime.fromisoformat(seen)))
                track.ax, track.ay, track.side = float(ax), float(ay), _side(side)
                track.last_t = None if last_t is None else float(last_t)
                track.counted_in, track.counted_out = bool(c_in), bool(c_out)
                track.last = None if last is None else Direction(last)
                loaded.append((str(object_id), track))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"malformed counting snapshot: {err}") from err
        loaded.sort(key=lambda item: item[1].seen)
        self._tracks = dict(loaded)
        self.prune(now)


class Beam(StrEnum):
    """The two sensors of a directional pair: A on the outside, B on the inside."""

    A = "a"
    B = "b"


class DirectionalPair:
    """Two beams (or any two binary sensors) across a doorway: A then B = in, B then A = out.

    Call `trigger` on each beam's rising edge. The second beam completes a pass when it follows
    the other beam within `window_s` seconds (inclusive); a lone beam, a repeat of the same beam
    (which restarts the wait) or a beam after the window counts nothing.

    Raises:
        ValueError: window_s <= 0.
    """

    def __init__(self, window_s: float) -> None:
        """Configure the window in seconds."""
        if window_s <= 0:
            raise ValueError("the window must be > 0 seconds")
        self.window = timedelta(seconds=window_s)
        self._pending: tuple[Beam, datetime] | None = None

    def trigger(self, beam: Beam, now: datetime) -> Direction | None:
        """Record that `beam` turned on at `now`; return the direction of a completed pass."""
        pending, self._pending = self._pending, None
        if (
            pending is not None
            and pending[0] is not beam
            and timedelta(0) <= now - pending[1] <= self.window
        ):
            return Direction.IN if pending[0] is Beam.A else Direction.OUT
        self._pending = (beam, now)
        return None


def _as_count(reading: object) -> int | None:
    """A non-negative integral number from a reading (number or numeric string), else None."""
    if isinstance(reading, bool) or not isinstance(reading, int | float | str):
        return None
    try:
        value = float(reading)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        return None
    return int(value)


class CounterDelta:
    """Turns successive readings of a total counter (entries or exits so far) into increments.

    The first reading sets the baseline (delta 0). A decrease means the counter was reset, so the
    delta is the new reading (counted up from zero). Readings that are not non-negative integral
    numbers (`"unknown"`, `"unavailable"`, None, NaN, 2.5) are ignored and keep the baseline.
    """

    def __init__(self) -> None:
        """Start without a baseline."""
        self.last: int | None = None

    def update(self, reading: object) -> int:
        """The increase since the last valid reading; 0 for the first or an ignored reading."""
        value = _as_count(reading)
        if value is None:
            return 0
        last, self.last = self.last, value
        if last is None:
            return 0
        return value - last if value >= last else value

    def export(self) -> dict[str, Any]:
        """The baseline, JSON-safe."""
        return {"version": SNAPSHOT_VERSION, "last": self.last}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Load an `export()` snapshot.

        Raises:
            ValueError: another version or a baseline that is not a count.
        """
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError("unsupported counter snapshot version")
        last = snapshot.get("last")
        if last is not None and _as_count(last) is None:
            raise ValueError(f"malformed counter baseline: {last!r}")
        self.last = None if last is None else int(last)


class PeopleCountDelta:
    """Turns successive readings of a people count (people present now) into entries and exits.

    For a sensor that reports the running count itself (a door counter's "people inside"). The
    first reading sets the baseline; a rise of n is n entries, a fall of n is n exits. Readings
    that are not non-negative integral numbers are ignored and keep the baseline. Snapshots have
    the form of `CounterDelta`'s.
    """

    def __init__(self) -> None:
        """Start without a baseline."""
        self.last: int | None = None

    def update(self, reading: object) -> tuple[int, int]:
        """Entries and exits since the last valid reading; (0, 0) for the first or ignored ones."""
        value = _as_count(reading)
        if value is None:
            return 0, 0
        last, self.last = self.last, value
        if last is None:
            return 0, 0
        return (value - last, 0) if value >= last else (0, last - value)

    def export(self) -> dict[str, Any]:
        """The baseline, JSON-safe."""
        return {"version": SNAPSHOT_VERSION, "last": self.last}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Load an `export()` snapshot.

        Raises:
            ValueError: another version or a baseline that is not a count.
        """
        baseline = CounterDelta()
        baseline.restore(snapshot)
        self.last = baseline.last


def frigate_points(
    after: Mapping[str, Any], width: float, height: float
) -> list[TimedXY] | list[Point]:
    """The bottom-centre points of a Frigate `frigate/events` object (the message's `after`).

    `path_data` when the key is present (Frigate >= 0.16: `[[x, y], frame_time]` entries,
    normalised, the whole path so far), else the bottom-centre of `box` in a detect stream of
    `width` x `height` pixels (`bottom_centre`). An empty `path_data` gives no point.

    Raises:
        ValueError: neither a well-formed `path_data` nor a well-formed `box`.
    """
    path = after.get("path_data")
    box = after.get("box")
    try:
        if isinstance(path, list):
            timed: list[TimedXY] = [((float(x), float(y)), float(t)) for (x, y), t in path]
            return timed
        if path is None and isinstance(box, list):
            return [bottom_centre([float(value) for value in box], width, height)]
    except (TypeError, ValueError) as err:
        raise ValueError(f"malformed path_data or box: {err}") from err
    raise ValueError("the object has neither path_data nor a box")


@dataclass(frozen=True, slots=True)
class CountState:
    """The people count of one area at one moment.

    Attributes:
        count: people present, never negative.
        entries, exits: totals of people counted in and out (never decrease; calibration and
            clamping leave them alone).
        near_capacity: count >= `AreaCount.near_threshold` (stays on when over capacity).
        over_capacity: count > capacity.
        anomaly: a clamp happened since the last calibration.
        anomalies: how many updates were clamped; clamped: people removed by clamping.
        last_activity: the last update with entries or exits (aware UTC), or None.
        calibrated_at: the last `set_count` (aware UTC), or None.
    """

    count: int
    entries: int
    exits: int
    near_capacity: bool
    over_capacity: bool
    anomaly: bool
    anomalies: int
    clamped: int
    last_activity: datetime | None
    calibrated_at: datetime | None


@dataclass(frozen=True, slots=True)
class CountResult:
    """The state before and after one call, and the people removed by clamping in it."""

    previous: CountState
    state: CountState
    clamped: int = 0


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return value


def _side(value: object) -> int:
    if value not in {-1, 0, 1} or isinstance(value, bool):
        raise ValueError(f"side {value!r} is not -1, 0 or +1")
    return int(value)


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} is not a boolean")
    return value


def _non_negative_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return value


class AreaCount:
    """The live people count of one area from entries and exits, with capacity thresholds.

    The count never goes negative: an update that would take it below zero sets it to zero,
    flags `anomaly` and adds to `anomalies` and `clamped` (seed 003; a missed entry is the usual
    cause). `set_count` is staff calibration and clears the flag.

    Raises:
        ValueError: capacity < 1 or near_ratio outside (0, 1].
    """

    def __init__(self, capacity: int | None = None, near_ratio: float = 0.8) -> None:
        """Configure the maximum number of people (None = no limit) and the near-capacity ratio."""
        if capacity is not None and (isinstance(capacity, bool) or capacity < 1):
            raise ValueError("capacity must be >= 1 person or None")
        if not 0 < near_ratio <= 1:
            raise ValueError("near_ratio must be within (0, 1]")
        self.capacity = capacity
        self.near_ratio = near_ratio
        self.near_threshold: int | None = (
            None if capacity is None else max(1, math.ceil(round(near_ratio * capacity, 9)))
        )
        """The smallest count that is near capacity: ceil(near_ratio x capacity), or None."""
        self.count = 0
        self.entries = 0
        self.exits = 0
        self.anomaly = False
        self.anomalies = 0
        self.clamped = 0
        self.last_activity: datetime | None = None
        self.calibrated_at: datetime | None = None

    @property
    def state(self) -> CountState:
        """The current state."""
        return CountState(
            count=self.count,
            entries=self.entries,
            exits=self.exits,
            near_capacity=self.near_threshold is not None and self.count >= self.near_threshold,
            over_capacity=self.capacity is not None and self.count > self.capacity,
            anomaly=self.anomaly,
            anomalies=self.anomalies,
            clamped=self.clamped,
            last_activity=self.last_activity,
            calibrated_at=self.calibrated_at,
        )

    def apply(self, entries: int, exits: int, now: datetime) -> CountResult:
        """Add `entries` people in and `exits` people out (net, in one step) at `now`.

        Raises:
            ValueError: a count that is not a whole number >= 0, or a naive `now`.
        """
        entries = _non_negative_int(entries, "entries")
        exits = _non_negative_int(exits, "exits")
        previous = self.state
        self.entries += entries
        self.exits += exits
        if entries or exits:
            self.last_activity = _aware(now)
        count = self.count + entries - exits
        clamped = max(0, -count)
        if clamped:
            self.anomaly = True
            self.anomalies += 1
            self.clamped += clamped
        self.count = count + clamped
        return CountResult(previous, self.state, clamped)

    def set_count(self, count: int, now: datetime) -> CountResult:
        """Calibrate: `count` people are present at `now`; clears `anomaly`.

        Raises:
            ValueError: a count that is not a whole number >= 0, or a naive `now`.
        """
        count = _non_negative_int(count, "count")
        previous = self.state
        self.calibrated_at = _aware(now)
        self.count = count
        self.anomaly = False
        return CountResult(previous, self.state)

    def stale_at(self, after_s: float) -> datetime | None:
        """When a count above zero becomes suspicious (the count anomaly of issue 5).

        That is `after_s` seconds after the last activity or calibration, whichever is later;
        None when the count is zero or nothing happened yet.
        """
        times = [t for t in (self.last_activity, self.calibrated_at) if t is not None]
        if self.count == 0 or not times:
            return None
        return max(times) + timedelta(seconds=after_s)

    def export(self) -> dict[str, Any]:
        """The state, JSON-safe; capacity stays configuration."""
        return {
            "version": SNAPSHOT_VERSION,
            "count": self.count,
            "entries": self.entries,
            "exits": self.exits,
            "anomaly": self.anomaly,
            "anomalies": self.anomalies,
            "clamped": self.clamped,
            "last_activity": _iso(self.last_activity),
            "calibrated_at": _iso(self.calibrated_at),
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Load an `export()` snapshot into this (configured) count.

        Raises:
            ValueError: another version, or a field of the wrong type.
        """
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError("unsupported count snapshot version")
        try:
            values = {
                name: _non_negative_int(snapshot[name], name)
                for name in ("count", "entries", "exits", "anomalies", "clamped")
            }
            times = {
                name: None
                if snapshot[name] is None
                else _aware(datetime.fromisoformat(snapshot[name]))
                for name in ("last_activity", "calibrated_at")
            }
            anomaly = _bool(snapshot["anomaly"], "anomaly")
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"malformed count snapshot: {err}") from err
        self.count, self.entries, self.exits = values["count"], values["entries"], values["exits"]
        self.anomalies, self.clamped = values["anomalies"], values["clamped"]
        self.last_activity, self.calibrated_at = times["last_activity"], times["calibrated_at"]
        self.anomaly = anomaly


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def rollup(counts: Iterable[int]) -> int:
    """The count of a floor or the home: the sum of its areas' counts."""
    return sum(counts)
