"""Occupancy binary sensor per area, with attributes that explain the decision."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import OccupancyConfigEntry
from .entity import OccupancyAreaEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One occupancy binary sensor per area subentry."""
    coordinator = entry.runtime_data.coordinator
    for area in coordinator.areas.values():
        async_add_entities(
            [OccupancyBinarySensor(coordinator, area, "occupancy")],
            config_subentry_id=area.subentry_id,
        )


class OccupancyBinarySensor(OccupancyAreaEntity, BinarySensorEntity):
    """On while the area is occupied.

    Attributes: `reason` (why it has this state), `since`, `occupied_until` (None while a sensor
    holds the area), `timeout` (seconds), `active_sensors` (sensors on now), `last_sensor`.
    """

    _attr_device_class = BinarySensorDeviceClass.OCCUPANCY
    _attr_translation_key = "occupancy"

    @property
    def is_on(self) -> bool:
        """Whether the area is occupied."""
        return self.coordinator.engine.state(self.area.area_id).occupied

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the area has this state."""
        state = self.coordinator.engine.state(self.area.area_id)
        return {
            "reason": state.reason.value if state.reason else None,
            "since": state.since.isoformat() if state.since else None,
            "occupied_until": state.occupied_until.isoformat() if state.occupied_until else None,
            "timeout": state.timeout,
            "active_sensors": list(state.active_sensors),
            "last_sensor": state.last_sensor,
        }
