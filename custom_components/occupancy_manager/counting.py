"""People counting: sources (Frigate over MQTT, directional sensors, counters), counts, capacity."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry


class CountingManager:
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


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register this feature's actions (once, at integration setup)."""
