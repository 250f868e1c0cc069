"""A removed camera offered again by the reconfigure form; camera devices and diagnostics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_RECONFIGURE
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.occupancy_manager import async_remove_config_entry_device
from custom_components.occupancy_manager.const import CONF_CAMERAS, DOMAIN, SUBENTRY_AREA
from custom_components.occupancy_manager.diagnostics import async_get_config_entry_diagnostics

from .test_cameras import AUTO_REMOVE, CAMERA, start, tick


def _suggested_cameras(result: Any) -> list[str]:
    for key in result["data_schema"].schema:
        if key.schema == CONF_CAMERAS:
            return list(key.description["suggested_value"])
    raise AssertionError


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    subentry_id = next(iter(entry.subentries))
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_AREA),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    return result


async def test_returned_camera_is_offered_not_added(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """After a stale removal, the camera that came back is pre-selected in the reconfigure form."""
    entry = await start(hass, freezer, options=AUTO_REMOVE)
    hass.states.async_set(CAMERA, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    await tick(hass, freezer, timedelta(hours=25))
    assert next(iter(entry.subentries.values())).data[CONF_CAMERAS] == []

    hass.states.async_set(CAMERA, "idle")
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await _reconfigure(hass, entry)

    assert _suggested_cameras(result) == [CAMERA]
    assert next(iter(entry.subentries.values())).data[CONF_CAMERAS] == []


async def test_reconfigure_of_unloaded_hub_suggests_stored_cameras(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await start(hass, freezer)
    await hass.config_entries.async_unload(entry.entry_id)

    result = await _reconfigure(hass, entry)

    assert _suggested_cameras(result) == [CAMERA]


async def test_camera_device_removable_while_hub_unloaded(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Unloaded hub: our camera devices may be deleted, area devices may not."""
    entry = await start(hass, freezer)
    await hass.config_entries.async_unload(entry.entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    camera = next(d for d in devices if any(v.startswith("camera_") for _, v in d.identifiers))
    area = next(d for d in devices if (DOMAIN, next(iter(entry.subentries))) in d.identifiers)

    assert await async_remove_config_entry_device(hass, entry, camera) is True
    assert await async_remove_config_entry_device(hass, entry, area) is False


async def test_diagnostics_show_camera_privacy_and_redact_probe_host(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    options = {"camera_settings": {CAMERA: {"probe_host": "10.0.0.7"}}}  # no port: no probe
    entry = await start(hass, freezer, options=options)

    data = await async_get_config_entry_diagnostics(hass, entry)

    assert "10.0.0.7" not in str(data)
    camera = data["cameras"][CAMERA]
    assert camera["areas"] == ["kitchen"]
    assert camera["method"] == "report_only"  # the test camera cannot be turned off
    assert camera["target"] is None
    assert camera["last_seen"] is not None
    assert data["maintenance_overrides"] == {}
