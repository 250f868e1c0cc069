"""Camera privacy mode following the area's occupancy (minimal slice of issue 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

from custom_components.occupancy_manager.const import DOMAIN

from .conftest import area_subentry, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
CAMERA = "camera.kitchen"
ON_OFF = 1


def privacy_switch(hass: HomeAssistant) -> str:
    """The entity id of the only privacy mode switch."""
    ids = [
        e.entity_id
        for e in er.async_get(hass).entities.values()
        if e.platform == DOMAIN and e.domain == "switch"
    ]
    assert len(ids) == 1
    return ids[0]


@pytest.fixture
def camera_calls(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    """Mocked camera.turn_on / camera.turn_off services that record their calls."""
    return {
        "turn_off": async_mock_service(hass, "camera", "turn_off"),
        "turn_on": async_mock_service(hass, "camera", "turn_on"),
    }


async def setup_kitchen(hass: HomeAssistant, freezer: FrozenDateTimeFactory, features: int) -> str:
    """Kitchen with a motion sensor and one camera with `features`; returns the switch id."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(CAMERA, "streaming", {"supported_features": features})
    await setup_hub(hass, hub_entry(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])))
    return privacy_switch(hass)


async def test_privacy_follows_occupancy(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Occupied -> camera.turn_off and switch on; vacant -> camera.turn_on and switch off."""
    switch = await setup_kitchen(hass, freezer, ON_OFF)
    # At start the area is vacant: privacy is applied deterministically (camera on).
    assert [c.data["entity_id"] for c in camera_calls["turn_on"]] == [CAMERA]
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]

    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in camera_calls["turn_off"]] == [CAMERA]
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["camera"] == CAMERA

    hass.states.async_set(MOTION, STATE_OFF)
    freezer.tick(timedelta(seconds=301))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(camera_calls["turn_on"]) == 2
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]


async def test_manual_toggle_holds_until_next_transition(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Turning the switch by hand calls the camera; the next transition takes over again."""
    switch = await setup_kitchen(hass, freezer, ON_OFF)
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert len(camera_calls["turn_off"]) == 1
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["manual"] is True

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert len(camera_calls["turn_on"]) == 2
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]

    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 2
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["manual"] is False


async def test_camera_without_on_off_is_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A camera that cannot be turned off is never called; its switch says so."""
    switch = await setup_kitchen(hass, freezer, 2)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert camera_calls["turn_off"] == []
    assert camera_calls["turn_on"] == []
    assert hass.states.get(switch).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert "no on/off support" in caplog.text


async def test_failed_call_is_logged_and_not_claimed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing camera service leaves the switch at the last confirmed state, with the error."""
    calls: list[str] = []

    async def turn_on(call: ServiceCall) -> None:
        calls.append("on")

    async def turn_off(call: ServiceCall) -> None:
        calls.append("off")
        raise HomeAssistantError("camera offline")

    hass.services.async_register("camera", "turn_on", turn_on)
    hass.services.async_register("camera", "turn_off", turn_off)
    switch = await setup_kitchen(hass, freezer, ON_OFF)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert calls == ["on", "off"]
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["desired"] is True
    assert "camera offline" in state.attributes["last_error"]
    assert "camera offline" in caplog.text
    assert "Traceback" not in caplog.text


async def test_camera_appearing_later_gets_privacy(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera whose integration loads after ours gets the pending privacy mode when it appears."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_ON)
    await setup_hub(hass, hub_entry(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])))
    switch = privacy_switch(hass)
    assert camera_calls["turn_off"] == []
    assert hass.states.get(switch).state == STATE_UNKNOWN  # type: ignore[union-attr]

    hass.states.async_set(CAMERA, "streaming", {"supported_features": ON_OFF})
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 1
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]


async def test_camera_shared_by_two_areas(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera covering two areas stays private while either of them is occupied."""
    freezer.move_to(T0)
    hall = "binary_sensor.hall_motion"
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(hall, STATE_OFF)
    hass.states.async_set(CAMERA, "streaming", {"supported_features": ON_OFF})
    await setup_hub(
        hass,
        hub_entry(
            area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA]),
            area_subentry("hall", trigger=[hall], cameras=[CAMERA], timeout={"seconds": 60}),
        ),
    )
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(hall, STATE_ON)
    hass.states.async_set(hall, STATE_OFF)
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 1
    assert len(camera_calls["turn_on"]) == 1  # only the initial vacant state
