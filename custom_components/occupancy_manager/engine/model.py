"""Value types of the occupancy engine: configuration in, events in, transitions and states out.

All datetimes are timezone-aware (UTC by convention); all durations are seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SensorRole(StrEnum):
    """What a sensor's `on` means for its area (vocabulary in DESIGN.md).

    TRIGGER: momentary evidence such as PIR motion; starts occupancy and holds it while on.
    SUSTAIN: holds occupancy while on (mmWave presence, bed mat); starts it only if allowed.
    VACANCY: an explicit departure signal; `on` ends occupancy at once (seed 000).
    DOOR: a boundary contact, `on` = open. With "wasp in a box", an area whose door closes while
        it is occupied stays occupied until the door opens, unless motion elsewhere (and none
        inside) shows that the occupant left before the door closed.
    """

    TRIGGER = "trigger"
    SUSTAIN = "sustain"
    VACANCY = "vacancy"
    DOOR = "door"


class NodeKind(StrEnum):
    """What a node of the hierarchy is: an HA area, an HA floor, or the whole home."""

    AREA = "area"
    FLOOR = "floor"
    HOME = "home"


class Reason(StrEnum):
    """Why a node changed state. Vacancy reasons double as session end reasons."""

    TRIGGER = "trigger"
    SUSTAIN = "sustain"
    DOOR = "door"
    TIMEOUT = "timeout"
    EVIDENCE_CLEARED = "evidence_cleared"
    VACANCY_SIGNAL = "vacancy_signal"
    MANUAL = "manual"
    LOCK = "lock"
    CHILD = "child"
    PARENT = "parent"
    STUCK = "stuck"
    RESTART_EXPIRED = "restart_expired"


class LockMode(StrEnum):
    """FREEZE keeps the state as it is; BLOCK_OCCUPIED keeps it vacant; BLOCK_VACANT occupied."""

    FREEZE = "freeze"
    BLOCK_OCCUPIED = "block_occupied"
    BLOCK_VACANT = "block_vacant"


class LockScope(StrEnum):
    """SELF locks one node; SUBTREE also every node below it."""

    SELF = "self"
    SUBTREE = "subtree"


class StrategyKind(StrEnum):
    """How an area's timeout is chosen (seed 000 "timeout strategies")."""

    FIXED = "fixed"
    TIME_OF_DAY = "time_of_day"
    ADAPTIVE = "adaptive"


def _duration_ok(seconds: float) -> bool:
    """A usable duration: finite and not negative (NaN and inf break timedelta)."""
    return math.isfinite(seconds) and seconds >= 0


class SnapshotError(ValueError):
    """A stored engine snapshot cannot be read (wrong shape or version)."""


@dataclass(frozen=True, slots=True)
class SensorConfig:
    """One sensor of an area.

    Attributes:
        entity_id: the source's id (in Home Assistant, a binary_sensor entity id).
        role: see `SensorRole`.
        starts_occupancy: whether `on` may turn a vacant area occupied. Triggers always may;
            sustain sensors by default; doors only when set (a door opening into a room).
        timeout: seconds this sensor's evidence lasts after it turns off, overriding the
            area's timeout for its role; taken literally (strategies and bounds do not apply).
    """

    entity_id: str
    role: SensorRole
    starts_occupancy: bool = True
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class TimeOfDayRule:
    """A time-of-day timeout rule.

    From `start_hour` to `end_hour` (local time, [start, end), wrapping past midnight), use
    `timeout` seconds, or the base timeout times `multiplier` (exactly one is set).

    Raises:
        ValueError: hours outside 0-24, or not exactly one of timeout/multiplier.
    """

    start_hour: float
    end_hour: float
    timeout: float | None = None
    multiplier: float | None = None

    def __post_init__(self) -> None:
        """Reject impossible rules."""
        if not (0 <= self.start_hour <= 24 and 0 <= self.end_hour <= 24):  # noqa: PLR2004
            raise ValueError("rule hours must be within 0-24")
        if (self.timeout is None) == (self.multiplier is None):
            raise ValueError("a rule sets exactly one of timeout and multiplier")
        if (self.timeout or 0) < 0 or (self.multiplier or 0) < 0:
            raise ValueError("rule timeout and multiplier must be >= 0")

    def matches(self, hour: float) -> bool:
        """Whether local `hour` (0 <= hour < 24, fractional) falls in the rule."""
        if self.start_hour <= self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour


@dataclass(frozen=True, slots=True)
class TimeoutPolicy:
    """How the area timeout is computed; bounds limit what a strategy chooses.

    Attributes:
        kind: fixed (the base timeout), time_of_day (first matching rule), or adaptive
            (`adaptive_factor` x the mean session duration learned so far, seed 000: 2x).
        rules: time-of-day rules, first match wins.
        min_timeout, max_timeout: bounds in seconds for the time-of-day and adaptive strategies
            (a fixed timeout is literal). The engine's defaults are neutral (0, inf); the
            integration's area defaults are 2-10 min (seed 000).
    """

    kind: StrategyKind = StrategyKind.FIXED
    rules: tuple[TimeOfDayRule, ...] = ()
    min_timeout: float = 0.0
    max_timeout: float = float("inf")
    adaptive_factor: float = 2.0

    def __post_init__(self) -> None:
        """Reject impossible bounds."""
        if not 0 <= self.min_timeout <= self.max_timeout:
            raise ValueError("need 0 <= min_timeout <= max_timeout")


