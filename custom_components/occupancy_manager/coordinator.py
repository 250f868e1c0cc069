"""The one bridge between Home Assistant and the pure engine.

State changes of the areas' sensors become engine events; one point-in-time timer follows the
engine's next wake-up; transitions drive camera privacy, bus events and entity updates; the
engine's state is persisted with `helpers.storage.Store` and restored on start.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from . import engine
from .areas import AreaSetup, area_from_subentry, build_hierarchy, parent_area_of
from .const import (
    DOMAIN,
    EVENT_OCCUPIED,
    EVENT_VACANT,
    STORAGE_SAVE_DELAY,
    STORAGE_VERSION,
    SUBENTRY_AREA,
)
from .data import OccupancyConfigEntry
from .identity import IdentityTracker
from .listeners import KeyedListeners
from .privacy import PrivacyActuator

_LOGGER = logging.getLogger(__name__)

type Listener = Callable[[], None]
type ResultListener = Callable[[engine.Result], None]


class OccupancyCoordinator:
    """Runs the engine for one hub entry and tells entities when their area changed."""

    def __init__(self, hass: HomeAssistant, entry: OccupancyConfigEntry) -> None:
        """Read the entry's area subentries; nothing is subscribed until `async_start`."""
        self.hass = hass
        self.entry = entry
        self.areas: dict[str, AreaSetup] = {}
        parents: dict[str, str | None] = {}
        for subentry in entry.get_subentries_of_type(SUBENTRY_AREA):
            setup = area_from_subentry(subentry)
            if setup.area_id in self.areas:
                _LOGGER.warning("Area %s is configured twice; using the first", setup.area_id)
                continue
            self.areas[setup.area_id] = setup
            parents[setup.area_id] = parent_area_of(subentry)
        configs, self.rollups = build_hierarchy(hass, self.areas, parents)
        self.node_configs: dict[str, engine.AreaConfig] = {c.area_id: c for c in configs}
        tz = dt_util.get_time_zone(hass.config.time_zone) or UTC
        self.engine = engine.OccupancyEngine(configs, tz=tz)
        self.identity = IdentityTracker(hass, entry, self.areas)
        self._areas_of_source: dict[str, set[str]] = defaultdict(set)
        camera_areas: dict[str, set[str]] = defaultdict(set)
        for setup in self.areas.values():
            for sensor in setup.config.sensors:
                self._areas_of_source[sensor.entity_id].add(setup.area_id)
            for camera in setup.cameras:
                camera_areas[camera].add(setup.area_id)
        self.privacy = PrivacyActuator(hass, entry, camera_areas, lambda _camera: None)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}"
        )
        self._listeners = KeyedListeners()
        self._result_listeners: list[ResultListener] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._timer: CALLBACK_TYPE | None = None
        self._timer_at: datetime | None = None
        self._stop_unsub: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        """Restore the stored state against the sensors' current states, then start listening.

        A corrupt store is logged and replaced: all areas start vacant and live sensors decide.
        """
        now = dt_util.utcnow()
        on, unknown = self._current_sources()
        stored = await self._store.async_load()
        result: engine.Result
        try:
            if stored is None:
                raise engine.SnapshotError("nothing stored yet")  # noqa: TRY301
            result = self.engine.restore(stored, now, on, unknown)
        except engine.SnapshotError as err:
            if stored is not None:
                _LOGGER.warning("Stored occupancy state was unreadable (%s); starting vacant", err)
            result = self.engine.restore(
                {"version": 1, "saved_at": now.isoformat(), "areas": {}}, now, on, unknown
            )
        for person, area_id, pet in self.identity.current():
            self.engine.set_presence(person, area_id, now, pet=pet)
        sources = list(self.engine.sources)
        if self.identity.sources:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, list(self.identity.sources), self._on_identity_change
                )
            )
        if sources:
            self._unsubs.append(
                async_track_state_change_event(self.hass, sources, self._on_sensor_change)
            )
        if self.privacy.cameras:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, list(self.privacy.cameras), self._on_camera_change
                )
            )
        self._stop_unsub = self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        await self.privacy.async_start()
        self.privacy.async_apply(self._occupied, list(self.privacy.cameras))
        self._process(result, set(self.engine.area_ids))

    async def async_stop(self) -> None:
        """Stop listening and save the state now (unload, reload)."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._stop_unsub is not None:
            self._stop_unsub()
            self._stop_unsub = None
        self._cancel_timer()
        await self.privacy.async_stop()
        await self._store.async_save(self.engine.export(dt_util.utcnow()))

    @callback
    def async_add_listener(self, area_id: str, listener: Listener) -> CALLBACK_TYPE:
        """Call `listener()` whenever the node `area_id` changes; returns unsub."""
        return self._listeners.add(area_id, listener)

    @callback
    def async_add_result_listener(self, listener: ResultListener) -> CALLBACK_TYPE:
        """Call `listener(result)` with every engine result, after privacy and bus events.

        Listeners run before the nodes' entities re-render, so they must stay cheap (defer
        heavy work, e.g. with `loop.call_soon`); entities then see the session log up to date.

        Used by the session log; returns unsub.
        """
        self._result_listeners.append(listener)

        @callback
        def remove() -> None:
            self._result_listeners.remove(listener)

        return remove

    def _current_sources(self) -> tuple[set[str], set[str]]:
        on: set[str] = set()
        unknown: set[str] = set()
        for source in self.engine.sources:
            state = self.hass.states.get(source)
            if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
                unknown.add(source)
            elif state.state == STATE_ON:
                on.add(source)
        return on, unknown

    @callback
    def _on_sensor_change(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        old_state = event.data["old_state"]
        on = new_state is not None and new_state.state == STATE_ON
        if old_state is not None and (old_state.state == STATE_ON) == on:
            return  # attribute-only change, or unknown <-> unavailable
        source = event.data["entity_id"]
        result = self.engine.handle(engine.Event(source, on=on), dt_util.utcnow())
        self._process(result, set(self._areas_of_source.get(source, ())))

    @callback
    def _on_identity_change(self, event: Event[EventStateChangedData]) -> None:
        previous = self.identity.where(event.data["entity_id"])
        person, area_id, pet = self.identity.locate(
            event.data["entity_id"], event.data["new_state"]
        )
        result = self.engine.set_presence(person, area_id, dt_util.utcnow(), pet=pet)
        self._process(result, {a for a in (previous, area_id) if a is not None})

    @callback
    def async_apply(self, result: engine.Result, area_ids: set[str]) -> None:
        """Act on the result of an engine call made by an action (service)."""
        self._process(result, area_ids)

    @callback
    def _on_camera_change(self, event: Event[EventStateChangedData]) -> None:
        old_state = event.data["old_state"]
        new_state = event.data["new_state"]
        if new_state is not None and (old_state is None or old_state.state == STATE_UNAVAILABLE):
            self.privacy.async_retry_pending(event.data["entity_id"])

    @callback
    def _on_timer(self, now: datetime) -> None:
        self._timer = None
        self._timer_at = None
        self._process(self.engine.tick(now), set())

    @callback
    def _process(self, result: engine.Result, touched: set[str]) -> None:
        """Act on a result: privacy first, then bus events, timer, entities and persistence."""
        changed = {t.area_id for t in result.transitions}
        for change in result.stuck:
            self._stuck_changed(change)
            touched.add(change.area_id)
        if changed:
            self.privacy.async_apply(self._occupied, self.privacy.cameras_of(changed))
        for transition in result.transitions:
            self.hass.bus.async_fire(
                EVENT_OCCUPIED if transition.occupied else EVENT_VACANT,
                {
                    "area_id": transition.area_id,
                    "kind": self.engine.state(transition.area_id).kind.value,
                    "reason": transition.reason.value,
                    "sensor": transition.source,
                    "duration": transition.duration,
                },
            )
        for result_listener in list(self._result_listeners):
            result_listener(result)
        self._arm_timer(result.next_wakeup)
        for area_id in changed | touched:
            self._listeners.notify(area_id)
        if changed or result.stuck:
            self._store.async_delay_save(self._export, STORAGE_SAVE_DELAY)

    def _stuck_changed(self, change: engine.StuckChange) -> None:
        """Raise a repair issue naming a stuck sensor; remove it when the sensor recovers."""
        issue_id = f"stuck_{change.area_id}_{change.source}"
        if not change.stuck:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        area = self.areas.get(change.area_id)
        _LOGGER.warning(
            "Sensor %s in %s looks stuck; it no longer keeps the area occupied until it changes",
            change.source,
            change.area_id,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="stuck_sensor",
            translation_placeholders={
                "sensor": change.source,
                "area": area.title if area else change.area_id,
            },
        )

    def _occupied(self, area_id: str) -> bool:
        return self.engine.state(area_id).occupied

    def _export(self) -> dict[str, Any]:
        return self.engine.export(dt_util.utcnow())

    def _arm_timer(self, when: datetime | None) -> None:
        if when == self._timer_at:
            return
        self._cancel_timer()
        if when is not None:
            self._timer = async_track_point_in_utc_time(self.hass, self._on_timer, when)
            self._timer_at = when

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
        self._timer = None
        self._timer_at = None

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Save at shutdown so a held area's hold is dated at the stop (Store flushes it)."""
        self._stop_unsub = None
        self._store.async_delay_save(self._export, 0)
