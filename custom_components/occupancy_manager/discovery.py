"""Find the sensors and cameras that already sit in an area, to pre-fill the area form.

An entity belongs to the area when its own area is the area, or when it has no area of its own
and its device (or the parent of a child device) is in the area; this is the rule HA's target
helper (`helpers/target.py`) uses to expand an area.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import (
    DOMAIN,
    DOOR_DEVICE_CLASSES,
    SUSTAIN_DEVICE_CLASSES,
    TRIGGER_DEVICE_CLASSES,
)


@dataclass(frozen=True, slots=True)
class DiscoveredArea:
    """Entity ids found in one area, each tuple sorted and free of duplicates.

    Attributes:
        trigger: binary sensors whose device class marks momentary evidence (motion).
        sustain: binary sensors whose device class marks held presence (occupancy, presence).
        doors: binary sensors of device class door or garage_door (boundary role).
        cameras: camera entities.
    """

    trigger: tuple[str, ...] = ()
    sustain: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    doors: tuple[str, ...] = ()


@callback
def async_discover_area(hass: HomeAssistant, area_id: str) -> DiscoveredArea:
    """Return the trigger sensors, sustain sensors and cameras in the area `area_id`.

    Disabled and hidden entities are skipped, and so are this integration's own entities, whose
    states are derived from the sensors and would feed back into them. An unknown area id gives
    an empty result; nothing is raised.
    """
    ent_reg = er.async_get(hass)
    entries = list(er.async_entries_for_area(ent_reg, area_id))
    for device in dr.async_entries_for_area(dr.async_get(hass), area_id):
        entries.extend(
            entry
            for entry in er.async_entries_for_device(ent_reg, device.id)
            if entry.area_id is None
        )

    trigger: set[str] = set()
    sustain: set[str] = set()
    cameras: set[str] = set()
    doors: set[str] = set()
    for entry in entries:
        if entry.disabled_by or entry.hidden_by or entry.platform == DOMAIN:
            continue
        if entry.domain == Platform.CAMERA:
            cameras.add(entry.entity_id)
        elif entry.domain == Platform.BINARY_SENSOR:
            device_class = entry.device_class or entry.original_device_class
            if device_class in TRIGGER_DEVICE_CLASSES:
                trigger.add(entry.entity_id)
            elif device_class in SUSTAIN_DEVICE_CLASSES:
                sustain.add(entry.entity_id)
            elif device_class in DOOR_DEVICE_CLASSES:
                doors.add(entry.entity_id)

    return DiscoveredArea(
        trigger=tuple(sorted(trigger)),
        sustain=tuple(sorted(sustain)),
        cameras=tuple(sorted(cameras)),
        doors=tuple(sorted(doors)),
    )
