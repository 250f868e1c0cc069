"""Ended sessions in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.occupancy_manager.logbook import async_describe_events, describe_duration
from custom_components.occupancy_manager.predictions import EVENT_SESSION_ENDED

from .conftest import area_subentry, hub_entry, setup_hub

MOTION = "binary_sensor.kitchen_motion"


async def test_session_ended_shows_in_the_logbook(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_client: ClientSessionGenerator
) -> None:
    """The logbook names the area and tells how long and why the session ended."""
    start = dt_util.utcnow()  # the API's access token is issued at the real time
    ar.async_get(hass).async_create("Kitchen")
    assert await async_setup_component(hass, "logbook", {})
    hass.states.async_set(MOTION, STATE_OFF)
    await setup_hub(hass, hub_entry(area_subentry("kitchen", trigger=[MOTION])))
    await hass.async_block_till_done(wait_background_tasks=True)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=7))
    hass.states.async_set(MOTION, STATE_OFF)
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)

    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    assert response.status == 200
    entries = [e for e in await response.json() if e.get("domain") == "occupancy_manager"]
    assert len(entries) == 1
    assert entries[0]["name"] == "Kitchen"
    assert entries[0]["message"] == "was occupied for 12 min (the timeout ran out)"
    assert entries[0]["entity_id"] == "binary_sensor.kitchen_occupancy"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            {"area_id": "gone", "duration": 30, "reason": "vacancy_signal"},
            "gone",
            "was occupied for 30 s (a vacancy sensor signalled)",
        ),
        (
            {"area_id": "gone", "duration": 7500, "reason": "new_reason"},
            "gone",
            "was occupied for 2 h 5 min (new reason)",
        ),
    ],
)
async def test_description_of_unknown_areas_and_reasons(
    hass: HomeAssistant, data: dict[str, Any], name: str, message: str
) -> None:
    """An area no longer in the registry is named by its id; unknown reasons are spelled out."""
    described: dict[str, Callable[[Event], dict[str, Any]]] = {}
    async_describe_events(hass, lambda _d, event, fn: described.__setitem__(event, fn))
    entry = described[EVENT_SESSION_ENDED](Event(EVENT_SESSION_ENDED, data))
    assert entry == {"name": name, "message": message}


def test_durations_read_naturally() -> None:
    """Seconds below a minute, minutes below an hour, then hours and minutes."""
    assert describe_duration(59) == "59 s"
    assert describe_duration(60) == "1 min"
    assert describe_duration(3600) == "1 h"
    assert describe_duration(3660) == "1 h 1 min"
