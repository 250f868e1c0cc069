"""Camera heartbeat, last seen, TCP probe, stale-camera removal and camera device removal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_get_persistent_notifications,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.occupancy_manager.camera_health import tcp_probe
from custom_components.occupancy_manager.cameras import EVENT_CAMERA_REMOVED, CameraManager
from custom_components.occupancy_manager.const import CONF_CAMERAS, DOMAIN, HUB_TITLE

from .conftest import area_subentry

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
CAMERA = "camera.kitchen"
AUTO_REMOVE = {"camera_auto_remove_enabled": True, "camera_auto_remove_hours": 24}


@pytest.fixture(autouse=True)
def _camera_services(hass: HomeAssistant) -> None:
    """Camera services exist, so privacy actuation at start does not fail."""
    async_mock_service(hass, "camera", "turn_on")
    async_mock_service(hass, "camera", "turn_off")


@pytest.fixture
async def tcp_server(socket_enabled: None) -> AsyncGenerator[tuple[asyncio.Server, int]]:
    """A TCP server on 127.0.0.1 with a free port (sockets allowed); closed at the end."""
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield server, port
    server.close()
    await server.wait_closed()


def register_camera(hass: HomeAssistant, object_id: str = "kitchen") -> str:
    """A camera in the entity registry (so its key is the registry id); returns that id."""
    return (
        er.async_get(hass)
        .async_get_or_create("camera", "demo", object_id, suggested_object_id=object_id)
        .id
    )


def hub_with_kitchen(options: dict[str, Any] | None = None) -> MockConfigEntry:
    """A hub whose kitchen has a motion sensor and CAMERA."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=HUB_TITLE,
        data={},
        options=options or {},
        subentries_data=[area_subentry("kitchen", trigger=[MOTION], cameras=[CAMERA])],
    )


async def start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    camera_state: str = "idle",
    options: dict[str, Any] | None = None,
    entry: MockConfigEntry | None = None,
    at: datetime | None = T0,
) -> MockConfigEntry:
    """Set up the kitchen hub at `at` (None: now) with the camera in `camera_state`."""
    if at is not None:
        freezer.move_to(at)
    register_camera(hass)
    hass.states.async_set(MOTION, STATE_OFF)
    hass.states.async_set(CAMERA, camera_state)
    entry = entry or hub_with_kitchen(options)
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def camera_entity(hass: HomeAssistant, domain: str, key: str) -> str | None:
    """The entity id of the kitchen camera's `key` entity, or None."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    camera_id = er.async_get(hass).async_get(CAMERA)
    assert camera_id is not None
    return er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.entry_id}_camera_{camera_id.id}_{key}"
    )


def last_seen(hass: HomeAssistant) -> str:
    entity_id = camera_entity(hass, "sensor", "last_seen")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def connectivity(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    entity_id = camera_entity(hass, "binary_sensor", "connectivity")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, dict(state.attributes)


def manager(hass: HomeAssistant) -> CameraManager:
    cameras: CameraManager = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.cameras
    return cameras


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Move the clock, run the timers that are due and wait for the probes they start."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def camera_device(hass: HomeAssistant) -> dr.DeviceEntry | None:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    key = er.async_get(hass).async_get(CAMERA)
    assert key is not None
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"camera_{key.id}"), entry.entry_id
    )


def kitchen_cameras(hass: HomeAssistant) -> list[str]:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    subentry = next(iter(entry.subentries.values()))
    return list(subentry.data[CONF_CAMERAS])


# --- entities and last seen ---------------------------------------------------------------


async def test_entities_on_our_camera_device(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Last seen and connectivity are diagnostic entities on the camera's device of ours."""
    await start(hass, freezer)
    device = camera_device(hass)
    assert device is not None
    ent_reg = er.async_get(hass)
    for domain, key in (("sensor", "last_seen"), ("binary_sensor", "connectivity")):
        entity_id = camera_entity(hass, domain, key)
        assert entity_id is not None
        registry_entry = ent_reg.async_get(entity_id)
        assert registry_entry is not None
        assert registry_entry.device_id == device.id
        assert registry_entry.entity_category == "diagnostic"
        assert registry_entry.translation_key == key
    assert last_seen(hass) == T0.isoformat()
    state, attributes = connectivity(hass)
    assert state == STATE_ON
    assert attributes["device_class"] == "connectivity"
    assert attributes["camera"] == CAMERA
    assert attributes["probe"] is False


