"""Camera devices, heartbeat (last seen, optional TCP probe) and stale-camera removal."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry


class CameraManager:
    """Placeholder; filled in by its issue."""

    def __init__(
        self, hass: HomeAssistant, entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator
    ) -> None:
        """Nothing is subscribed until `async_start`."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator

    async def async_start(self) -> None:
        """Start after the coordinator has restored occupancy."""

    async def async_stop(self) -> None:
        """Stop listening and save what must survive a restart."""

    async def async_remove_device(self, device_entry: dr.DeviceEntry) -> bool:  # noqa: ARG002
        """Whether the user may delete `device_entry` (only our camera devices); forget it if so."""
        return False


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register this feature's actions (once, at integration setup)."""
