"""The people counting subentry flow (add, validate, reconfigure) and reading its data."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import area_registry as ar
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.occupancy_manager import counting_flow
from custom_components.occupancy_manager.const import SUBENTRY_COUNTING
from custom_components.occupancy_manager.counting_flow import counting_from_subentry

from .conftest import area_subentry, hub_entry
from .test_counting import counting_subentry

BEAM_A = "binary_sensor.door_outer"
BEAM_B = "binary_sensor.door_inner"
TRANSLATIONS = json.loads(
    (Path(counting_flow.__file__).parent / "translations" / "en.json").read_text(encoding="utf-8")
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


def added_hub(hass: HomeAssistant, *subentries: dict[str, Any]) -> MockConfigEntry:
    entry = hub_entry(*subentries)
    entry.add_to_hass(hass)
    return entry


async def start(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult[Any, Any]:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_COUNTING), context={"source": SOURCE_USER}
    )


async def to_settings(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult[Any, Any]:
    result = await start(hass, entry)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"area_id": "shop"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    return result


async def configure(
    hass: HomeAssistant, result: FlowResult[Any, Any], data: dict[str, Any]
) -> FlowResult[Any, Any]:
    return await hass.config_entries.subentries.async_configure(result["flow_id"], data)


def counting_of(entry: MockConfigEntry) -> ConfigSubentry:
    return next(s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_COUNTING)


async def test_no_areas_aborts(hass: HomeAssistant) -> None:
    result = await start(hass, added_hub(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_areas"


async def test_every_area_counted_aborts(hass: HomeAssistant) -> None:
    entry = added_hub(hass, area_subentry("shop"), counting_subentry("shop"))
    result = await start(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "all_counted"


async def test_add_with_defaults(hass: HomeAssistant) -> None:
    """Only areas not counted yet are offered; defaults fill the sections."""
    entry = added_hub(hass, area_subentry("shop"), area_subentry("bar"), counting_subentry("bar"))
    result = await start(hass, entry)
    options = result["data_schema"].schema["area_id"].config["options"]  # type: ignore[union-attr]
    assert options == [{"value": "shop", "label": "Shop"}]
    result = await configure(hass, await to_settings(hass, entry), {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Shop"
    subentry = next(s for s in entry.subentries.values() if s.unique_id == "counting_shop")
    assert subentry.data["area_id"] == "shop"
    assert subentry.data["near_capacity"] == 80
    assert subentry.data["anomaly_hours"] == 12
    assert subentry.data["frigate"]["topic_prefix"] == "frigate"
    assert subentry.data["frigate"]["labels"] == ["person"]
    assert subentry.data["beams"] == {"window": 3.0}
    setup = counting_from_subentry(subentry)
    assert setup.frigate is None
    assert setup.beams is None
    assert setup.capacity is None
    assert setup.anomaly_after == 12 * 3600


async def test_frigate_needs_mqtt(hass: HomeAssistant) -> None:
    entry = added_hub(hass, area_subentry("shop"))
    result = await to_settings(hass, entry)
    result = await configure(hass, result, {"frigate": {"camera": "front"}})
    assert result["errors"] == {"frigate": "mqtt_not_set_up"}
    MockConfigEntry(domain="mqtt").add_to_hass(hass)
    result = await configure(hass, result, {"capacity": 30, "frigate": {"camera": "front"}})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    setup = counting_from_subentry(counting_of(entry))
    assert setup.capacity == 30
    assert setup.frigate is not None
    assert setup.frigate.topic == "frigate/events"
    assert setup.frigate.line.in_side == 1


@pytest.mark.parametrize(
    ("frigate", "error"),
    [
        ({"camera": "front", "labels": []}, "no_labels"),
        ({"camera": "front", "x1": 0.5, "y1": 0.5, "x2": 0.5, "y2": 0.5}, "line_too_short"),
        ({"camera": "front", "topic_prefix": " / "}, "no_topic_prefix"),
    ],
)
async def test_frigate_validation(hass: HomeAssistant, frigate: dict[str, Any], error: str) -> None:
    MockConfigEntry(domain="mqtt").add_to_hass(hass)
    entry = added_hub(hass, area_subentry("shop"))
    result = await configure(hass, await to_settings(hass, entry), {"frigate": frigate})
    assert result["errors"] == {"frigate": error}


async def test_beam_validation(hass: HomeAssistant) -> None:
    hass.states.async_set(BEAM_A, "off")
    entry = added_hub(hass, area_subentry("shop"))
    result = await to_settings(hass, entry)
    result = await configure(hass, result, {"beams": {"beam_a": BEAM_A}})
    assert result["errors"] == {"beams": "beams_incomplete"}
    result = await configure(hass, result, {"beams": {"beam_a": BEAM_A, "beam_b": BEAM_A}})
    assert result["errors"] == {"beams": "beams_same"}
    result = await configure(hass, result, {"beams": {"beam_a": BEAM_A, "beam_b": BEAM_B}})
    assert result["errors"] == {"beams": "unknown_entity"}
    assert result["description_placeholders"] == {"area": "Shop", "unknown": BEAM_B}
    hass.states.async_set(BEAM_B, "off")
    result = await configure(
        hass, result, {"beams": {"beam_a": BEAM_A, "beam_b": BEAM_B, "window": 2}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    setup = counting_from_subentry(counting_of(entry))
    assert setup.beams == (BEAM_A, BEAM_B)
    assert setup.window == 2


async def test_unknown_counter_entity(hass: HomeAssistant) -> None:
    entry = added_hub(hass, area_subentry("shop"))
    result = await configure(
        hass, await to_settings(hass, entry), {"counters": {"entries_counter": "sensor.nope"}}
    )
    assert result["errors"] == {"counters": "unknown_entity"}


async def test_reconfigure(hass: HomeAssistant) -> None:
    """Prefilled with the stored data; saving updates it and keeps the area."""
    area = ar.async_get(hass).async_create("Shop")
    hass.states.async_set("sensor.door_entries", "4")
    entry = added_hub(
        hass, area_subentry(area.id), counting_subentry(area.id, capacity=5, reset_time="04:00:00")
    )
    subentry = counting_of(entry)
    result: FlowResult[Any, Any] = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_COUNTING),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["step_id"] == "settings"
    assert result["description_placeholders"] == {"area": "Shop"}
    suggested = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema  # type: ignore[union-attr]
        if key.description and "suggested_value" in key.description
    }
    assert suggested["capacity"] == 5
    result = await configure(
        hass,
        result,
        {
            "capacity": 8,
            "near_capacity": 50,
            "counters": {"entries_counter": "sensor.door_entries"},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    setup = counting_from_subentry(counting_of(entry))
    assert (setup.area_id, setup.capacity, setup.near_ratio) == (area.id, 8, 0.5)
    assert setup.entries_counter == "sensor.door_entries"
    assert setup.reset_time is None  # emptied on the form


def test_malformed_data_falls_back_to_defaults(caplog: pytest.LogCaptureFixture) -> None:
    subentry = ConfigSubentry(
        data=MappingProxyType(
            {
                "area_id": "shop",
                "capacity": True,
                "near_capacity": 500,
                "anomaly_hours": "x",
                "reset_time": "07:30",
                "frigate": {"camera": "front", "x1": 0.5, "y1": 0.5, "x2": 0.5, "y2": 0.5},
                "beams": {"beam_a": BEAM_A, "beam_b": BEAM_A},
                "counters": ["not", "a", "section"],
            }
        ),
        subentry_type=SUBENTRY_COUNTING,
        title="Shop",
        unique_id="shop",
    )
    setup = counting_from_subentry(subentry)
    assert setup.capacity is None
    assert setup.near_ratio == 0.8
    assert setup.anomaly_after == 12 * 3600
    assert setup.reset_time == time(7, 30)
    assert setup.frigate is None
    assert "Frigate counting line of shop is not valid" in caplog.text
    assert setup.beams is None
    assert setup.entries_counter is None


def test_frigate_defaults_when_fields_are_missing() -> None:
    subentry = ConfigSubentry(
        data=MappingProxyType({"anomaly_hours": 0, "frigate": {"camera": "front", "labels": []}}),
        subentry_type=SUBENTRY_COUNTING,
        title="Shop",
        unique_id="counting_shop",
    )
    setup = counting_from_subentry(subentry)
    assert setup.area_id == "shop"
    assert setup.anomaly_after is None
    assert setup.frigate is not None
    assert setup.frigate.labels == frozenset({"person"})
    assert (setup.frigate.width, setup.frigate.height) == (1280, 720)
    assert setup.frigate.line.start == (0.0, 0.5)


def test_translations_cover_the_flow() -> None:
    counting = TRANSLATIONS["config_subentries"]["counting"]
    settings = counting["step"]["settings"]
    fields = {key.schema for key in counting_flow.STEP_SETTINGS_SCHEMA.schema}
    assert set(settings["data"]) == fields
    assert set(settings["data_description"]) == fields
    for name, schema in (
        ("frigate", counting_flow.FRIGATE_SCHEMA),
        ("beams", counting_flow.BEAMS_SCHEMA),
        ("counters", counting_flow.COUNTERS_SCHEMA),
    ):
        keys = {key.schema for key in schema.schema}
        assert set(settings["sections"][name]["data"]) == keys
        assert set(settings["sections"][name]["data_description"]) == keys
    assert set(counting["abort"]) >= {"no_areas", "all_counted", "reconfigure_successful"}
    assert set(counting["error"]) == {
        "mqtt_not_set_up",
        "no_labels",
        "line_too_short",
        "no_topic_prefix",
        "beams_incomplete",
        "beams_same",
        "unknown_entity",
    }
