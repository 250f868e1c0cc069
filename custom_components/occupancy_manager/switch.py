"""Privacy mode switch per camera of an area (ON = the camera is private, i.e. turned off)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .areas import AreaSetup
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry
from .entity import OccupancyAreaEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OccupancyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One privacy mode switch per camera of each area subentry."""
    coordinator = entry.runtime_data.coordinator
    ent_reg = er.async_get(hass)
    for area in coordinator.areas.values():
        switches = []
        for camera in area.cameras:
            registry_entry = ent_reg.async_get(camera)
            camera_key = registry_entry.id if registry_entry else camera
            name = (
                registry_entry and (registry_entry.name or registry_entry.original_name)
            ) or camera
            switches.append(PrivacyModeSwitch(coordinator, area, camera, camera_key, name))
        async_add_entities(switches, config_subentry_id=area.subentry_id)


class PrivacyModeSwitch(OccupancyAreaEntity, SwitchEntity):
    """The camera's privacy mode as last confirmed by a successful service call.

    ON: the camera is off (private). Unknown until the first call succeeds; unavailable when the
    camera cannot be turned off. Turning it on or off by hand holds until the area next changes.
    """

    _attr_translation_key = "privacy_mode"

    def __init__(
        self,
        coordinator: OccupancyCoordinator,
        area: AreaSetup,
        camera: str,
        camera_key: str,
        camera_name: str,
    ) -> None:
        """A switch for `camera` (entity id); `camera_key` is its stable registry id."""
        super().__init__(coordinator, area, f"privacy_{camera_key}")
        self.camera = camera
        self._attr_translation_placeholders = {"camera": camera_name}

    @property
    def available(self) -> bool:
        """False when the camera cannot be switched off at all."""
        return self.coordinator.privacy.cameras[self.camera].supported

    @property
    def is_on(self) -> bool | None:
        """Confirmed privacy mode (None until confirmed)."""
        return self.coordinator.privacy.cameras[self.camera].confirmed

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The camera, what the area asks for, and the last error."""
        status = self.coordinator.privacy.cameras[self.camera]
        return {
            "camera": self.camera,
            "desired": status.desired,
            "manual": status.manual,
            "last_error": status.last_error,
        }

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Make the camera private now."""
        await self.coordinator.privacy.async_set_manual(self.camera, True, self._context)  # noqa: FBT003

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Let the camera run now."""
        await self.coordinator.privacy.async_set_manual(self.camera, False, self._context)  # noqa: FBT003
