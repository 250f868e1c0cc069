"""Config flow: one hub entry, and one "area" subentry per managed area (add and reconfigure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, override

import probatio
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlowWithReload,
    SubentryFlowResult,
)
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    AreaSelector,
    BooleanSelector,
    DurationSelector,
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
    TextSelectorConfig,
)

from .areas import area_from_subentry
from .camera_settings import (
    CONF_ACTUATION,
    CONF_AUTO_REMOVE_ENABLED,
    CONF_AUTO_REMOVE_HOURS,
    CONF_CAMERA_SETTINGS,
    CONF_PROBE_HOST,
    CONF_PROBE_INTERVAL,
    CONF_PROBE_PORT,
    CONF_REENABLE_DELAY,
    CONF_SWITCH_ENTITY,
    CONF_SWITCH_INVERTED,
    DEFAULT_AUTO_REMOVE_ENABLED,
    DEFAULT_AUTO_REMOVE_HOURS,
    DEFAULT_PROBE_INTERVAL,
    DEFAULT_REENABLE_DELAY,
    MAX_PORT,
    Actuation,
)
from .const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_CONTRIBUTES,
    CONF_DOOR_SENSORS,
    CONF_FOLLOW_PARENT,
    CONF_GRACE_PERIOD,
    CONF_HIERARCHY,
    CONF_MAX_TIMEOUT,
    CONF_MIN_TIMEOUT,
    CONF_OCCUPANT_SENSORS,
    CONF_PARENT_AREA,
    CONF_PET_SENSORS,
    CONF_RULES,
    CONF_STRATEGY,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_SUSTAIN_TIMEOUT,
    CONF_TIMEOUT,
    CONF_TIMING,
    CONF_TRIGGER_SENSORS,
    CONF_VACANCY_SENSORS,
    CONF_WASP_IN_BOX,
    DEFAULT_MAX_TIMEOUT,
    DEFAULT_MIN_TIMEOUT,
    DEFAULT_STRATEGY,
    DEFAULT_SUSTAIN_STARTS,
    DEFAULT_TIMEOUT,
    DOMAIN,
    HUB_TITLE,
    SUBENTRY_AREA,
    SUBENTRY_COUNTING,
)
from .counting_flow import CountingSubentryFlowHandler
from .discovery import async_discover_area
from .engine import StrategyKind
from .engine.timeouts import parse_rules
from .entity import camera_name

MAX_TIMEOUT = timedelta(hours=24)
CONF_CAMERA = "camera"

_SENSOR_KEYS = (CONF_TRIGGER_SENSORS, CONF_SUSTAIN_SENSORS, CONF_VACANCY_SENSORS, CONF_DOOR_SENSORS)
_ENTITY_LIST_KEYS = (*_SENSOR_KEYS, CONF_CAMERAS)
_BINARY_SENSORS = EntitySelector(EntitySelectorConfig(domain=Platform.BINARY_SENSOR, multiple=True))

TIMING_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_STRATEGY, default=DEFAULT_STRATEGY): SelectSelector(
            SelectSelectorConfig(
                options=[kind.value for kind in StrategyKind],
                mode=SelectSelectorMode.DROPDOWN,
                translation_key="strategy",
            )
        ),
        probatio.Optional(CONF_RULES, default=""): TextSelector(TextSelectorConfig(multiline=True)),
        probatio.Required(CONF_MIN_TIMEOUT, default=dict(DEFAULT_MIN_TIMEOUT)): DurationSelector(),
        probatio.Required(CONF_MAX_TIMEOUT, default=dict(DEFAULT_MAX_TIMEOUT)): DurationSelector(),
        probatio.Optional(CONF_SUSTAIN_TIMEOUT): DurationSelector(),
        probatio.Required(CONF_GRACE_PERIOD, default=0): NumberSelector(
            NumberSelectorConfig(
                min=0, max=120, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
            )
        ),
    }
)
HIERARCHY_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_PARENT_AREA): AreaSelector(),
        probatio.Required(CONF_CONTRIBUTES, default=True): BooleanSelector(),
        probatio.Required(CONF_FOLLOW_PARENT, default=False): BooleanSelector(),
        probatio.Required(CONF_WASP_IN_BOX, default=False): BooleanSelector(),
    }
)

STEP_AREA_SCHEMA = probatio.Schema({probatio.Required(CONF_AREA_ID): AreaSelector()})

# Lists default to [] rather than to the current value, so that emptying a field on
# reconfigure stores an empty list; current and discovered values go in as suggestions.
STEP_SENSORS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_TRIGGER_SENSORS, default=list): _BINARY_SENSORS,
        probatio.Optional(CONF_SUSTAIN_SENSORS, default=list): _BINARY_SENSORS,
        probatio.Optional(CONF_VACANCY_SENSORS, default=list): _BINARY_SENSORS,
        probatio.Optional(CONF_DOOR_SENSORS, default=list): _BINARY_SENSORS,
        probatio.Required(CONF_SUSTAIN_STARTS, default=DEFAULT_SUSTAIN_STARTS): BooleanSelector(),
        probatio.Required(CONF_TIMEOUT, default=dict(DEFAULT_TIMEOUT)): DurationSelector(),
        probatio.Optional(CONF_CAMERAS, default=list): EntitySelector(
            EntitySelectorConfig(domain=Platform.CAMERA, multiple=True)
        ),
        probatio.Optional(CONF_TIMING, default=dict): section(TIMING_SCHEMA, {"collapsed": True}),
        probatio.Optional(CONF_HIERARCHY, default=dict): section(
            HIERARCHY_SCHEMA, {"collapsed": True}
        ),
    }
)

OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_OCCUPANT_SENSORS, default=list): EntitySelector(
            EntitySelectorConfig(domain=["sensor", "device_tracker"], multiple=True)
        ),
        probatio.Optional(CONF_PET_SENSORS, default=list): EntitySelector(
            EntitySelectorConfig(domain=["sensor", "device_tracker"], multiple=True)
        ),
    }
)


def _number(low: float, high: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low, max=high, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement=unit
        )
    )


CAMERAS_OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_REENABLE_DELAY, default=DEFAULT_REENABLE_DELAY): _number(
            0, 3600, "s"
        ),
        probatio.Required(CONF_PROBE_INTERVAL, default=DEFAULT_PROBE_INTERVAL): _number(
            10, 3600, "s"
        ),
        probatio.Required(
            CONF_AUTO_REMOVE_ENABLED, default=DEFAULT_AUTO_REMOVE_ENABLED
        ): BooleanSelector(),
        probatio.Required(CONF_AUTO_REMOVE_HOURS, default=DEFAULT_AUTO_REMOVE_HOURS): _number(
            1, 8760, "h"
        ),
    }
)
# The port has no bounds in the selector so that a wrong one gets a translated error.
CAMERA_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_ACTUATION, default=Actuation.AUTO.value): SelectSelector(
            SelectSelectorConfig(
                options=[a.value for a in Actuation],
                mode=SelectSelectorMode.DROPDOWN,
                translation_key=CONF_ACTUATION,
            )
        ),
        probatio.Optional(CONF_SWITCH_ENTITY): EntitySelector(
            EntitySelectorConfig(domain=Platform.SWITCH)
        ),
        probatio.Required(CONF_SWITCH_INVERTED, default=False): BooleanSelector(),
        probatio.Optional(CONF_PROBE_HOST): TextSelector(),
        probatio.Optional(CONF_PROBE_PORT): NumberSelector(
            NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
        ),
    }
)


class OccupancyManagerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the single hub entry; areas are added to it as subentries."""

    VERSION = 1
    MINOR_VERSION = 1

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm and create the hub entry (title HUB_TITLE, empty data)."""
        if user_input is not None:
            return self.async_create_entry(title=HUB_TITLE, data={})
        return self.async_show_form(step_id="user", data_schema=probatio.Schema({}))

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry types the hub supports: {"area": AreaSubentryFlowHandler}."""
        return {
            SUBENTRY_AREA: AreaSubentryFlowHandler,
            SUBENTRY_COUNTING: CountingSubentryFlowHandler,
        }

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> HubOptionsFlow:  # noqa: ARG004
        """The hub options: people and pets, cameras, one camera's settings."""
        return HubOptionsFlow()


