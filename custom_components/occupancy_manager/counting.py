"""People counting: per-area counts from Frigate line crossings, beams, counters and actions.

The count of an area is occupancy evidence (`OccupancyEngine.set_count`); a change of capacity
level fires `occupancy_manager_capacity`; counts, totals and source baselines survive restarts
in a `Store`. What each area holds is in `counting_area.py`, how its sources are read in
`counting_sources.py`; the pure parts (geometry, pairs, deltas, clamping) in `engine/counting.py`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

import probatio
from homeassistant.const import STATE_ON
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, HOME_NODE, SUBENTRY_AREA, SUBENTRY_COUNTING
from .coordinator import OccupancyCoordinator
from .counting_area import LEVEL_NEAR, LEVEL_NORMAL, LEVEL_OVER, AreaCounter
from .counting_flow import counting_from_subentry
from .counting_sources import CountingSources
from .data import OccupancyConfigEntry, loaded_entry
from .engine import SensorRole
from .engine.counting import Direction
from .listeners import KeyedListeners

_LOGGER = logging.getLogger(__name__)

EVENT_CAPACITY: Final = f"{DOMAIN}_capacity"
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10  # seconds

ATTR_AREA_ID: Final = "area_id"
ATTR_DIRECTION: Final = "direction"
ATTR_COUNT: Final = "count"
# Entity keys: unique_id `<area subentry id>_<key>`; roll-ups `<entry id>_<node id>_people_count`.
KEY_COUNT: Final = "people_count"
KEY_ENTRIES: Final = "entries"
KEY_EXITS: Final = "exits"
KEY_NEAR: Final = "near_capacity"
KEY_OVER: Final = "over_capacity"
KEY_ANOMALY: Final = "count_anomaly"
BASE_KEYS: Final = (KEY_COUNT, KEY_ENTRIES, KEY_EXITS, KEY_ANOMALY)
AREA_KEYS: Final = (*BASE_KEYS, KEY_NEAR, KEY_OVER)

type Listener = Callable[[], None]


def rollup_members(
    coordinator: OccupancyCoordinator, counters: dict[str, AreaCounter]
) -> dict[str, tuple[str, ...]]:
    """The counted areas summed by each floor and the home (only roll-ups with some).

    An area's count rolls up like its occupancy: through its parent area, floor and the home,
    and not past an area that does not count for its parent.
    """
    by_id = coordinator.node_configs
    members: dict[str, list[str]] = defaultdict(list)
    for area_id in counters:
        node = by_id[area_id]
        while node.contributes and node.parent is not None:
            node = by_id[node.parent]
            if node.area_id in coordinator.rollups:
                members[node.area_id].append(area_id)
    order = [n for n in coordinator.rollups if n != HOME_NODE] + [HOME_NODE]
    return {node_id: tuple(members[node_id]) for node_id in order if members.get(node_id)}


def rollup_unique_id(entry: OccupancyConfigEntry, node_id: str) -> str:
    """The unique_id of a floor's or the home's people count sensor."""
    return f"{entry.entry_id}_{node_id}_{KEY_COUNT}"


def owned_unique_ids(entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator) -> set[str]:
    """Every unique_id a counting entity of this hub could have."""
    owned = {
        f"{subentry.subentry_id}_{key}"
        for subentry in entry.get_subentries_of_type(SUBENTRY_AREA)
        for key in AREA_KEYS
    }
    return owned | {rollup_unique_id(entry, node_id) for node_id in coordinator.rollups}


def expected_unique_ids(
    entry: OccupancyConfigEntry,
    coordinator: OccupancyCoordinator,
    counters: dict[str, AreaCounter],
    rollups: dict[str, tuple[str, ...]],
) -> set[str]:
    """The unique_ids of the counting entities the current configuration creates."""
    expected = {rollup_unique_id(entry, node_id) for node_id in rollups}
    for area_id, counter in counters.items():
        keys = AREA_KEYS if counter.setup.capacity else BASE_KEYS
        subentry_id = coordinator.areas[area_id].subentry_id
        expected |= {f"{subentry_id}_{key}" for key in keys}
    return expected


class CountingManager:
    """Counts people per area for one hub entry and feeds the counts to the occupancy engine."""

    def __init__(
        self, hass: HomeAssistant, entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator
    ) -> None:
        """Read the counting subentries of managed areas; nothing is subscribed until started."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.counters: dict[str, AreaCounter] = {}
        for subentry in entry.get_subentries_of_type(SUBENTRY_COUNTING):
            setup = counting_from_subentry(subentry)
            if setup.area_id not in coordinator.areas:
                _LOGGER.warning(
                    "People counting of %s is ignored: not a managed area", setup.area_id
                )
                continue
            self.counters[setup.area_id] = AreaCounter(setup)
        self.rollups = rollup_members(coordinator, self.counters)
        self._rollups_of: dict[str, list[str]] = defaultdict(list)
        for node_id, members in self.rollups.items():
            for area_id in members:
                self._rollups_of[area_id].append(node_id)
        self._sensors = {
            area_id: [
                sensor.entity_id
                for sensor in coordinator.areas[area_id].config.sensors
                if sensor.role is not SensorRole.VACANCY
            ]
            for area_id in self.counters
        }
        """The entity ids of each counted area's sensors that are evidence of people in it."""
        self.sources = CountingSources(
            hass,
            entry,
            self.counters,
            self._sensors,
            record=self.async_record,
            activity=self._on_activity,
            save=self._save,
        )
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.counting"
        )
        self._listeners = KeyedListeners()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stale_timers: dict[str, CALLBACK_TYPE] = {}

    # ------------------------------------------------------------------ lifecycle

    async def async_start(self) -> None:
        """Restore counts, re-apply them as evidence, then follow the sources."""
        self._remove_stale_entities()
        if not self.counters:
            return
        now = dt_util.utcnow()
        stored = await self._store.async_load() or {}
        areas = stored.get("areas") if isinstance(stored, dict) else None
        for area_id, counter in self.counters.items():
            record = areas.get(area_id) if isinstance(areas, dict) else None
            if isinstance(record, dict):
                counter.restore(record, now)
            counter.level = self._level(counter)
            engine = self.coordinator.engine
            result = engine.set_count(area_id, counter.count.count, now, starts=False)
            self.coordinator.async_apply(result, {area_id})
            if (reset := counter.setup.reset_time) is not None:
                self._unsubs.append(
                    async_track_time_change(
                        self.hass,
                        partial(self._on_reset_time, area_id),
                        reset.hour,
                        reset.minute,
                        reset.second,
                    )
                )
            self._arm_stale(area_id)
        self.sources.async_start(now)

    async def async_stop(self) -> None:
        """Stop listening and save the counts now."""
        self.sources.async_stop()
        for unsub in (*self._unsubs, *self._stale_timers.values()):
            unsub()
        self._unsubs.clear()
        self._stale_timers.clear()
        if self.counters:
            await self._store.async_save(self._export())

    # ------------------------------------------------------------------ views for entities

    @callback
    def async_add_listener(self, node_id: str, listener: Listener) -> CALLBACK_TYPE:
        """Call `listener()` when the count of an area or roll-up changes; returns unsub."""
        return self._listeners.add(node_id, listener)

    def rollup_count(self, node_id: str) -> int:
        """People in a floor or the home: the sum of its counted, contributing areas."""
        return sum(self.counters[a].count.count for a in self.rollups.get(node_id, ()))

    def stale(self, area_id: str) -> bool:
        """Whether the area's count has been above zero with no activity for too long.

        Activity: a crossing, a calibration, a change of one of the area's sensors, or a sensor
        or an occupant holding it now.
        """
        deadline = self._stale_deadline(self.counters[area_id])
        return (
            deadline is not None
            and dt_util.utcnow() >= deadline
            and not self._evidence_now(area_id)
        )

    # ------------------------------------------------------------------ changes

    @callback
    def async_record(self, area_id: str, entries: int, exits: int, now: datetime) -> None:
        """Count `entries` people in and `exits` out of an area at `now` (aware UTC).

        Raises:
            KeyError: the area does not count people.
            ValueError: negative numbers.
        """
        counter = self.counters[area_id]
        result = counter.count.apply(entries, exits, now)
        if result.clamped and not result.previous.anomaly:
            _LOGGER.warning(
                "People count of %s would have gone below zero (%d more exits than counted); "
                "set to 0 and flagged. Calibrate it with occupancy_manager.set_count",
                area_id,
                result.clamped,
            )
        self._changed(area_id, now)

    @callback
    def async_set_count(
        self, area_id: str, count: int, *, context: Context | None = None, automatic: bool = False
    ) -> None:
        """Calibrate: `count` people are in the area now; logged in the logbook.

        Raises:
            KeyError: the area does not count people.
            ValueError: a negative count.
        """
        counter = self.counters[area_id]
        now = dt_util.utcnow()
        previous = counter.count.count
        counter.count.set_count(count, now)
        self._changed(area_id, now)
        if "logbook" in self.hass.config.components:
            from homeassistant.components.logbook import async_log_entry  # noqa: PLC0415

            how = "reset automatically" if automatic else "set"
            async_log_entry(
                self.hass,
                f"{counter.setup.title} people count",
                f"{how} to {count} (was {previous})",
                DOMAIN,
                self._entity_id(area_id),
                context,
            )

    def _changed(self, area_id: str, now: datetime) -> None:
        """Apply a new count: evidence, capacity event, stale timer, save, entities."""
        counter = self.counters[area_id]
        state = counter.count.state
        result = self.coordinator.engine.set_count(area_id, state.count, now)
        self.coordinator.async_apply(result, {area_id})
        level = self._level(counter)
        if level != counter.level:
            counter.level = level
            self.hass.bus.async_fire(
                EVENT_CAPACITY,
                {
                    "area_id": area_id,
                    "count": state.count,
                    "capacity": counter.setup.capacity,
                    "level": level,
                },
            )
        self._arm_stale(area_id)
        self._save()
        self._notify(area_id)

    @callback
    def _on_activity(self, area_id: str, now: datetime) -> None:
        """One of the area's sensors changed: the count is in use, not stale."""
        self.counters[area_id].last_evidence = now
        self._arm_stale(area_id)
        self._save()
        self._notify(area_id)

    # ------------------------------------------------------------------ calibration, anomaly

    @callback
    def _on_reset_time(self, area_id: str, _local: datetime) -> None:
        """The daily reset time: back to 0 unless something else says people are there."""
        counter = self.counters[area_id]
        if counter.count.count == 0:
            return
        now = dt_util.utcnow()
        window = timedelta(seconds=self.coordinator.engine.state(area_id).timeout)
        recent = counter.last_evidence is not None and now - counter.last_evidence < window
        if recent or self._evidence_now(area_id):
            _LOGGER.info("Daily reset of the people count of %s skipped: area in use", area_id)
            return
        self.async_set_count(area_id, 0, automatic=True)

    def _evidence_now(self, area_id: str) -> bool:
        """Whether a sensor of the area is on or an occupant is placed in it now."""
        if self.coordinator.engine.state(area_id).occupants:
            return True
        return any(
            (state := self.hass.states.get(entity_id)) is not None and state.state == STATE_ON
            for entity_id in self._sensors[area_id]
        )

    def _stale_deadline(self, counter: AreaCounter) -> datetime | None:
        after = counter.setup.anomaly_after
        if after is None or (deadline := counter.count.stale_at(after)) is None:
            return None
        if counter.last_evidence is not None:
            deadline = max(deadline, counter.last_evidence + timedelta(seconds=after))
        return deadline

    def _arm_stale(self, area_id: str) -> None:
        """One timer per area at its stale deadline, to re-render the anomaly sensor."""
        if (unsub := self._stale_timers.pop(area_id, None)) is not None:
            unsub()
        deadline = self._stale_deadline(self.counters[area_id])
        if deadline is None or deadline <= dt_util.utcnow():
            return

        @callback
        def fire(_now: datetime) -> None:
            self._stale_timers.pop(area_id, None)
            self._notify(area_id)

        self._stale_timers[area_id] = async_track_point_in_utc_time(self.hass, fire, deadline)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _level(counter: AreaCounter) -> str:
        state = counter.count.state
        if state.over_capacity:
            return LEVEL_OVER
        return LEVEL_NEAR if state.near_capacity else LEVEL_NORMAL

    def _notify(self, area_id: str) -> None:
        for node_id in (area_id, *self._rollups_of.get(area_id, ())):
            self._listeners.notify(node_id)

    def _save(self) -> None:
        self._store.async_delay_save(self._export, SAVE_DELAY)

    def _export(self) -> dict[str, Any]:
        return {"areas": {a: c.export() for a, c in self.counters.items()}}

    def _entity_id(self, area_id: str) -> str | None:
        """The entity id of the area's people count sensor, for the logbook."""
        subentry_id = self.coordinator.areas[area_id].subentry_id
        return er.async_get(self.hass).async_get_entity_id(
            "sensor", DOMAIN, f"{subentry_id}_people_count"
        )

    def _remove_stale_entities(self) -> None:
        """Remove counting entities of areas that no longer count people (or capacity)."""
        registry = er.async_get(self.hass)
        owned = owned_unique_ids(self.entry, self.coordinator)
        keep = expected_unique_ids(self.entry, self.coordinator, self.counters, self.rollups)
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            if entity.unique_id in owned and entity.unique_id not in keep:
                registry.async_remove(entity.entity_id)


