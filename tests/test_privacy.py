"""Camera privacy mode following occupancy: camera.turn_off/on, failures, delay and restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.occupancy_manager.const import DOMAIN, HUB_TITLE
from custom_components.occupancy_manager.privacy import PrivacyActuator
from custom_components.occupancy_manager.privacy_actuation import EVENT_PRIVACY_FAILED

from .conftest import area_subentry, fire, privacy_switch_of, setup_hub, state_of

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
CAMERA = "camera.kitchen"
ON_OFF = 1
STREAMING = "streaming"


def hub(*subentries: dict[str, Any], options: dict[str, Any] | None = None) -> MockConfigEntry:
    """A hub entry with area subentries and hub options."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=HUB_TITLE,
        data={},
        options=options or {},
        subentries_data=list(subentries),
    )


def privacy_switch(hass: HomeAssistant, camera: str = CAMERA) -> str:
    """The entity id of a camera's privacy mode switch (default: the kitchen's)."""
    return privacy_switch_of(hass, camera)


@pytest.fixture
def camera_calls(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    """Mocked camera.turn_on / camera.turn_off services that record their calls."""
    return {
        "turn_off": async_mock_service(hass, "camera", "turn_off"),
        "turn_on": async_mock_service(hass, "camera", "turn_on"),
    }


async def setup_kitchen(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    features: int = ON_OFF,
    options: dict[str, Any] | None = None,
) -> str:
    """Kitchen with a motion sensor and one camera with `features`; returns the switch id."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": features})
    await setup_hub(
        hass, hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA]), options=options)
    )
    return privacy_switch(hass)


async def test_privacy_follows_occupancy(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Occupied -> camera.turn_off and switch on; vacant -> camera.turn_on and switch off."""
    switch = await setup_kitchen(hass, freezer)
    assert [c.data["entity_id"] for c in camera_calls["turn_on"]] == [CAMERA]
    assert state_of(hass, switch).state == STATE_OFF

    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in camera_calls["turn_off"]] == [CAMERA]
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["camera"] == CAMERA
    assert state.attributes["actuation"] == "camera"
    assert state.attributes["target"] == CAMERA
    assert state.attributes["desired"] is True

    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 301)
    assert len(camera_calls["turn_on"]) == 2
    assert state_of(hass, switch).state == STATE_OFF


