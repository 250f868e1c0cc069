"""Counting sources: what turns entity states and Frigate events into entries and exits.

Counter entities (totals of entries or exits, or a people count), a pair of directional beams,
an event entity (`event_type` in or out) and Frigate's `events` topic over MQTT, read into
crossings per counted area. State changes of an area's sensors are reported as activity.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .const import DOMAIN
from .counting_area import AreaCounter
from .counting_flow import MQTT_DOMAIN, CountingSetup
from .data import OccupancyConfigEntry
from .engine.counting import Beam, Direction, frigate_points

if TYPE_CHECKING:
    from homeassistant.components.mqtt.models import ReceiveMessage

_LOGGER = logging.getLogger(__name__)

ISSUE_MQTT: Final = "frigate_mqtt_unavailable"

type RecordCallback = Callable[[str, int, int, datetime], None]
"""`record(area_id, entries, exits, now)`: people crossed into and out of an area at `now`."""
type ActivityCallback = Callable[[str, datetime], None]
"""`activity(area_id, now)`: one of the area's sensors changed at `now`."""


class Source(StrEnum):
    """What a state change of an entity means for an area's count."""

    BEAM_A = "beam_a"
    BEAM_B = "beam_b"
    ENTRIES = "entries"
    EXITS = "exits"
    PEOPLE = "people"
    EVENT = "event"
    EVIDENCE = "evidence"


def entity_sources(setup: CountingSetup) -> list[tuple[str, Source]]:
    """The entities an area counts from, with what each means."""
    sources = [
        (setup.entries_counter, Source.ENTRIES),
        (setup.exits_counter, Source.EXITS),
        (setup.people_counter, Source.PEOPLE),
        (setup.event_entity, Source.EVENT),
    ]
    if setup.beams is not None:
        sources += [(setup.beams[0], Source.BEAM_A), (setup.beams[1], Source.BEAM_B)]
    return [(entity_id, source) for entity_id, source in sources if entity_id is not None]


