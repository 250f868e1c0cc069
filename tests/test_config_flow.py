"""Tests for the hub config flow and the area subentry flow."""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.occupancy_manager import config_flow
from custom_components.occupancy_manager.const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_TIMEOUT,
    CONF_TRIGGER_SENSORS,
    DEFAULT_SUSTAIN_STARTS,
    DEFAULT_TIMEOUT,
    DOMAIN,
    HUB_TITLE,
    SUBENTRY_AREA,
)
from custom_components.occupancy_manager.counting_flow import CountingSubentryFlowHandler

from .conftest import area_subentry, hub_entry
from .test_discovery import (
    LIVING_ROOM_CAMERAS,
    LIVING_ROOM_SUSTAIN,
    LIVING_ROOM_TRIGGER,
    populate_living_room,
)

MOTION = "binary_sensor.living_room_motion"
PRESENCE = "binary_sensor.living_room_presence"
CAMERA = "camera.living_room"
STATE_ONLY = "binary_sensor.state_only_motion"

VALID_INPUT: dict[str, Any] = {
    CONF_TRIGGER_SENSORS: [MOTION, STATE_ONLY],
    CONF_SUSTAIN_SENSORS: [PRESENCE],
    CONF_SUSTAIN_STARTS: False,
    CONF_TIMEOUT: {"hours": 0, "minutes": 10, "seconds": 30},
    CONF_CAMERAS: [CAMERA],
}

# What the flow stores for VALID_INPUT: the omitted fields and sections get their defaults.
STORED: dict[str, Any] = {
    **VALID_INPUT,
    "vacancy_sensors": [],
    "door_sensors": [],
    "timing": {
        "strategy": "fixed",
        "rules": "",
        "min_timeout": {"hours": 0, "minutes": 2, "seconds": 0},
        "max_timeout": {"hours": 0, "minutes": 10, "seconds": 0},
        "grace_period": 0,
    },
    "hierarchy": {"contributes": True, "follow_parent": False, "wasp_in_box": False},
}

TRANSLATIONS = json.loads(
    (Path(config_flow.__file__).parent / "translations" / "en.json").read_text(encoding="utf-8")
)


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep the flows independent of the integration's setup."""
    with (
        patch(
            "custom_components.occupancy_manager.async_setup_entry", return_value=True
        ) as setup_entry,
        patch("custom_components.occupancy_manager.async_unload_entry", return_value=True),
    ):
        yield setup_entry


@pytest.fixture
def living_room(hass: HomeAssistant) -> str:
    """The populated living room's area id, plus an entity known only to the state machine."""
    hass.states.async_set(STATE_ONLY, "off", {"device_class": "motion"})
    return populate_living_room(hass)


def _fields(result: FlowResult[Any, Any]) -> list[Any]:
    """The schema markers of a form, in order."""
    schema = result["data_schema"]
    assert schema is not None
    return list(schema.schema)


def _suggested(result: FlowResult[Any, Any]) -> dict[str, Any]:
    """The suggested values of a form, by field name."""
    return {
        key.schema: key.description["suggested_value"]
        for key in _fields(result)
        if key.description and "suggested_value" in key.description
    }


async def _start_area_flow(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult[Any, Any]:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_AREA), context={"source": SOURCE_USER}
    )


