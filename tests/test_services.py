"""Actions, roll-ups per floor and home, lock select, stuck-sensor repairs and occupants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.occupancy_manager.const import (
    CONF_OCCUPANT_SENSORS,
    CONF_PET_SENSORS,
    DOMAIN,
    HUB_TITLE,
)

from .conftest import area_subentry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
KITCHEN_PIR = "binary_sensor.kitchen_motion"
HALL_PIR = "binary_sensor.hall_motion"


def entity_id(hass: HomeAssistant, unique_suffix: str) -> str:
    """The entity id of our entity whose unique_id ends with `unique_suffix`."""
    ids = [
        e.entity_id
        for e in er.async_get(hass).entities.values()
        if e.platform == DOMAIN and e.unique_id.endswith(unique_suffix)
    ]
    assert len(ids) == 1, ids
    return ids[0]


def state_of(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None
    return state.state


@pytest.fixture
async def ground(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """Kitchen and hall on the ground floor; Anna's BLE area sensor and Rex the dog."""
    freezer.move_to(T0)
    floor = fr.async_get(hass).async_create("Ground floor")
    area_reg = ar.async_get(hass)
    kitchen = area_reg.async_create("Kitchen")
    hall = area_reg.async_create("Hall")
    area_reg.async_update(kitchen.id, floor_id=floor.floor_id)
    area_reg.async_update(hall.id, floor_id=floor.floor_id)
    for pir in (KITCHEN_PIR, HALL_PIR):
        hass.states.async_set(pir, STATE_OFF)
    hass.states.async_set("sensor.anna_area", "Hall", {"friendly_name": "Anna Area"})
    hass.states.async_set("sensor.rex_area", "Hall", {"friendly_name": "Rex Area"})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=HUB_TITLE,
        data={},
        options={
            CONF_OCCUPANT_SENSORS: ["sensor.anna_area"],
            CONF_PET_SENSORS: ["sensor.rex_area"],
        },
        subentries_data=[
            area_subentry(kitchen.id, trigger=[KITCHEN_PIR], title="Kitchen"),
            area_subentry(hall.id, trigger=[HALL_PIR], title="Hall"),
        ],
    )
    await setup_hub(hass, entry)
    return entry


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_floor_and_home_roll_up(
    hass: HomeAssistant, ground: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    floor = entity_id(hass, "floor:ground_floor_occupancy")
    home = entity_id(hass, "home_occupancy")
    assert floor == "binary_sensor.occupancy_manager_ground_floor_occupancy"
    assert state_of(hass, floor) == STATE_OFF
    hass.states.async_set(KITCHEN_PIR, STATE_ON)
    await hass.async_block_till_done()
    assert state_of(hass, floor) == STATE_ON
    assert state_of(hass, home) == STATE_ON
    state = hass.states.get(home)
    assert state is not None
    assert state.attributes["reason"] == "child"


async def test_occupants_from_area_sensors(hass: HomeAssistant, ground: MockConfigEntry) -> None:
    """Anna's BLE sensor says Hall: one occupant, named; Rex the dog is not counted."""
    sensor = hass.states.get("sensor.hall_occupancy_occupants")
    assert sensor is not None
    assert sensor.state == "1"
    assert sensor.attributes["occupants"] == ["Anna"]
    hass.states.async_set("sensor.anna_area", "not_home", {"friendly_name": "Anna Area"})
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.hall_occupancy_occupants") == "0"


async def test_force_occupied_and_vacant_actions(
    hass: HomeAssistant, ground: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    kitchen = next(a.id for a in ar.async_get(hass).async_list_areas() if a.name == "Kitchen")
    await hass.services.async_call(
        DOMAIN, "force_occupied", {"area_id": kitchen, "duration": {"minutes": 10}}, blocking=True
    )
    occupancy = "binary_sensor.kitchen_occupancy"
    assert state_of(hass, occupancy) == STATE_ON
    state = hass.states.get(occupancy)
    assert state is not None
    assert state.attributes["reason"] == "manual"
    await tick(hass, freezer, 599)
    assert state_of(hass, occupancy) == STATE_ON
    await hass.services.async_call(
        DOMAIN, "force_vacant", {"area_id": [kitchen], "duration": {"minutes": 5}}, blocking=True
    )
    assert state_of(hass, occupancy) == STATE_OFF
    hass.states.async_set(KITCHEN_PIR, STATE_ON)
    await hass.async_block_till_done()
    assert state_of(hass, occupancy) == STATE_OFF  # blocked for 5 minutes
    assert state_of(hass, "select.kitchen_occupancy_lock_mode") == "block_occupied"


async def test_lock_floor_subtree_and_unlock(hass: HomeAssistant, ground: MockConfigEntry) -> None:
    floor_id = next(iter(fr.async_get(hass).async_list_floors())).floor_id
    await hass.services.async_call(
        DOMAIN,
        "lock",
        {"floor_id": floor_id, "mode": "block_vacant", "scope": "subtree"},
        blocking=True,
    )
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_ON
    assert state_of(hass, "select.hall_occupancy_lock_mode") == "block_vacant"
    await hass.services.async_call(DOMAIN, "unlock", {"floor_id": floor_id}, blocking=True)
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_OFF


async def test_lock_select(hass: HomeAssistant, ground: MockConfigEntry) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.kitchen_occupancy_lock_mode", "option": "block_vacant"},
        blocking=True,
    )
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_ON
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.kitchen_occupancy_lock_mode", "option": "unlocked"},
        blocking=True,
    )
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_OFF


