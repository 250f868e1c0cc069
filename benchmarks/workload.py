"""A seeded synthetic workload for the engine benchmark: people walking through a building.

The building (the root node, `home`) has floors of areas; each area has two motion sensors (PIR:
short pulses) and one presence sensor (mmWave: on while someone is there). Every day each person
arrives in the morning and leaves in the evening; in between they move from area to area, mostly
on the same floor, and now and then go out for a while. While a person is in an area its motion
sensors pulse every few seconds to minutes (sometimes the person sits still for minutes); its
presence sensor is on for the visit, misses some visits and drops out now and then. Areas fall
quiet between visits and whole floors at night, so timeouts expire at every level. A sensor
seen by several people at once reports the union of what each would make it report, so every
sensor alternates on and off.

Times are seconds since the start, which is midnight of the first day. The same `seed` always
gives the same events; so do the same seed and a larger `events`, whose events start with the
smaller workload's.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

MOTION_HOLD = (3.0, 30.0)
"""A PIR pulse lasts uniformly between these many seconds."""
FIRST_MOTION_SHARE = 0.6
"""Share of pulses seen by an area's first motion sensor (the other sees the rest)."""
ACTIVE_GAP_MEAN = 20.0
"""Mean seconds between pulses of a person moving about (exponential)."""
STILL_SHARE, STILL_GAP = 0.1, (120.0, 720.0)
"""Share of pulses followed by the person sitting still, and that pause in seconds."""
DWELL_MEDIAN, DWELL_SIGMA, DWELL_RANGE = 480.0, 1.0, (30.0, 3 * 3600.0)
"""A visit lasts lognormally (median, sigma of the log), clamped to the range (seconds)."""
PRESENCE_SEEN = 0.85
"""Share of visits the presence sensor detects."""
DROPOUT_MEAN, DROPOUT_LENGTH = 300.0, (1.0, 5.0)
"""Mean seconds between presence dropouts (exponential), and their length in seconds."""
PRESENCE_TRAIL = (5.0, 20.0)
"""Seconds the presence sensor stays on after the person left."""
WALK = (3.0, 20.0)
"""Seconds between leaving one area and entering the next."""
SAME_FLOOR = 0.7
"""Share of moves that stay on the floor."""
AWAY_SHARE, AWAY_MEDIAN, AWAY_RANGE = 0.03, 2400.0, (600.0, 4 * 3600.0)
"""Share of visits after which the person goes out, and for how long (lognormal, seconds)."""
ARRIVAL_HOURS, STAY_HOURS = (6.5, 9.5), (8.0, 11.0)
"""Each day a person arrives between these hours and stays this many hours (uniform)."""
DAY = 86400.0
MERGE_GAP = 1e-3
"""Intervals of one sensor closer than this many seconds are one interval."""


class SensorKind(StrEnum):
    """Motion: a PIR (a trigger); presence: an mmWave sensor (a sustain sensor)."""

    MOTION = "motion"
    PRESENCE = "presence"


@dataclass(frozen=True, slots=True)
class Sensor:
    """One sensor: its entity id, the index of its area in `Workload.areas`, and its kind."""

    entity_id: str
    area: int
    kind: SensorKind


@dataclass(frozen=True, slots=True)
class Workload:
    """A building and its events, in time order.

    Attributes:
        seed: the seed it was generated from.
        home: the id of the root node.
        floors: floor ids.
        areas: area ids.
        area_floor: per area, the index of its floor in `floors`.
        sensors: every sensor, three per area (motion 1, motion 2, presence).
        people: how many people walk around.
        times: per event, seconds since the start (float64, non-decreasing).
        sensor: per event, the index of its sensor in `sensors` (int32).
        on: per event, True for on (detected), False for off (clear).
    """

    seed: int
    home: str
    floors: tuple[str, ...]
    areas: tuple[str, ...]
    area_floor: tuple[int, ...]
    sensors: tuple[Sensor, ...]
    people: int
    times: npt.NDArray[np.float64]
    sensor: npt.NDArray[np.int32]
    on: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        """The number of events."""
        return len(self.times)

    @property
    def span(self) -> float:
        """Seconds from the start to the last event (0 without events)."""
        return float(self.times[-1]) if len(self.times) else 0.0


