"""Replay a prepared schedule of binary sensor events on Home Assistant's own loop timers.

The schedule is the JSON file `scripts/develop` writes (see `parse_schedule`); event offsets are
data seconds after the schedule's start and fire `speed` times faster than real time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_at, async_track_time_interval
from homeassistant.util import dt as dt_util

_LOGGER = logging.getLogger(__name__)

CLOCK_INTERVAL = timedelta(seconds=1)
KINDS = frozenset({"motion", "door", "presence"})


@dataclass(frozen=True, slots=True)
class ReplaySensor:
    """One replayed binary sensor: its data key, display name, area id and kind (device class)."""

    key: str
    name: str
    area: str
    kind: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """What to replay.

    Attributes:
        start: the data time (naive, the home's local wall clock) that offset 0 stands for.
        speed: data seconds per real second (> 0).
        source: where the events came from, for display.
        areas: area id -> area name, the areas to create.
        sensors: the sensors; events refer to them by index.
        events: (offset in data seconds >= 0, sensor index, on), sorted by offset.
    """

    start: datetime
    speed: float
    source: str
    areas: dict[str, str]
    sensors: tuple[ReplaySensor, ...]
    events: tuple[tuple[float, int, bool], ...]


def parse_schedule(data: Mapping[str, Any]) -> Schedule:
    """Build a `Schedule` from the JSON object `scripts/develop` writes.

    Raises:
        ValueError: a key is missing or has the wrong type, a sensor has an unknown kind or area,
            an event names an unknown sensor, or the offsets are negative or out of order.
    """
    try:
        start = datetime.fromisoformat(data["start"]).replace(tzinfo=None)
        speed = float(data["speed"])
        areas = {str(key): str(name) for key, name in data["areas"].items()}
        sensors = tuple(
            ReplaySensor(str(s["key"]), str(s["name"]), str(s["area"]), str(s["kind"]))
            for s in data["sensors"]
        )
        events = tuple((float(at), int(index), bool(on)) for at, index, on in data["events"])
        source = str(data.get("source", ""))
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"malformed schedule: {err!r}") from None
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed}")
    for sensor in sensors:
        if sensor.kind not in KINDS:
            raise ValueError(f"sensor {sensor.key!r} has unknown kind {sensor.kind!r}")
        if sensor.area not in areas:
            raise ValueError(f"sensor {sensor.key!r} is in unknown area {sensor.area!r}")
    previous = 0.0
    for at, index, _ in events:
        if not 0 <= index < len(sensors):
            raise ValueError(f"event at offset {at} names unknown sensor {index}")
        if at < previous:
            raise ValueError(f"event offsets must be >= 0 and sorted; {at} follows {previous}")
        previous = at
    return Schedule(start, speed, source, areas, sensors, events)


class Replayer:
    """Fires the schedule's events into sensor states, timed by `async_call_at`.

    `states[i]` is sensor i's current state; listeners registered with `async_listen` hear about
    changes of one sensor (by index) or, with index None, about the clock (every second while
    running, and on start and finish).
    """

    def __init__(self, hass: HomeAssistant, schedule: Schedule) -> None:
        """Prepare the replay; nothing runs until `async_start`."""
        self.hass = hass
        self.schedule = schedule
        self.states: list[bool] = [False] * len(schedule.sensors)
        self.replayed = 0
        self._t0: float | None = None
        self._listeners: dict[int | None, list[CALLBACK_TYPE]] = {}
        self._timer: CALLBACK_TYPE | None = None
        self._clock: CALLBACK_TYPE | None = None

    @property
    def running(self) -> bool:
        """Started and not yet through all events."""
        return self._t0 is not None and not self.finished

    @property
    def finished(self) -> bool:
        """All events have been replayed."""
        return self.replayed >= len(self.schedule.events)

    def data_time(self) -> datetime | None:
        """The replayed home's clock as an aware datetime (HA's time zone); None before start."""
        if self._t0 is None:
            return None
        elapsed = (self.hass.loop.time() - self._t0) * self.schedule.speed
        if self.finished and self.schedule.events:
            elapsed = min(elapsed, self.schedule.events[-1][0])
        naive = self.schedule.start + timedelta(seconds=elapsed)
        return naive.replace(tzinfo=dt_util.get_default_time_zone())

    @callback
    def async_listen(self, index: int | None, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when sensor `index` (or the clock, for None) changes; returns unsub."""
        self._listeners.setdefault(index, []).append(listener)
        return lambda: self._listeners[index].remove(listener)

    @callback
    def async_start(self) -> bool:
        """Start replaying now; False (and nothing happens) if it was started before."""
        if self._t0 is not None:
            return False
        self._t0 = self.hass.loop.time()
        self._clock = async_track_time_interval(
            self.hass, self._tick, CLOCK_INTERVAL, name="occupancy_replay clock"
        )
        _LOGGER.info(
            "Replaying %d events from %s at %sx",
            len(self.schedule.events),
            self.schedule.start,
            self.schedule.speed,
        )
        self._notify(None)
        self._fire_due()
        return True

    @callback
    def async_stop(self) -> None:
        """Cancel the timers (on shutdown)."""
        for cancel in (self._timer, self._clock):
            if cancel is not None:
                cancel()
        self._timer = self._clock = None

    def status(self) -> dict[str, Any]:
        """A JSON-safe summary: running, finished, events replayed and total, speed, start.

        `start` and `data_time` are naive ISO times of the home's wall clock, like the schedule.
        """
        now = self.data_time()
        return {
            "running": self.running,
            "finished": self.finished,
            "events_replayed": self.replayed,
            "events_total": len(self.schedule.events),
            "data_time": now.replace(microsecond=0, tzinfo=None).isoformat() if now else None,
            "start": self.schedule.start.isoformat(),
            "speed": self.schedule.speed,
            "source": self.schedule.source,
        }

    @callback
    def _tick(self, _now: datetime) -> None:
        self._notify(None)

    @callback
    def _fire_due(self, _now: datetime | None = None) -> None:
        """Apply every event that is due, each as its own state write, then sleep until the next.

        At high speeds an on/off pulse can fall into one wake-up; writing each change keeps the
        pulse visible to state listeners instead of collapsing it.
        """
        self._timer = None
        assert self._t0 is not None  # noqa: S101 - only scheduled after async_start
        events = self.schedule.events
        speed = self.schedule.speed
        now = self.hass.loop.time()
        while self.replayed < len(events):
            at, index, on = events[self.replayed]
            if self._t0 + at / speed > now:
                self._timer = async_call_at(self.hass, self._fire_due, self._t0 + at / speed)
                break
            self.replayed += 1
            if self.states[index] != on:
                self.states[index] = on
                self._notify(index)
        if self.finished:
            _LOGGER.info("Replay finished: %d events", self.replayed)
            self.async_stop()
            self._notify(None)

    def _notify(self, index: int | None) -> None:
        for listener in list(self._listeners.get(index, ())):
            listener()
