"""Base entity: a thin view of one area's snapshot, on the device of the area's subentry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .areas import AreaSetup, RollupSetup
from .const import DOMAIN, HUB_TITLE
from .coordinator import OccupancyCoordinator

DEVICE_NAME = "Occupancy"


def area_device_info(hass: HomeAssistant, area: AreaSetup) -> DeviceInfo:
    """The device that groups an area's entities (one per area subentry).

    It sits in its area and is named "Occupancy": Home Assistant prefixes entity ids with the
    area's name, so ids read `binary_sensor.kitchen_occupancy`. Should the area be gone from the
    registry, the device carries the area's title instead.
    """
    in_registry = ar.async_get(hass).async_get_area(area.area_id) is not None
    return DeviceInfo(
        identifiers={(DOMAIN, area.subentry_id)},
        name=DEVICE_NAME if in_registry else f"{area.title} {DEVICE_NAME.lower()}",
        manufacturer=HUB_TITLE,
        model="Area",
        entry_type=DeviceEntryType.SERVICE,
    )


class OccupancyAreaEntity(Entity):
    """An entity of one area; it re-renders whenever the coordinator says the area changed."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: OccupancyCoordinator, area: AreaSetup, key: str) -> None:
        """Name from `translation_key`; unique_id from the subentry id and `key`."""
        self.coordinator = coordinator
        self.area = area
        self._attr_unique_id = f"{area.subentry_id}_{key}"
        self._attr_device_info = area_device_info(coordinator.hass, area)

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator's updates for this area."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.area.area_id, self.async_write_ha_state)
        )


def hub_device_info(coordinator: OccupancyCoordinator) -> DeviceInfo:
    """The hub's own device, which holds the floor and home roll-ups."""
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.entry.entry_id)},
        name=HUB_TITLE,
        manufacturer=HUB_TITLE,
        model="Hub",
        entry_type=DeviceEntryType.SERVICE,
    )


class OccupancyRollupEntity(Entity):
    """An entity of a floor or the home, on the hub device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: OccupancyCoordinator, rollup: RollupSetup, key: str) -> None:
        """unique_id from the entry, the node id and `key`."""
        self.coordinator = coordinator
        self.rollup = rollup
        self._attr_unique_id = f"{coordinator.entry.entry_id}_{rollup.node_id}_{key}"
        self._attr_device_info = hub_device_info(coordinator)

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator's updates for this node."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.rollup.node_id, self.async_write_ha_state)
        )
