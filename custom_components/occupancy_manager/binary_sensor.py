"""Occupancy binary sensors per area, floor and home; a stuck-sensor problem sensor per area."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import camera_entities, counting_entities
from .areas import RollupSetup
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry
from .engine import AreaState, NodeKind
from .entity import OccupancyAreaEntity, OccupancyNodeEntity, OccupancyRollupEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Per area: occupancy and stuck sensors; per floor and for the home: occupancy."""
    coordinator = entry.runtime_data.coordinator
    for area in coordinator.areas.values():
        async_add_entities(
            [
                OccupancyBinarySensor(coordinator, area, "occupancy"),
                StuckSensorsBinarySensor(coordinator, area, "stuck_sensors"),
            ],
            config_subentry_id=area.subentry_id,
        )
    async_add_entities(
        RollupOccupancyBinarySensor(coordinator, rollup, "occupancy")
        for rollup in coordinator.rollups.values()
    )
    for feature in (camera_entities, counting_entities):
        feature.async_add_binary_sensors(entry, async_add_entities)


def explain(state: AreaState, coordinator: OccupancyCoordinator) -> dict[str, Any]:
    """The attributes that explain a node's state (shared by areas and roll-ups)."""
    return {
        "reason": state.reason.value if state.reason else None,
        "since": state.since.isoformat() if state.since else None,
        "occupied_until": state.occupied_until.isoformat() if state.occupied_until else None,
        "timeout": state.timeout,
        "active_sensors": list(state.active_sensors),
        "last_sensor": state.last_sensor,
        "occupants": [coordinator.identity.name(p) for p in state.occupants],
        "lock": state.lock.mode.value if state.lock else None,
    }


class _OccupancyView(OccupancyNodeEntity, BinarySensorEntity):
    """On while the node is occupied; attributes explain why (see `explain`)."""

    _attr_device_class = BinarySensorDeviceClass.OCCUPANCY

    @property
    def is_on(self) -> bool:
        """Whether the node is occupied."""
        return self.node_state.occupied

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the node has this state."""
        return explain(self.node_state, self.coordinator)


class OccupancyBinarySensor(OccupancyAreaEntity, _OccupancyView):
    """On while the area is occupied.

    Attributes: `reason` (why it has this state), `since`, `occupied_until` (None while a sensor
    holds the area), `timeout` (seconds), `active_sensors` (sensors on now), `last_sensor`,
    `occupants` (names), `lock` (mode in force).
    """

    _attr_translation_key = "occupancy"
    _attr_name = None  # the device's main feature: named like the device


class StuckSensorsBinarySensor(OccupancyAreaEntity, BinarySensorEntity):
    """Problem: one of the area's sensors looks stuck and is ignored until it changes."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "stuck_sensors"

    @property
    def is_on(self) -> bool:
        """Whether any sensor of the area is flagged stuck."""
        return bool(self.node_state.stuck_sensors)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The stuck sensors."""
        return {"stuck_sensors": list(self.node_state.stuck_sensors)}


class RollupOccupancyBinarySensor(OccupancyRollupEntity, _OccupancyView):
    """On while any contributing area of the floor (or of the home) is occupied."""

    def __init__(self, coordinator: OccupancyCoordinator, rollup: RollupSetup, key: str) -> None:
        """Name from the floor's name, or "Home occupancy"."""
        super().__init__(coordinator, rollup, key)
        if rollup.kind is NodeKind.HOME:
            self._attr_translation_key = "home_occupancy"
        else:
            self._attr_translation_key = "floor_occupancy"
            self._attr_translation_placeholders = {"floor": rollup.name}