class HubOptionsFlow(OptionsFlowWithReload):
    """A menu: people and pets, camera options, and one camera's settings.

    Saving a step merges its values into the existing options (other keys are kept); the hub
    reloads when the options changed.
    """

    _camera: str

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:  # noqa: ARG002
        """The menu."""
        return self.async_show_menu(
            step_id="init", menu_options=["people", "cameras", "camera_settings"]
        )

    async def async_step_people(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Occupant sensors (a state naming an area places a person there) and pets to ignore."""
        if user_input is not None:
            return self._save(user_input)
        return self.async_show_form(
            step_id="people",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, self.config_entry.options
            ),
        )

    async def async_step_cameras(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Re-enable delay (s), heartbeat interval (s), stale removal on/off and hours."""
        if user_input is not None:
            return self._save(user_input)
        return self.async_show_form(
            step_id="cameras",
            data_schema=self.add_suggested_values_to_schema(
                CAMERAS_OPTIONS_SCHEMA, self.config_entry.options
            ),
        )

    async def async_step_camera_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick one of the areas' cameras; aborts when no area has a camera."""
        cameras = sorted(
            {
                c
                for s in self.config_entry.get_subentries_of_type(SUBENTRY_AREA)
                for c in area_from_subentry(s).cameras
            }
        )
        if not cameras:
            return self.async_abort(reason="no_cameras")
        if user_input is not None:
            self._camera = user_input[CONF_CAMERA]
            return await self.async_step_camera()
        options = [SelectOptionDict(value=c, label=camera_name(self.hass, c)) for c in cameras]
        schema = probatio.Schema(
            {
                probatio.Required(CONF_CAMERA): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                )
            }
        )
        return self.async_show_form(step_id="camera_settings", data_schema=schema)

    async def async_step_camera(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Actuation, user switch and polarity, and the optional TCP probe of one camera.

        Stored under `camera_settings[<camera entity id>]` (see `camera_settings.py`).
        """
        errors: dict[str, str] = {}
        all_settings: dict[str, Any] = dict(self.config_entry.options.get(CONF_CAMERA_SETTINGS, {}))
        if user_input is not None:
            settings, errors = _camera_input(user_input)
            if not errors:
                all_settings[self._camera] = settings
                return self._save({CONF_CAMERA_SETTINGS: all_settings})
            suggested: Mapping[str, Any] = user_input
        else:
            current = all_settings.get(self._camera)
            suggested = current if isinstance(current, Mapping) else {}
        return self.async_show_form(
            step_id="camera",
            data_schema=self.add_suggested_values_to_schema(CAMERA_SCHEMA, suggested),
            errors=errors,
            description_placeholders={"camera": camera_name(self.hass, self._camera)},
        )

    def _save(self, values: Mapping[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(data={**self.config_entry.options, **values})


def _camera_input(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(settings to store, errors by field) for the camera step's input."""
    errors: dict[str, str] = {}
    actuation = user_input[CONF_ACTUATION]
    switch = user_input.get(CONF_SWITCH_ENTITY) or None
    host = str(user_input.get(CONF_PROBE_HOST) or "").strip() or None
    raw_port = user_input.get(CONF_PROBE_PORT)
    port: int | None = None
    if actuation == Actuation.SWITCH and switch is None:
        errors[CONF_SWITCH_ENTITY] = "switch_required"
    if raw_port is not None:
        if float(raw_port).is_integer() and 1 <= raw_port <= MAX_PORT:
            port = int(raw_port)
        else:
            errors[CONF_PROBE_PORT] = "invalid_port"
    if raw_port is not None and host is None:
        errors[CONF_PROBE_HOST] = "probe_incomplete"
    elif host is not None and raw_port is None:
        errors[CONF_PROBE_PORT] = "probe_incomplete"
    settings = {
        CONF_ACTUATION: actuation,
        CONF_SWITCH_ENTITY: switch,
        CONF_SWITCH_INVERTED: bool(user_input.get(CONF_SWITCH_INVERTED, False)),
        CONF_PROBE_HOST: host,
        CONF_PROBE_PORT: port,
    }
    return settings, errors


class AreaSubentryFlowHandler(ConfigSubentryFlow):
    """Add an area (pick it, then its sensors) or reconfigure the sensors of an existing one."""

    _area_id: str
    _area_name: str

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Pick the area; abort if it is unknown or already has a subentry."""
        if user_input is not None:
            area_id: str = user_input[CONF_AREA_ID]
            if (area := ar.async_get(self.hass).async_get_area(area_id)) is None:
                return self.async_abort(reason="area_not_found")
            if any(
                subentry.unique_id == area_id
                for subentry in self._get_entry().get_subentries_of_type(SUBENTRY_AREA)
            ):
                return self.async_abort(reason="already_configured")
            self._area_id = area_id
            self._area_name = area.name
            return await self.async_step_sensors()
        return self.async_show_form(step_id="user", data_schema=STEP_AREA_SCHEMA)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit the sensors of an existing area; works even if the area was deleted since."""
        subentry = self._get_reconfigure_subentry()
        self._area_id = subentry.data[CONF_AREA_ID]
        area = ar.async_get(self.hass).async_get_area(self._area_id)
        self._area_name = area.name if area is not None else subentry.title
        return await self.async_step_sensors(user_input)

    async def async_step_sensors(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose sensors, timeout and cameras; validate, then create or update the subentry.

        The stored data is {CONF_AREA_ID: str, CONF_TRIGGER_SENSORS: [entity_id],
        CONF_SUSTAIN_SENSORS: [entity_id], CONF_SUSTAIN_STARTS: bool,
        CONF_TIMEOUT: {"hours": h, "minutes": m, "seconds": s}, CONF_CAMERAS: [entity_id]}.
        """
        errors: dict[str, str] = {}
        placeholders = {"area": self._area_name}
        if user_input is not None:
            errors, extra = self._validate(user_input)
            placeholders |= extra
            if not errors:
                data = {CONF_AREA_ID: self._area_id, **user_input}
                if self.source == SOURCE_USER:
                    return self.async_create_entry(
                        title=self._area_name, data=data, unique_id=self._area_id
                    )
                return self.async_update_and_abort(
                    self._get_entry(),
                    self._get_reconfigure_subentry(),
                    title=self._area_name,
                    data=data,
                )
            suggested: Mapping[str, Any] = user_input
        elif self.source == SOURCE_USER:
            found = async_discover_area(self.hass, self._area_id)
            suggested = {
                CONF_TRIGGER_SENSORS: list(found.trigger),
                CONF_SUSTAIN_SENSORS: list(found.sustain),
                CONF_DOOR_SENSORS: list(found.doors),
                CONF_CAMERAS: list(found.cameras),
            }
        else:
            suggested = self._reconfigure_suggestion()

        return self.async_show_form(
            step_id="sensors",
            data_schema=self.add_suggested_values_to_schema(STEP_SENSORS_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _reconfigure_suggestion(self) -> dict[str, Any]:
        """The stored data, plus cameras of the area that came back after a stale removal.

        A returned camera is offered (pre-selected in the form), never re-added silently.
        """
        data = self._get_reconfigure_subentry().data
        suggested = dict(data)
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED:
            listed = list(data.get(CONF_CAMERAS) or [])
            back = entry.runtime_data.cameras.returned_cameras(self._area_id)
            suggested[CONF_CAMERAS] = listed + [c for c in back if c not in listed]
        return suggested

    def _validate(self, user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Return (errors by field or "base", extra description placeholders) for the input."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        trigger: list[str] = user_input[CONF_TRIGGER_SENSORS]
        sustain: list[str] = user_input[CONF_SUSTAIN_SENSORS]

        if not trigger and not sustain:
            errors["base"] = "no_sensors"
        seen: set[str] = set()
        both: set[str] = set()
        for key in _SENSOR_KEYS:
            chosen = set(user_input.get(key, []))
            if overlap := chosen & seen:
                both |= overlap
                errors.setdefault(key, "sensor_in_both_roles")
            seen |= chosen
        if both:
            placeholders["both"] = ", ".join(sorted(both))
        timeout = cv.time_period_dict(user_input[CONF_TIMEOUT])
        if timeout > MAX_TIMEOUT:
            errors[CONF_TIMEOUT] = "invalid_timeout"
        timing = user_input.get(CONF_TIMING, {})
        low = cv.time_period_dict(timing.get(CONF_MIN_TIMEOUT, DEFAULT_MIN_TIMEOUT))
        high = cv.time_period_dict(timing.get(CONF_MAX_TIMEOUT, DEFAULT_MAX_TIMEOUT))
        if low > high:
            errors[CONF_TIMING] = "invalid_bounds"
        try:
            parse_rules(timing.get(CONF_RULES, ""))
        except ValueError as err:
            errors[CONF_TIMING] = "invalid_rules"
            placeholders["rule_error"] = str(err)
        parent = user_input.get(CONF_HIERARCHY, {}).get(CONF_PARENT_AREA)
        if parent is not None and parent == self._area_id:
            errors[CONF_HIERARCHY] = "parent_is_self"

        ent_reg = er.async_get(self.hass)
        unknown: list[str] = []
        for key in _ENTITY_LIST_KEYS:
            missing = [
                entity_id
                for entity_id in user_input[key]
                if self.hass.states.get(entity_id) is None and ent_reg.async_get(entity_id) is None
            ]
            if missing:
                errors.setdefault(key, "unknown_entity")
                unknown.extend(missing)
        if unknown:
            placeholders["unknown"] = ", ".join(unknown)
        return errors, placeholders