async def _to_sensors_step(
    hass: HomeAssistant, entry: MockConfigEntry, area_id: str
) -> FlowResult[Any, Any]:
    result = await _start_area_flow(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_AREA_ID: area_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sensors"
    return result


def _added_hub(hass: HomeAssistant, *subentries: dict[str, Any]) -> MockConfigEntry:
    entry = hub_entry(*subentries)
    entry.add_to_hass(hass)
    return entry


# --- hub entry ---------------------------------------------------------------------------


async def test_hub_created_from_empty_form(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert _fields(result) == []

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == HUB_TITLE
    assert result["data"] == {}
    entry = result["result"]
    assert (entry.version, entry.minor_version) == (1, 1)
    assert entry.subentries == {}
    mock_setup_entry.assert_awaited_once()


async def test_second_hub_aborts(hass: HomeAssistant) -> None:
    _added_hub(hass)

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_hub_supports_area_and_counting_subentries(hass: HomeAssistant) -> None:
    entry = _added_hub(hass)

    assert config_flow.OccupancyManagerConfigFlow.async_get_supported_subentry_types(entry) == {
        SUBENTRY_AREA: config_flow.AreaSubentryFlowHandler,
        "counting": CountingSubentryFlowHandler,
    }


# --- add an area -------------------------------------------------------------------------


async def test_add_area_prefilled_from_discovery(hass: HomeAssistant, living_room: str) -> None:
    entry = _added_hub(hass)
    result = await _start_area_flow(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert [key.schema for key in _fields(result)] == [CONF_AREA_ID]

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_AREA_ID: living_room}
    )

    assert result["step_id"] == "sensors"
    assert result["errors"] == {}
    assert result["description_placeholders"] == {"area": "Living room"}
    assert _suggested(result) == {
        CONF_TRIGGER_SENSORS: list(LIVING_ROOM_TRIGGER),
        CONF_SUSTAIN_SENSORS: list(LIVING_ROOM_SUSTAIN),
        CONF_CAMERAS: list(LIVING_ROOM_CAMERAS),
        "door_sensors": [
            "binary_sensor.living_room_door",
            "binary_sensor.occupancy_overridden_to_door",
        ],
    }

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Living room"
    (subentry,) = entry.get_subentries_of_type(SUBENTRY_AREA)
    assert subentry.title == "Living room"
    assert subentry.unique_id == living_room
    assert dict(subentry.data) == {CONF_AREA_ID: living_room, **STORED}


async def test_add_area_defaults_fill_omitted_fields(hass: HomeAssistant, living_room: str) -> None:
    entry = _added_hub(hass)
    result = await _to_sensors_step(hass, entry, living_room)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_SUSTAIN_SENSORS: [PRESENCE]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.get_subentries_of_type(SUBENTRY_AREA)
    assert dict(subentry.data) == {
        CONF_AREA_ID: living_room,
        CONF_TRIGGER_SENSORS: [],
        CONF_SUSTAIN_SENSORS: [PRESENCE],
        CONF_SUSTAIN_STARTS: DEFAULT_SUSTAIN_STARTS,
        CONF_TIMEOUT: DEFAULT_TIMEOUT,
        CONF_CAMERAS: [],
        "vacancy_sensors": [],
        "door_sensors": [],
        "timing": STORED["timing"],
        "hierarchy": STORED["hierarchy"],
    }


async def test_zero_timeout_and_24_hours_are_allowed(hass: HomeAssistant, living_room: str) -> None:
    kitchen = ar.async_get(hass).async_get_area_by_name("Kitchen")
    assert kitchen is not None
    entry = _added_hub(hass)

    for area_id, timeout in (
        (living_room, {"hours": 0, "minutes": 0, "seconds": 0}),
        (kitchen.id, {"hours": 24, "minutes": 0, "seconds": 0}),
    ):
        result = await _to_sensors_step(hass, entry, area_id)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**VALID_INPUT, CONF_TIMEOUT: timeout}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_TIMEOUT] == timeout


@pytest.mark.parametrize(
    ("changes", "errors", "placeholders"),
    [
        (
            {CONF_TRIGGER_SENSORS: [], CONF_SUSTAIN_SENSORS: []},
            {"base": "no_sensors"},
            {},
        ),
        (
            {CONF_SUSTAIN_SENSORS: [PRESENCE, MOTION]},
            {CONF_SUSTAIN_SENSORS: "sensor_in_both_roles"},
            {"both": MOTION},
        ),
        (
            {CONF_TIMEOUT: {"hours": 24, "minutes": 0, "seconds": 1}},
            {CONF_TIMEOUT: "invalid_timeout"},
            {},
        ),
        (
            {CONF_TIMEOUT: {"days": 2}},
            {CONF_TIMEOUT: "invalid_timeout"},
            {},
        ),
        (
            {"door_sensors": [MOTION]},
            {"door_sensors": "sensor_in_both_roles"},
            {"both": MOTION},
        ),
        (
            {"timing": {"min_timeout": {"minutes": 20}, "max_timeout": {"minutes": 10}}},
            {"timing": "invalid_bounds"},
            {},
        ),
        (
            {"timing": {"rules": "22-6 3m\nsoon"}},
            {"timing": "invalid_rules"},
            {"rule_error": "2: 'soon' is not like '22:00-06:00 3m' or '7-9 x1.5'"},
        ),
        (
            {
                CONF_TRIGGER_SENSORS: [MOTION, "binary_sensor.deleted"],
                CONF_CAMERAS: [CAMERA, "camera.gone"],
            },
            {CONF_TRIGGER_SENSORS: "unknown_entity", CONF_CAMERAS: "unknown_entity"},
            {"unknown": "binary_sensor.deleted, camera.gone"},
        ),
        (
            {
                CONF_TRIGGER_SENSORS: [],
                CONF_SUSTAIN_SENSORS: [],
                CONF_TIMEOUT: {"hours": 25},
                CONF_CAMERAS: ["camera.gone"],
            },
            {
                "base": "no_sensors",
                CONF_TIMEOUT: "invalid_timeout",
                CONF_CAMERAS: "unknown_entity",
            },
            {"unknown": "camera.gone"},
        ),
    ],
    ids=[
        "no_sensors",
        "both_roles",
        "timeout_over_24h",
        "timeout_days",
        "door_and_trigger",
        "bounds",
        "rules",
        "unknown",
        "several",
    ],
)
async def test_add_area_validation_error_then_resubmit(
    hass: HomeAssistant,
    living_room: str,
    changes: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    entry = _added_hub(hass)
    result = await _to_sensors_step(hass, entry, living_room)
    bad_input = {**VALID_INPUT, **changes}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], bad_input)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sensors"
    assert result["errors"] == errors
    assert result["description_placeholders"] == {"area": "Living room", **placeholders}
    assert _suggested(result) == {
        "vacancy_sensors": [],
        "door_sensors": [],
        **{k: v for k, v in bad_input.items() if k not in ("timing", "hierarchy")},
    }
    assert entry.subentries == {}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.get_subentries_of_type(SUBENTRY_AREA)
    assert dict(subentry.data) == {CONF_AREA_ID: living_room, **STORED}


