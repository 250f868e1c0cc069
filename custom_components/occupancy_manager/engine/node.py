"""Mutable per-node state of the engine, and its snapshot form. Only the engine touches it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .model import AreaConfig, Lock, LockMode, LockScope, Reason, SensorRole
from .timeouts import RunningMean

PERSON_PREFIX = "person:"
DOOR_PREFIX = "door:"


class Node:
    """One area, floor or home.

    `own` is what the node's own evidence says; `occupied` is the effective state after its
    contributing children and any lock. `active` holds the sources holding the node now: sensor
    ids, `person:<id>` for identity, `door:<id>` for a closed door in wasp-in-a-box mode.
    A timer entry exists for `timer_at`; it may be earlier than `until` (re-armed lazily).
    """

    __slots__ = (
        "active",
        "base_timeout",
        "box_confirmed",
        "box_door",
        "children",
        "cleared_at",
        "config",
        "evidence_until",
        "id",
        "last_sensor",
        "learned",
        "learned_timeout",
        "lock",
        "occupants",
        "occupied",
        "occupied_children",
        "on_since",
        "own",
        "own_since",
        "parent",
        "pending_since",
        "reason",
        "since",
        "stuck",
        "stuck_at",
        "timer_at",
        "until",
    )

    def __init__(self, config: AreaConfig) -> None:
        """A vacant, unlocked node."""
        self.config = config
        self.id = config.area_id
        self.parent: Node | None = None
        self.children: list[Node] = []
        self.base_timeout = config.timeout
        self.learned = RunningMean()
        self.learned_timeout: float | None = None
        self.lock: Lock | None = None
        self.reset()

    def reset(self, *, durable: bool = False) -> None:
        """Forget the runtime state; with `durable`, also the lock, runtime timeout and learning."""
        if durable:
            self.base_timeout = self.config.timeout
            self.learned = RunningMean()
            self.learned_timeout = None
            self.lock = None
        self.own = False
        self.own_since: datetime | None = None
        self.occupied = False
        self.occupied_children = 0
        self.since: datetime | None = None
        self.reason: Reason | None = None
        self.last_sensor: str | None = None
        self.active: set[str] = set()
        self.stuck: set[str] = set()
        self.on_since: dict[str, datetime] = {}
        self.stuck_at: dict[str, datetime] = {}
        self.evidence_until: datetime | None = None
        self.until: datetime | None = None
        self.cleared_at: datetime | None = None
        self.timer_at: datetime | None = None
        self.pending_since: datetime | None = None
        self.occupants: set[str] = set()
        self.box_door: str | None = None
        self.box_confirmed = False

    def export(self) -> dict[str, Any]:
        """JSON-safe record of this node (see `restore_record`)."""
        return {
            "own": self.own,
            "own_since": _iso(self.own_since),
            "occupied": self.occupied,
            "reason": self.reason,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "evidence_until": _iso(self.evidence_until),
            "active": sorted(a for a in self.active if not a.startswith(PERSON_PREFIX)),
            "held": bool(self.active) and self.own,
            "box_door": self.box_door,
            "box_confirmed": self.box_confirmed,
            "last_sensor": self.last_sensor,
            "lock": None
            if self.lock is None
            else {
                "mode": self.lock.mode,
                "scope": self.lock.scope,
                "expires": _iso(self.lock.expires),
            },
            "timeout": self.base_timeout if self.base_timeout != self.config.timeout else None,
            "learned_mean": self.learned.mean,
            "learned_count": self.learned.count,
            "learned_timeout": self.learned_timeout,
            "stuck": sorted(self.stuck),
        }


def role_of(node: Node, source: str) -> SensorRole | None:
    """The role of a sensor in `node`, or None."""
    for sensor in node.config.sensors:
        if sensor.entity_id == source:
            return sensor.role
    return None


def restore_record(node: Node, record: Mapping[str, Any], now: datetime) -> None:
    """Load the durable parts of a record.

    That is the lock (unless expired), runtime timeout, learning and last known effective state.
    Evidence is restored by the engine (it needs the saved time).
    """
    lock = record.get("lock")
    if isinstance(lock, Mapping):
        expires = parse_time(lock.get("expires"))
        mode, scope = str(lock.get("mode")), str(lock.get("scope"))
        known = mode in LockMode._value2member_map_ and scope in LockScope._value2member_map_
        if known and (expires is None or expires > now):
            node.lock = Lock(LockMode(mode), LockScope(scope), expires)
    timeout = record.get("timeout")
    if isinstance(timeout, int | float) and timeout >= 0:
        node.base_timeout = float(timeout)
    mean, count = record.get("learned_mean"), record.get("learned_count")
    if isinstance(mean, int | float) and isinstance(count, int) and mean >= 0 and count > 0:
        node.learned.mean, node.learned.count = float(mean), count
    learned_timeout = record.get("learned_timeout")
    if isinstance(learned_timeout, int | float) and not isinstance(learned_timeout, bool):
        node.learned_timeout = float(learned_timeout) if learned_timeout >= 0 else None
    node.occupied = record.get("occupied") is True
    node.since = parse_time(record.get("since"))
    node.reason = parse_reason(record.get("reason"))
    last = record.get("last_sensor")
    node.last_sensor = last if isinstance(last, str) else None


def str_set(value: object) -> set[str]:
    """The strings of a JSON list (anything else: empty)."""
    if not isinstance(value, list):
        return set()
    return {item for item in value if isinstance(item, str)}


def parse_time(value: object) -> datetime | None:
    """An aware datetime from ISO text, or None for anything else (naive included)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_reason(value: object) -> Reason | None:
    """A Reason from its value, or None."""
    return Reason(value) if isinstance(value, str) and value in Reason._value2member_map_ else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
