"""Occupancy Manager: trustworthy area occupancy and camera privacy mode for Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .cameras import CameraManager
from .const import DOMAIN
from .coordinator import OccupancyCoordinator
from .counting import CountingManager
from .data import OccupancyConfigEntry, OccupancyRuntime
from .entity import area_device_info
from .predictions import PredictionManager
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [Platform.BINARY_SENSOR, Platform.SELECT, Platform.SENSOR, Platform.SWITCH]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the actions once; they act on the loaded hub."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OccupancyConfigEntry) -> bool:
    """Start the coordinator (restoring stored state), the features, then the entity platforms."""
    coordinator = OccupancyCoordinator(hass, entry)
    _async_register_area_devices(hass, entry, coordinator)
    runtime = OccupancyRuntime(
        coordinator,
        cameras=CameraManager(hass, entry, coordinator),
        counting=CountingManager(hass, entry, coordinator),
        predictions=PredictionManager(hass, entry, coordinator),
    )
    await coordinator.async_start()
    entry.runtime_data = runtime
    for feature in (runtime.cameras, runtime.counting, runtime.predictions):
        await feature.async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: OccupancyConfigEntry) -> bool:
    """Unload the platforms, then stop the coordinator and save its state."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        runtime = entry.runtime_data
        for feature in (runtime.predictions, runtime.counting, runtime.cameras):
            await feature.async_stop()
        await runtime.coordinator.async_stop()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
    device_entry: dr.DeviceEntry,
) -> bool:
    """Let the user delete a camera device of ours; area and hub devices go with their entries."""
    if entry.state is not ConfigEntryState.LOADED:
        return any(
            domain == DOMAIN and value.startswith("camera_")
            for domain, value in device_entry.identifiers
        )
    return await entry.runtime_data.cameras.async_remove_device(device_entry)


async def _async_update_listener(hass: HomeAssistant, entry: OccupancyConfigEntry) -> None:
    """An area subentry was added, changed or removed: reload with the new areas."""
    await hass.config_entries.async_reload(entry.entry_id)


def _async_register_area_devices(
    hass: HomeAssistant, entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator
) -> None:
    """Create each area's device and put a new one in its area (the user may move it later)."""
    dev_reg = dr.async_get(hass)
    area_reg = ar.async_get(hass)
    for area in coordinator.areas.values():
        info = area_device_info(hass, area)
        existing = dev_reg.async_get_device_by_identifier(
            (DOMAIN, area.subentry_id), entry.entry_id
        )
        device = dev_reg.async_get_or_create(
            config_entry_id=entry.entry_id,
            config_subentry_id=area.subentry_id,
            identifiers=info["identifiers"],
            name=info["name"],
            manufacturer=info["manufacturer"],
            model=info["model"],
            entry_type=info["entry_type"],
        )
        if existing is None and area_reg.async_get_area(area.area_id) is not None:
            dev_reg.async_update_device(device.id, area_id=area.area_id)