async def test_last_seen_follows_state_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Seen when the entity is available or updates; unavailable and unknown are not seen."""
    await start(hass, freezer, camera_state=STATE_UNAVAILABLE)
    assert last_seen(hass) == STATE_UNKNOWN
    assert connectivity(hass)[0] == STATE_OFF

    freezer.tick(timedelta(minutes=5))
    hass.states.async_set(CAMERA, "idle")
    await hass.async_block_till_done()
    seen_at = T0 + timedelta(minutes=5)
    assert last_seen(hass) == seen_at.isoformat()
    assert connectivity(hass)[0] == STATE_ON

    freezer.tick(timedelta(seconds=10))
    hass.states.async_set(CAMERA, "idle", {"frame": 2})
    await hass.async_block_till_done()
    assert last_seen(hass) == (seen_at + timedelta(seconds=10)).isoformat()

    for gone in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        freezer.tick(timedelta(minutes=1))
        hass.states.async_set(CAMERA, gone)
        await hass.async_block_till_done()
        assert connectivity(hass)[0] == STATE_OFF
        assert last_seen(hass) == (seen_at + timedelta(seconds=10)).isoformat()


async def test_heartbeat_refreshes_last_seen_while_available(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A camera that stays available without state changes is still seen every interval."""
    await start(hass, freezer)
    await tick(hass, freezer, timedelta(seconds=60))
    assert last_seen(hass) == (T0 + timedelta(seconds=60)).isoformat()


# --- TCP probe ----------------------------------------------------------------------------


async def test_probe_up_then_down(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    tcp_server: tuple[asyncio.Server, int],
) -> None:
    """Connected while the probe connects; off (last seen kept) once the port is closed."""
    server, port = tcp_server
    options = {"camera_settings": {CAMERA: {"probe_host": "127.0.0.1", "probe_port": port}}}
    await start(hass, freezer, options=options)
    state, attributes = connectivity(hass)
    assert state == STATE_ON
    assert attributes["probe"] is True
    assert attributes["probe_ok"] is True
    assert attributes["probe_error"] is None
    assert last_seen(hass) == T0.isoformat()

    server.close()
    await server.wait_closed()
    await tick(hass, freezer, timedelta(seconds=60))
    state, attributes = connectivity(hass)
    assert state == STATE_OFF
    assert attributes["probe_ok"] is False
    assert attributes["probe_error"]
    assert attributes["entity_available"] is True
    assert last_seen(hass) == T0.isoformat()

    response = await hass.services.async_call(
        DOMAIN, "check_cameras", {}, blocking=True, return_response=True
    )
    assert response == {
        "cameras": {
            CAMERA: {
                "connected": False,
                "last_seen": T0.isoformat(),
                "stale": False,
                "removed": False,
            }
        }
    }


async def test_tcp_probe_reports_timeout_and_refusal(
    tcp_server: tuple[asyncio.Server, int],
) -> None:
    """The probe never raises: success is None, failures are short reasons."""
    _server, port = tcp_server
    assert await tcp_probe("127.0.0.1", port, 2.0) is None
    assert await tcp_probe("127.0.0.1", port, 0.0) == "timeout"
    free = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    free_port = free.sockets[0].getsockname()[1]
    free.close()
    await free.wait_closed()
    assert await tcp_probe("127.0.0.1", free_port, 2.0) not in (None, "timeout")


# --- stale removal ------------------------------------------------------------------------