class CountingSources:
    """Follows the sources of a hub's counted areas and reports their crossings."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OccupancyConfigEntry,
        counters: dict[str, AreaCounter],
        sensors: dict[str, list[str]],
        *,
        record: RecordCallback,
        activity: ActivityCallback,
        save: Callable[[], None],
    ) -> None:
        """Route each source entity of `counters` and each of `sensors` (area id: entity ids).

        `record` gets the crossings, `activity` the sensor changes, and `save` is called when
        a source's remembered state changed without a crossing. Nothing is followed until
        `async_start`.
        """
        self.hass = hass
        self.entry = entry
        self.counters = counters
        self._record = record
        self._activity = activity
        self._save = save
        self._routes: dict[str, list[tuple[str, Source]]] = defaultdict(list)
        for area_id, counter in counters.items():
            for entity_id, source in entity_sources(counter.setup):
                self._routes[entity_id].append((area_id, source))
            for entity_id in sensors.get(area_id, ()):
                self._routes[entity_id].append((area_id, Source.EVIDENCE))
        self._unsubs: list[CALLBACK_TYPE] = []
        self._started_at = dt_util.utcnow()
        self._running = False

    @callback
    def async_start(self, now: datetime) -> None:
        """Follow the sources from `now` (aware UTC): their current states, then each change.

        Event entity events that fired before `now` and were never counted are not counted.
        Frigate topics are subscribed in a background task once MQTT is ready.
        """
        self._started_at = now
        self._running = True
        if self._routes:
            self._unsubs.append(
                async_track_state_change_event(self.hass, list(self._routes), self._on_state)
            )
        for entity_id in self._routes:
            if (state := self.hass.states.get(entity_id)) is not None:
                self._read(entity_id, None, state, now, starting=True)
        if any(c.setup.frigate for c in self.counters.values()):
            self.entry.async_create_background_task(
                self.hass, self._async_subscribe_frigate(), "occupancy_manager frigate events"
            )

    @callback
    def async_stop(self) -> None:
        """Stop following the sources."""
        self._running = False
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()

    # ------------------------------------------------------------------ entities

    @callback
    def _on_state(self, event: Event[EventStateChangedData]) -> None:
        self._read(
            event.data["entity_id"],
            event.data["old_state"],
            event.data["new_state"],
            dt_util.utcnow(),
        )

    def _read(
        self,
        entity_id: str,
        old: State | None,
        new: State | None,
        now: datetime,
        *,
        starting: bool = False,
    ) -> None:
        """Turn one state change of a source into entries and exits of its areas."""
        for area_id, source in self._routes.get(entity_id, ()):
            counter = self.counters[area_id]
            if source is Source.EVIDENCE:
                if not starting:
                    self._activity(area_id, now)
                continue
            entries, exits = self._delta(counter, entity_id, source, old, new, now)
            if entries or exits:
                self._record(area_id, entries, exits, now)
            else:
                self._save()

    def _delta(
        self,
        counter: AreaCounter,
        entity_id: str,
        source: Source,
        old: State | None,
        new: State | None,
        now: datetime,
    ) -> tuple[int, int]:
        reading = new.state if new is not None else None
        if source is Source.ENTRIES:
            return counter.totals[entity_id].update(reading), 0
        if source is Source.EXITS:
            return 0, counter.totals[entity_id].update(reading)
        if source is Source.PEOPLE:
            return counter.people.update(reading)
        if source is Source.EVENT:
            return self._event(counter, new)
        return self._beam(counter, source, old, new, now)

    @staticmethod
    def _beam(
        counter: AreaCounter, source: Source, old: State | None, new: State | None, now: datetime
    ) -> tuple[int, int]:
        """A beam's rising edge (off to on); a completed pass is one entry or one exit."""
        if counter.pair is None or new is None or new.state != STATE_ON:
            return 0, 0
        if old is None or old.state != STATE_OFF:
            return 0, 0
        direction = counter.pair.trigger(Beam.A if source is Source.BEAM_A else Beam.B, now)
        if direction is None:
            return 0, 0
        return (1, 0) if direction is Direction.IN else (0, 1)

    def _event(self, counter: AreaCounter, new: State | None) -> tuple[int, int]:
        """An event entity's new event: `event_type` in or out, each event counted once."""
        fired = dt_util.parse_datetime(new.state) if new is not None else None
        if fired is None or new is None:
            return 0, 0
        last = counter.last_event or self._started_at
        if fired <= last:
            counter.last_event = counter.last_event or fired
            return 0, 0
        counter.last_event = fired
        kind = new.attributes.get("event_type")
        if kind == Direction.IN:
            return 1, 0
        if kind == Direction.OUT:
            return 0, 1
        return 0, 0

    # ------------------------------------------------------------------ Frigate

    async def _async_subscribe_frigate(self) -> None:
        """Subscribe to each Frigate topic prefix's `events`; raise a repair issue without MQTT."""
        if self.hass.config_entries.async_has_entries(
            MQTT_DOMAIN, include_ignore=False, include_disabled=False
        ):
            from homeassistant.components import mqtt  # noqa: PLC0415

            if await mqtt.async_wait_for_mqtt_client(self.hass) and self._running:
                topics = {c.setup.frigate.topic for c in self.counters.values() if c.setup.frigate}
                for topic in sorted(topics):
                    self._unsubs.append(
                        await mqtt.async_subscribe(self.hass, topic, self._on_frigate)
                    )
                ir.async_delete_issue(self.hass, DOMAIN, ISSUE_MQTT)
                return
        if not self._running:
            return
        areas = ", ".join(c.setup.title for c in self.counters.values() if c.setup.frigate)
        _LOGGER.warning("MQTT is not available: Frigate people counting is off for %s", areas)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_MQTT,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_MQTT,
            translation_placeholders={"areas": areas},
        )

    @callback
    def _on_frigate(self, msg: ReceiveMessage) -> None:
        """One `frigate/events` message: follow the object and count its crossings."""
        try:
            payload = json_loads(msg.payload)
        except ValueError:
            _LOGGER.debug("Ignoring a Frigate event that is not JSON on %s", msg.topic)
            return
        after = payload.get("after") if isinstance(payload, dict) else None
        if not isinstance(after, dict) or after.get("false_positive") is True:
            return
        ended = isinstance(payload, dict) and payload.get("type") == "end"
        object_id, label, camera = after.get("id"), after.get("label"), after.get("camera")
        now = dt_util.utcnow()
        for area_id, counter in self.counters.items():
            frigate, line = counter.setup.frigate, counter.line
            if frigate is None or line is None or frigate.topic != msg.topic:
                continue
            if camera != frigate.camera or not isinstance(object_id, str):
                continue
            if label not in frigate.labels:
                continue
            try:
                points = frigate_points(after, frigate.width, frigate.height)
            except ValueError as err:
                _LOGGER.debug("Ignoring Frigate object %s: %s", object_id, err)
                continue
            crossings = line.update(object_id, str(label), points, now, ended=ended)
            entries = sum(1 for c in crossings if c.direction is Direction.IN)
            if crossings:
                self._record(area_id, entries, len(crossings) - entries, now)
            else:
                self._save()
