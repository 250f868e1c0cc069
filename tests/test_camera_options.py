"""Hub options: the menu, the cameras step and one camera's settings (validated, merged)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.occupancy_manager.camera_settings import Actuation, camera_settings
from custom_components.occupancy_manager.const import DOMAIN, HUB_TITLE

from .conftest import area_subentry

CAMERA = "camera.kitchen"
OTHER = "camera.hall"
PEOPLE = {"occupant_sensors": ["sensor.anna_area"], "pet_sensors": []}


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Saving options reloads the hub; keep these flow tests independent of its setup."""
    with (
        patch(
            "custom_components.occupancy_manager.async_setup_entry", return_value=True
        ) as setup_entry,
        patch("custom_components.occupancy_manager.async_unload_entry", return_value=True),
    ):
        yield setup_entry


def added_hub(
    hass: HomeAssistant, options: dict[str, Any] | None = None, cameras: list[str] | None = None
) -> MockConfigEntry:
    """A hub (not set up) whose kitchen has `cameras` (default: CAMERA and OTHER)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=HUB_TITLE,
        data={},
        options=options or {},
        subentries_data=[
            area_subentry(
                "kitchen",
                trigger=["binary_sensor.m"],
                cameras=[CAMERA, OTHER] if cameras is None else cameras,
            )
        ],
    )
    entry.add_to_hass(hass)
    return entry


async def open_step(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> ConfigFlowResult:
    """Start the options flow and pick `step` in its menu."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["people", "cameras", "camera_settings"]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def camera_form(hass: HomeAssistant, entry: MockConfigEntry, camera: str) -> ConfigFlowResult:
    """Open the settings form of `camera`."""
    result = await open_step(hass, entry, "camera_settings")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "camera_settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"camera": camera}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "camera"
    return result


def suggested(result: ConfigFlowResult, key: str) -> Any:
    """The suggested value of field `key` in a form result."""
    schema = result["data_schema"]
    assert schema is not None
    for field in schema.schema:
        if field == key:
            return (field.description or {}).get("suggested_value")
    raise KeyError(key)


async def test_cameras_step_saves_and_keeps_other_options(hass: HomeAssistant) -> None:
    entry = added_hub(hass, PEOPLE)
    result = await open_step(hass, entry, "cameras")
    assert result["step_id"] == "cameras"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "camera_reenable_delay": 30,
            "camera_probe_interval": 120,
            "camera_auto_remove_enabled": True,
            "camera_auto_remove_hours": 48,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload runs while setup is mocked
    assert entry.options == {
        **PEOPLE,
        "camera_reenable_delay": 30,
        "camera_probe_interval": 120,
        "camera_auto_remove_enabled": True,
        "camera_auto_remove_hours": 48,
    }


async def test_cameras_step_defaults(hass: HomeAssistant) -> None:
    """Submitting the form untouched stores the documented defaults (removal off)."""
    entry = added_hub(hass)
    result = await open_step(hass, entry, "cameras")
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload runs while setup is mocked
    assert entry.options == {
        "camera_reenable_delay": 0.0,
        "camera_probe_interval": 60.0,
        "camera_auto_remove_enabled": False,
        "camera_auto_remove_hours": 24.0,
    }


async def test_camera_settings_saved_per_camera(hass: HomeAssistant) -> None:
    """One camera's settings are stored under its entity id; other cameras and keys stay."""
    hass.states.async_set(CAMERA, "idle", {"friendly_name": "Kitchen cam"})
    other = {"actuation": "camera", "probe_host": None, "probe_port": None}
    entry = added_hub(hass, {**PEOPLE, "camera_settings": {OTHER: other}})
    result = await camera_form(hass, entry, CAMERA)
    assert result["description_placeholders"] == {"camera": "Kitchen cam"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "actuation": "switch",
            "switch_entity": "switch.kitchen_cam_power",
            "switch_inverted": True,
            "probe_host": " 192.168.1.20 ",
            "probe_port": 554,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the reload runs while setup is mocked
    assert entry.options["occupant_sensors"] == PEOPLE["occupant_sensors"]
    assert entry.options["camera_settings"][OTHER] == other
    assert entry.options["camera_settings"][CAMERA] == {
        "actuation": "switch",
        "switch_entity": "switch.kitchen_cam_power",
        "switch_inverted": True,
        "probe_host": "192.168.1.20",
        "probe_port": 554,
    }
    settings = camera_settings(entry.options, CAMERA)
    assert settings.actuation is Actuation.SWITCH
    assert (settings.probe_host, settings.probe_port) == ("192.168.1.20", 554)


async def test_camera_form_prefilled_with_current_settings(hass: HomeAssistant) -> None:
    current = {"actuation": "report_only", "probe_host": "cam.local", "probe_port": 80}
    entry = added_hub(hass, {"camera_settings": {CAMERA: current}})
    result = await camera_form(hass, entry, CAMERA)
    assert suggested(result, "actuation") == "report_only"
    assert suggested(result, "probe_host") == "cam.local"
    assert suggested(result, "probe_port") == 80


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({"actuation": "switch"}, {"switch_entity": "switch_required"}),
        ({"probe_host": "cam.local", "probe_port": 0}, {"probe_port": "invalid_port"}),
        ({"probe_host": "cam.local", "probe_port": 65536}, {"probe_port": "invalid_port"}),
        ({"probe_host": "cam.local", "probe_port": 80.5}, {"probe_port": "invalid_port"}),
        ({"probe_port": 80}, {"probe_host": "probe_incomplete"}),
        ({"probe_host": "   ", "probe_port": 80}, {"probe_host": "probe_incomplete"}),
        ({"probe_host": "cam.local"}, {"probe_port": "probe_incomplete"}),
    ],
)
async def test_camera_settings_validated(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    """Wrong input shows translated errors on the form and stores nothing."""
    entry = added_hub(hass)
    result = await camera_form(hass, entry, CAMERA)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"actuation": "auto", **user_input}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert entry.options == {}


async def test_camera_settings_without_cameras_aborts(hass: HomeAssistant) -> None:
    entry = added_hub(hass, cameras=[])
    result = await open_step(hass, entry, "camera_settings")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_cameras"