async def test_stale_camera_removed_after_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Unseen for 25 h with removal on: device gone, area list updated, event, notification."""
    events = async_capture_events(hass, EVENT_CAMERA_REMOVED)
    entry = await start(hass, freezer, options=AUTO_REMOVE)
    device = camera_device(hass)
    assert device is not None
    hass.states.async_set(CAMERA, STATE_UNAVAILABLE)
    await hass.async_block_till_done()

    await tick(hass, freezer, timedelta(hours=23))
    assert camera_device(hass) is not None

    await tick(hass, freezer, timedelta(hours=2))
    await hass.async_block_till_done()
    assert camera_device(hass) is None
    assert dr.async_get(hass).async_get(device.id) is None
    assert kitchen_cameras(hass) == []
    assert [e.data for e in events] == [
        {"entity_id": CAMERA, "name": "kitchen", "areas": ["kitchen"], "last_seen": T0.isoformat()}
    ]
    notifications = async_get_persistent_notifications(hass)
    removed = [n for n in notifications.values() if "removed" in n["notification_id"]]
    assert len(removed) == 1
    assert CAMERA in removed[0]["message"]
    assert "Kitchen" in removed[0]["message"]
    assert removed[0]["title"] == "Camera kitchen removed"
    # The hub reloaded without the camera; nothing of it is left.
    assert entry.state is ConfigEntryState.LOADED
    assert camera_entity(hass, "sensor", "last_seen") is None
    assert CAMERA not in manager(hass).health

    # The camera comes back: the user is told, and the area flow may offer it again.
    hass.states.async_set(CAMERA, "idle")
    await hass.async_block_till_done(wait_background_tasks=True)
    notifications = async_get_persistent_notifications(hass)
    back = [n for n in notifications.values() if "returned" in n["notification_id"]]
    assert len(back) == 1
    assert back[0]["title"] == "Camera kitchen is back"
    assert manager(hass).returned_cameras("kitchen") == [CAMERA]
    assert manager(hass).returned_cameras("office") == []
    assert kitchen_cameras(hass) == []  # never silently re-added


async def test_camera_never_seen_is_never_removed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await start(hass, freezer, camera_state=STATE_UNAVAILABLE, options=AUTO_REMOVE)
    await tick(hass, freezer, timedelta(hours=49))
    assert camera_device(hass) is not None
    assert kitchen_cameras(hass) == [CAMERA]


async def test_auto_remove_is_off_by_default(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Without the option a stale camera stays; check_cameras reports it stale, not removed."""
    await start(hass, freezer)
    hass.states.async_set(CAMERA, STATE_UNAVAILABLE)
    await tick(hass, freezer, timedelta(hours=25))
    assert camera_device(hass) is not None
    response = await hass.services.async_call(
        DOMAIN, "check_cameras", {"entity_id": [CAMERA]}, blocking=True, return_response=True
    )
    assert response == {
        "cameras": {
            CAMERA: {
                "connected": False,
                "last_seen": T0.isoformat(),
                "stale": True,
                "removed": False,
            }
        }
    }
    assert kitchen_cameras(hass) == [CAMERA]