async def test_extend_and_set_timeout(
    hass: HomeAssistant, ground: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    kitchen = next(a.id for a in ar.async_get(hass).async_list_areas() if a.name == "Kitchen")
    await hass.services.async_call(
        DOMAIN, "set_timeout", {"area_id": kitchen, "timeout": {"minutes": 1}}, blocking=True
    )
    hass.states.async_set(KITCHEN_PIR, STATE_ON)
    hass.states.async_set(KITCHEN_PIR, STATE_OFF)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.kitchen_occupancy").attributes["timeout"] == 60  # type: ignore[union-attr]
    await hass.services.async_call(
        DOMAIN, "extend", {"area_id": kitchen, "duration": {"minutes": 30}}, blocking=True
    )
    await tick(hass, freezer, 1700)
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_ON
    await tick(hass, freezer, 101)
    assert state_of(hass, "binary_sensor.kitchen_occupancy") == STATE_OFF


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "no_target"),
        ({"area_id": "garage"}, "not_managed"),
        ({"floor_id": "roof"}, "not_managed"),
    ],
)
async def test_action_errors_are_translated(
    hass: HomeAssistant, ground: MockConfigEntry, data: dict[str, str], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "force_occupied", data, blocking=True)
    assert err.value.translation_key == key


async def test_action_without_loaded_hub(hass: HomeAssistant, ground: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(ground.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "unlock", {"area_id": "x"}, blocking=True)
    assert err.value.translation_key == "not_loaded"


async def test_stuck_sensor_raises_and_clears_repair(
    hass: HomeAssistant, ground: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(KITCHEN_PIR, STATE_ON)
    await hass.async_block_till_done()
    await tick(hass, freezer, 3600)
    assert state_of(hass, "binary_sensor.kitchen_occupancy_stuck_sensors") == STATE_ON
    issues = [i for (domain, _), i in ir.async_get(hass).issues.items() if domain == DOMAIN]
    assert len(issues) == 1
    assert issues[0].translation_placeholders == {"sensor": KITCHEN_PIR, "area": "Kitchen"}
    hass.states.async_set(KITCHEN_PIR, STATE_OFF)
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor.kitchen_occupancy_stuck_sensors") == STATE_OFF
    assert not [k for k in ir.async_get(hass).issues if k[0] == DOMAIN]


async def test_diagnostics_redact_people(hass: HomeAssistant, ground: MockConfigEntry) -> None:
    from custom_components.occupancy_manager.diagnostics import (  # noqa: PLC0415
        async_get_config_entry_diagnostics,
    )

    data = await async_get_config_entry_diagnostics(hass, ground)
    assert data["options"] == {"occupant_sensors": "**REDACTED**", "pet_sensors": "**REDACTED**"}
    hall = next(s for s in data["states"].values() if s["occupants"] == 1)
    assert "Anna" not in str(data)
    assert hall["occupied"] is False
