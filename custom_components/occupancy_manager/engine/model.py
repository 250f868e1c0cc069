"""Value types of the occupancy engine: configuration in, events in, transitions and states out.

All datetimes are timezone-aware (UTC by convention); all durations are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SensorRole(StrEnum):
    """What a sensor's `on` means for its area (vocabulary in DESIGN.md).

    TRIGGER: momentary evidence such as PIR motion; starts occupancy and holds it while on.
    SUSTAIN: holds occupancy while on (mmWave presence, bed mat); starts it only if allowed.
    """

    TRIGGER = "trigger"
    SUSTAIN = "sustain"


class Reason(StrEnum):
    """Why an area changed state. Vacancy reasons double as session end reasons."""

    TRIGGER = "trigger"
    SUSTAIN = "sustain"
    TIMEOUT = "timeout"
    RESTART_EXPIRED = "restart_expired"


class SnapshotError(ValueError):
    """A stored engine snapshot cannot be read (wrong shape or version)."""


@dataclass(frozen=True, slots=True)
class SensorConfig:
    """One sensor of an area.

    Attributes:
        entity_id: the source's id (in Home Assistant, a binary_sensor entity id).
        role: see `SensorRole`.
        starts_occupancy: whether `on` may turn a vacant area occupied. Always true for triggers.
    """

    entity_id: str
    role: SensorRole
    starts_occupancy: bool = True


@dataclass(frozen=True, slots=True)
class AreaConfig:
    """One area: its sensors and the timeout after the last evidence clears.

    Attributes:
        area_id: the area's id (in Home Assistant, the area registry id).
        sensors: the area's sensors; a sensor may belong to several areas.
        timeout: seconds an area stays occupied after its last sensor turned off; >= 0.

    Raises:
        ValueError: a negative timeout.
    """

    area_id: str
    sensors: tuple[SensorConfig, ...] = ()
    timeout: float = 300.0

    def __post_init__(self) -> None:
        """Reject impossible configurations early."""
        if self.timeout < 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {self.timeout}")


@dataclass(frozen=True, slots=True)
class Event:
    """A sensor changed: `on` is True for detected, False for clear.

    Sources that are unknown or unavailable are the host's concern: it sends `on=False`
    for a sustain sensor that became unavailable and nothing for a trigger.
    """

    source: str
    on: bool


@dataclass(frozen=True, slots=True)
class Transition:
    """An area became occupied or vacant.

    Attributes:
        area_id: the area.
        occupied: the new state.
        at: when the change took effect (for a timeout, the moment the timer ran out).
        reason: why.
        source: the sensor that caused it, when one did.
        duration: for a vacancy, the seconds the session lasted; else None.
    """

    area_id: str
    occupied: bool
    at: datetime
    reason: Reason
    source: str | None = None
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """What a call changed, and when the host must call `tick` next (None: no timer needed)."""

    transitions: tuple[Transition, ...] = ()
    next_wakeup: datetime | None = None


@dataclass(frozen=True, slots=True)
class AreaState:
    """A read-only view of one area, for entities and diagnostics.

    Attributes:
        occupied_until: when the area becomes vacant if nothing else happens; None while
            vacant or while a sensor holds it (see `active_sensors`).
        since: when the current state began (None if never known).
        last_sensor: the sensor that last gave evidence.
    """

    area_id: str
    occupied: bool
    reason: Reason | None
    since: datetime | None
    occupied_until: datetime | None
    timeout: float
    active_sensors: tuple[str, ...] = field(default=())
    last_sensor: str | None = None
