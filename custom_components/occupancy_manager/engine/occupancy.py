"""The occupancy engine: sensor events in, occupied/vacant transitions and the next wake-up out.

Rules (DESIGN.md, seed 000 "occupancy timer system"):
- a sensor that may start occupancy turns a vacant area occupied when it turns on;
- any sensor of an occupied area holds it while on;
- when the last sensor turns off, the area stays occupied for its timeout, then becomes vacant;
- a new `on` while the timer runs cancels the timer (the hold is back), so re-detection extends.

The host calls `tick(now)` at `Result.next_wakeup`; `handle` also expires due timers first, so a
late tick never reorders transitions.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .model import (
    AreaConfig,
    AreaState,
    Event,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    SnapshotError,
    Transition,
)

SNAPSHOT_VERSION = 1


class _Area:
    """Mutable per-area state; only the engine touches it."""

    __slots__ = (
        "active",
        "config",
        "last_sensor",
        "occupied",
        "reason",
        "since",
        "timeout",
        "until",
    )

    def __init__(self, config: AreaConfig) -> None:
        self.config = config
        self.timeout = timedelta(seconds=config.timeout)
        self.occupied = False
        self.reason: Reason | None = None
        self.since: datetime | None = None
        self.until: datetime | None = None
        self.active: set[str] = set()
        self.last_sensor: str | None = None


class OccupancyEngine:
    """Occupancy of a set of areas, driven by sensor events and explicit time.

    Every public method takes `now` (aware datetime) and never reads a clock.
    """

    def __init__(self, areas: Sequence[AreaConfig]) -> None:
        """Build the engine; all areas start vacant.

        Raises:
            ValueError: two areas share an area_id.
        """
        self._areas: dict[str, _Area] = {}
        self._by_source: dict[str, list[tuple[_Area, SensorConfig]]] = {}
        for config in areas:
            if config.area_id in self._areas:
                raise ValueError(f"duplicate area_id {config.area_id!r}")
            area = _Area(config)
            self._areas[config.area_id] = area
            for sensor in config.sensors:
                self._by_source.setdefault(sensor.entity_id, []).append((area, sensor))
        self._heap: list[tuple[datetime, int, str]] = []
        self._seq = 0

    @property
    def sources(self) -> frozenset[str]:
        """Every sensor id that any area listens to."""
        return frozenset(self._by_source)

    def handle(self, event: Event, now: datetime) -> Result:
        """Apply one sensor event at `now`; unknown sources are ignored."""
        transitions: list[Transition] = []
        self._expire(now, Reason.TIMEOUT, transitions)
        for area, sensor in self._by_source.get(event.source, ()):
            self._apply(area, sensor, on=event.on, now=now, out=transitions)
        return Result(tuple(transitions), self.next_wakeup())

    def tick(self, now: datetime) -> Result:
        """Expire every timer due at or before `now`."""
        transitions: list[Transition] = []
        self._expire(now, Reason.TIMEOUT, transitions)
        return Result(tuple(transitions), self.next_wakeup())

    def next_wakeup(self) -> datetime | None:
        """The earliest running timer, or None."""
        heap = self._heap
        while heap:
            when, _, area_id = heap[0]
            area = self._areas[area_id]
            if area.occupied and area.until == when:
                return when
            heapq.heappop(heap)
        return None

    def state(self, area_id: str) -> AreaState:
        """A view of one area.

        Raises:
            KeyError: unknown area_id.
        """
        area = self._areas[area_id]
        return AreaState(
            area_id=area_id,
            occupied=area.occupied,
            reason=area.reason,
            since=area.since,
            occupied_until=area.until if area.occupied else None,
            timeout=area.config.timeout,
            active_sensors=tuple(sorted(area.active)),
            last_sensor=area.last_sensor,
        )

    def states(self) -> Mapping[str, AreaState]:
        """Views of all areas, by area_id."""
        return {area_id: self.state(area_id) for area_id in self._areas}

    def export(self, now: datetime) -> dict[str, Any]:
        """A JSON-safe snapshot of the areas' state, for `restore` after a restart."""
        return {
            "version": SNAPSHOT_VERSION,
            "saved_at": now.isoformat(),
            "areas": {
                area_id: {
                    "occupied": area.occupied,
                    "reason": area.reason,
                    "since": area.since.isoformat() if area.since else None,
                    "occupied_until": area.until.isoformat() if area.until else None,
                    "held": bool(area.active) and area.occupied,
                    "active_sensors": sorted(area.active),
                    "last_sensor": area.last_sensor,
                }
                for area_id, area in self._areas.items()
            },
        }

    def restore(
        self,
        snapshot: Mapping[str, Any],
        now: datetime,
        on_sources: Collection[str] = (),
        unknown_sources: Collection[str] = (),
    ) -> Result:
        """Load a snapshot taken by `export`, then apply the sensors that are on at `now`.

        Stale protection: a timer that ran out while the host was down ends vacant with reason
        `restart_expired` (at its expiry time). An area held by a sensor at `saved_at` is treated as
        if that sensor cleared at `saved_at`, so a restart never re-arms a full timeout; if the
        sensor is still on (`on_sources`), the hold simply continues and the area never flickers.
        A sensor whose state is not known yet (`unknown_sources`, e.g. its integration is still
        loading) keeps the hold it had at `saved_at` until the host reports its state.
        Areas missing from the snapshot, or malformed, start vacant.

        Raises:
            SnapshotError: the snapshot is not a mapping of the supported version.
        """
        if not isinstance(snapshot, Mapping) or snapshot.get("version") != SNAPSHOT_VERSION:
            raise SnapshotError("unsupported or missing snapshot version")
        saved_at = _parse_time(snapshot.get("saved_at"))
        stored = snapshot.get("areas")
        if saved_at is None or not isinstance(stored, Mapping):
            raise SnapshotError("snapshot lacks saved_at or areas")
        self._heap.clear()
        for area_id, area in self._areas.items():
            area.occupied, area.reason, area.since, area.until = False, None, None, None
            area.active.clear()
            _restore_area(area, stored.get(area_id), saved_at)
        transitions: list[Transition] = []
        for area_id, area in self._areas.items():
            record = stored.get(area_id)
            if area.occupied and isinstance(record, Mapping) and record.get("held"):
                kept = _str_list(record.get("active_sensors")) & set(unknown_sources)
                if kept & {sensor.entity_id for sensor in area.config.sensors}:
                    area.active.update(kept)
                    area.until = None
        for source in on_sources:
            for area, sensor in self._by_source.get(source, ()):
                self._apply(area, sensor, on=True, now=now, out=transitions)
        for area in self._areas.values():
            if area.occupied and area.until is not None:
                self._push(area)
        self._expire(now, Reason.RESTART_EXPIRED, transitions)
        return Result(tuple(transitions), self.next_wakeup())

    def _apply(
        self, area: _Area, sensor: SensorConfig, *, on: bool, now: datetime, out: list[Transition]
    ) -> None:
        source = sensor.entity_id
        if on:
            area.active.add(source)
            if area.occupied:
                area.until = None
                area.last_sensor = source
            elif sensor.starts_occupancy or sensor.role is SensorRole.TRIGGER:
                reason = Reason.TRIGGER if sensor.role is SensorRole.TRIGGER else Reason.SUSTAIN
                area.occupied, area.reason, area.since, area.until = True, reason, now, None
                area.last_sensor = source
                out.append(
                    Transition(
                        area.config.area_id, occupied=True, at=now, reason=reason, source=source
                    )
                )
            return
        if source not in area.active:
            return
        area.active.discard(source)
        if area.occupied and not area.active:
            area.until = now + area.timeout
            area.last_sensor = source
            self._push(area)

    def _push(self, area: _Area) -> None:
        assert area.until is not None  # noqa: S101 - internal invariant
        self._seq += 1
        heapq.heappush(self._heap, (area.until, self._seq, area.config.area_id))

    def _expire(self, now: datetime, reason: Reason, out: list[Transition]) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, area_id = heapq.heappop(heap)
            area = self._areas[area_id]
            if not area.occupied or area.until != when:
                continue
            duration = (when - area.since).total_seconds() if area.since else None
            area.occupied, area.reason, area.since, area.until = False, reason, when, None
            out.append(
                Transition(
                    area_id,
                    occupied=False,
                    at=when,
                    reason=reason,
                    source=area.last_sensor,
                    duration=duration,
                )
            )


def _restore_area(area: _Area, record: object, saved_at: datetime) -> None:
    """Load one area's record; anything malformed leaves the area vacant."""
    if not isinstance(record, Mapping) or record.get("occupied") is not True:
        return
    since = _parse_time(record.get("since"))
    if record.get("held"):
        until: datetime | None = saved_at + area.timeout
    else:
        until = _parse_time(record.get("occupied_until"))
    if until is None:
        return
    area.occupied, area.since, area.until = True, since, until
    area.reason = _parse_reason(record.get("reason"))
    last = record.get("last_sensor")
    area.last_sensor = last if isinstance(last, str) else None


def _str_list(value: object) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {item for item in value if isinstance(item, str)}


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse_reason(value: object) -> Reason | None:
    return Reason(value) if isinstance(value, str) and value in Reason._value2member_map_ else None