# ---------------------------------------------------------------------- actions

_AREA = probatio.Required(ATTR_AREA_ID)
RECORD_CROSSING_SCHEMA = probatio.Schema(
    {
        _AREA: cv.string,
        probatio.Required(ATTR_DIRECTION): probatio.In([d.value for d in Direction]),
        probatio.Optional(ATTR_COUNT, default=1): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=1000)
        ),
    }
)
SET_COUNT_SCHEMA = probatio.Schema(
    {
        _AREA: cv.string,
        probatio.Required(ATTR_COUNT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=0, max=100000)
        ),
    }
)


def _manager(call: ServiceCall) -> tuple[CountingManager, str]:
    """The loaded hub's counting manager and the counted area the call names."""
    manager = loaded_entry(call.hass).runtime_data.counting
    area_id = call.data[ATTR_AREA_ID]
    if area_id not in manager.counters:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_counted",
            translation_placeholders={"area": area_id},
        )
    return manager, area_id


@callback
def _async_record_crossing(call: ServiceCall) -> None:
    manager, area_id = _manager(call)
    count = call.data[ATTR_COUNT]
    inward = call.data[ATTR_DIRECTION] == Direction.IN
    manager.async_record(area_id, count if inward else 0, 0 if inward else count, dt_util.utcnow())


@callback
def _async_set_count(call: ServiceCall) -> None:
    manager, area_id = _manager(call)
    manager.async_set_count(area_id, call.data[ATTR_COUNT], context=call.context)


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register `record_crossing` and `set_count` (once, at integration setup)."""
    hass.services.async_register(
        DOMAIN, "record_crossing", _async_record_crossing, schema=RECORD_CROSSING_SCHEMA
    )
    hass.services.async_register(DOMAIN, "set_count", _async_set_count, schema=SET_COUNT_SCHEMA)
