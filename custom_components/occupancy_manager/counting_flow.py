"""Config subentry flow for people counting in a managed area: sources, line and capacity.

One "counting" subentry per area (unique_id `counting_<area_id>`), added from the hub and
reconfigurable. Every source is optional and they combine: a Frigate camera over MQTT with a
virtual line, a pair of directional binary sensors, counter entities, an event entity; the
`record_crossing` action works for every counted area.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any, Final

import probatio
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import Platform
from homeassistant.data_entry_flow import section
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
from homeassistant.util import dt as dt_util

from .const import CONF_AREA_ID, SUBENTRY_AREA, SUBENTRY_COUNTING
from .engine.counting import CountingLine, Point

_LOGGER = logging.getLogger(__name__)

MQTT_DOMAIN: Final = "mqtt"

CONF_CAPACITY: Final = "capacity"
CONF_NEAR_CAPACITY: Final = "near_capacity"
CONF_ANOMALY_HOURS: Final = "anomaly_hours"
CONF_RESET_TIME: Final = "reset_time"

CONF_FRIGATE: Final = "frigate"
CONF_CAMERA: Final = "camera"
CONF_TOPIC_PREFIX: Final = "topic_prefix"
CONF_X1: Final = "x1"
CONF_Y1: Final = "y1"
CONF_X2: Final = "x2"
CONF_Y2: Final = "y2"
CONF_IN_SIDE: Final = "in_side"
CONF_LABELS: Final = "labels"
CONF_DETECT_WIDTH: Final = "detect_width"
CONF_DETECT_HEIGHT: Final = "detect_height"

CONF_BEAMS: Final = "beams"
CONF_BEAM_A: Final = "beam_a"
CONF_BEAM_B: Final = "beam_b"
CONF_WINDOW: Final = "window"

CONF_COUNTERS: Final = "counters"
CONF_ENTRIES_COUNTER: Final = "entries_counter"
CONF_EXITS_COUNTER: Final = "exits_counter"
CONF_PEOPLE_COUNTER: Final = "people_counter"
CONF_EVENT_ENTITY: Final = "event_entity"

SIDE_LEFT: Final = "left"
SIDE_RIGHT: Final = "right"

DEFAULT_NEAR_CAPACITY: Final = 80  # percent
DEFAULT_ANOMALY_HOURS: Final = 12
DEFAULT_TOPIC_PREFIX: Final = "frigate"
DEFAULT_LINE: Final = {CONF_X1: 0.0, CONF_Y1: 0.5, CONF_X2: 1.0, CONF_Y2: 0.5}
DEFAULT_IN_SIDE: Final = SIDE_RIGHT
DEFAULT_LABELS: Final = ("person",)
DEFAULT_DETECT_WIDTH: Final = 1280  # pixels, Frigate's usual detect stream
DEFAULT_DETECT_HEIGHT: Final = 720
DEFAULT_WINDOW: Final = 3.0  # seconds

_COUNTER_DOMAINS = ["sensor", "counter", "input_number", "number"]


def _box(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _entity(domain: str | list[str]) -> EntitySelector:
    return EntitySelector(EntitySelectorConfig(domain=domain))


_COORDINATE = _box(0, 1, 0.01)

FRIGATE_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_CAMERA): TextSelector(),
        probatio.Required(CONF_TOPIC_PREFIX, default=DEFAULT_TOPIC_PREFIX): TextSelector(),
        **{
            probatio.Required(key, default=value): _COORDINATE
            for key, value in DEFAULT_LINE.items()
        },
        probatio.Required(CONF_IN_SIDE, default=DEFAULT_IN_SIDE): SelectSelector(
            SelectSelectorConfig(
                options=[SIDE_RIGHT, SIDE_LEFT],
                mode=SelectSelectorMode.LIST,
                translation_key="in_side",
            )
        ),
        probatio.Required(CONF_LABELS, default=list(DEFAULT_LABELS)): SelectSelector(
            SelectSelectorConfig(options=list(DEFAULT_LABELS), multiple=True, custom_value=True)
        ),
        probatio.Required(CONF_DETECT_WIDTH, default=DEFAULT_DETECT_WIDTH): _box(1, 10000, 1, "px"),
        probatio.Required(CONF_DETECT_HEIGHT, default=DEFAULT_DETECT_HEIGHT): _box(
            1, 10000, 1, "px"
        ),
    }
)
BEAMS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_BEAM_A): _entity(Platform.BINARY_SENSOR),
        probatio.Optional(CONF_BEAM_B): _entity(Platform.BINARY_SENSOR),
        probatio.Required(CONF_WINDOW, default=DEFAULT_WINDOW): _box(0.1, 60, 0.1, "s"),
    }
)
COUNTERS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_ENTRIES_COUNTER): _entity(_COUNTER_DOMAINS),
        probatio.Optional(CONF_EXITS_COUNTER): _entity(_COUNTER_DOMAINS),
        probatio.Optional(CONF_PEOPLE_COUNTER): _entity(_COUNTER_DOMAINS),
        probatio.Optional(CONF_EVENT_ENTITY): _entity("event"),
    }
)
STEP_SETTINGS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_CAPACITY): _box(1, 100000, 1),
        probatio.Required(CONF_NEAR_CAPACITY, default=DEFAULT_NEAR_CAPACITY): _box(1, 100, 1, "%"),
        probatio.Required(CONF_ANOMALY_HOURS, default=DEFAULT_ANOMALY_HOURS): _box(0, 168, 1, "h"),
        probatio.Optional(CONF_RESET_TIME): TimeSelector(),
        probatio.Optional(CONF_FRIGATE, default=dict): section(FRIGATE_SCHEMA, {"collapsed": True}),
        probatio.Optional(CONF_BEAMS, default=dict): section(BEAMS_SCHEMA, {"collapsed": True}),
        probatio.Optional(CONF_COUNTERS, default=dict): section(
            COUNTERS_SCHEMA, {"collapsed": True}
        ),
    }
)


class CountingSubentryFlowHandler(ConfigSubentryFlow):
    """Add people counting to a managed area, or reconfigure it.

    Stored data: {area_id, capacity?, near_capacity (%), anomaly_hours, reset_time? ("HH:MM:SS"),
    frigate: {camera?, topic_prefix, x1, y1, x2, y2, in_side, labels, detect_width,
    detect_height}, beams: {beam_a?, beam_b?, window (s)}, counters: {entries_counter?,
    exits_counter?, people_counter?, event_entity?}}.
    """

    _area_id: str
    _area_name: str

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Pick a managed area that does not count people yet."""
        entry = self._get_entry()
        areas = entry.get_subentries_of_type(SUBENTRY_AREA)
        if not areas:
            return self.async_abort(reason="no_areas")
        counted = {
            _area_of(subentry) for subentry in entry.get_subentries_of_type(SUBENTRY_COUNTING)
        }
        choices = {
            str(area.data.get(CONF_AREA_ID) or area.unique_id): area.title
            for area in areas
            if (area.data.get(CONF_AREA_ID) or area.unique_id) not in counted
        }
        if not choices:
            return self.async_abort(reason="all_counted")
        if user_input is not None:
            self._area_id = user_input[CONF_AREA_ID]
            self._area_name = choices.get(self._area_id, self._area_id)
            return await self.async_step_settings()
        options = [SelectOptionDict(value=key, label=title) for key, title in choices.items()]
        schema = probatio.Schema(
            {
                probatio.Required(CONF_AREA_ID): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                )
            }
        )
        return self.async_show_form(step_id="user", data_schema=schema)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the sources, line or capacity of a counted area."""
        subentry = self._get_reconfigure_subentry()
        self._area_id = _area_of(subentry)
        area = ar.async_get(self.hass).async_get_area(self._area_id)
        self._area_name = area.name if area is not None else subentry.title
        return await self.async_step_settings(user_input)

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Capacity, calibration and the sources; validate, then create or update."""
        errors: dict[str, str] = {}
        placeholders = {"area": self._area_name}
        suggested: Mapping[str, Any] = {}
        if user_input is not None:
            errors, extra = self._validate(user_input)
            placeholders |= extra
            if not errors:
                data = {CONF_AREA_ID: self._area_id, **user_input}
                if self.source == SOURCE_USER:
                    return self.async_create_entry(
                        title=self._area_name,
                        data=data,
                        unique_id=counting_unique_id(self._area_id),
                    )
                return self.async_update_and_abort(
                    self._get_entry(),
                    self._get_reconfigure_subentry(),
                    title=self._area_name,
                    data=data,
                )
            suggested = user_input
        elif self.source != SOURCE_USER:
            suggested = self._get_reconfigure_subentry().data
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(STEP_SETTINGS_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _validate(self, user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Return (errors by field or section, extra description placeholders)."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        frigate: Mapping[str, Any] = user_input.get(CONF_FRIGATE, {})
        if str(frigate.get(CONF_CAMERA) or "").strip():
            if not self.hass.config_entries.async_has_entries(
                MQTT_DOMAIN, include_ignore=False, include_disabled=False
            ):
                errors[CONF_FRIGATE] = "mqtt_not_set_up"
            elif not frigate.get(CONF_LABELS):
                errors[CONF_FRIGATE] = "no_labels"
            elif (frigate[CONF_X1], frigate[CONF_Y1]) == (frigate[CONF_X2], frigate[CONF_Y2]):
                errors[CONF_FRIGATE] = "line_too_short"
            elif not str(frigate.get(CONF_TOPIC_PREFIX) or "").strip("/ "):
                errors[CONF_FRIGATE] = "no_topic_prefix"
        beams: Mapping[str, Any] = user_input.get(CONF_BEAMS, {})
        if bool(beams.get(CONF_BEAM_A)) != bool(beams.get(CONF_BEAM_B)):
            errors[CONF_BEAMS] = "beams_incomplete"
        elif beams.get(CONF_BEAM_A) and beams.get(CONF_BEAM_A) == beams.get(CONF_BEAM_B):
            errors[CONF_BEAMS] = "beams_same"
        ent_reg = er.async_get(self.hass)
        unknown: list[str] = []
        for key, values in (
            (CONF_BEAMS, beams),
            (CONF_COUNTERS, user_input.get(CONF_COUNTERS, {})),
        ):
            for field, entity_id in values.items():
                if field == CONF_WINDOW or not entity_id:
                    continue
                if self.hass.states.get(entity_id) is None and ent_reg.async_get(entity_id) is None:
                    errors.setdefault(key, "unknown_entity")
                    unknown.append(entity_id)
        if unknown:
            placeholders["unknown"] = ", ".join(unknown)
        return errors, placeholders


@dataclass(frozen=True, slots=True)
class FrigateSource:
    """A Frigate camera's virtual line for one area.

    Attributes:
        camera: the camera's name in Frigate (`after.camera`).
        topic: the events topic, `<topic prefix>/events`.
        line: the counting line; `in_side` +1 = right of start->end as seen on screen.
        labels: the object labels counted.
        width, height: the detect stream's size in pixels, for events without `path_data`.
    """

    camera: str
    topic: str
    line: CountingLine
    labels: frozenset[str]
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class CountingSetup:
    """The people counting configuration of one area (read from its counting subentry).

    Attributes:
        area_id, title: the area and its display name.
        capacity: the maximum number of people, or None.
        near_ratio: the share of capacity from which the area is near capacity (0-1].
        anomaly_after: seconds a count above zero may last without activity, or None (off).
        reset_time: the local time of day of the automatic reset to 0, or None.
        frigate: the Frigate line, or None.
        beams: the (outside A, inside B) binary sensors, or None; window: seconds.
        entries_counter, exits_counter, people_counter, event_entity: entity ids or None.
    """

    area_id: str
    title: str
    capacity: int | None = None
    near_ratio: float = DEFAULT_NEAR_CAPACITY / 100
    anomaly_after: float | None = DEFAULT_ANOMALY_HOURS * 3600.0
    reset_time: time | None = None
    frigate: FrigateSource | None = None
    beams: tuple[str, str] | None = None
    window: float = DEFAULT_WINDOW
    entries_counter: str | None = None
    exits_counter: str | None = None
    people_counter: str | None = None
    event_entity: str | None = None


def counting_from_subentry(subentry: ConfigSubentry) -> CountingSetup:
    """Read a counting subentry; malformed values fall back to defaults (a bad line: no Frigate)."""
    data = subentry.data
    area_id = _area_of(subentry)
    capacity = _number(data.get(CONF_CAPACITY), 0, 1, 100000)
    hours = _number(data.get(CONF_ANOMALY_HOURS), DEFAULT_ANOMALY_HOURS, 0, 168)
    reset = dt_util.parse_time(str(data.get(CONF_RESET_TIME) or ""))
    beams = _section(data, CONF_BEAMS)
    counters = _section(data, CONF_COUNTERS)
    beam_a, beam_b = _entity_id(beams, CONF_BEAM_A), _entity_id(beams, CONF_BEAM_B)
    return CountingSetup(
        area_id,
        subentry.title,
        capacity=int(capacity) or None,
        near_ratio=_number(data.get(CONF_NEAR_CAPACITY), DEFAULT_NEAR_CAPACITY, 1, 100) / 100,
        anomaly_after=hours * 3600.0 or None,
        reset_time=reset,
        frigate=_frigate(_section(data, CONF_FRIGATE), area_id),
        beams=(beam_a, beam_b) if beam_a and beam_b and beam_a != beam_b else None,
        window=_number(beams.get(CONF_WINDOW), DEFAULT_WINDOW, 0.1, 60),
        entries_counter=_entity_id(counters, CONF_ENTRIES_COUNTER),
        exits_counter=_entity_id(counters, CONF_EXITS_COUNTER),
        people_counter=_entity_id(counters, CONF_PEOPLE_COUNTER),
        event_entity=_entity_id(counters, CONF_EVENT_ENTITY),
    )


def counting_unique_id(area_id: str) -> str:
    """The unique_id of an area's counting subentry.

    Subentry unique_ids are unique across all subentry types of an entry, and the area subentry
    already uses the bare area id.
    """
    return f"{SUBENTRY_COUNTING}_{area_id}"


def _area_of(subentry: ConfigSubentry) -> str:
    area_id = subentry.data.get(CONF_AREA_ID)
    if isinstance(area_id, str) and area_id:
        return area_id
    return str(subentry.unique_id or "").removeprefix(f"{SUBENTRY_COUNTING}_")


def _frigate(data: Mapping[str, Any], area_id: str) -> FrigateSource | None:
    camera = str(data.get(CONF_CAMERA) or "").strip()
    if not camera:
        return None
    prefix = str(data.get(CONF_TOPIC_PREFIX) or DEFAULT_TOPIC_PREFIX).strip("/ ")
    labels = data.get(CONF_LABELS)
    chosen = frozenset(str(v) for v in labels) if isinstance(labels, list) and labels else None
    coords = [_number(data.get(k), v, 0, 1) for k, v in DEFAULT_LINE.items()]
    side = 1 if data.get(CONF_IN_SIDE, DEFAULT_IN_SIDE) == SIDE_RIGHT else -1
    try:
        line = CountingLine(Point(coords[0], coords[1]), Point(coords[2], coords[3]), side)
    except ValueError as err:
        _LOGGER.warning("Frigate counting line of %s is not valid (%s); ignoring it", area_id, err)
        return None
    return FrigateSource(
        camera,
        f"{prefix or DEFAULT_TOPIC_PREFIX}/events",
        line,
        chosen or frozenset(DEFAULT_LABELS),
        _number(data.get(CONF_DETECT_WIDTH), DEFAULT_DETECT_WIDTH, 1, 10000),
        _number(data.get(CONF_DETECT_HEIGHT), DEFAULT_DETECT_HEIGHT, 1, 10000),
    )


def _number(value: object, default: float, low: float, high: float) -> float:
    """A number within [low, high], else `default`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(default)
    return float(value) if low <= value <= high else float(default)


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _entity_id(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None
