"""Entities of the managed cameras' devices: last seen (timestamp) and connectivity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_health import CameraHealth
from .cameras import CameraManager
from .data import OccupancyConfigEntry
from .entity import camera_device_info, camera_key


def async_add_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """One last seen sensor per managed camera, on the camera's device of ours."""
    manager = entry.runtime_data.cameras
    async_add_entities(LastSeenSensor(manager, camera) for camera in manager.health)


def async_add_binary_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """One connectivity binary sensor per managed camera, on the camera's device of ours."""
    manager = entry.runtime_data.cameras
    async_add_entities(ConnectivityBinarySensor(manager, camera) for camera in manager.health)


class CameraHealthEntity(Entity):
    """A thin view of one camera's heartbeat; re-renders when it changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, manager: CameraManager, camera: str, key: str) -> None:
        """A view of `camera` (entity id); unique_id `<entry_id>_camera_<camera_key>_<key>`."""
        self.manager = manager
        self.camera = camera
        coordinator = manager.coordinator
        self._attr_unique_id = (
            f"{coordinator.entry.entry_id}_camera_{camera_key(coordinator.hass, camera)}_{key}"
        )
        self._attr_device_info = camera_device_info(coordinator, camera)

    @property
    def status(self) -> CameraHealth:
        """The camera's current heartbeat status."""
        return self.manager.health[self.camera]

    @property
    def available(self) -> bool:
        """False once the camera is no longer managed (being removed)."""
        return self.camera in self.manager.health

    async def async_added_to_hass(self) -> None:
        """Follow the heartbeat of this camera."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self.camera, self.async_write_ha_state)
        )


class LastSeenSensor(CameraHealthEntity, SensorEntity):
    """When the camera was last seen (aware UTC); unknown if never seen."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_translation_key = "last_seen"

    def __init__(self, manager: CameraManager, camera: str) -> None:
        """The last seen sensor of `camera`."""
        super().__init__(manager, camera, "last_seen")

    @property
    def native_value(self) -> datetime | None:
        """The last time the camera was seen."""
        return self.status.last_seen if self.available else None


class ConnectivityBinarySensor(CameraHealthEntity, BinarySensorEntity):
    """On while the camera is seen: entity available and, if configured, the TCP probe ok."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_translation_key = "connectivity"

    def __init__(self, manager: CameraManager, camera: str) -> None:
        """The connectivity binary sensor of `camera`."""
        super().__init__(manager, camera, "connectivity")

    @property
    def is_on(self) -> bool | None:
        """Whether the camera is seen now."""
        return self.status.connected if self.available else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The camera entity, its availability and the last probe's outcome."""
        if not self.available:
            return {}
        status = self.status
        return {
            "camera": self.camera,
            "entity_available": status.available,
            "probe": self.manager.probe_target(self.camera) is not None,
            "probe_ok": status.probe_ok,
            "last_probe": status.last_probe.isoformat() if status.last_probe else None,
            "probe_error": status.probe_error,
        }
