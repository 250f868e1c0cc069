"""Replay a dataset through the occupancy engine under a simulated clock, in several variants.

A variant is the engine plus what the harness adds on top, until the engine does it itself:
- a fixed timeout (the baseline B0 is 300 s);
- an adaptive timeout: every hour each area's timeout is set to the learner's `suggest_timeout`,
  learned online from the sessions this very run produced (`engine.set_timeout`; a running timer
  keeps its end);
- handoff (a generalised "wasp in a box" for single-resident homes): evidence in another area
  makes an occupied area vacant `handoff_delay` seconds later unless it sees evidence again
  meanwhile; areas held by a presence sensor are left alone (`engine.force_vacant`).
The engine and the learner are imported without Home Assistant, as `devtools/replay.py` does.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from devtools.casas import SensorKind
from devtools.engine_loader import engine_module, load_engine

from .groundtruth import Intervals, epoch

if TYPE_CHECKING:
    from types import ModuleType

    from custom_components.occupancy_manager.engine.learning import LearnerConfig
    from custom_components.occupancy_manager.engine.sessions import Session

    from .datasets import Dataset

_HOUR = timedelta(hours=1)
_NO_BOUNDS = 10 * 86400.0


@dataclass(frozen=True, slots=True)
class Variant:
    """How the harness drives the engine.

    Attributes:
        name: the row label in the tables.
        timeout: the base timeout (seconds); with `adaptive`, the one used until learned.
        adaptive: None, or `learner` (hourly `suggest_timeout`).
        handoff: vacate other areas on evidence elsewhere (single-resident homes only).
        handoff_delay: seconds between the evidence elsewhere and the vacancy.
        learner: learner tuning for `adaptive` (None: defaults).
        primary: this variant's state and sessions feed the learner's predictions.
    """

    name: str
    timeout: float = 300.0
    adaptive: str | None = None
    handoff: bool = False
    handoff_delay: float = 60.0
    learner: LearnerConfig | None = None
    primary: bool = False


@dataclass(slots=True)
class Run:
    """What one variant did.

    Attributes:
        occupied: per area, the occupied intervals.
        sessions: every completed session, in end order.
        untils: per area, (time, occupied_until) after each change: NaN while held by evidence,
            -inf while vacant; B0's next-vacancy prediction reads it.
        timeouts: per area, the timeouts the adaptive strategy chose (seconds), hourly.
        handoffs: vacancies caused by handoff.
    """

    occupied: dict[str, Intervals]
    sessions: list[Session]
    untils: dict[str, tuple[list[float], list[float]]]
    timeouts: dict[str, list[float]] = field(default_factory=dict)
    handoffs: int = 0


def area_configs(engine: ModuleType, dataset: Dataset, timeout: float) -> list[Any]:
    """One AreaConfig per area: motion -> trigger, presence -> sustain; doors left out.

    The timeout policy's bounds are opened wide so a fixed or learned timeout is used as is.
    """
    roles = {
        SensorKind.MOTION: engine.SensorRole.TRIGGER,
        SensorKind.PRESENCE: engine.SensorRole.SUSTAIN,
    }
    model = engine_module("model")
    policy = model.TimeoutPolicy(min_timeout=0.0, max_timeout=_NO_BOUNDS)
    sensors: dict[str, list[Any]] = {}
    for spec in dataset.mapping.values():
        group = sensors.setdefault(spec.area, [])
        if (role := roles.get(spec.kind)) is not None:
            group.append(engine.SensorConfig(spec.sensor, role))
    return [
        engine.AreaConfig(area, tuple(group), timeout, policy=policy)
        for area, group in sorted(sensors.items())
    ]


class _Driver:
    """Feeds one engine and keeps the records a `Run` needs."""

    def __init__(self, dataset: Dataset, variant: Variant) -> None:
        self.engine_pkg = load_engine()
        self.sessions_mod = engine_module("sessions")
        learning = engine_module("learning")
        self.variant = variant
        configs = area_configs(self.engine_pkg, dataset, variant.timeout)
        self.engine = self.engine_pkg.OccupancyEngine(configs)
        self.areas = [config.area_id for config in configs]
        self.sustain = {
            spec.sensor for spec in dataset.mapping.values() if spec.kind is SensorKind.PRESENCE
        }
        self.learner = learning.Learner(UTC, variant.learner) if variant.adaptive else None
        self.opened: dict[str, datetime] = {}
        self.pairs: dict[str, list[tuple[float, float]]] = {area: [] for area in self.areas}
        self.sessions: list[Session] = []
        self.untils: dict[str, tuple[list[float], list[float]]] = {a: ([], []) for a in self.areas}
        self.timeouts: dict[str, list[float]] = {area: [] for area in self.areas}
        self.handoffs = 0
        self.pending: list[tuple[datetime, str]] = []
        self.deadline: dict[str, datetime] = {}

    def record(
        self, result: Any, now: datetime, touched: set[str], reason: str | None = None
    ) -> None:
        """Turn transitions into sessions and note each touched area's `occupied_until`."""
        for transition in result.transitions:
            area = transition.area_id
            touched.add(area)
            if transition.occupied:
                self.opened[area] = transition.at
                continue
            start = self.opened.pop(area, None)
            if start is None:
                continue
            ended = reason or str(transition.reason)
            timeout = self.engine.state(area).timeout if ended == "timeout" else None
            session = self.sessions_mod.Session.between(area, start, transition.at, ended, timeout)
            self.sessions.append(session)
            self.pairs[area].append((epoch(start), epoch(transition.at)))
            if self.learner is not None:
                self.learner.update(session)
        for area in touched:
            state = self.engine.state(area)
            until = state.occupied_until
            value = epoch(until) if until is not None else float("nan")
            times, values = self.untils[area]
            times.append(epoch(now))
            values.append(value if state.occupied else float("-inf"))

    def handoff(self, area: str, at: datetime) -> None:
        """Evidence in `area` at `at`: schedule the other occupied areas' vacancy."""
        self.deadline.pop(area, None)
        due = at + timedelta(seconds=self.variant.handoff_delay)
        for other in self.areas:
            if other == area or other in self.deadline:
                continue
            state = self.engine.state(other)
            if state.occupied and not self.sustain.intersection(state.active_sensors):
                self.deadline[other] = due
                heapq.heappush(self.pending, (due, other))

    def run_due(
        self, until: datetime, wakeup: datetime | None, next_hour: datetime | None
    ) -> tuple[datetime | None, datetime | None]:
        """Run timers, handoffs and hourly timeout updates due before `until`, in time order."""
        while True:
            handoff_at = self.pending[0][0] if self.pending else None
            due = min((t for t in (wakeup, handoff_at, next_hour) if t is not None), default=None)
            if due is None or due >= until:
                return wakeup, next_hour
            if wakeup is not None and due == wakeup:
                result = self.engine.tick(due)
                self.record(result, due, set())
                wakeup = result.next_wakeup
            elif handoff_at is not None and due == handoff_at:
                _, area = heapq.heappop(self.pending)
                if self.deadline.get(area) == due:
                    state = self.engine.state(area)
                    if state.occupied and not self.sustain.intersection(state.active_sensors):
                        self.handoffs += 1
                        result = self.engine.force_vacant(area, due)
                        self.record(result, due, {area}, "handoff")
                        wakeup = result.next_wakeup
                    del self.deadline[area]
            else:
                assert next_hour is not None  # noqa: S101 - the only other due time
                assert self.learner is not None  # noqa: S101 - hours are due only when adaptive
                for area in self.areas:
                    seconds = self.learner.suggest_timeout(area, due)
                    self.timeouts[area].append(seconds)
                    wakeup = self.engine.set_timeout(area, seconds, due).next_wakeup
                next_hour = due + _HOUR