async def test_check_cameras_removes_stale_now(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The action runs the stale check at once, without waiting for the hourly check."""
    await start(hass, freezer, options=AUTO_REMOVE)
    hass.states.async_set(CAMERA, STATE_UNAVAILABLE)
    freezer.tick(timedelta(hours=24, minutes=30))
    await hass.services.async_call(DOMAIN, "check_cameras", {}, blocking=True)
    await hass.async_block_till_done()
    assert camera_device(hass) is None
    assert kitchen_cameras(hass) == []


async def test_check_cameras_rejects_unmanaged_camera(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await start(hass, freezer)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "check_cameras", {"entity_id": "camera.garden"}, blocking=True
        )
    assert err.value.translation_key == "camera_not_managed"
    assert err.value.translation_placeholders == {"cameras": "camera.garden"}


async def test_check_cameras_needs_a_loaded_hub(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "check_cameras", {}, blocking=True)
    assert err.value.translation_key == "not_loaded"


# --- persistence --------------------------------------------------------------------------


async def test_last_seen_survives_restart_without_counting_downtime(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Stored last seen is restored; the 10 h Home Assistant was down do not count."""
    entry = hub_with_kitchen(AUTO_REMOVE)
    seen = T0 - timedelta(hours=20)
    hass_storage[f"{DOMAIN}.{entry.entry_id}.cameras"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.cameras",
        "data": {
            "saved_at": (T0 - timedelta(hours=10)).isoformat(),
            "cameras": {CAMERA: {"last_seen": seen.isoformat(), "downtime": 0}},
            "removed": {},
        },
    }
    await start(hass, freezer, camera_state=STATE_UNAVAILABLE, entry=entry)
    assert last_seen(hass) == seen.isoformat()

    await tick(hass, freezer, timedelta(hours=13))  # unseen while running: 10 h + 13 h
    assert camera_device(hass) is not None
    await tick(hass, freezer, timedelta(hours=2))  # 25 h
    assert camera_device(hass) is None


async def test_unload_saves_last_seen(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    entry = await start(hass, freezer)
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.cameras"]["data"]
    assert stored["cameras"][CAMERA]["last_seen"] == T0.isoformat()
    assert stored["removed"] == {}


async def test_malformed_store_is_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    entry = hub_with_kitchen()
    key = f"{DOMAIN}.{entry.entry_id}.cameras"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "saved_at": "yesterday",
            "cameras": {
                CAMERA: {"last_seen": "2026-11-01T08:00:00", "downtime": True},
                "camera.no_longer_managed": {"last_seen": T0.isoformat()},
            },
            "removed": {"camera.old": {"areas": "kitchen"}, "camera.bad": []},
        },
    }
    await start(hass, freezer, camera_state=STATE_UNAVAILABLE, entry=entry)
    assert last_seen(hass) == STATE_UNKNOWN  # a naive time is not a valid last seen
    assert manager(hass).removed["camera.old"].areas == ()
    assert "camera.bad" not in manager(hass).removed
    assert "camera.no_longer_managed" not in manager(hass).health


async def test_shutdown_saves_last_seen(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """At Home Assistant stop last seen is saved (entries are not unloaded at stop)."""
    entry = await start(hass, freezer)
    await tick(hass, freezer, timedelta(seconds=60))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.cameras"]["data"]
    assert stored["cameras"][CAMERA]["last_seen"] == (T0 + timedelta(seconds=60)).isoformat()


# --- devices ------------------------------------------------------------------------------


async def test_user_may_delete_camera_device_but_not_area_device(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_ws_client: WebSocketGenerator
) -> None:
    """Deleting our camera device drops the camera from its areas; area devices are refused."""
    entry = await start(hass, freezer, at=None)  # the websocket token is dated now
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    subentry_id = next(iter(entry.subentries))
    area_device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, subentry_id), entry.entry_id
    )
    assert area_device is not None
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": area_device.id}
    )
    response = await client.receive_json()
    assert not response["success"]

    device = camera_device(hass)
    assert device is not None
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    response = await client.receive_json()
    assert response["success"]
    await hass.async_block_till_done()
    assert camera_device(hass) is None
    assert kitchen_cameras(hass) == []
    assert entry.state is ConfigEntryState.LOADED
    assert CAMERA not in manager(hass).health


async def test_orphan_camera_device_removed_at_start(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A camera device of ours whose camera is no longer managed goes at the next start."""
    entry = hub_with_kitchen()
    entry.add_to_hass(hass)
    orphan = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "camera_gone")}
    )
    await start(hass, freezer, entry=entry)
    assert dr.async_get(hass).async_get(orphan.id) is None
    assert camera_device(hass) is not None
