"""Camera maintenance: the privacy_override action and switch, expiry, logbook, restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
)

from custom_components.occupancy_manager import privacy_override
from custom_components.occupancy_manager.const import DOMAIN

from .conftest import area_subentry, fire, hub_entry, setup_hub, state_of

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
KITCHEN_MOTION = "binary_sensor.kitchen_motion"
HALL_MOTION = "binary_sensor.hall_motion"
KITCHEN_CAM = "camera.kitchen"
HALL_CAM = "camera.hall"
ON_OFF = 1


@pytest.fixture
def camera_calls(hass: HomeAssistant) -> list[tuple[str, str]]:
    """Mocked camera.turn_on / camera.turn_off; (service, camera) in call order."""
    calls: list[tuple[str, str]] = []

    async def handle(call: ServiceCall) -> None:
        calls.append((call.service, call.data["entity_id"]))

    hass.services.async_register("camera", "turn_on", handle)
    hass.services.async_register("camera", "turn_off", handle)
    return calls


async def setup_home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Any:
    """Kitchen (own camera + the hall camera) and hall (hall camera); both occupied."""
    freezer.move_to(T0)
    hass.states.async_set(KITCHEN_MOTION, STATE_ON)
    hass.states.async_set(HALL_MOTION, STATE_ON)
    for camera in (KITCHEN_CAM, HALL_CAM):
        hass.states.async_set(camera, "streaming", {"supported_features": ON_OFF})
    entry = hub_entry(
        area_subentry("kitchen", trigger=[KITCHEN_MOTION], cameras=[KITCHEN_CAM, HALL_CAM]),
        area_subentry("hall", trigger=[HALL_MOTION], cameras=[HALL_CAM]),
        area_subentry("attic", trigger=["binary_sensor.attic_motion"]),
    )
    await setup_hub(hass, entry)
    return entry


def maintenance_switch(hass: HomeAssistant, area_id: str) -> str:
    """The entity id of an area's camera maintenance switch."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    subentry = next(s for s in entry.subentries.values() if s.unique_id == area_id)
    entity_id = er.async_get(hass).async_get_entity_id(
        "switch", DOMAIN, f"{subentry.subentry_id}_camera_maintenance"
    )
    assert entity_id is not None
    return entity_id


async def override(hass: HomeAssistant, context: Context | None = None, **data: Any) -> None:
    """Call the privacy_override action."""
    await hass.services.async_call(DOMAIN, "privacy_override", data, blocking=True, context=context)


async def test_override_runs_cameras_until_expiry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """An override lets the area's own camera run; expiry makes it private again at once."""
    await setup_home(hass, freezer)
    assert sorted(camera_calls) == [("turn_off", HALL_CAM), ("turn_off", KITCHEN_CAM)]
    camera_calls.clear()
    switch = maintenance_switch(hass, "kitchen")
    assert state_of(hass, switch).state == STATE_OFF

    await override(hass, area_id="kitchen", duration={"minutes": 10})
    # The hall camera also covers the occupied hall, which has no override: it stays private.
    assert camera_calls == [("turn_on", KITCHEN_CAM)]
    state = state_of(hass, switch)
    assert state.state == STATE_ON
    assert state.attributes["until"] == T0 + timedelta(minutes=10)

    await fire(hass, freezer, 599)
    assert camera_calls == [("turn_on", KITCHEN_CAM)]
    await fire(hass, freezer, 1)
    assert camera_calls == [("turn_on", KITCHEN_CAM), ("turn_off", KITCHEN_CAM)]
    assert state_of(hass, switch).state == STATE_OFF


