"""How cameras are made private: their own privacy switch, a chosen switch, report only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.occupancy_manager import privacy_actuation
from custom_components.occupancy_manager.const import DOMAIN, HUB_TITLE

from .conftest import area_subentry, fire, privacy_switch_of, setup_hub, state_of

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
ON_OFF = 1


class FakeSwitches:
    """switch.turn_on/turn_off that set the target's state (or not, when `stuck`).

    The switch component must be set up first (`switches` fixture): setting it up later would
    register its own services over these.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Register the services."""
        self.hass = hass
        self.calls: list[tuple[str, str]] = []
        self.stuck = False
        hass.services.async_register("switch", "turn_on", self._handle)
        hass.services.async_register("switch", "turn_off", self._handle)

    async def _handle(self, call: ServiceCall) -> None:
        entity_id = call.data["entity_id"]
        entity_id = entity_id[0] if isinstance(entity_id, list) else entity_id
        self.calls.append((call.service, entity_id))
        if not self.stuck:
            state = STATE_ON if call.service == "turn_on" else STATE_OFF
            self.hass.states.async_set(entity_id, state)


@pytest.fixture
async def switches(hass: HomeAssistant) -> FakeSwitches:
    """The switch component with its services replaced by fakes."""
    assert await async_setup_component(hass, "switch", {})
    return FakeSwitches(hass)


def camera_device(
    hass: HomeAssistant,
    platform: str,
    switch_unique_id: str,
    *,
    translation_key: str | None = None,
    original_name: str | None = None,
    switch_state: str = STATE_OFF,
) -> tuple[str, str]:
    """A camera and a switch of `platform` on one device in the registry; their entity ids."""
    source = MockConfigEntry(domain=platform)
    source.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id, identifiers={(platform, "cam1")}, name="Kitchen cam"
    )
    ent_reg = er.async_get(hass)
    camera = ent_reg.async_get_or_create(
        "camera",
        platform,
        "cam1",
        device_id=device.id,
        config_entry=source,
        suggested_object_id="kitchen",
    ).entity_id
    ent_reg.async_get_or_create(
        "switch",
        platform,
        "cam1_light",
        device_id=device.id,
        config_entry=source,
        translation_key="light",
        suggested_object_id="a_kitchen_light",
    )
    switch = ent_reg.async_get_or_create(
        "switch",
        platform,
        switch_unique_id,
        device_id=device.id,
        config_entry=source,
        translation_key=translation_key,
        original_name=original_name,
        suggested_object_id="kitchen_privacy",
    ).entity_id
    hass.states.async_set(camera, "streaming", {"supported_features": 0})
    hass.states.async_set(switch, switch_state)
    return camera, switch


async def setup_area(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera: str,
    options: dict[str, Any] | None = None,
) -> str:
    """The kitchen with `camera`; returns our privacy switch's entity id."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=HUB_TITLE,
        data={},
        options=options or {},
        subentries_data=[area_subentry("kitchen", trigger=[MOTION], cameras=[camera])],
    )
    await setup_hub(hass, entry)
    return privacy_switch_of(hass, camera)


async def occupy(hass: HomeAssistant, *, on: bool = True) -> None:
    """Turn the kitchen's motion sensor on (occupied) and let the calls run."""
    hass.states.async_set(MOTION, STATE_ON if on else STATE_OFF)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("platform", "translation_key"),
    [
        ("reolink", "privacy_mode"),
        ("unifiprotect", "privacy_mode"),
        ("tuya", "privacy_mode"),
        ("shelly", "camera_privacy"),
        ("ezviz", "privacy"),
        ("imou", "close_camera"),
    ],
)
async def test_own_privacy_switch(
    hass: HomeAssistant,
    switches: FakeSwitches,
    freezer: FrozenDateTimeFactory,
    platform: str,
    translation_key: str,
) -> None:
    """The camera's own privacy switch on its device is used: ON = private, read back."""
    camera, switch = camera_device(hass, platform, "cam1_privacy", translation_key=translation_key)
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    assert switches.calls[-1] == ("turn_on", switch)
    state = state_of(hass, ours)
    assert state.state == STATE_ON
    assert state.attributes["actuation"] == "privacy_switch"
    assert state.attributes["target"] == switch

    await occupy(hass, on=False)
    await fire(hass, freezer, 301)
    assert switches.calls[-1] == ("turn_off", switch)
    assert state_of(hass, ours).state == STATE_OFF