async def test_add_area_already_configured_aborts_up_front(
    hass: HomeAssistant, living_room: str
) -> None:
    entry = _added_hub(hass, area_subentry(living_room, trigger=[MOTION]))
    result = await _start_area_flow(hass, entry)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_AREA_ID: living_room}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(entry.subentries) == 1


async def test_add_area_configured_meanwhile_aborts(hass: HomeAssistant, living_room: str) -> None:
    entry = _added_hub(hass)
    first = await _to_sensors_step(hass, entry, living_room)
    second = await _to_sensors_step(hass, entry, living_room)
    result = await hass.config_entries.subentries.async_configure(first["flow_id"], VALID_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await hass.config_entries.subentries.async_configure(second["flow_id"], VALID_INPUT)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(entry.subentries) == 1


async def test_add_unknown_area_aborts(hass: HomeAssistant, living_room: str) -> None:
    entry = _added_hub(hass)
    result = await _start_area_flow(hass, entry)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_AREA_ID: "ghost_room"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "area_not_found"
    assert entry.subentries == {}


# --- reconfigure an area -----------------------------------------------------------------


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry
) -> tuple[str, FlowResult[Any, Any]]:
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sensors"
    return subentry_id, result


def _configured_living_room(hass: HomeAssistant, living_room: str) -> MockConfigEntry:
    return _added_hub(
        hass,
        area_subentry(
            living_room,
            trigger=[MOTION],
            sustain=[PRESENCE],
            cameras=[CAMERA],
            timeout={"hours": 0, "minutes": 2, "seconds": 0},
            sustain_starts=False,
            title="Living room",
        ),
    )


async def test_reconfigure_prefilled_with_current_data(
    hass: HomeAssistant, living_room: str
) -> None:
    entry = _configured_living_room(hass, living_room)

    subentry_id, result = await _reconfigure(hass, entry)

    current = dict(entry.subentries[subentry_id].data)
    suggested = _suggested(result)
    assert suggested == {key: current[key] for key in suggested}
    assert set(suggested) == set(current) - {CONF_AREA_ID}
    assert result["description_placeholders"] == {"area": "Living room"}


async def test_reconfigure_changes_data_and_keeps_area(
    hass: HomeAssistant, living_room: str
) -> None:
    entry = _configured_living_room(hass, living_room)
    subentry_id, result = await _reconfigure(hass, entry)
    new_input = {
        CONF_SUSTAIN_SENSORS: [PRESENCE, "binary_sensor.living_room_occupancy"],
        CONF_SUSTAIN_STARTS: True,
        CONF_TIMEOUT: {"hours": 1, "minutes": 0, "seconds": 0},
    }

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], new_input)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry_id]
    assert subentry.unique_id == living_room
    assert subentry.title == "Living room"
    assert dict(subentry.data) == {
        CONF_AREA_ID: living_room,
        CONF_TRIGGER_SENSORS: [],
        CONF_SUSTAIN_SENSORS: [PRESENCE, "binary_sensor.living_room_occupancy"],
        CONF_SUSTAIN_STARTS: True,
        CONF_TIMEOUT: {"hours": 1, "minutes": 0, "seconds": 0},
        CONF_CAMERAS: [],
        "vacancy_sensors": [],
        "door_sensors": [],
        "timing": STORED["timing"],
        "hierarchy": STORED["hierarchy"],
    }


