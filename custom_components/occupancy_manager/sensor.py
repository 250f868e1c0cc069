"""Occupied-until timestamp sensor per area."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
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
    """One occupied-until sensor per area subentry."""
    coordinator = entry.runtime_data.coordinator
    for area in coordinator.areas.values():
        async_add_entities(
            [OccupiedUntilSensor(coordinator, area, "occupied_until")],
            config_subentry_id=area.subentry_id,
        )


class OccupiedUntilSensor(OccupancyAreaEntity, SensorEntity):
    """When the area becomes vacant if nothing else happens (aware UTC).

    Unknown while the area is vacant or held by a sensor that is on.
    """

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_translation_key = "occupied_until"

    @property
    def native_value(self) -> datetime | None:
        """The running timer's end."""
        return self.coordinator.engine.state(self.area.area_id).occupied_until
