"""Config flow: one hub entry, and one "area" subentry per managed area (add and reconfigure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, override

import probatio
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    AreaSelector,
    BooleanSelector,
    DurationSelector,
    EntitySelector,
    EntitySelectorConfig,
)

from .const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_TIMEOUT,
    CONF_TRIGGER_SENSORS,
    DEFAULT_SUSTAIN_STARTS,
    DEFAULT_TIMEOUT,
    DOMAIN,
    HUB_TITLE,
    SUBENTRY_AREA,
)
from .discovery import async_discover_area

MAX_TIMEOUT = timedelta(hours=24)

_ENTITY_LIST_KEYS = (CONF_TRIGGER_SENSORS, CONF_SUSTAIN_SENSORS, CONF_CAMERAS)

STEP_AREA_SCHEMA = probatio.Schema({probatio.Required(CONF_AREA_ID): AreaSelector()})

# Lists default to [] rather than to the current value, so that emptying a field on
# reconfigure stores an empty list; current and discovered values go in as suggestions.
STEP_SENSORS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_TRIGGER_SENSORS, default=list): EntitySelector(
            EntitySelectorConfig(domain=Platform.BINARY_SENSOR, multiple=True)
        ),
        probatio.Optional(CONF_SUSTAIN_SENSORS, default=list): EntitySelector(
            EntitySelectorConfig(domain=Platform.BINARY_SENSOR, multiple=True)
        ),
        probatio.Required(CONF_SUSTAIN_STARTS, default=DEFAULT_SUSTAIN_STARTS): BooleanSelector(),
        probatio.Required(CONF_TIMEOUT, default=dict(DEFAULT_TIMEOUT)): DurationSelector(),
        probatio.Optional(CONF_CAMERAS, default=list): EntitySelector(
            EntitySelectorConfig(domain=Platform.CAMERA, multiple=True)
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
        return {SUBENTRY_AREA: AreaSubentryFlowHandler}


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
                CONF_CAMERAS: list(found.cameras),
            }
        else:
            suggested = self._get_reconfigure_subentry().data

        return self.async_show_form(
            step_id="sensors",
            data_schema=self.add_suggested_values_to_schema(STEP_SENSORS_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _validate(self, user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Return (errors by field or "base", extra description placeholders) for the input."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        trigger: list[str] = user_input[CONF_TRIGGER_SENSORS]
        sustain: list[str] = user_input[CONF_SUSTAIN_SENSORS]

        if not trigger and not sustain:
            errors["base"] = "no_sensors"
        if both := sorted(set(trigger) & set(sustain)):
            errors[CONF_SUSTAIN_SENSORS] = "sensor_in_both_roles"
            placeholders["both"] = ", ".join(both)
        if cv.time_period_dict(user_input[CONF_TIMEOUT]) > MAX_TIMEOUT:
            errors[CONF_TIMEOUT] = "invalid_timeout"

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
