"""Tests for discovery of sensors and cameras in an area."""

from __future__ import annotations

import dataclasses

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.occupancy_manager.const import DOMAIN
from custom_components.occupancy_manager.discovery import DiscoveredArea, async_discover_area

LIVING_ROOM_TRIGGER = (
    "binary_sensor.hall_motion_in_living_room",
    "binary_sensor.living_room_motion",
    "binary_sensor.pir_reclassified_as_motion",
)
LIVING_ROOM_SUSTAIN = ("binary_sensor.living_room_occupancy", "binary_sensor.living_room_presence")
LIVING_ROOM_CAMERAS = ("camera.living_room",)


def _entity(
    entity_reg: er.EntityRegistry,
    domain: str,
    object_id: str,
    *,
    platform: str = "test",
    config_entry: MockConfigEntry | None = None,
    device: dr.DeviceEntry | dr.ChildDeviceEntry | None = None,
    area_id: str | None = None,
    original_device_class: str | None = None,
    device_class: str | None = None,
    disabled_by: er.RegistryEntryDisabler | None = None,
    hidden_by: er.RegistryEntryHider | None = None,
) -> str:
    entry = entity_reg.async_get_or_create(
        domain,
        platform,
        object_id,
        suggested_object_id=object_id,
        original_name=object_id.replace("_", " ").capitalize(),
        config_entry=config_entry,
        device_id=device.id if device else None,
        original_device_class=original_device_class,
        disabled_by=disabled_by,
        hidden_by=hidden_by,
    )
    if area_id or device_class:
        entity_reg.async_update_entity(entry.entity_id, area_id=area_id, device_class=device_class)
    return entry.entity_id


def populate_living_room(hass: HomeAssistant) -> str:
    """Fill the registries with a living room full of cases; return its area id.

    Found in the living room: LIVING_ROOM_TRIGGER, LIVING_ROOM_SUSTAIN, LIVING_ROOM_CAMERAS.
    """
    area_reg = ar.async_get(hass)
    dev_reg = dr.async_get(hass)
    ent_reg = er.async_get(hass)
    living = area_reg.async_create("Living room").id
    kitchen = area_reg.async_create("Kitchen").id
    hall = area_reg.async_create("Hall").id

    source = MockConfigEntry(domain="test")
    source.add_to_hass(hass)

    def device(name: str, area_id: str | None) -> dr.DeviceEntry:
        created = dev_reg.async_get_or_create(
            config_entry_id=source.entry_id, identifiers={("test", name)}, name=name
        )
        return dev_reg.async_update_device(created.id, area_id=area_id) or created

    living_hub = device("living_hub", living)
    hall_hub = device("hall_hub", hall)
    child = dev_reg.async_get_or_create_child(
        config_entry_id=source.entry_id,
        identifiers={("test", "living_child")},
        name="living_child",
        parent_device_id=living_hub.id,
    )

    def add(domain: str, object_id: str, **kwargs: object) -> str:
        return _entity(ent_reg, domain, object_id, config_entry=source, **kwargs)  # type: ignore[arg-type]

    # Found: inherited from the device, own area, reclassified by the user, child device.
    add("binary_sensor", "living_room_motion", device=living_hub, original_device_class="motion")
    add(
        "binary_sensor",
        "hall_motion_in_living_room",
        device=hall_hub,
        area_id=living,
        original_device_class="motion",
    )
    add("binary_sensor", "pir_reclassified_as_motion", area_id=living, device_class="motion")
    add("binary_sensor", "living_room_presence", device=child, original_device_class="presence")
    add("binary_sensor", "living_room_occupancy", area_id=living, original_device_class="occupancy")
    add("camera", "living_room", device=living_hub)

    # Not found: own area elsewhere, wrong class or domain, disabled, hidden, our own platform.
    add("binary_sensor", "moved_to_kitchen", device=living_hub, area_id=kitchen,
        original_device_class="motion")  # fmt: skip
    add("binary_sensor", "living_room_door", device=living_hub, original_device_class="door")
    add("binary_sensor", "occupancy_overridden_to_door", area_id=living,
        original_device_class="occupancy", device_class="door")  # fmt: skip
    add("sensor", "living_room_temperature", device=living_hub, original_device_class="motion")
    add("binary_sensor", "disabled_motion", device=living_hub, original_device_class="motion",
        disabled_by=er.RegistryEntryDisabler.USER)  # fmt: skip
    add("binary_sensor", "hidden_motion", area_id=living, original_device_class="motion",
        hidden_by=er.RegistryEntryHider.USER)  # fmt: skip
    add("camera", "hidden_camera", device=living_hub, hidden_by=er.RegistryEntryHider.USER)
    _entity(ent_reg, "binary_sensor", "living_room_occupancy_ours", platform=DOMAIN,
            area_id=living, original_device_class="occupancy")  # fmt: skip
    add("binary_sensor", "hall_motion", device=hall_hub, original_device_class="motion")
    add("camera", "hall", device=hall_hub)
    return living


async def test_discover_area_finds_sensors_and_cameras(hass: HomeAssistant) -> None:
    living = populate_living_room(hass)

    assert async_discover_area(hass, living) == DiscoveredArea(
        trigger=LIVING_ROOM_TRIGGER,
        sustain=LIVING_ROOM_SUSTAIN,
        cameras=LIVING_ROOM_CAMERAS,
        doors=("binary_sensor.living_room_door", "binary_sensor.occupancy_overridden_to_door"),
    )


async def test_discover_other_area_gets_only_its_own(hass: HomeAssistant) -> None:
    populate_living_room(hass)

    found = async_discover_area(hass, "hall")

    assert found == DiscoveredArea(trigger=("binary_sensor.hall_motion",), cameras=("camera.hall",))


async def test_discover_unknown_area_is_empty(hass: HomeAssistant) -> None:
    populate_living_room(hass)

    assert async_discover_area(hass, "attic") == DiscoveredArea()


async def test_discovered_area_is_frozen() -> None:
    found = DiscoveredArea(trigger=("binary_sensor.a",))

    with pytest.raises(dataclasses.FrozenInstanceError):
        found.trigger = ()  # type: ignore[misc]
