"""Per area: occupied-until timestamp and the number of occupants (who is here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import camera_entities, counting_entities, prediction_entities
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
            [
                OccupiedUntilSensor(coordinator, area, "occupied_until"),
                OccupantsSensor(coordinator, area, "occupants"),
            ],
            config_subentry_id=area.subentry_id,
        )
    for feature in (camera_entities, counting_entities, prediction_entities):
        feature.async_add_sensors(entry, async_add_entities)


class OccupiedUntilSensor(OccupancyAreaEntity, SensorEntity):
    """When the area becomes vacant if nothing else happens (aware UTC).

    Unknown while the area is vacant or held by a sensor that is on.
    """

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_translation_key = "occupied_until"

    @property
    def native_value(self) -> datetime | None:
        """The running timer's end."""
        return self.node_state.occupied_until


class OccupantsSensor(OccupancyAreaEntity, SensorEntity):
    """How many people the occupant sensors place in the area; `occupants` names them.

    Names come from the occupant sensors' friendly names; diagnostics redact them.
    """

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_translation_key = "occupants"
    _unrecorded_attributes = frozenset({"occupants"})

    @property
    def native_value(self) -> int:
        """Number of occupants."""
        return len(self.node_state.occupants)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Their names."""
        names = [self.coordinator.identity.name(p) for p in self.node_state.occupants]
        return {"occupants": names}