def run_variant(dataset: Dataset, variant: Variant) -> Run:
    """Replay the dataset's events through the engine as `variant` says.

    Raises:
        ValueError: the variant asks for handoff in a home that is not single-resident.
    """
    if variant.handoff and not dataset.single_resident:
        raise ValueError(f"{dataset.name}: handoff assumes a single resident")
    driver = _Driver(dataset, variant)
    engine = driver.engine
    by_sensor = {spec.sensor: spec for spec in dataset.mapping.values()}
    wakeup: datetime | None = None
    next_hour: datetime | None = None
    last = datetime.min.replace(tzinfo=UTC)
    for event in dataset.events:
        at = max(event.at.replace(tzinfo=UTC), last)
        last = at
        if variant.adaptive and next_hour is None:
            next_hour = at.replace(minute=0, second=0, microsecond=0) + _HOUR
        wakeup, next_hour = driver.run_due(at, wakeup, next_hour)
        spec = by_sensor[event.sensor]
        result = engine.handle(driver.engine_pkg.Event(event.sensor, on=event.on), at)
        driver.record(result, at, {spec.area} if spec.area in driver.untils else set())
        wakeup = result.next_wakeup
        if variant.handoff and _hands_off(spec, dataset, on=event.on):
            driver.handoff(spec.area, at)
    wakeup, _ = driver.run_due(last + timedelta(days=1), wakeup, None)
    end = epoch(last)
    for area, start in driver.opened.items():
        driver.pairs[area].append((epoch(start), end))
    return Run(
        {area: Intervals.of(pairs) for area, pairs in driver.pairs.items()},
        sorted(driver.sessions, key=lambda session: session.end),
        driver.untils,
        driver.timeouts,
        driver.handoffs,
    )


def _hands_off(spec: Any, dataset: Dataset, *, on: bool) -> bool:
    """Whether an event shows where the resident is.

    Any ON of a motion or presence sensor does, and any event of an entrance sensor (the
    resident is at the door).
    """
    if spec.area in dataset.entrance_areas:
        return True
    return on and spec.kind is not SensorKind.DOOR