async def test_shared_camera_runs_only_without_other_occupied_area(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """A camera of two areas runs once both are overridden; ending one makes it private."""
    await setup_home(hass, freezer)
    camera_calls.clear()
    await override(hass, area_id=["kitchen", "hall"])
    assert sorted(camera_calls) == [("turn_on", HALL_CAM), ("turn_on", KITCHEN_CAM)]
    camera_calls.clear()
    await override(hass, area_id="hall", enabled=False)
    assert camera_calls == [("turn_off", HALL_CAM)]
    assert state_of(hass, maintenance_switch(hass, "kitchen")).state == STATE_ON
    assert state_of(hass, maintenance_switch(hass, "hall")).state == STATE_OFF


async def test_default_duration_is_30_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """Without a duration the override lasts 30 minutes."""
    await setup_home(hass, freezer)
    await override(hass, area_id="kitchen")
    until = state_of(hass, maintenance_switch(hass, "kitchen")).attributes["until"]
    assert until == T0 + timedelta(minutes=30)


async def test_maintenance_switch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """The switch starts a 30 minute override, ends it, and turns itself off at expiry."""
    await setup_home(hass, freezer)
    camera_calls.clear()
    switch = maintenance_switch(hass, "kitchen")
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert camera_calls == [("turn_on", KITCHEN_CAM)]
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert camera_calls[-1] == ("turn_off", KITCHEN_CAM)
    assert state_of(hass, switch).state == STATE_OFF

    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await fire(hass, freezer, 1800)
    assert camera_calls[-1] == ("turn_off", KITCHEN_CAM)
    assert state_of(hass, switch).state == STATE_OFF


async def test_area_without_cameras_has_no_maintenance_switch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """Only areas with cameras get the switch."""
    await setup_home(hass, freezer)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    attic = next(s for s in entry.subentries.values() if s.unique_id == "attic")
    assert (
        er.async_get(hass).async_get_entity_id(
            "switch", DOMAIN, f"{attic.subentry_id}_camera_maintenance"
        )
        is None
    )


async def test_override_is_logged_with_the_user(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """Start, end and expiry are logbook entries on the switch, with the caller's context."""
    assert await async_setup_component(hass, "logbook", {})
    entries = async_capture_events(hass, "logbook_entry")
    await setup_home(hass, freezer)
    switch = maintenance_switch(hass, "kitchen")
    context = Context(user_id="user-1")
    await override(hass, context, area_id="kitchen", duration={"minutes": 5})
    await override(hass, context, area_id="kitchen", enabled=False)
    await override(hass, context, area_id="kitchen", duration={"minutes": 5})
    await fire(hass, freezer, 300)
    assert [(e.data["entity_id"], e.data["message"]) for e in entries] == [
        (switch, "started; cameras may run until 2026-11-02 00:05"),
        (switch, "ended"),
        (switch, "started; cameras may run until 2026-11-02 00:05"),
        (switch, "ended (expired)"),
    ]
    assert entries[0].data["name"] == "Kitchen camera maintenance"
    assert entries[0].data["domain"] == DOMAIN
    assert [e.context.user_id for e in entries[:3]] == ["user-1"] * 3


async def test_ending_without_override_logs_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """enabled: false on an area without override changes nothing."""
    assert await async_setup_component(hass, "logbook", {})
    entries = async_capture_events(hass, "logbook_entry")
    await setup_home(hass, freezer)
    camera_calls.clear()
    await override(hass, area_id="kitchen", enabled=False)
    assert entries == []
    assert camera_calls == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"area_id": "attic"}, "no_cameras"),
        ({"area_id": "garage"}, "no_cameras"),
        ({"area_id": []}, "no_target"),
        ({"area_id": "kitchen", "duration": {"hours": 25}}, "override_duration"),
    ],
)
async def test_invalid_override(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: list[tuple[str, str]],
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad targets and durations fail with a translated error."""
    await setup_home(hass, freezer)
    with pytest.raises(ServiceValidationError) as err:
        await override(hass, **data)
    assert err.value.translation_key == key


async def test_override_needs_a_loaded_hub(hass: HomeAssistant) -> None:
    """Without a loaded hub the action says so."""
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await override(hass, area_id="kitchen")
    assert err.value.translation_key == "not_loaded"


async def test_zero_duration_is_rejected(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, camera_calls: list[tuple[str, str]]
) -> None:
    """A zero duration is refused by the action's schema."""
    await setup_home(hass, freezer)
    with pytest.raises(HomeAssistantError):
        await override(hass, area_id="kitchen", duration={"seconds": 0})


async def test_override_survives_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    camera_calls: list[tuple[str, str]],
) -> None:
    """A running override is stored with its end and applies again after a restart."""
    entry = await setup_home(hass, freezer)
    await override(hass, area_id="kitchen", duration={"minutes": 10})
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.privacy"]["data"]
    assert stored == {"overrides": {"kitchen": (T0 + timedelta(minutes=10)).isoformat()}}

    await fire(hass, freezer, 60)
    camera_calls.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    switch = maintenance_switch(hass, "kitchen")
    assert state_of(hass, switch).state == STATE_ON
    assert [c for c in camera_calls if c[1] == KITCHEN_CAM][-1] == ("turn_on", KITCHEN_CAM)
    await fire(hass, freezer, 540)
    assert camera_calls[-1] == ("turn_off", KITCHEN_CAM)
    assert state_of(hass, switch).state == STATE_OFF


async def test_expired_or_bad_stored_overrides_are_dropped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    camera_calls: list[tuple[str, str]],
) -> None:
    """An override that ended while Home Assistant was down is not restored."""
    freezer.move_to(T0)
    entry = hub_entry(area_subentry("kitchen", trigger=[KITCHEN_MOTION], cameras=[KITCHEN_CAM]))
    hass_storage[f"{DOMAIN}.{entry.entry_id}.privacy"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.privacy",
        "data": {
            "overrides": {
                "kitchen": (T0 - timedelta(minutes=1)).isoformat(),
                "garage": (T0 + timedelta(minutes=1)).isoformat(),
            }
        },
    }
    hass.states.async_set(KITCHEN_MOTION, STATE_ON)
    hass.states.async_set(KITCHEN_CAM, "streaming", {"supported_features": ON_OFF})
    await setup_hub(hass, entry)
    assert state_of(hass, maintenance_switch(hass, "kitchen")).state == STATE_OFF
    assert camera_calls == [("turn_off", KITCHEN_CAM)]


async def test_unreadable_store_is_logged(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_calls: list[tuple[str, str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store that cannot be read leaves no override and a warning, never a failed setup."""

    class BrokenStore(Store[dict[str, Any]]):
        async def async_load(self) -> dict[str, Any] | None:
            raise HomeAssistantError("bad json")

    monkeypatch.setattr(privacy_override, "Store", BrokenStore)
    await setup_home(hass, freezer)
    assert "maintenance overrides were unreadable (bad json)" in caplog.text
    assert state_of(hass, maintenance_switch(hass, "kitchen")).state == STATE_OFF