async def test_reconfigure_error_then_resubmit(hass: HomeAssistant, living_room: str) -> None:
    entry = _configured_living_room(hass, living_room)
    subentry_id, result = await _reconfigure(hass, entry)
    before = dict(entry.subentries[subentry_id].data)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**VALID_INPUT, CONF_SUSTAIN_SENSORS: [MOTION]}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SUSTAIN_SENSORS: "sensor_in_both_roles"}
    assert dict(entry.subentries[subentry_id].data) == before

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.subentries[subentry_id].data) == {CONF_AREA_ID: living_room, **STORED}


async def test_reconfigure_takes_renamed_area_title(hass: HomeAssistant, living_room: str) -> None:
    entry = _configured_living_room(hass, living_room)
    ar.async_get(hass).async_update(living_room, name="Lounge")
    subentry_id, result = await _reconfigure(hass, entry)
    assert result["description_placeholders"] == {"area": "Lounge"}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry_id].title == "Lounge"


async def test_reconfigure_works_after_area_deleted(hass: HomeAssistant, living_room: str) -> None:
    entry = _configured_living_room(hass, living_room)
    ar.async_get(hass).async_delete(living_room)
    subentry_id, result = await _reconfigure(hass, entry)
    assert result["description_placeholders"] == {"area": "Living room"}

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry_id]
    assert subentry.title == "Living room"
    assert dict(subentry.data) == {CONF_AREA_ID: living_room, **STORED}


async def test_unknown_entity_accepts_registry_entity_without_state(
    hass: HomeAssistant, living_room: str
) -> None:
    entry = _configured_living_room(hass, living_room)
    entity_reg = er.async_get(hass)
    assert hass.states.get(MOTION) is None
    assert entity_reg.async_get(MOTION) is not None
    entity_reg.async_remove(PRESENCE)
    _, result = await _reconfigure(hass, entry)

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], VALID_INPUT)

    assert result["errors"] == {CONF_SUSTAIN_SENSORS: "unknown_entity"}
    assert result["description_placeholders"] == {"area": "Living room", "unknown": PRESENCE}


# --- translations ------------------------------------------------------------------------


def test_translations_cover_every_field_and_reason() -> None:
    hub = TRANSLATIONS["config"]
    area = TRANSLATIONS["config_subentries"][SUBENTRY_AREA]
    assert hub["step"]["user"]["title"]
    assert hub["step"]["user"]["description"]
    assert hub["abort"]["single_instance_allowed"]
    assert area["initiate_flow"] == {"user": "Add area", "reconfigure": "Reconfigure area"}
    assert area["entry_type"] == "Area"
    for step_id, schema in (
        ("user", config_flow.STEP_AREA_SCHEMA),
        ("sensors", config_flow.STEP_SENSORS_SCHEMA),
    ):
        fields = {key.schema for key in schema.schema}
        assert set(area["step"][step_id]["data"]) == fields
        assert set(area["step"][step_id]["data_description"]) == fields
    sections = area["step"]["sensors"]["sections"]
    for name, schema in (
        ("timing", config_flow.TIMING_SCHEMA),
        ("hierarchy", config_flow.HIERARCHY_SCHEMA),
    ):
        fields = {key.schema for key in schema.schema}
        assert set(sections[name]["data"]) == fields
        assert set(sections[name]["data_description"]) == fields
    assert set(area["abort"]) == {"already_configured", "area_not_found", "reconfigure_successful"}
    assert set(area["error"]) == {
        "no_sensors",
        "sensor_in_both_roles",
        "invalid_timeout",
        "unknown_entity",
        "invalid_bounds",
        "invalid_rules",
        "parent_is_self",
    }
    assert "{both}" in area["error"]["sensor_in_both_roles"]
    assert "{unknown}" in area["error"]["unknown_entity"]


async def test_parent_cannot_be_the_area_itself(hass: HomeAssistant, living_room: str) -> None:
    entry = _added_hub(hass)
    result = await _to_sensors_step(hass, entry, living_room)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**VALID_INPUT, "hierarchy": {"parent_area": living_room}}
    )
    assert result["errors"] == {"hierarchy": "parent_is_self"}


async def test_hub_options_flow_sets_identity_sources(hass: HomeAssistant) -> None:
    entry = _added_hub(hass)
    hass.states.async_set("sensor.anna_area", "Kitchen")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "people"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "people"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"occupant_sensors": ["sensor.anna_area"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload runs while setup is mocked
    assert entry.options == {"occupant_sensors": ["sensor.anna_area"], "pet_sensors": []}