def generate(
    events: int = 1_000_000,
    areas: int = 200,
    floors: int = 5,
    people: int | None = None,
    seed: int = 1,
) -> Workload:
    """Generate `events` events for `areas` areas spread over `floors` floors.

    Args:
        events: how many events (on and off edges) to return.
        areas: number of areas.
        floors: number of floors (at most one per area); areas are split into contiguous
            blocks, one per floor.
        people: people walking around (default: one per four areas, at least one).
        seed: the random seed.

    Raises:
        ValueError: fewer than one area, floor or person, or a negative number of events.
    """
    if areas < 1 or floors < 1 or (people is not None and people < 1) or events < 0:
        raise ValueError("need at least one area, floor and person, and events >= 0")
    floors = min(floors, areas)
    people = people if people is not None else max(1, areas // 4)
    area_floor = tuple(i * floors // areas for i in range(areas))
    width = len(str(areas - 1))
    area_ids = tuple(f"area_{i:0{width}d}" for i in range(areas))
    sensors = tuple(
        Sensor(f"binary_sensor.{area_id}_{name}", i, kind)
        for i, area_id in enumerate(area_ids)
        for name, kind in (
            ("motion_1", SensorKind.MOTION),
            ("motion_2", SensorKind.MOTION),
            ("presence", SensorKind.PRESENCE),
        )
    )
    by_floor: list[list[int]] = [[] for _ in range(floors)]
    for area, floor in enumerate(area_floor):
        by_floor[floor].append(area)
    walkers = [
        _Walker(random.Random(f"{seed}/{person}"), by_floor, area_floor) for person in range(people)
    ]
    intervals: list[list[tuple[float, float]]] = [[] for _ in sensors]
    horizon = 0.0
    times, sensor, on = _edges(intervals)
    final = 0
    while final < events:
        # Walkers continue where they stopped, and every visit after `horizon` starts after it:
        # the edges before `horizon` are final, whatever horizons come later.
        if final == 0:
            horizon += 86400.0
        else:
            horizon = max(horizon * 1.05, 1.1 * events * horizon / final)
        for walker in walkers:
            walker.walk_until(horizon, intervals)
        times, sensor, on = _edges(intervals)
        final = int(np.searchsorted(times, horizon))
    return Workload(
        seed=seed,
        home="home",
        floors=tuple(f"floor_{j}" for j in range(floors)),
        areas=area_ids,
        area_floor=area_floor,
        sensors=sensors,
        people=people,
        times=times[:events],
        sensor=sensor[:events],
        on=on[:events],
    )


class _Walker:
    """One person: visits areas one after another and records the sensor intervals they cause."""

    def __init__(
        self, rng: random.Random, by_floor: list[list[int]], area_floor: tuple[int, ...]
    ) -> None:
        self._rng = rng
        self._by_floor = by_floor
        self._area_floor = area_floor
        self._t = 0.0
        self._day_ends = 0.0
        self._area = 0

    def walk_until(self, horizon: float, intervals: list[list[tuple[float, float]]]) -> None:
        """Record every visit that starts before `horizon` (seconds) into `intervals` per sensor."""
        rng = self._rng
        while self._t < horizon:
            if self._t >= self._day_ends:
                self._next_day()
                continue
            start = self._t
            dwell = _clamp(rng.lognormvariate(math.log(DWELL_MEDIAN), DWELL_SIGMA), DWELL_RANGE)
            leave = min(start + dwell, self._day_ends)
            first = 3 * self._area
            pulse = start + rng.uniform(0.0, 3.0)
            while pulse < leave:
                hold = rng.uniform(*MOTION_HOLD)
                motion = first if rng.random() < FIRST_MOTION_SHARE else first + 1
                intervals[motion].append((pulse, pulse + hold))
                if rng.random() < STILL_SHARE:
                    pulse += hold + rng.uniform(*STILL_GAP)
                else:
                    pulse += hold + rng.expovariate(1 / ACTIVE_GAP_MEAN)
            if rng.random() < PRESENCE_SEEN:
                self._presence(start, leave, intervals[first + 2])
            if rng.random() < AWAY_SHARE:
                away = _clamp(rng.lognormvariate(math.log(AWAY_MEDIAN), 0.8), AWAY_RANGE)
                self._t = leave + away
                self._area = rng.randrange(len(self._area_floor))
            else:
                self._t = leave + rng.uniform(*WALK)
                self._area = self._next_area()

    def _next_day(self) -> None:
        """Skip to the next arrival after the current day (or after now, if later)."""
        rng = self._rng
        day = math.floor(self._day_ends / DAY) + (1 if self._day_ends > 0 else 0)
        arrival = day * DAY + rng.uniform(*ARRIVAL_HOURS) * 3600
        self._day_ends = arrival + rng.uniform(*STAY_HOURS) * 3600
        self._t = max(self._t, arrival)
        self._area = rng.randrange(len(self._area_floor))

    def _presence(self, start: float, leave: float, out: list[tuple[float, float]]) -> None:
        rng = self._rng
        on = start + rng.uniform(0.5, 3.0)
        off = leave + rng.uniform(*PRESENCE_TRAIL)
        drop = on + rng.expovariate(1 / DROPOUT_MEAN)
        while drop < off:
            out.append((on, drop))
            on = drop + rng.uniform(*DROPOUT_LENGTH)
            drop = on + rng.expovariate(1 / DROPOUT_MEAN)
        if on < off:
            out.append((on, off))

    def _next_area(self) -> int:
        rng = self._rng
        if rng.random() < SAME_FLOOR:
            return rng.choice(self._by_floor[self._area_floor[self._area]])
        return rng.randrange(len(self._area_floor))


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _edges(
    intervals: list[list[tuple[float, float]]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Merge each sensor's intervals and return all on/off edges sorted by time, then sensor."""
    times: list[float] = []
    sensors: list[int] = []
    ons: list[bool] = []
    for index, spans in enumerate(intervals):
        if not spans:
            continue
        spans.sort()
        begin, end = spans[0]
        for start, stop in spans[1:]:
            if start <= end + MERGE_GAP:
                end = max(end, stop)
                continue
            times.extend((begin, end))
            begin, end = start, stop
        times.extend((begin, end))
        count = len(times) - len(sensors)
        sensors.extend([index] * count)
        ons.extend([True, False] * (count // 2))
    time_array = np.array(times, dtype=np.float64)
    sensor_array = np.array(sensors, dtype=np.int32)
    order = np.lexsort((sensor_array, time_array))
    return time_array[order], sensor_array[order], np.array(ons, dtype=np.bool_)[order]
