"""People counting from Frigate `frigate/events` over MQTT (HA's MQTT test fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_mqtt_message
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.occupancy_manager.const import DOMAIN
from custom_components.occupancy_manager.engine.counting import frigate_points

from .conftest import area_subentry, hub_entry, setup_hub
from .test_counting import MOTION, counting_subentry, value

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TOPIC = "frigate/events"
FRIGATE = {
    "camera": "front_door",
    "topic_prefix": "frigate",
    "x1": 0.0,
    "y1": 0.5,
    "x2": 1.0,
    "y2": 0.5,
    "in_side": "right",  # walking left to right on screen, right is down: the lower half
    "labels": ["person"],
    "detect_width": 1280,
    "detect_height": 720,
}
OUTSIDE = [[0.5, 0.30], 1.0]
NEAR = [[0.5, 0.45], 2.0]
INSIDE = [[0.52, 0.70], 3.0]
OUTSIDE_AGAIN = [[0.55, 0.20], 4.0]


def event(kind: str, object_id: str, path: list[Any] | None, **after: Any) -> str:
    """A `frigate/events` payload for one tracked object."""
    data: dict[str, Any] = {
        "id": object_id,
        "camera": "front_door",
        "label": "person",
        "false_positive": False,
        "box": [600, 100, 680, 300],
        **after,
    }
    if path is not None:
        data["path_data"] = path
    return json.dumps({"type": kind, "before": {}, "after": data})


async def send(hass: HomeAssistant, payload: str, topic: str = TOPIC) -> None:
    async_fire_mqtt_message(hass, topic, payload)
    await hass.async_block_till_done()


async def setup_frigate(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **frigate: Any
) -> MockConfigEntry:
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(
        area_subentry("shop", trigger=[MOTION]),
        counting_subentry("shop", frigate={**FRIGATE, **frigate}),
    )
    await setup_hub(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def counts(hass: HomeAssistant) -> tuple[str, str, str]:
    return value(hass, "people_count"), value(hass, "entries"), value(hass, "exits")


async def test_path_crossing_counts_once_per_direction(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    """Frigate resends the whole path: each direction counts once per object."""
    await setup_frigate(hass, freezer)
    await send(hass, event("new", "obj-1", [OUTSIDE]))
    assert counts(hass) == ("0", "0", "0")
    await send(hass, event("update", "obj-1", [OUTSIDE, NEAR, INSIDE]))
    assert counts(hass) == ("1", "1", "0")
    assert value(hass, "occupancy") == STATE_ON
    await send(hass, event("update", "obj-1", [OUTSIDE, NEAR, INSIDE]))
    assert counts(hass) == ("1", "1", "0")
    await send(hass, event("update", "obj-1", [OUTSIDE, NEAR, INSIDE, OUTSIDE_AGAIN]))
    assert counts(hass) == ("0", "1", "1")
    back_in = [[0.5, 0.8], 5.0]
    await send(hass, event("end", "obj-1", [OUTSIDE, NEAR, INSIDE, OUTSIDE_AGAIN, back_in]))
    assert counts(hass) == ("0", "1", "1")  # in once and out once per tracked object
    # The track ended: the same id is a new object.
    await send(hass, event("update", "obj-1", [[[0.5, 0.2], 10.0], [[0.5, 0.9], 11.0]]))
    assert counts(hass) == ("1", "2", "1")


async def test_box_fallback_uses_the_detect_size(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    """Without path_data the bottom-centre of the box (pixels / detect size) is used."""
    await setup_frigate(hass, freezer, detect_width=1000, detect_height=1000)
    await send(hass, event("new", "obj-2", None, box=[400, 100, 500, 300]))  # y 0.3
    await send(hass, event("update", "obj-2", None, box=[400, 500, 500, 800]))  # y 0.8
    assert counts(hass) == ("1", "1", "0")


async def test_other_cameras_labels_and_junk_are_ignored(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    await setup_frigate(hass, freezer)
    crossing = [OUTSIDE, INSIDE]
    await send(hass, event("update", "a", crossing, camera="garden"))
    await send(hass, event("update", "b", crossing, label="car"))
    await send(hass, event("update", "c", crossing, false_positive=True))
    await send(hass, event("update", "d", None, box="oops"))
    await send(hass, event("update", "e", [["bad"]]))
    await send(hass, "not json")
    await send(hass, json.dumps(["a list"]))
    await send(hass, json.dumps({"type": "update", "after": {"id": 5, "camera": "front_door"}}))
    assert counts(hass) == ("0", "0", "0")
    await send(hass, event("update", "f", crossing))
    assert counts(hass) == ("1", "1", "0")


async def test_custom_prefix_and_left_side(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    await setup_frigate(hass, freezer, topic_prefix="cams/", in_side="left", labels=["dog"])
    await send(hass, event("update", "a", [OUTSIDE, INSIDE], label="dog"), TOPIC)
    assert counts(hass) == ("0", "0", "0")
    await send(hass, event("update", "a", [OUTSIDE, INSIDE], label="dog"), "cams/events")
    assert counts(hass) == ("0", "0", "1")  # the upper half is inside now: going down is out
    await send(hass, event("update", "b", [INSIDE, OUTSIDE_AGAIN], label="dog"), "cams/events")
    assert counts(hass) == ("1", "1", "1")


async def test_restart_does_not_count_a_resent_path_twice(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_frigate(hass, freezer)
    await send(hass, event("update", "obj-1", [OUTSIDE, INSIDE]))
    assert counts(hass) == ("1", "1", "0")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await send(hass, event("update", "obj-1", [OUTSIDE, INSIDE]))
    assert counts(hass) == ("1", "1", "0")


async def test_without_mqtt_a_repair_issue_explains(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """No MQTT: the Frigate source is off with a repair issue; the other sources still work."""
    await setup_frigate(hass, freezer)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "frigate_mqtt_unavailable")
    assert issue is not None
    assert issue.translation_placeholders == {"areas": "Shop"}
    assert "MQTT is not available" in caplog.text
    await hass.services.async_call(
        DOMAIN, "record_crossing", {"area_id": "shop", "direction": "in"}, blocking=True
    )
    assert counts(hass) == ("1", "1", "0")


async def test_mqtt_client_not_available(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MQTT entry whose client never comes up also raises the issue."""
    MockConfigEntry(domain="mqtt").add_to_hass(hass)

    async def never(_hass: HomeAssistant) -> bool:
        return False

    monkeypatch.setattr("homeassistant.components.mqtt.async_wait_for_mqtt_client", never)
    await setup_frigate(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "frigate_mqtt_unavailable") is not None


async def test_subscription_ends_with_the_entry(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_frigate(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "frigate_mqtt_unavailable") is None
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await send(hass, event("update", "obj-1", [OUTSIDE, INSIDE]))  # nobody listens: no error


def test_frigate_points() -> None:
    """path_data when present (timed, normalised), else the box's bottom-centre."""
    after = {"path_data": [[[0.25, 0.5], 10.0], [[0.5, 0.75], 11.0]], "box": [0, 0, 10, 10]}
    assert frigate_points(after, 100, 100) == [((0.25, 0.5), 10.0), ((0.5, 0.75), 11.0)]
    assert frigate_points({"path_data": [], "box": [0, 0, 10, 10]}, 100, 100) == []
    assert frigate_points({"box": [100, 0, 300, 360]}, 400, 720) == [(0.5, 0.5)]
    for bad in ({}, {"box": [1, 2, 3]}, {"path_data": "x"}, {"path_data": [[1, 2]]}):
        with pytest.raises(ValueError, match=r"path_data|box"):
            frigate_points(bad, 100, 100)
