"""Fixtures shared by the Home Assistant tests."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.occupancy_manager.const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_TIMEOUT,
    CONF_TRIGGER_SENSORS,
    DOMAIN,
    HUB_TITLE,
    SUBENTRY_AREA,
)

# The test plugin turns on SQL echo for the recorder; it drowns the test output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _home_assistant_tests(request: pytest.FixtureRequest) -> None:
    """Give every Home Assistant test a recorder and custom_components/.

    Engine tests (tests/engine/) get neither: they never need `hass`.
    """
    if "engine" in request.node.path.parts:
        return
    request.getfixturevalue("recorder_mock")
    request.getfixturevalue("enable_custom_integrations")


def area_subentry(
    area_id: str,
    *,
    trigger: list[str] | None = None,
    sustain: list[str] | None = None,
    cameras: list[str] | None = None,
    timeout: dict[str, int] | None = None,
    sustain_starts: bool = True,
    title: str | None = None,
) -> dict[str, Any]:
    """The subentry dict MockConfigEntry(subentries_data=[...]) takes, as the flow stores it."""
    return {
        "subentry_type": SUBENTRY_AREA,
        "title": title or area_id.replace("_", " ").title(),
        "unique_id": area_id,
        "data": {
            CONF_AREA_ID: area_id,
            CONF_TRIGGER_SENSORS: trigger or [],
            CONF_SUSTAIN_SENSORS: sustain or [],
            CONF_SUSTAIN_STARTS: sustain_starts,
            CONF_TIMEOUT: timeout or {"hours": 0, "minutes": 5, "seconds": 0},
            CONF_CAMERAS: cameras or [],
        },
    }


def hub_entry(*subentries: dict[str, Any]) -> MockConfigEntry:
    """A hub config entry holding the given area subentries."""
    return MockConfigEntry(
        domain=DOMAIN, title=HUB_TITLE, data={}, subentries_data=list(subentries)
    )


async def setup_hub(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add the entry and set it up, failing the test if setup fails."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def fire(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock and run the timers that are due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """The state object of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def privacy_switch_of(hass: HomeAssistant, camera: str) -> str:
    """The entity id of a camera's privacy mode switch, found by its unique_id."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    registry_entry = er.async_get(hass).async_get(camera)
    key = registry_entry.id if registry_entry else camera
    entity_id = er.async_get(hass).async_get_entity_id(
        "switch", DOMAIN, f"{entry.entry_id}_camera_{key}_privacy_mode"
    )
    assert entity_id is not None
    return entity_id
