"""The replay clock: the recorded home's time now, with replay progress as attributes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from . import DATA_REPLAYER
from .replayer import Replayer


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,  # noqa: ARG001
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the replay clock (loaded by discovery only)."""
    if discovery_info is None:
        return
    async_add_entities([ReplayClock(hass.data[DATA_REPLAYER].replayer)])


class ReplayClock(SensorEntity, Entity):
    """Timestamp of the replayed home's clock; unknown until the replay starts."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_name = "Replay clock"
    _attr_unique_id = "replay_clock"
    _attr_should_poll = False
    _attr_icon = "mdi:clock-fast"

    def __init__(self, replayer: Replayer) -> None:
        """Show `replayer`'s clock."""
        self._replayer = replayer

    @property
    def native_value(self) -> datetime | None:
        """The replayed home's time, to the second."""
        now = self._replayer.data_time()
        return now.replace(microsecond=0) if now else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Progress: events replayed and total, speed, start and source."""
        status = self._replayer.status()
        return {key: status[key] for key in ("events_replayed", "events_total", "speed", "start")}

    async def async_added_to_hass(self) -> None:
        """Follow the replay clock."""
        await super().async_added_to_hass()
        self.async_on_remove(self._replayer.async_listen(None, self.async_write_ha_state))
