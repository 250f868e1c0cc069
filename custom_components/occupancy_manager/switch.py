"""Switches: each managed camera's privacy mode (ON = private), each area's camera maintenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .areas import AreaSetup
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry
from .engine.privacy import DEFAULT_OVERRIDE
from .entity import OccupancyAreaEntity, camera_device_info, camera_key
from .privacy import MAINTENANCE_KEY, CameraPrivacy

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OccupancyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A privacy mode switch per managed camera; a maintenance switch per area with cameras."""
    coordinator = entry.runtime_data.coordinator
    _remove_area_privacy_switches(hass, coordinator)
    async_add_entities(
        PrivacyModeSwitch(coordinator, camera) for camera in sorted(coordinator.privacy.cameras)
    )
    for area in coordinator.areas.values():
        if area.cameras:
            async_add_entities(
                [CameraMaintenanceSwitch(coordinator, area)], config_subentry_id=area.subentry_id
            )


def _remove_area_privacy_switches(hass: HomeAssistant, coordinator: OccupancyCoordinator) -> None:
    """Drop the privacy switches of 0.1, which sat on the area devices (`<subentry>_privacy_*`)."""
    ent_reg = er.async_get(hass)
    prefixes = tuple(f"{area.subentry_id}_privacy_" for area in coordinator.areas.values())
    for registry_entry in er.async_entries_for_config_entry(ent_reg, coordinator.entry.entry_id):
        if registry_entry.domain == "switch" and registry_entry.unique_id.startswith(prefixes):
            ent_reg.async_remove(registry_entry.entity_id)


class PrivacyModeSwitch(SwitchEntity):
    """A camera's privacy mode as read back from what makes it private, never our wish.

    ON: private; OFF: the camera runs; unknown when nothing confirms it (report only, a target
    that reports nothing, a call not yet confirmed). The attribute `desired` is what the areas
    (or the user) ask for. Turning it on by hand holds until the camera's areas change; turning
    it off is refused while an occupied area without maintenance override covers the camera.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "privacy_mode"

    def __init__(self, coordinator: OccupancyCoordinator, camera: str) -> None:
        """The switch of `camera` (entity id), on our device for that camera."""
        self.coordinator = coordinator
        self.camera = camera
        key = camera_key(coordinator.hass, camera)
        self._attr_unique_id = f"{coordinator.entry.entry_id}_camera_{key}_privacy_mode"
        self._attr_device_info = camera_device_info(coordinator, camera)

    @property
    def _status(self) -> CameraPrivacy:
        return self.coordinator.privacy.cameras[self.camera]

    @property
    def is_on(self) -> bool | None:
        """The confirmed privacy mode; None when unknown."""
        return self._status.confirmed

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The camera and its areas, how it is actuated, what is asked for, the last error."""
        status = self._status
        target = status.target
        return {
            "camera": self.camera,
            "areas": sorted(status.areas),
            "actuation": target.method.value if target else None,
            "target": target.entity_id if target else None,
            "desired": status.desired,
            "manual": status.manual,
            "last_error": status.last_error,
            "reenable_at": status.release_at,
        }

    async def async_added_to_hass(self) -> None:
        """Follow the camera's privacy status."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.privacy.async_add_listener(self.camera, self.async_write_ha_state)
        )

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Make the camera private now."""
        await self.coordinator.privacy.async_set_manual(self.camera, True, self._context)  # noqa: FBT003

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Let the camera run now (refused while its areas need privacy)."""
        await self.coordinator.privacy.async_set_manual(self.camera, False, self._context)  # noqa: FBT003


class CameraMaintenanceSwitch(OccupancyAreaEntity, SwitchEntity):
    """ON: the area's cameras run despite its occupancy, until the override ends.

    Turning it on starts a 30 minute maintenance override (the `privacy_override` action sets
    other durations); it turns itself off when the override ends. Both are logged.
    """

    _attr_translation_key = MAINTENANCE_KEY

    def __init__(self, coordinator: OccupancyCoordinator, area: AreaSetup) -> None:
        """The maintenance switch of `area`, on the area's device."""
        super().__init__(coordinator, area, MAINTENANCE_KEY)

    @property
    def is_on(self) -> bool:
        """Whether a maintenance override runs."""
        return self.coordinator.privacy.override_until(self.area.area_id) is not None

    @property
    def extra_state_attributes(self) -> dict[str, datetime | None]:
        """When the override ends (aware UTC)."""
        return {"until": self.coordinator.privacy.override_until(self.area.area_id)}

    async def async_added_to_hass(self) -> None:
        """Follow the area's override as well as its occupancy."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.privacy.async_add_listener(
                self.area.area_id, self.async_write_ha_state
            )
        )

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Start a 30 minute maintenance override."""
        self.coordinator.privacy.async_set_override(
            [self.area.area_id], DEFAULT_OVERRIDE, self._context
        )

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """End the maintenance override now; privacy applies again at once."""
        self.coordinator.privacy.async_set_override([self.area.area_id], None, self._context)
