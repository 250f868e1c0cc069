"""One binary sensor per replayed sensor; its device class is the sensor's kind."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import slugify

from . import DATA_REPLAYER
from .entity import ReplayEntity
from .replayer import Replayer, ReplaySensor


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,  # noqa: ARG001
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add a binary sensor for every sensor of the schedule (loaded by discovery only)."""
    if discovery_info is None:
        return
    data = hass.data[DATA_REPLAYER]
    async_add_entities(
        ReplayBinarySensor(data.replayer, index, sensor, data.area_ids[sensor.area])
        for index, sensor in enumerate(data.replayer.schedule.sensors)
    )


class ReplayBinarySensor(ReplayEntity, BinarySensorEntity):
    """On while the recorded sensor is on at the replayed time."""

    def __init__(self, replayer: Replayer, index: int, sensor: ReplaySensor, area_id: str) -> None:
        """Sensor `index` of the schedule, in registry area `area_id`."""
        super().__init__(f"{slugify(sensor.key)}_{sensor.kind}", sensor.name, area_id)
        self._replayer = replayer
        self._index = index
        self._attr_device_class = BinarySensorDeviceClass(sensor.kind)
        self._attr_extra_state_attributes = {"recorded_sensor": sensor.key}

    @property
    def is_on(self) -> bool:
        """The recorded state at the replayed time."""
        return self._replayer.states[self._index]

    async def async_added_to_hass(self) -> None:
        """Write the state whenever the replay changes this sensor."""
        await super().async_added_to_hass()
        self.async_on_remove(self._replayer.async_listen(self._index, self.async_write_ha_state))