@dataclass(frozen=True, slots=True)
class AreaConfig:
    """One node of the hierarchy: an area with sensors, or a floor / the home rolling up areas.

    Attributes:
        area_id: the node id (area registry id, floor id, or any unique id for the home).
        sensors: the area's sensors; a sensor may belong to several areas.
        timeout: base seconds an area stays occupied after its last evidence cleared.
        role_timeouts: per-role overrides of the area timeout, e.g. {SUSTAIN: 30}; literal.
        policy: the timeout strategy and bounds.
        grace_period: a trigger burst shorter than this many seconds does not start occupancy
            unless a second event confirms it (0 = off; seed 000 suggests 10 s).
        wasp_in_box: doors hold the area while closed (see SensorRole.DOOR).
        parent: the node this one rolls up into (None for a root).
        contributes: whether this node's occupancy makes its parent occupied.
        follow_parent: this node becomes vacant when its parent does.
        stuck_sustain_after: seconds a sustain sensor may stay on before it is flagged stuck
            (None: never).
        stuck_trigger_timeouts: a trigger on for longer than this many area timeouts is stuck
            (seed 000: more than 10 consecutive timeouts; at least one hour; 0: never).
        kind: area, floor or home.

    Raises:
        ValueError: negative durations.
    """

    area_id: str
    sensors: tuple[SensorConfig, ...] = ()
    timeout: float = 300.0
    role_timeouts: Mapping[SensorRole, float] = field(default_factory=dict)
    policy: TimeoutPolicy = field(default_factory=TimeoutPolicy)
    grace_period: float = 0.0
    wasp_in_box: bool = False
    parent: str | None = None
    contributes: bool = True
    follow_parent: bool = False
    stuck_sustain_after: float | None = 24 * 3600.0
    stuck_trigger_timeouts: int = 10
    kind: NodeKind = NodeKind.AREA

    def __post_init__(self) -> None:
        """Reject impossible configurations early."""
        if not _duration_ok(self.timeout):
            raise ValueError(f"{self.area_id}: timeout must be >= 0 seconds, got {self.timeout}")
        if not _duration_ok(self.grace_period) or not _duration_ok(self.stuck_sustain_after or 1):
            raise ValueError(f"{self.area_id}: grace period and stuck time must be >= 0 seconds")
        if not all(_duration_ok(value) for value in self.role_timeouts.values()):
            raise ValueError(f"{self.area_id}: role timeouts must be >= 0 seconds")
        if not all(s.timeout is None or _duration_ok(s.timeout) for s in self.sensors):
            raise ValueError(f"{self.area_id}: sensor timeouts must be >= 0 seconds")


@dataclass(frozen=True, slots=True)
class Event:
    """A sensor changed: `on` is True for detected (door: open), False for clear (closed).

    The host sends `on=False` for a sensor that became unknown or unavailable.
    """

    source: str
    on: bool


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock on a node; `expires` None = until unlocked."""

    mode: LockMode
    scope: LockScope = LockScope.SELF
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """A node became occupied or vacant.

    Attributes:
        area_id: the node.
        occupied: the new state.
        at: when the change took effect (for a timeout, the moment the timer ran out).
        reason: why.
        source: the sensor, person or child node that caused it, when one did.
        duration: for a vacancy, the seconds the session lasted; else None.
    """

    area_id: str
    occupied: bool
    at: datetime
    reason: Reason
    source: str | None = None
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class StuckChange:
    """A sensor was flagged stuck (`stuck` True) or recovered by changing state."""

    source: str
    area_id: str
    stuck: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class Result:
    """What a call changed, and when the host must call `tick` next (None: no timer needed)."""

    transitions: tuple[Transition, ...] = ()
    next_wakeup: datetime | None = None
    stuck: tuple[StuckChange, ...] = ()


@dataclass(frozen=True, slots=True)
class AreaState:
    """A read-only view of one node, for entities and diagnostics.

    Attributes:
        occupied_until: when the node becomes vacant if nothing else happens; None while
            vacant, held by evidence (see `active_sensors`), or occupied through a child.
        since: when the current state began (None if never known).
        timeout: the area timeout in force now (seconds, after strategy and bounds).
        active_sensors: sensors holding the node now.
        occupants: people here (this node and, for parents, their children), sorted.
        lock: the lock in force (own, or inherited from a subtree lock above).
        stuck_sensors: sensors flagged stuck, ignored until they change.
    """

    area_id: str
    occupied: bool
    reason: Reason | None
    since: datetime | None
    occupied_until: datetime | None
    timeout: float
    active_sensors: tuple[str, ...] = ()
    last_sensor: str | None = None
    occupants: tuple[str, ...] = ()
    lock: Lock | None = None
    stuck_sensors: tuple[str, ...] = ()
    kind: NodeKind = NodeKind.AREA
