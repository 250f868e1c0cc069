"""Setup, occupancy entities, timers, bus events and restart behaviour in a real Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
)

from custom_components.occupancy_manager.const import DOMAIN, EVENT_OCCUPIED, EVENT_VACANT

from .conftest import area_subentry, fire, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
PRESENCE = "binary_sensor.kitchen_presence"


def occupancy_entity(hass: HomeAssistant, area_id: str = "kitchen", key: str = "occupancy") -> str:
    """The entity id of an area's entity, found through the registry by its unique_id."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    subentry = next(s for s in entry.subentries.values() if s.unique_id == area_id)
    domain = "binary_sensor" if key == "occupancy" else "sensor"
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{subentry.subentry_id}_{key}"
    )
    assert entity_id is not None, f"no {key} entity for {area_id}"
    return entity_id


@pytest.fixture
async def kitchen(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> str:
    """A hub with the kitchen (motion trigger + presence sustain, 5 min timeout); its entity."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(PRESENCE, STATE_OFF)
    await setup_hub(hass, hub_entry(area_subentry("kitchen", trigger=[MOTION], sustain=[PRESENCE])))
    return occupancy_entity(hass)


async def test_entities_and_device(hass: HomeAssistant, kitchen: str) -> None:
    """Each area gets a device in its area with an occupancy and an occupied-until entity."""
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["device_class"] == "occupancy"
    assert state.attributes["timeout"] == 300
    until = hass.states.get(occupancy_entity(hass, key="occupied_until"))
    assert until is not None
    assert until.state == STATE_UNKNOWN
    entry = er.async_get(hass).async_get(kitchen)
    assert entry is not None
    assert entry.device_id is not None
    device = dr.async_get(hass).async_get(entry.device_id)
    assert device is not None
    assert device.name == "Kitchen occupancy"  # no such area in the registry


async def test_area_device_placed_in_its_area(hass: HomeAssistant) -> None:
    """A new area device is put into the HA area it manages."""
    area = ar.async_get(hass).async_create("Office")
    entry = hub_entry(area_subentry(area.id, trigger=[MOTION], title="Office"))
    await setup_hub(hass, entry)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert {d.name: d.area_id for d in devices} == {"Occupancy": area.id, "Occupancy Manager": None}
    assert occupancy_entity(hass, area.id) == "binary_sensor.office_occupancy"


async def test_motion_then_timeout(
    hass: HomeAssistant, kitchen: str, freezer: FrozenDateTimeFactory
) -> None:
    """Motion occupies; the timeout runs from motion clearing; then the area is vacant."""
    occupied = async_capture_events(hass, EVENT_OCCUPIED)
    vacant = async_capture_events(hass, EVENT_VACANT)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reason"] == "trigger"
    assert state.attributes["active_sensors"] == [MOTION]
    assert [e.data for e in occupied] == [
        {
            "area_id": "kitchen",
            "kind": "area",
            "reason": "trigger",
            "sensor": MOTION,
            "duration": None,
        },
        {
            "area_id": "home",
            "kind": "home",
            "reason": "child",
            "sensor": "kitchen",
            "duration": None,
        },
    ]

    await fire(hass, freezer, 60)
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    until = hass.states.get(occupancy_entity(hass, key="occupied_until"))
    assert until is not None
    assert until.state == (T0 + timedelta(seconds=360)).isoformat()

    await fire(hass, freezer, 299)
    assert hass.states.get(kitchen).state == STATE_ON  # type: ignore[union-attr]
    await fire(hass, freezer, 1)
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["reason"] == "timeout"
    assert vacant[0].data["area_id"] == "kitchen"
    assert vacant[0].data["duration"] == 360
    assert vacant[0].data["reason"] == "timeout"


async def test_redetection_extends(
    hass: HomeAssistant, kitchen: str, freezer: FrozenDateTimeFactory
) -> None:
    """Motion during the timeout cancels it; the new timeout runs from the next clear."""
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 240)
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 240)
    assert hass.states.get(kitchen).state == STATE_ON  # type: ignore[union-attr]
    await fire(hass, freezer, 60)
    assert hass.states.get(kitchen).state == STATE_OFF  # type: ignore[union-attr]


async def test_sustain_holds_and_unavailable_clears(
    hass: HomeAssistant, kitchen: str, freezer: FrozenDateTimeFactory
) -> None:
    """Presence holds the area past the timeout; presence turning unavailable starts the timer."""
    hass.states.async_set(PRESENCE, STATE_ON)
    await fire(hass, freezer, 3600)
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reason"] == "sustain"
    assert state.attributes["occupied_until"] is None
    hass.states.async_set(PRESENCE, STATE_UNAVAILABLE)
    await fire(hass, freezer, 301)
    assert hass.states.get(kitchen).state == STATE_OFF  # type: ignore[union-attr]


async def test_attribute_change_is_not_an_event(
    hass: HomeAssistant, kitchen: str, freezer: FrozenDateTimeFactory
) -> None:
    """A sensor's attribute-only update does not extend occupancy."""
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 200)
    hass.states.async_set(MOTION, STATE_OFF, {"battery": 50})
    await fire(hass, freezer, 100)
    assert hass.states.get(kitchen).state == STATE_OFF  # type: ignore[union-attr]


