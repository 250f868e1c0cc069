"""The hierarchical occupancy engine: events in; transitions and the next wake-up out.

Rules (DESIGN.md; seed 000 "occupancy timer system"; seed 001 "hierarchical occupancy engine"):
- a sensor that may start occupancy turns a vacant area occupied when it turns on (a trigger
  burst shorter than the grace period needs a second event to confirm it);
- any trigger or sustain sensor, a present person, or a closed door in wasp-in-a-box mode holds
  an occupied area; when the last hold clears, the area stays occupied until its evidence
  expires (per sensor: its role's timeout after it turned off), then becomes vacant;
- a vacancy sensor ends occupancy at once; the sensors still on are ignored until they change;
- a parent (area, floor, home) is occupied while its own evidence or any contributing child
  says so; a follow-parent child becomes vacant with its parent;
- locks: freeze keeps the state, block_occupied keeps it vacant, block_vacant occupied, for one
  node or its subtree, optionally until an expiry;
- a sustain sensor on for too long, or a trigger on for more than N timeouts, is flagged stuck
  and ignored until it changes.

Every public method takes `now` (aware datetime) and never reads a clock. The host calls
`tick(now)` at `Result.next_wakeup`; `handle` also runs due timers first, so a late tick never
reorders transitions.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from .model import (
    AreaConfig,
    AreaState,
    Event,
    Lock,
    LockMode,
    LockScope,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    SnapshotError,
    StrategyKind,
    StuckChange,
    Transition,
)
from .node import (
    DOOR_PREFIX,
    PERSON_PREFIX,
    Node,
    parse_time,
    restore_record,
    role_of,
    str_set,
)
from .timeouts import RunningMean, area_timeout

SNAPSHOT_VERSION = 2
# A person can keep a PIR on for a long time (exercise, cooking); never call a trigger stuck
# before an hour, whatever the timeout.
MIN_TRIGGER_STUCK = 3600.0
COUNT_PREFIX = "count:"
_TIMER, _GRACE, _STUCK, _LOCK = range(4)
_HOLD_ROLES = (SensorRole.TRIGGER, SensorRole.SUSTAIN)

type _Entry = tuple[datetime, int, int, Node, str | None]


class OccupancyEngine:
    """Occupancy of a hierarchy of areas, floors and a home, driven by events and explicit time."""

    def __init__(self, areas: Sequence[AreaConfig], tz: tzinfo = UTC) -> None:
        """Build the engine; all nodes start vacant and unlocked.

        `tz` is the home's time zone, used only by time-of-day timeout rules.

        Raises:
            ValueError: a duplicate area_id, an unknown parent, or a parent cycle.
        """
        self._tz = tz
        self._nodes: dict[str, Node] = {}
        self._by_source: dict[str, list[tuple[Node, SensorConfig]]] = {}
        for config in areas:
            if config.area_id in self._nodes:
                raise ValueError(f"duplicate area_id {config.area_id!r}")
            node = Node(config)
            self._nodes[config.area_id] = node
            for sensor in config.sensors:
                self._by_source.setdefault(sensor.entity_id, []).append((node, sensor))
        for node in self._nodes.values():
            if node.config.parent is None:
                continue
            parent = self._nodes.get(node.config.parent)
            if parent is None:
                raise ValueError(f"{node.id}: unknown parent {node.config.parent!r}")
            node.parent = parent
            parent.children.append(node)
        for node in self._nodes.values():
            seen = {node.id}
            up = node.parent
            while up is not None:
                if up.id in seen:
                    raise ValueError(f"parent cycle through {node.id!r}")
                seen.add(up.id)
                up = up.parent
        self._order = list(self._post_order())
        self._heap: list[_Entry] = []
        self._seq = 0
        self._boxes: set[Node] = set()
        self._person_area: dict[str, Node] = {}
        self._counts: dict[str, int] = {}
        self._now = datetime.min.replace(tzinfo=UTC)

    # ----------------------------------------------------------------- public API

    @property
    def sources(self) -> frozenset[str]:
        """Every sensor id that any area listens to."""
        return frozenset(self._by_source)

    @property
    def area_ids(self) -> tuple[str, ...]:
        """All node ids, children before their parents."""
        return tuple(node.id for node in self._order)

    def handle(self, event: Event, now: datetime) -> Result:
        """Apply one sensor event at `now`; unknown sources are ignored."""
        out: list[Transition] = []
        stuck: list[StuckChange] = []
        self._now = now
        if self._heap and self._heap[0][0] <= now:
            self._expire(now, out, stuck, restart=False)
        targets = self._by_source.get(event.source)
        if targets is None:
            return Result(tuple(out), self.next_wakeup(), tuple(stuck))
        if self._boxes and event.on:
            self._check_boxes(targets, now)
        for node, sensor in targets:
            if event.source in node.stuck:
                node.stuck.discard(event.source)
                stuck.append(StuckChange(event.source, node.id, stuck=False, at=now))
            if event.on:
                self._sensor_on(node, sensor, now, out)
            else:
                self._sensor_off(node, sensor, now)
        if self._heap and self._heap[0][0] <= now:
            self._expire(now, out, stuck, restart=False)
        return Result(tuple(out), self.next_wakeup(), tuple(stuck))

    def tick(self, now: datetime) -> Result:
        """Run every timer due at or before `now`."""
        return self._run(now)

    def next_wakeup(self) -> datetime | None:
        """The earliest pending timer, or None."""
        heap = self._heap
        while heap:
            if self._valid(heap[0]):
                return heap[0][0]
            heapq.heappop(heap)
        return None

    def set_presence(
        self, person: str, area_id: str | None, now: datetime, *, pet: bool = False
    ) -> Result:
        """Say where `person` is now (None: in no managed area).

        A present person holds an occupied area like a sustain sensor, but never starts
        occupancy (identity alone is not evidence of arrival). Pets are ignored.

        Raises:
            KeyError: unknown area_id.
        """
        new = self._nodes[area_id] if area_id is not None else None
        old = self._person_area.get(person)
        if pet or old is new:
            return self._run(now)

        def move(_out: list[Transition]) -> None:
            key = PERSON_PREFIX + person
            if old is not None:
                old.occupants.discard(person)
                del self._person_area[person]
                self._release(old, key, None, SensorRole.SUSTAIN, now)
            if new is not None:
                new.occupants.add(person)
                self._person_area[person] = new
                if new.own:
                    self._hold(new, key)

        return self._run(now, move)

    def set_count(self, area_id: str, count: int, now: datetime, *, starts: bool = True) -> Result:
        """Say how many people a counter places in an area now (issue 5, people counting).

        A count above zero holds the area like a sustain sensor (hold key `count:<area_id>`).
        A rise of the count is an entry, which is arrival evidence: it also makes a vacant area
        occupied (reason trigger) unless `starts` is False, which a host uses to re-apply a
        stored count after a restart. A fall that stays above zero changes nothing; 0 releases
        the hold, and the area's evidence then lasts its sustain timeout. As with sensors, a
        count hold dropped by a vacancy signal or force_vacant returns with the next entry. The
        count is not part of `export`: the host re-applies it after `restore`.

        Raises:
            KeyError: unknown area_id.
            ValueError: a negative count.
        """
        if count < 0:
            raise ValueError("count must be >= 0 people")
        node = self._nodes[area_id]
        previous = self._counts.pop(area_id, 0)
        if count:
            self._counts[area_id] = count
        key = COUNT_PREFIX + area_id

        def apply(out: list[Transition]) -> None:
            if not count:
                self._release(node, key, None, SensorRole.SUSTAIN, now)
            elif count > previous:
                if node.own:
                    self._hold(node, key)
                    return
                node.active.add(key)
                if starts:
                    self._start_own(node, now, now, Reason.TRIGGER, key, out)

        return self._run(now, apply)

    def force_occupied(self, area_id: str, now: datetime, duration: float | None = None) -> Result:
        """Make a node occupied now (reason manual).

        It stays occupied for at least `duration` seconds (default: its timeout); later evidence
        extends it as usual.

        Raises:
            KeyError: unknown area_id.
            ValueError: negative duration.
        """
        if duration is not None and duration < 0:
            raise ValueError("duration must be >= 0 seconds")
        node = self._nodes[area_id]

        def occupy(out: list[Transition]) -> None:
            seconds = duration if duration is not None else self._area_timeout(node, now)
            if not node.own:
                self._start_own(node, now, now, Reason.MANUAL, None, out)
            self._extend_evidence(node, now + timedelta(seconds=seconds))
            node.last_sensor = None
            if not node.active:
                self._arm(node, now)

        return self._run(now, occupy)

    def extend(self, area_id: str, seconds: float, now: datetime) -> Result:
        """Keep a node occupied for at least `seconds` more (occupying it if vacant).

        Raises:
            KeyError: unknown area_id.
            ValueError: negative seconds.
        """
        return self.force_occupied(area_id, now, seconds)

    def force_vacant(self, area_id: str, now: datetime, duration: float | None = None) -> Result:
        """End a node's own occupancy now (reason manual).

        Sensors that are on are ignored until they change. With `duration`, occupancy is also
        blocked for that many seconds (a block_occupied lock). A floor or parent stays occupied
        while a contributing child is.

        Raises:
            KeyError: unknown area_id.
            ValueError: negative duration.
        """
        if duration is not None and duration < 0:
            raise ValueError("duration must be >= 0 seconds")
        node = self._nodes[area_id]

        def vacate(out: list[Transition]) -> None:
            if duration is not None:
                block = Lock(LockMode.BLOCK_OCCUPIED, expires=now + timedelta(seconds=duration))
                self._set_lock(node, block)
            self._end_own(node, now, Reason.MANUAL, None, out)
            if duration is not None:
                self._refresh_locked(node, now, out)

        return self._run(now, vacate)

    def lock(
        self,
        area_id: str,
        mode: LockMode,
        now: datetime,
        scope: LockScope = LockScope.SELF,
        expires: datetime | None = None,
    ) -> Result:
        """Lock a node (and with SUBTREE its descendants); replaces an existing lock.

        Raises:
            KeyError: unknown area_id.
            ValueError: `expires` not after `now`.
        """
        if expires is not None and expires <= now:
            raise ValueError("a lock must expire after now")
        node = self._nodes[area_id]

        def apply(out: list[Transition]) -> None:
            widen = node.lock is not None and node.lock.scope is LockScope.SUBTREE
            self._set_lock(node, Lock(mode, scope, expires))
            self._refresh_locked(node, now, out, widen=widen)

        return self._run(now, apply)

    def unlock(self, area_id: str, now: datetime) -> Result:
        """Remove a node's own lock; its state follows the evidence again.

        Raises:
            KeyError: unknown area_id.
        """
        node = self._nodes[area_id]

        def remove(out: list[Transition]) -> None:
            if node.lock is not None:
                widen = node.lock.scope is LockScope.SUBTREE
                node.lock = None
                self._refresh_locked(node, now, out, widen=widen)

        return self._run(now, remove)

    def set_timeout(self, area_id: str, seconds: float | None, now: datetime) -> Result:
        """Change a node's base timeout at runtime (None: back to the configured one).

        It applies from the next time evidence clears; a running timer keeps its end.

        Raises:
            KeyError: unknown area_id.
            ValueError: negative seconds.
        """
        if seconds is not None and seconds < 0:
            raise ValueError("timeout must be >= 0 seconds")
        node = self._nodes[area_id]
        node.base_timeout = node.config.timeout if seconds is None else seconds
        return self.tick(now)

    def set_learned_timeout(self, area_id: str, seconds: float | None, now: datetime) -> Result:
        """Give an adaptive area the timeout its learner suggests (None: back to the mean rule).

        The policy's bounds still apply; fixed and time-of-day areas ignore it. Kept across
        restarts; applies from the next time evidence clears, like `set_timeout`.

        Raises:
            KeyError: unknown area_id.
            ValueError: negative seconds.
        """
        if seconds is not None and seconds < 0:
            raise ValueError("timeout must be >= 0 seconds")
        self._nodes[area_id].learned_timeout = seconds
        return self.tick(now)

    def reset_learning(self, area_id: str) -> None:
        """Forget what the adaptive strategy learned for an area (mean and learned timeout).

        Raises:
            KeyError: unknown area_id.
        """
        node = self._nodes[area_id]
        node.learned = RunningMean()
        node.learned_timeout = None

    def learn_session(self, area_id: str, duration: float) -> None:
        """Teach the adaptive strategy one session duration (seconds), e.g. from history.

        Raises:
            KeyError: unknown area_id.
        """
        self._nodes[area_id].learned.add(duration)

    def state(self, area_id: str, now: datetime | None = None) -> AreaState:
        """A view of one node.

        `now` only matters for time-of-day timeouts (default: the time of the last call).

        Raises:
            KeyError: unknown area_id.
        """
        node = self._nodes[area_id]
        at = now or self._now
        return AreaState(
            area_id=node.id,
            occupied=node.occupied,
            reason=node.reason,
            since=node.since,
            occupied_until=node.until if node.occupied and node.own and not node.active else None,
            timeout=self._area_timeout(node, at),
            active_sensors=tuple(sorted(a for a in node.active if not a.startswith(PERSON_PREFIX))),
            last_sensor=node.last_sensor,
            occupants=tuple(sorted(self._occupants(node))),
            lock=self._lock_of(node),
            stuck_sensors=tuple(sorted(node.stuck)),
            kind=node.config.kind,
        )

    def states(self, now: datetime | None = None) -> Mapping[str, AreaState]:
        """Views of all nodes, by id."""
        return {area_id: self.state(area_id, now) for area_id in self._nodes}

    def export(self, now: datetime) -> dict[str, Any]:
        """A JSON-safe snapshot (state, holds, locks, runtime timeouts, learning) for `restore`."""
        return {
            "version": SNAPSHOT_VERSION,
            "saved_at": now.isoformat(),
            "areas": {node.id: node.export() for node in self._nodes.values()},
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
        loading) keeps the hold it had at `saved_at` until the host reports its state. Door holds
        (wasp in a box), locks (unless expired), runtime timeouts and learning are kept; people
        are not (the host reports presence again). Missing or malformed areas start vacant.

        Raises:
            SnapshotError: the snapshot is not a mapping of a supported version.
        """
        version = snapshot.get("version") if isinstance(snapshot, Mapping) else None
        if type(version) is not int or version not in (1, SNAPSHOT_VERSION):
            raise SnapshotError("unsupported or missing snapshot version")
        saved_at = parse_time(snapshot.get("saved_at"))
        stored = snapshot.get("areas")
        if saved_at is None or not isinstance(stored, Mapping):
            raise SnapshotError("snapshot lacks saved_at or areas")
        self._now = now
        self._heap.clear()
        self._boxes.clear()
        self._person_area.clear()
        self._counts.clear()
        unknown = set(unknown_sources)
        for node in self._nodes.values():
            node.reset(durable=True)
            record = stored.get(node.id)
            if isinstance(record, Mapping):
                restore_record(node, record, now)
                self._restore_evidence(node, record, saved_at, unknown)
                if node.lock is not None and node.lock.expires is not None:
                    self._push(node.lock.expires, _LOCK, node, None)
        for node in self._order:
            node.occupied_children = sum(
                1 for c in node.children if c.config.contributes and c.occupied
            )
        out: list[Transition] = []
        stuck: list[StuckChange] = []
        on = set(on_sources)
        self._resume_holds(stored, on, now)
        self._expire(now, out, stuck, restart=True)
        for source in sorted(on):  # sorted: the same transitions in the same order every run
            for node, sensor in self._by_source.get(source, ()):
                if source not in node.stuck:
                    self._sensor_on(node, sensor, now, out)
        for node in self._order:
            self._refresh(node, now, Reason.RESTART_EXPIRED, None, out)
        return Result(tuple(out), self.next_wakeup(), tuple(stuck))

    def _resume_holds(self, stored: Mapping[str, Any], on: set[str], now: datetime) -> None:
        """Continue holds whose sensor is on again; arm the other timers.

        A hold that is on again never flickers; the other timers are armed so that stale ones end
        (restart_expired) before sensors that are on start new sessions.
        """
        for node in self._nodes.values():
            record = stored.get(node.id)
            if node.own and isinstance(record, Mapping) and record.get("held") is True:
                mine = {s.entity_id for s in node.config.sensors}
                holding = str_set(record.get("active", record.get("active_sensors"))) & mine
                node.active.update((on & holding) - node.stuck)
            node.stuck &= on
            if node.own and not node.active:
                self._arm(node, now)

    def _run(
        self, now: datetime, change: Callable[[list[Transition]], None] | None = None
    ) -> Result:
        """Run due timers, apply `change` (which appends its transitions), run timers due now."""
        out: list[Transition] = []
        stuck: list[StuckChange] = []
        self._now = now
        self._expire(now, out, stuck, restart=False)
        if change is not None:
            change(out)
            self._expire(now, out, stuck, restart=False)
        return Result(tuple(out), self.next_wakeup(), tuple(stuck))

    # --------------------------------------------------------------- evidence

    def _sensor_on(
        self, node: Node, sensor: SensorConfig, now: datetime, out: list[Transition]
    ) -> None:
        source = sensor.entity_id
        role = sensor.role
        if role is SensorRole.VACANCY:
            if node.own or node.pending_since is not None:
                self._end_own(node, now, Reason.VACANCY_SIGNAL, source, out)
            return
        if role is SensorRole.DOOR:
            self._door_open(node, sensor, now, out)
            return
        node.on_since[source] = now
        self._schedule_stuck(node, source, role, now)
        if node.own:
            self._hold(node, source)
            node.last_sensor = source
            if node.box_door is not None and role is SensorRole.TRIGGER:
                node.box_confirmed = True
            return
        node.active.add(source)
        if role is SensorRole.SUSTAIN and not sensor.starts_occupancy:
            return
        reason = Reason.TRIGGER if role is SensorRole.TRIGGER else Reason.SUSTAIN
        grace = node.config.grace_period
        if role is SensorRole.TRIGGER and grace > 0:
            if node.pending_since is None:
                node.pending_since = now
                self._push(now + timedelta(seconds=grace), _GRACE, node, None)
                return
            since = node.pending_since
        else:
            since = now
        self._start_own(node, since, now, reason, source, out)

    def _sensor_off(self, node: Node, sensor: SensorConfig, now: datetime) -> None:
        source = sensor.entity_id
        role = sensor.role
        if role is SensorRole.DOOR:
            if node.config.wasp_in_box and node.own:
                if node.box_door is not None:
                    node.active.discard(DOOR_PREFIX + node.box_door)
                node.box_door = source
                node.box_confirmed = False
                self._hold(node, DOOR_PREFIX + source)
                self._boxes.add(node)
            return
        if role is SensorRole.VACANCY:
            return
        node.on_since.pop(source, None)
        node.stuck_at.pop(source, None)
        self._release(node, source, sensor, role, now)

    def _door_open(
        self, node: Node, sensor: SensorConfig, now: datetime, out: list[Transition]
    ) -> None:
        if node.box_door is not None:
            door = node.box_door
            node.box_door = None
            self._boxes.discard(node)
            self._release(node, DOOR_PREFIX + door, sensor, SensorRole.DOOR, now)
        elif not node.own and sensor.starts_occupancy:
            self._extend_evidence(
                node, now + timedelta(seconds=self._timeout_for(node, sensor, SensorRole.DOOR, now))
            )
            self._start_own(node, now, now, Reason.DOOR, sensor.entity_id, out)
            self._arm(node, now)

    def _check_boxes(self, targets: list[tuple[Node, SensorConfig]], now: datetime) -> None:
        """Confirm or release wasp-in-a-box holds on motion.

        Motion in a boxed area confirms its box; motion elsewhere first releases it (the occupant
        left before the door closed): its timer then runs from its last evidence.
        """
        if not any(sensor.role is SensorRole.TRIGGER for _, sensor in targets):
            return
        inside = {node for node, sensor in targets if sensor.role is SensorRole.TRIGGER}
        for node in list(self._boxes):
            if node in inside:
                node.box_confirmed = True
            elif not node.box_confirmed and node.box_door is not None:
                door = node.box_door
                node.box_door = None
                self._boxes.discard(node)
                node.active.discard(DOOR_PREFIX + door)
                if node.own and not node.active:
                    self._arm(node, now)
            if node.box_door is None or node.box_confirmed:
                self._boxes.discard(node)

    def _hold(self, node: Node, key: str) -> None:
        node.active.add(key)
        node.until = None

    def _release(
        self, node: Node, key: str, sensor: SensorConfig | None, role: SensorRole, now: datetime
    ) -> None:
        """A hold ended at `now`: its evidence lasts its timeout; the last one starts the timer."""
        if key not in node.active:
            return
        node.active.discard(key)
        if not node.own:
            return
        seconds = self._timeout_for(node, sensor, role, now)
        self._extend_evidence(node, now + timedelta(seconds=seconds))
        node.last_sensor = key if sensor is not None else node.last_sensor
        if not node.active:
            node.cleared_at = now
            self._arm(node, now)

    def _extend_evidence(self, node: Node, until: datetime) -> None:
        if node.evidence_until is None or until > node.evidence_until:
            node.evidence_until = until

    def _arm(self, node: Node, now: datetime) -> None:
        """Start the node's timer at its evidence expiry (now if it has none left)."""
        node.until = node.evidence_until if node.evidence_until is not None else now
        node.timer_at = node.until
        self._push(node.until, _TIMER, node, None)

    # ------------------------------------------------------------ transitions

    def _start_own(
        self,
        node: Node,
        since: datetime,
        now: datetime,
        reason: Reason,
        source: str | None,
        out: list[Transition],
    ) -> None:
        node.own = True
        node.own_since = since
        node.pending_since = None
        node.until = None
        node.last_sensor = source
        node.active.update(PERSON_PREFIX + p for p in node.occupants)
        self._refresh(node, now, reason, source, out, since=since)

    def _expire_own(
        self, node: Node, at: datetime, out: list[Transition], *, restart: bool = False
    ) -> None:
        if restart:
            reason = Reason.RESTART_EXPIRED
        elif node.cleared_at is not None and at <= node.cleared_at:
            reason = Reason.EVIDENCE_CLEARED
        else:
            reason = Reason.TIMEOUT
        self._end_own(node, at, reason, node.last_sensor, out)

    def _end_own(
        self,
        node: Node,
        at: datetime,
        reason: Reason,
        source: str | None,
        out: list[Transition],
    ) -> None:
        if node.own and node.own_since is not None and reason is not Reason.RESTART_EXPIRED:
            node.learned.add((at - node.own_since).total_seconds())
        node.active.clear()
        node.own = False
        node.own_since = None
        node.pending_since = None
        node.until = None
        node.evidence_until = None
        node.cleared_at = None
        node.box_door = None
        self._boxes.discard(node)
        self._refresh(node, at, reason, source, out)

    def _refresh(
        self,
        node: Node,
        at: datetime,
        reason: Reason,
        source: str | None,
        out: list[Transition],
        since: datetime | None = None,
    ) -> None:
        """Recompute the effective state; emit a transition and propagate if it changed."""
        raw = node.own or node.occupied_children > 0
        lock = self._lock_of(node)
        if lock is None:
            occupied = raw
        elif lock.mode is LockMode.FREEZE:
            occupied = node.occupied
        else:
            occupied = lock.mode is LockMode.BLOCK_VACANT
        if occupied == node.occupied:
            return
        node.occupied = occupied
        duration = None
        if occupied:
            node.since = since or at
        else:
            duration = (at - node.since).total_seconds() if node.since else None
            node.since = at
        node.reason = reason
        out.append(Transition(node.id, occupied, at, reason, source, duration))
        parent = node.parent
        if parent is not None and node.config.contributes:
            parent.occupied_children += 1 if occupied else -1
            self._refresh(parent, at, Reason.CHILD, node.id, out)
        if not occupied:
            for child in node.children:
                if child.config.follow_parent and child.own:
                    self._end_own(child, at, Reason.PARENT, node.id, out)

    # ------------------------------------------------------------------ locks

    def _lock_of(self, node: Node) -> Lock | None:
        if node.lock is not None:
            return node.lock
        up = node.parent
        while up is not None:
            if up.lock is not None and up.lock.scope is LockScope.SUBTREE:
                return up.lock
            up = up.parent
        return None

    def _set_lock(self, node: Node, lock: Lock) -> None:
        node.lock = lock
        if lock.expires is not None:
            self._push(lock.expires, _LOCK, node, None)

    def _refresh_locked(
        self, node: Node, now: datetime, out: list[Transition], *, widen: bool = False
    ) -> None:
        """Re-evaluate a node after its lock changed, with reason `lock`.

        Its subtree too, children first, where a subtree lock applies or applied.
        """
        lock = node.lock
        if widen or (lock is not None and lock.scope is LockScope.SUBTREE):
            targets = list(self._post_order(node))
        else:
            targets = [node]
        for target in targets:
            self._refresh(target, now, Reason.LOCK, None, out)

    # ------------------------------------------------------------------ timers

    def _push(self, when: datetime, kind: int, node: Node, key: str | None) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, kind, node, key))

    def _valid(self, entry: _Entry) -> bool:
        when, _, kind, node, key = entry
        if kind == _TIMER:
            return node.timer_at == when and node.own and not node.active
        if kind == _GRACE:
            return node.pending_since is not None
        if kind == _STUCK:
            return key is not None and node.stuck_at.get(key) == when
        return node.lock is not None and node.lock.expires == when

    def _expire(
        self, now: datetime, out: list[Transition], stuck: list[StuckChange], *, restart: bool
    ) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if not self._valid(entry):
                continue
            when, _, kind, node, key = entry
            if kind == _TIMER:
                node.timer_at = None
                self._expire_own(node, when, out, restart=restart)
            elif kind == _GRACE:
                self._grace_ends(node, when, out)
            elif kind == _STUCK:
                assert key is not None  # noqa: S101 - _valid checked it
                self._stuck_check(node, key, when, stuck)
            else:
                node.lock = None
                self._refresh_locked(node, when, out, widen=True)

    def _grace_ends(self, node: Node, when: datetime, out: list[Transition]) -> None:
        since = node.pending_since
        node.pending_since = None
        triggers = {s.entity_id for s in node.config.sensors if s.role is SensorRole.TRIGGER}
        held = sorted(node.active & triggers)
        if since is not None and held and not node.own:
            self._start_own(node, since, when, Reason.TRIGGER, held[0], out)

    def _schedule_stuck(self, node: Node, source: str, role: SensorRole, now: datetime) -> None:
        after = self._stuck_after(node, role, now)
        if after is None:
            return
        at = node.on_since[source] + timedelta(seconds=after)
        node.stuck_at[source] = at
        self._push(at, _STUCK, node, source)

    def _stuck_after(self, node: Node, role: SensorRole, now: datetime) -> float | None:
        """Seconds on after which a sensor is stuck; None when detection is off for its role."""
        if role is SensorRole.SUSTAIN:
            return node.config.stuck_sustain_after
        if node.config.stuck_trigger_timeouts <= 0:
            return None
        timeouts = node.config.stuck_trigger_timeouts * self._area_timeout(node, now)
        return max(timeouts, MIN_TRIGGER_STUCK)

    def _stuck_check(
        self, node: Node, source: str, when: datetime, stuck: list[StuckChange]
    ) -> None:
        del node.stuck_at[source]
        on_since = node.on_since.get(source)
        if on_since is None:
            return
        role = role_of(node, source) or SensorRole.TRIGGER
        after = self._stuck_after(node, role, when)
        if after is None:
            return
        deadline = on_since + timedelta(seconds=after)
        if deadline > when:
            node.stuck_at[source] = deadline
            self._push(deadline, _STUCK, node, source)
            return
        node.stuck.add(source)
        stuck.append(StuckChange(source, node.id, stuck=True, at=when))
        if source in node.active:
            node.active.discard(source)
            if node.own and not node.active:
                self._extend_evidence(
                    node, when + timedelta(seconds=self._area_timeout(node, when))
                )
                node.cleared_at = when
                self._arm(node, when)

    # ---------------------------------------------------------------- helpers

    def _area_timeout(self, node: Node, now: datetime) -> float:
        policy = node.config.policy
        if policy.kind is StrategyKind.FIXED:
            return node.base_timeout  # the hot path: no time zone conversion needed
        return area_timeout(
            policy,
            node.base_timeout,
            now.astimezone(self._tz),
            node.learned.mean,
            node.learned_timeout,
        )

    def _timeout_for(
        self, node: Node, sensor: SensorConfig | None, role: SensorRole, now: datetime
    ) -> float:
        if sensor is not None and sensor.timeout is not None:
            return sensor.timeout
        if (role_timeout := node.config.role_timeouts.get(role)) is not None:
            return role_timeout
        return self._area_timeout(node, now)

    def _restore_evidence(
        self, node: Node, record: Mapping[str, Any], saved_at: datetime, unknown: set[str]
    ) -> None:
        node.stuck = str_set(record.get("stuck"))
        # Version 1 snapshots (issue 2) had occupied/occupied_until/active_sensors only.
        if record.get("own", record.get("occupied")) is not True:
            return
        node.own = True
        node.own_since = parse_time(record.get("own_since")) or node.since
        node.evidence_until = parse_time(record.get("evidence_until"))
        box = record.get("box_door")
        if isinstance(box, str) and node.config.wasp_in_box:
            node.box_door = box
            node.box_confirmed = record.get("box_confirmed") is True
            node.active.add(DOOR_PREFIX + box)
            if not node.box_confirmed:
                self._boxes.add(node)
        if record.get("held") is True:
            mine = {s.entity_id for s in node.config.sensors}
            held = str_set(record.get("active", record.get("active_sensors")))
            kept = held & unknown & mine
            node.active.update(kept)
            if not node.active:
                seconds = self._area_timeout(node, saved_at)
                self._extend_evidence(node, saved_at + timedelta(seconds=seconds))
        else:
            until = parse_time(record.get("until", record.get("occupied_until")))
            if until is not None:
                self._extend_evidence(node, until)
        if node.evidence_until is None and not node.active:
            node.own = False

    def _occupants(self, node: Node) -> set[str]:
        people = set(node.occupants)
        for child in node.children:
            people |= self._occupants(child)
        return people

    def _post_order(self, root: Node | None = None) -> Iterator[Node]:
        roots = (
            [root] if root is not None else [n for n in self._nodes.values() if n.parent is None]
        )
        for top in roots:
            stack: list[tuple[Node, bool]] = [(top, False)]
            while stack:
                node, expanded = stack.pop()
                if expanded:
                    yield node
                else:
                    stack.append((node, True))
                    stack.extend((child, False) for child in node.children)