async def test_bosch_switch_is_inverted(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """Bosch SHC's camera switch means "privacy disabled" when on: privacy = turn_off."""
    camera, switch = camera_device(hass, "bosch_shc", "serial1", switch_state=STATE_ON)
    ours = await setup_area(hass, freezer, camera)
    assert state_of(hass, ours).state == STATE_OFF
    await occupy(hass)
    assert switches.calls[-1] == ("turn_off", switch)
    assert state_of(hass, switch).state == STATE_OFF
    assert state_of(hass, ours).state == STATE_ON


async def test_amcrest_switch_by_name(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """Amcrest's switch has no translation_key; its original name "Privacy Mode" finds it."""
    camera, switch = camera_device(hass, "amcrest", "cam1_privacy", original_name="Privacy Mode")
    await setup_area(hass, freezer, camera)
    await occupy(hass)
    assert switches.calls[-1] == ("turn_on", switch)


async def test_disabled_privacy_switch_is_ignored_then_camera(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """Without an enabled privacy switch on the device, AUTO falls back to camera.turn_off."""
    camera_calls = async_mock_service(hass, "camera", "turn_off")
    async_mock_service(hass, "camera", "turn_on")
    camera, _ = camera_device(hass, "reolink", "cam1_other", translation_key="privacy_mask")
    camera_entry = er.async_get(hass).async_get(camera)
    assert camera_entry is not None
    er.async_get(hass).async_get_or_create(
        "switch",
        "reolink",
        "cam1_privacy",
        device_id=camera_entry.device_id,
        translation_key="privacy_mode",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    hass.states.async_set(camera, "streaming", {"supported_features": ON_OFF})
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    assert len(camera_calls) == 1
    assert switches.calls == []
    assert state_of(hass, ours).attributes["actuation"] == "camera"


async def test_user_switch_with_polarity(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """A chosen switch, inverted (a power plug: on = camera runs): privacy = turn_off."""
    plug = "switch.kitchen_cam_plug"
    camera = "camera.kitchen"
    hass.states.async_set(camera, "streaming", {"supported_features": ON_OFF})
    hass.states.async_set(plug, STATE_ON)
    options = {
        "camera_settings": {
            camera: {"actuation": "switch", "switch_entity": plug, "switch_inverted": True}
        }
    }
    ours = await setup_area(hass, freezer, camera, options)
    assert state_of(hass, ours).state == STATE_OFF
    await occupy(hass)
    assert switches.calls[-1] == ("turn_off", plug)
    state = state_of(hass, ours)
    assert state.state == STATE_ON
    assert state.attributes["actuation"] == "switch"

    hass.states.async_set(plug, STATE_ON)  # someone powers the camera by hand
    await hass.async_block_till_done()
    assert state_of(hass, ours).state == STATE_OFF
    assert len(switches.calls) == 2


async def test_user_switch_not_inverted(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """A chosen switch that is on while private is turned on for privacy."""
    mask = "switch.kitchen_mask"
    camera = "camera.kitchen"
    hass.states.async_set(camera, "streaming", {"supported_features": 0})
    hass.states.async_set(mask, STATE_OFF)
    options = {"camera_settings": {camera: {"actuation": "switch", "switch_entity": mask}}}
    await setup_area(hass, freezer, camera, options)
    await occupy(hass)
    assert switches.calls[-1] == ("turn_on", mask)


async def test_report_only_never_acts(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Report only: no call at all; the switch is unknown and shows what is desired."""
    camera_calls = async_mock_service(hass, "camera", "turn_off")
    camera = "camera.kitchen"
    hass.states.async_set(camera, "streaming", {"supported_features": ON_OFF})
    options = {"camera_settings": {camera: {"actuation": "report_only"}}}
    ours = await setup_area(hass, freezer, camera, options)
    await occupy(hass)
    assert camera_calls == []
    state = state_of(hass, ours)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["actuation"] == "report_only"
    assert state.attributes["desired"] is True


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"actuation": "switch"}, "no switch is chosen"),
        ({"actuation": "privacy_switch"}, "no privacy switch found"),
        ({"actuation": "camera"}, "no on/off support"),
        ({"actuation": "switch", "switch_entity": "switch.gone"}, "switch.gone is not available"),
    ],
)
async def test_unusable_setting_fails_with_repair(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, settings: dict[str, Any], error: str
) -> None:
    """A setting with nothing to act on is a failure: error attribute and repair issue."""
    camera = "camera.kitchen"
    hass.states.async_set(camera, "streaming", {"supported_features": 0})
    ours = await setup_area(hass, freezer, camera, {"camera_settings": {camera: settings}})
    await occupy(hass)
    state = state_of(hass, ours)
    assert state.state == STATE_UNKNOWN
    assert error in state.attributes["last_error"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{camera}") is not None


async def test_switch_confirming_late(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """A switch that changes after the call returns is given time; its change confirms."""
    switches.stuck = True
    camera, switch = camera_device(hass, "tuya", "cam1_privacy", translation_key="privacy_mode")
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    state = state_of(hass, ours)
    assert state.state == STATE_OFF
    assert state.attributes["desired"] is True
    assert state.attributes["last_error"] is None

    hass.states.async_set(switch, STATE_ON)
    await hass.async_block_till_done()
    assert state_of(hass, ours).state == STATE_ON
    await fire(hass, freezer, 30)
    assert state_of(hass, ours).attributes["last_error"] is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"privacy_failed_{camera}") is None


async def test_switch_never_confirming_fails(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """A switch that ignores the call is a failure after 10 s; a later change clears it."""
    switches.stuck = True
    camera, switch = camera_device(hass, "tuya", "cam1_privacy", translation_key="privacy_mode")
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    await fire(hass, freezer, 10)
    state = state_of(hass, ours)
    assert state.state == STATE_OFF
    assert "did not confirm privacy mode on" in state.attributes["last_error"]
    issue_id = f"privacy_failed_{camera}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    hass.states.async_set(switch, STATE_ON)
    await hass.async_block_till_done()
    state = state_of(hass, ours)
    assert state.state == STATE_ON
    assert state.attributes["last_error"] is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_switch_unavailable_then_back(
    hass: HomeAssistant, switches: FakeSwitches, freezer: FrozenDateTimeFactory
) -> None:
    """While the switch is unavailable privacy is unknown; when it returns it is re-applied."""
    camera, switch = camera_device(hass, "reolink", "cam1_privacy", translation_key="privacy_mode")
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    hass.states.async_set(switch, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert state_of(hass, ours).state == STATE_UNKNOWN
    hass.states.async_set(switch, STATE_OFF)
    await hass.async_block_till_done()
    assert switches.calls[-1] == ("turn_on", switch)
    assert state_of(hass, ours).state == STATE_ON


async def test_hanging_call_times_out(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """A call that never returns is a failure after the call timeout (30 s)."""
    never = asyncio.Event()

    async def hang(call: ServiceCall) -> None:
        await never.wait()

    hass.services.async_register("camera", "turn_off", hang)
    async_mock_service(hass, "camera", "turn_on")
    camera = "camera.kitchen"
    hass.states.async_set(camera, "streaming", {"supported_features": ON_OFF})
    ours = await setup_area(hass, freezer, camera)
    await occupy(hass)
    assert state_of(hass, ours).attributes["last_error"] is None
    await fire(hass, freezer, privacy_actuation.CALL_TIMEOUT)
    assert "did not finish within 30 s" in state_of(hass, ours).attributes["last_error"]
    never.set()