async def test_switch_is_on_the_camera_device(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """The privacy switch sits on our device for the camera, not on the area device."""
    switch = await setup_kitchen(hass, freezer)
    registry_entry = er.async_get(hass).async_get(switch)
    assert registry_entry is not None
    assert registry_entry.device_id is not None
    device = dr.async_get(hass).async_get(registry_entry.device_id)
    assert device is not None
    assert (DOMAIN, f"camera_{CAMERA}") in device.identifiers
    assert registry_entry.config_subentry_id is None


async def test_area_privacy_switches_of_0_1_are_removed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A privacy switch left on the area device by an older version is dropped at setup."""
    freezer.move_to(T0)
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    entry = hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA]))
    entry.add_to_hass(hass)
    subentry_id = next(iter(entry.subentries))
    old = er.async_get(hass).async_get_or_create(
        "switch", DOMAIN, f"{subentry_id}_privacy_{CAMERA}", config_entry=entry
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get(old.entity_id) is None


async def test_manual_toggle_holds_until_next_transition(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Turning the switch by hand calls the camera; the next transition takes over again."""
    switch = await setup_kitchen(hass, freezer)
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert len(camera_calls["turn_off"]) == 1
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["manual"] is True

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert len(camera_calls["turn_on"]) == 2
    assert state_of(hass, switch).state == STATE_OFF

    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 2
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["manual"] is False


async def test_manual_off_refused_while_occupied(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Privacy cannot be switched off by hand while the area needs it (maintenance can)."""
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert err.value.translation_key == "privacy_required"
    assert len(camera_calls["turn_on"]) == 1
    assert state_of(hass, switch).state == STATE_ON


async def test_camera_without_on_off_is_report_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera that cannot be turned off is never called; its switch claims nothing."""
    switch = await setup_kitchen(hass, freezer, features=2)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert camera_calls["turn_off"] == []
    assert camera_calls["turn_on"] == []
    state = state_of(hass, switch)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["actuation"] == "report_only"
    assert state.attributes["desired"] is True
    assert state.attributes["last_error"] is None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert err.value.translation_key == "privacy_report_only"


async def test_failure_retries_with_backoff_event_and_repair(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing call is retried after 2, 4, 8 s, fires events and raises a repair issue.

    The switch keeps the last confirmed state; success clears the error and the issue.
    """
    calls: list[str] = []
    broken = True

    async def turn_on(call: ServiceCall) -> None:
        calls.append("on")

    async def turn_off(call: ServiceCall) -> None:
        calls.append("off")
        if broken:
            raise HomeAssistantError("camera offline")

    hass.services.async_register("camera", "turn_on", turn_on)
    hass.services.async_register("camera", "turn_off", turn_off)
    events = async_capture_events(hass, EVENT_PRIVACY_FAILED)
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert calls == ["on", "off"]
    state = state_of(hass, switch)
    assert state.state == STATE_OFF
    assert state.attributes["desired"] is True
    assert "camera offline" in state.attributes["last_error"]
    issue_id = f"privacy_failed_{CAMERA}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "privacy_failed"
    assert issue.translation_placeholders == {
        "camera": CAMERA,
        "error": "camera.turn_off failed: camera offline",
    }
    assert [e.data for e in events] == [
        {
            "camera": CAMERA,
            "areas": ["kitchen"],
            "desired": True,
            "error": "camera.turn_off failed: camera offline",
            "attempt": 1,
        }
    ]

    # async_fire_time_changed runs timers up to 0.5 s early.
    await fire(hass, freezer, 1.4)
    assert calls == ["on", "off"]
    await fire(hass, freezer, 0.6)
    assert calls == ["on", "off", "off"]
    await fire(hass, freezer, 3.4)
    assert len(calls) == 3
    await fire(hass, freezer, 0.6)
    assert len(calls) == 4
    assert [e.data["attempt"] for e in events] == [1, 2, 3]
    logged = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.occupancy_manager")
        and "camera offline" in r.getMessage()
    ]
    assert len(logged) == 1  # once per distinct error, not per attempt
    assert "Traceback" not in caplog.text

    broken = False
    await fire(hass, freezer, 8)
    assert calls[-1] == "off"
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["last_error"] is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert len(events) == 3
    await fire(hass, freezer, 600)
    assert len(calls) == 5


async def test_backoff_is_capped_and_cancelled_by_a_new_decision(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Retries wait at most 5 min; a newer decision cancels the pending retry."""
    calls: list[str] = []

    async def fail(call: ServiceCall) -> None:
        calls.append(call.service)
        raise HomeAssistantError("no route")

    async def turn_on(call: ServiceCall) -> None:
        calls.append(call.service)

    hass.services.async_register("camera", "turn_off", fail)
    hass.services.async_register("camera", "turn_on", turn_on)
    await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    for wait in (2, 4, 8, 16, 32, 64, 128, 256, 300, 300):
        await fire(hass, freezer, wait)
    assert calls.count("turn_off") == 11

    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 300)
    assert calls[-1] == "turn_on"
    count = len(calls)
    await fire(hass, freezer, 600)
    assert len(calls) == count
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{CAMERA}") is None


async def test_camera_not_implementing_turn_off(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """NotImplementedError from a camera class is a failure like any other, without traceback."""

    async def turn_off(call: ServiceCall) -> None:
        raise NotImplementedError

    hass.services.async_register("camera", "turn_off", turn_off)
    async_mock_service(hass, "camera", "turn_on")
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert "NotImplementedError" in state_of(hass, switch).attributes["last_error"]
    assert "Traceback" not in caplog.text


async def test_camera_reporting_off_confirms_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera that reports "off" is believed: on -> off confirms privacy, off -> on ends it."""
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(CAMERA, "off", {"supported_features": ON_OFF})
    await hass.async_block_till_done()
    assert state_of(hass, switch).state == STATE_ON
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    await hass.async_block_till_done()
    assert state_of(hass, switch).state == STATE_OFF


async def test_camera_still_off_after_turn_on_is_a_failure(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """When a camera keeps reporting "off" after camera.turn_on, we say so and retry."""
    async_mock_service(hass, "camera", "turn_on")
    async_mock_service(hass, "camera", "turn_off")
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(CAMERA, "off", {"supported_features": ON_OFF})
    await setup_hub(hass, hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])))
    state = state_of(hass, privacy_switch(hass))
    assert state.state == STATE_ON
    assert "still reports off" in state.attributes["last_error"]


async def test_camera_appearing_later_gets_privacy(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera whose integration loads after ours gets the pending privacy mode when it appears."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_ON)
    await setup_hub(hass, hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])))
    switch = privacy_switch(hass)
    assert camera_calls["turn_off"] == []
    assert state_of(hass, switch).state == STATE_UNKNOWN

    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 1
    assert state_of(hass, switch).state == STATE_ON
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{CAMERA}") is None


async def test_camera_becoming_unavailable_is_unknown_then_reapplied(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A camera that drops out may come back running: unknown, then privacy again."""
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    hass.states.async_set(CAMERA, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert state_of(hass, switch).state == STATE_UNKNOWN
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 2
    assert state_of(hass, switch).state == STATE_ON


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
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    await setup_hub(
        hass,
        hub(
            area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA]),
            area_subentry("hall", trigger=[hall], cameras=[CAMERA], timeout={"seconds": 60}),
        ),
    )
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(hall, STATE_ON)
    hass.states.async_set(hall, STATE_OFF)
    await hass.async_block_till_done()
    await fire(hass, freezer, 61)
    assert len(camera_calls["turn_off"]) == 1
    assert len(camera_calls["turn_on"]) == 1  # only the initial vacant state


async def test_reenable_delay(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """After vacancy the camera waits the delay; occupancy during it cancels the re-enable."""
    switch = await setup_kitchen(hass, freezer, options={"camera_reenable_delay": 120})
    assert len(camera_calls["turn_on"]) == 1  # the first decision is never delayed
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 301)
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["reenable_at"] is not None
    assert len(camera_calls["turn_on"]) == 1

    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    assert len(camera_calls["turn_off"]) == 1  # still private: no new call
    assert state_of(hass, switch).attributes["reenable_at"] is None
    await fire(hass, freezer, 120)
    assert len(camera_calls["turn_on"]) == 1

    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 301)
    await fire(hass, freezer, 119)
    assert len(camera_calls["turn_on"]) == 1
    await fire(hass, freezer, 1)
    assert len(camera_calls["turn_on"]) == 2
    assert state_of(hass, switch).state == STATE_OFF


async def test_restart_keeps_an_occupied_area_private(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """An area occupied before a restart keeps its camera private: no turn_on is ever issued."""
    await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    camera_calls["turn_on"].clear()
    camera_calls["turn_off"].clear()

    await fire(hass, freezer, 60)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert camera_calls["turn_on"] == []
    assert len(camera_calls["turn_off"]) == 1
    assert state_of(hass, privacy_switch(hass)).state == STATE_ON


async def test_overrides_loaded_before_the_first_decision(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Started before the first decision, a stored override holds without a privacy flicker."""
    freezer.move_to(T0)
    hass.states.async_set(CAMERA, STREAMING, {"supported_features": ON_OFF})
    entry = hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA]))
    entry.add_to_hass(hass)
    key = f"{DOMAIN}.{entry.entry_id}.privacy"
    until = (T0 + timedelta(minutes=10)).isoformat()
    hass_storage[key] = {"version": 1, "key": key, "data": {"overrides": {"kitchen": until}}}
    changed: list[str] = []
    actuator = PrivacyActuator(hass, entry, {CAMERA: ["kitchen"]}, changed.append)
    await actuator.async_start()
    await actuator.async_start()
    actuator.async_apply(lambda _area: True, [CAMERA, "camera.unknown"])
    await hass.async_block_till_done()
    assert camera_calls["turn_off"] == []
    assert len(camera_calls["turn_on"]) == 1
    assert CAMERA in changed

    await actuator.async_stop()
    await actuator.async_stop()
    assert hass_storage[key]["data"] == {"overrides": {"kitchen": until}}
    actuator.async_apply(lambda _area: False, [CAMERA])
    assert len(camera_calls["turn_on"]) == 1


async def test_superseded_call_does_not_report(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A call overtaken by a newer decision leaves the confirmation to the newer call."""
    release = asyncio.Event()
    calls: list[str] = []

    async def turn_off(call: ServiceCall) -> None:
        calls.append("off")
        await release.wait()

    async def turn_on(call: ServiceCall) -> None:
        calls.append("on")

    hass.services.async_register("camera", "turn_off", turn_off)
    hass.services.async_register("camera", "turn_on", turn_on)
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    await hass.services.async_call(
        DOMAIN, "privacy_override", {"area_id": "kitchen"}, blocking=True
    )
    release.set()
    await hass.async_block_till_done()
    assert calls == ["on", "off", "on"]
    state = state_of(hass, switch)
    assert state.state == STATE_OFF
    assert state.attributes["desired"] is False
    assert state.attributes["last_error"] is None


async def test_bad_reenable_delay_option_means_none(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """A malformed re-enable delay in the options is treated as no delay."""
    await setup_kitchen(hass, freezer, options={"camera_reenable_delay": "soon"})
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 301)
    assert len(camera_calls["turn_on"]) == 2


async def test_unload_cancels_pending_release_and_issue(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Unloading drops a pending re-enable and our repair issues; nothing fires afterwards."""
    calls: list[str] = []

    async def turn_off(call: ServiceCall) -> None:
        calls.append("off")
        raise HomeAssistantError("offline")

    async def turn_on(call: ServiceCall) -> None:
        calls.append("on")

    hass.services.async_register("camera", "turn_off", turn_off)
    hass.services.async_register("camera", "turn_on", turn_on)
    await setup_kitchen(hass, freezer, options={"camera_reenable_delay": 60})
    hass.states.async_set(MOTION, STATE_ON)
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 301)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{CAMERA}") is not None
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{CAMERA}") is None
    count = len(calls)
    await fire(hass, freezer, 600)
    assert len(calls) == count


async def test_retry_pending_now(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """async_retry_pending applies a failed decision at once; unknown cameras are ignored."""
    broken = True
    calls: list[str] = []

    async def turn_off(call: ServiceCall) -> None:
        calls.append("off")
        if broken:
            raise HomeAssistantError("offline")

    hass.services.async_register("camera", "turn_off", turn_off)
    async_mock_service(hass, "camera", "turn_on")
    switch = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    privacy = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator.privacy
    broken = False
    privacy.async_retry_pending("camera.unknown")
    privacy.async_retry_pending(CAMERA)
    await hass.async_block_till_done()
    assert calls == ["off", "off"]
    assert state_of(hass, switch).state == STATE_ON
    privacy.async_retry_pending(CAMERA)
    await hass.async_block_till_done()
    assert calls == ["off", "off"]


async def test_manual_toggle_of_a_missing_camera_fails_softly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: dict[str, list[ServiceCall]],
) -> None:
    """Turning on the switch of a camera that is not there records the error, no exception."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    await setup_hub(hass, hub(area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])))
    switch = privacy_switch(hass)
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    state = state_of(hass, switch)
    assert state.state == STATE_UNKNOWN
    assert "not available" in state.attributes["last_error"]


async def test_privacy_call_starts_in_the_same_loop_turn(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The camera service runs before the state change that occupied the area returns."""
    calls: list[str] = []

    async def handle(call: ServiceCall) -> None:
        calls.append(call.service)

    hass.services.async_register("camera", "turn_off", handle)
    hass.services.async_register("camera", "turn_on", handle)
    await setup_kitchen(hass, freezer)
    calls.clear()
    hass.states.async_set(MOTION, STATE_ON)
    assert calls == ["turn_off"]
