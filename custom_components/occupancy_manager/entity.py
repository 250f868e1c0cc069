"""Base entity: a thin view of one area's snapshot, on the device of the area's subentry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .areas import AreaSetup, RollupSetup
from .const import DOMAIN, HUB_TITLE
from .coordinator import OccupancyCoordinator
from .engine import AreaState

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


class OccupancyNodeEntity(Entity):
    """A thin view of one engine node (area, floor or home); re-renders when it changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, coordinator: OccupancyCoordinator, node_id: str, unique_id: str, device: DeviceInfo
    ) -> None:
        """A view of `node_id` with a stable unique_id on `device`."""
        self.coordinator = coordinator
        self.node_id = node_id
        self._attr_unique_id = unique_id
        self._attr_device_info = device

    @property
    def node_state(self) -> AreaState:
        """The node's current state from the engine."""
        return self.coordinator.engine.state(self.node_id)

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator's updates for this node."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.node_id, self.async_write_ha_state)
        )


class OccupancyAreaEntity(OccupancyNodeEntity):
    """An entity of one area, on the device of the area's subentry."""

    def __init__(self, coordinator: OccupancyCoordinator, area: AreaSetup, key: str) -> None:
        """Name from `translation_key`; unique_id from the subentry id and `key`."""
        super().__init__(
            coordinator,
            area.area_id,
            f"{area.subentry_id}_{key}",
            area_device_info(coordinator.hass, area),
        )
        self.area = area


def hub_device_info(coordinator: OccupancyCoordinator) -> DeviceInfo:
    """The hub's own device, which holds the floor and home roll-ups."""
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.entry.entry_id)},
        name=HUB_TITLE,
        manufacturer=HUB_TITLE,
        model="Hub",
        entry_type=DeviceEntryType.SERVICE,
    )


class OccupancyRollupEntity(OccupancyNodeEntity):
    """An entity of a floor or the home, on the hub device."""

    def __init__(self, coordinator: OccupancyCoordinator, rollup: RollupSetup, key: str) -> None:
        """unique_id from the entry, the node id and `key`."""
        super().__init__(
            coordinator,
            rollup.node_id,
            f"{coordinator.entry.entry_id}_{rollup.node_id}_{key}",
            hub_device_info(coordinator),
        )
        self.rollup = rollup


def camera_key(hass: HomeAssistant, camera: str) -> str:
    """A camera's stable key: its entity registry id (survives renames), else its entity id."""
    registry_entry = er.async_get(hass).async_get(camera)
    return registry_entry.id if registry_entry else camera


def camera_name(hass: HomeAssistant, camera: str) -> str:
    """A camera's display name: registry name, original name, friendly name or entity id."""
    registry_entry = er.async_get(hass).async_get(camera)
    if registry_entry and (registry_entry.name or registry_entry.original_name):
        return str(registry_entry.name or registry_entry.original_name)
    state = hass.states.get(camera)
    if state is not None and state.name:
        return state.name
    return camera


def camera_device_info(coordinator: OccupancyCoordinator, camera: str) -> DeviceInfo:
    """Our own device for one managed camera (privacy mode, last seen, connectivity).

    Identifier `(DOMAIN, "camera_<camera_key>")`. It is a separate device of ours, never the
    camera integration's device (2026.8 rule: the camera's own switches live there).
    """
    hass = coordinator.hass
    return DeviceInfo(
        identifiers={(DOMAIN, f"camera_{camera_key(hass, camera)}")},
        name=camera_name(hass, camera),
        manufacturer=HUB_TITLE,
        model="Camera privacy",
        entry_type=DeviceEntryType.SERVICE,
    )