async def restart(hass: HomeAssistant, entry: Any) -> None:
    """Unload (saving the state) and set the entry up again, as a restart does."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_restart_keeps_remaining_timer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A restart during an occupied period keeps the remaining timer, not a full timeout."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    kitchen = occupancy_entity(hass)
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 100)

    await restart(hass, entry)
    await fire(hass, freezer, 60)  # downtime and startup
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["occupied_until"] == (T0 + timedelta(seconds=300)).isoformat()
    await fire(hass, freezer, 140)
    assert hass.states.get(kitchen).state == STATE_OFF  # type: ignore[union-attr]


async def test_timer_expired_during_downtime_ends_vacant(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A timer that ran out while Home Assistant was down ends vacant (restart_expired)."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    kitchen = occupancy_entity(hass)
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    vacant = async_capture_events(hass, EVENT_VACANT)

    freezer.tick(timedelta(hours=2))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(kitchen)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["reason"] == "restart_expired"
    assert [(e.data["area_id"], e.data["reason"]) for e in vacant] == [
        ("kitchen", "restart_expired"),
        ("home", "child"),
    ]


async def test_restart_with_sensor_still_on_never_flickers(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An area held by presence before a long restart stays occupied if presence is still on."""
    freezer.move_to(T0)
    hass.states.async_set(PRESENCE, STATE_ON)
    entry = hub_entry(area_subentry("kitchen", sustain=[PRESENCE]))
    await setup_hub(hass, entry)
    kitchen = occupancy_entity(hass)
    assert hass.states.get(kitchen).state == STATE_ON  # type: ignore[union-attr]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_VACANT)
    freezer.tick(timedelta(hours=3))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(kitchen).state == STATE_ON  # type: ignore[union-attr]
    assert events == []


async def test_corrupt_store_starts_vacant(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt stored state is logged once, without a traceback, and the areas start vacant."""
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}",
        "data": {"version": 99},
    }
    hass.states.async_set(MOTION, STATE_OFF)
    await setup_hub(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(occupancy_entity(hass)).state == STATE_OFF  # type: ignore[union-attr]
    assert "unreadable" in caplog.text
    assert "Traceback" not in caplog.text


async def test_malformed_subentry_data_uses_defaults(hass: HomeAssistant) -> None:
    """A hand-edited subentry with a bad timeout still loads, with the 5-minute default."""
    sub = area_subentry("kitchen", trigger=[MOTION])
    sub["data"]["timeout"] = {"minutes": "soon"}
    await setup_hub(hass, hub_entry(sub))
    state = hass.states.get(occupancy_entity(hass))
    assert state is not None
    assert state.attributes["timeout"] == 300


async def test_adding_subentry_reloads(hass: HomeAssistant) -> None:
    """Changing the entry's areas reloads it so the new area gets entities."""
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    from types import MappingProxyType  # noqa: PLC0415

    from homeassistant.config_entries import ConfigSubentry  # noqa: PLC0415

    data = area_subentry("hall", trigger=["binary_sensor.hall_motion"])
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(data["data"]),
            subentry_type="area",
            title="Hall",
            unique_id="hall",
        ),
    )
    await hass.async_block_till_done()
    assert hass.states.get(occupancy_entity(hass, "hall")) is not None
    assert entry.state is ConfigEntryState.LOADED
