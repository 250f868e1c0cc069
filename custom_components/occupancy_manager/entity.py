"""Base entity: a thin view of one area's snapshot, on the device of the area's subentry."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .areas import AreaSetup
from .const import DOMAIN, HUB_TITLE
from .coordinator import OccupancyCoordinator


def area_device_info(area: AreaSetup) -> DeviceInfo:
    """The device that groups an area's entities (one per area subentry)."""
    return DeviceInfo(
        identifiers={(DOMAIN, area.subentry_id)},
        name=area.title,
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
        self._attr_device_info = area_device_info(area)

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator's updates for this area."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.area.area_id, self.async_write_ha_state)
        )
