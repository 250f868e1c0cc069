"""People counting in HA: entities, sources, evidence, capacity, calibration, restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.occupancy_manager.const import (
    CONF_AREA_ID,
    CONF_CONTRIBUTES,
    CONF_HIERARCHY,
    DOMAIN,
    SUBENTRY_COUNTING,
)
from custom_components.occupancy_manager.counting import EVENT_CAPACITY
from custom_components.occupancy_manager.engine.counting import PeopleCountDelta

from .conftest import area_subentry, fire, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.shop_motion"
BEAM_A = "binary_sensor.door_outer"
BEAM_B = "binary_sensor.door_inner"
ENTRIES = "sensor.door_entries"
EXITS = "sensor.door_exits"
PEOPLE = "sensor.door_people"
EVENTS = "event.door"


def counting_subentry(area_id: str, **data: Any) -> dict[str, Any]:
    """A counting subentry as the flow stores it (sections as nested dicts)."""
    return {
        "subentry_type": SUBENTRY_COUNTING,
        "title": area_id.replace("_", " ").title(),
        "unique_id": f"counting_{area_id}",
        "data": {CONF_AREA_ID: area_id, "near_capacity": 80, "anomaly_hours": 12, **data},
    }


def entity_of(hass: HomeAssistant, key: str, area_id: str = "shop") -> str:
    """The entity id of a counting entity of an area (found by unique_id)."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    subentry = next(
        s for s in entry.subentries.values() if s.unique_id == area_id and s.subentry_type == "area"
    )
    registry = er.async_get(hass)
    for domain in ("sensor", "binary_sensor"):
        entity_id = registry.async_get_entity_id(domain, DOMAIN, f"{subentry.subentry_id}_{key}")
        if entity_id is not None:
            return entity_id
    raise AssertionError(f"no {key} entity for {area_id}")


def value(hass: HomeAssistant, key: str, area_id: str = "shop") -> str:
    state = hass.states.get(entity_of(hass, key, area_id))
    assert state is not None
    return state.state


async def crossing(hass: HomeAssistant, direction: str, count: int = 1, area: str = "shop") -> None:
    await hass.services.async_call(
        DOMAIN,
        "record_crossing",
        {"area_id": area, "direction": direction, "count": count},
        blocking=True,
    )


async def set_count(hass: HomeAssistant, count: int, area: str = "shop", **kwargs: Any) -> None:
    await hass.services.async_call(
        DOMAIN, "set_count", {"area_id": area, "count": count}, blocking=True, **kwargs
    )


async def setup_shop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **counting: Any
) -> MockConfigEntry:
    """The shop: one motion sensor (5 min timeout) and people counting with `counting`."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(
        area_subentry("shop", trigger=[MOTION]), counting_subentry("shop", **counting)
    )
    await setup_hub(hass, entry)
    return entry


async def test_entities_and_statistics_classes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Count (measurement), entries and exits (total_increasing), capacity and anomaly sensors."""
    await setup_shop(hass, freezer, capacity=10)
    count = hass.states.get(entity_of(hass, "people_count"))
    assert count is not None
    assert count.state == "0"
    assert count.attributes["state_class"] == "measurement"
    assert count.attributes["unit_of_measurement"] == "people"
    assert count.attributes["capacity"] == 10
    assert "device_class" not in count.attributes
    for key in ("entries", "exits"):
        state = hass.states.get(entity_of(hass, key))
        assert state is not None
        assert state.state == "0"
        assert state.attributes["state_class"] == "total_increasing"
        assert state.attributes["unit_of_measurement"] == "people"
    assert value(hass, "near_capacity") == STATE_OFF
    over = hass.states.get(entity_of(hass, "over_capacity"))
    assert over is not None
    assert over.attributes["device_class"] == "problem"
    anomaly = er.async_get(hass).async_get(entity_of(hass, "count_anomaly"))
    assert anomaly is not None
    assert anomaly.entity_category == "diagnostic"
    # The count sits on the area's device, next to its occupancy.
    occupancy = er.async_get(hass).async_get(entity_of(hass, "occupancy"))
    assert occupancy is not None
    assert er.async_get(hass).async_get(entity_of(hass, "people_count")).device_id == (  # type: ignore[union-attr]
        occupancy.device_id
    )


async def test_no_capacity_no_capacity_sensors(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_shop(hass, freezer)
    with pytest.raises(AssertionError):
        entity_of(hass, "near_capacity")
    assert hass.states.get(entity_of(hass, "people_count")).attributes["capacity"] is None  # type: ignore[union-attr]


async def test_crossings_count_and_hold_occupancy(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An entry occupies the area; the count holds it; zero releases it after the timeout."""
    await setup_shop(hass, freezer)
    occupancy = entity_of(hass, "occupancy")
    await crossing(hass, "in", 2)
    assert value(hass, "people_count") == "2"
    assert value(hass, "entries") == "2"
    state = hass.states.get(occupancy)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["reason"] == "trigger"
    assert state.attributes["active_sensors"] == ["count:shop"]
    await fire(hass, freezer, 3600)
    assert value(hass, "occupancy") == STATE_ON
    await crossing(hass, "out", 2)
    assert value(hass, "people_count") == "0"
    assert value(hass, "exits") == "2"
    await fire(hass, freezer, 299)
    assert value(hass, "occupancy") == STATE_ON
    await fire(hass, freezer, 2)
    assert value(hass, "occupancy") == STATE_OFF


async def test_clamping_flags_an_anomaly_until_calibrated(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_shop(hass, freezer)
    await crossing(hass, "in")
    await crossing(hass, "out", 3)
    await crossing(hass, "out")
    assert value(hass, "people_count") == "0"
    assert value(hass, "exits") == "4"
    anomaly = hass.states.get(entity_of(hass, "count_anomaly"))
    assert anomaly is not None
    assert anomaly.state == STATE_ON
    assert anomaly.attributes["clamped"] is True
    assert anomaly.attributes["anomalies"] == 2
    assert anomaly.attributes["people_clamped"] == 3
    assert caplog.text.count("would have gone below zero") == 1  # logged once per episode
    await set_count(hass, 1)
    assert value(hass, "count_anomaly") == STATE_OFF
    assert value(hass, "people_count") == "1"
    assert value(hass, "entries") == "1"  # calibration leaves the totals alone


async def test_set_count_is_logged_with_the_user(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    assert await async_setup_component(hass, "logbook", {})
    await setup_shop(hass, freezer)
    entries = async_capture_events(hass, "logbook_entry")
    context = Context(user_id="staff-user")
    await set_count(hass, 4, context=context)
    assert value(hass, "people_count") == "4"
    assert len(entries) == 1
    assert entries[0].data["message"] == "set to 4 (was 0)"
    assert entries[0].data["entity_id"] == entity_of(hass, "people_count")
    assert entries[0].context.user_id == "staff-user"


async def test_set_count_without_logbook(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_shop(hass, freezer)
    entries = async_capture_events(hass, "logbook_entry")
    await set_count(hass, 2)
    assert value(hass, "people_count") == "2"
    assert entries == []


async def test_capacity_thresholds_and_events(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Near from ceil(80 % x 5) = 4; over above 5; an event on each change of level."""
    await setup_shop(hass, freezer, capacity=5)
    events = async_capture_events(hass, EVENT_CAPACITY)
    await crossing(hass, "in", 3)
    assert value(hass, "near_capacity") == STATE_OFF
    await crossing(hass, "in")
    assert value(hass, "near_capacity") == STATE_ON
    assert value(hass, "over_capacity") == STATE_OFF
    await crossing(hass, "in")
    assert value(hass, "over_capacity") == STATE_OFF
    await crossing(hass, "in")
    assert value(hass, "over_capacity") == STATE_ON
    assert value(hass, "near_capacity") == STATE_ON
    await set_count(hass, 2)
    assert value(hass, "near_capacity") == STATE_OFF
    assert [(e.data["level"], e.data["count"], e.data["capacity"]) for e in events] == [
        ("near", 4, 5),
        ("over", 6, 5),
        ("normal", 2, 5),
    ]
    assert {e.data["area_id"] for e in events} == {"shop"}


async def test_beams_give_direction_within_the_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(BEAM_A, STATE_OFF)
    hass.states.async_set(BEAM_B, STATE_OFF)
    await setup_shop(hass, freezer, beams={"beam_a": BEAM_A, "beam_b": BEAM_B, "window": 3})

    async def pulse(beam: str, after: float = 0.5) -> None:
        hass.states.async_set(beam, STATE_ON)
        await hass.async_block_till_done()
        hass.states.async_set(beam, STATE_OFF)
        await fire(hass, freezer, after)

    await pulse(BEAM_A)
    await pulse(BEAM_B, 10)
    assert (value(hass, "entries"), value(hass, "exits")) == ("1", "0")
    await pulse(BEAM_B)
    await pulse(BEAM_A, 10)
    assert (value(hass, "entries"), value(hass, "exits")) == ("1", "1")
    # Too slow: A, then B 4 s later counts nothing.
    await pulse(BEAM_A, 4)
    await pulse(BEAM_B, 10)
    assert (value(hass, "entries"), value(hass, "exits")) == ("1", "1")
    # Unavailable -> on is no rising edge.
    hass.states.async_set(BEAM_A, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    hass.states.async_set(BEAM_A, STATE_ON)
    await hass.async_block_till_done()
    await pulse(BEAM_B, 10)
    assert (value(hass, "entries"), value(hass, "exits")) == ("1", "1")


async def test_counter_entities(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Totals count their rises (a reset counts from zero); a people count its changes."""
    hass.states.async_set(ENTRIES, "100")
    hass.states.async_set(EXITS, "unknown")
    hass.states.async_set(PEOPLE, "3")
    await setup_shop(
        hass,
        freezer,
        counters={"entries_counter": ENTRIES, "exits_counter": EXITS, "people_counter": PEOPLE},
    )
    assert value(hass, "people_count") == "0"  # first readings are baselines
    hass.states.async_set(ENTRIES, "103")
    hass.states.async_set(EXITS, "40")
    await hass.async_block_till_done()
    assert (value(hass, "entries"), value(hass, "exits")) == ("3", "0")
    hass.states.async_set(EXITS, "41")
    hass.states.async_set(ENTRIES, "1")  # the door counter was reset
    hass.states.async_set(ENTRIES, "unavailable")
    await hass.async_block_till_done()
    assert (value(hass, "entries"), value(hass, "exits")) == ("4", "1")
    hass.states.async_set(PEOPLE, "5")
    await hass.async_block_till_done()
    hass.states.async_set(PEOPLE, "4")
    await hass.async_block_till_done()
    assert (value(hass, "entries"), value(hass, "exits")) == ("6", "2")
    assert value(hass, "people_count") == "4"


async def test_event_entity(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Each new event counts once by its event_type; the state at start does not count."""
    hass.states.async_set(EVENTS, (T0 - timedelta(hours=1)).isoformat(), {"event_type": "in"})
    await setup_shop(hass, freezer, counters={"event_entity": EVENTS})
    assert value(hass, "entries") == "0"
    hass.states.async_set(EVENTS, (T0 + timedelta(seconds=1)).isoformat(), {"event_type": "in"})
    await hass.async_block_till_done()
    hass.states.async_set(EVENTS, (T0 + timedelta(seconds=2)).isoformat(), {"event_type": "out"})
    await hass.async_block_till_done()
    hass.states.async_set(EVENTS, (T0 + timedelta(seconds=3)).isoformat(), {"event_type": "ring"})
    await hass.async_block_till_done()
    # Restored to an older event (e.g. the entity reloaded): not counted again.
    hass.states.async_set(EVENTS, STATE_UNAVAILABLE)
    hass.states.async_set(EVENTS, (T0 + timedelta(seconds=2)).isoformat(), {"event_type": "out"})
    await hass.async_block_till_done()
    assert (value(hass, "entries"), value(hass, "exits")) == ("1", "1")


async def test_daily_reset_when_nothing_else_says_occupied(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_set_time_zone("UTC")
    await setup_shop(hass, freezer, reset_time="09:00:00")
    await crossing(hass, "in", 3)
    hass.states.async_set(MOTION, STATE_ON)
    await fire(hass, freezer, 3600)  # 09:00 with motion on: skipped
    assert value(hass, "people_count") == "3"
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 24 * 3600)  # next day 09:00, no activity since yesterday
    assert value(hass, "people_count") == "0"
    count = hass.states.get(entity_of(hass, "people_count"))
    assert count is not None
    assert count.attributes["calibrated_at"] == (T0 + timedelta(hours=25)).isoformat()


async def test_daily_reset_skipped_after_recent_motion(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_set_time_zone("UTC")
    await setup_shop(hass, freezer, reset_time="09:00:00")
    await fire(hass, freezer, 3500)
    await crossing(hass, "in")
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    hass.states.async_set(MOTION, STATE_OFF)  # 100 s before the reset: within the timeout
    await fire(hass, freezer, 100)
    assert value(hass, "people_count") == "1"
    await fire(hass, freezer, 24 * 3600)
    assert value(hass, "people_count") == "0"


async def test_stale_count_anomaly(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Above zero with no crossing and no sensor activity for the configured hours."""
    await setup_shop(hass, freezer, anomaly_hours=2)
    await crossing(hass, "in")
    await fire(hass, freezer, 3600)
    hass.states.async_set(MOTION, STATE_ON)  # activity moves the deadline
    await fire(hass, freezer, 5400)
    assert value(hass, "count_anomaly") == STATE_OFF  # a sensor is on: not stale
    hass.states.async_set(MOTION, STATE_OFF)
    await fire(hass, freezer, 7199)
    assert value(hass, "count_anomaly") == STATE_OFF
    await fire(hass, freezer, 2)
    anomaly = hass.states.get(entity_of(hass, "count_anomaly"))
    assert anomaly is not None
    assert anomaly.state == STATE_ON
    assert anomaly.attributes["stale"] is True
    assert anomaly.attributes["clamped"] is False
    await crossing(hass, "out")
    assert value(hass, "count_anomaly") == STATE_OFF


async def test_stale_check_off(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await setup_shop(hass, freezer, anomaly_hours=0)
    await crossing(hass, "in")
    await fire(hass, freezer, 30 * 24 * 3600)
    assert value(hass, "count_anomaly") == STATE_OFF


async def test_restart_restores_counts_and_totals(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Counts, totals and counter baselines survive; the count holds the area again."""
    hass.states.async_set(ENTRIES, "10")
    entry = await setup_shop(hass, freezer, counters={"entries_counter": ENTRIES})
    hass.states.async_set(ENTRIES, "12")
    await hass.async_block_till_done()
    await crossing(hass, "out")
    assert (value(hass, "people_count"), value(hass, "entries"), value(hass, "exits")) == (
        "1",
        "2",
        "1",
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass.states.async_set(ENTRIES, "13")  # one more person came in during the downtime
    freezer.tick(timedelta(minutes=2))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (value(hass, "people_count"), value(hass, "entries"), value(hass, "exits")) == (
        "2",
        "3",
        "1",
    )
    assert value(hass, "occupancy") == STATE_ON
    await fire(hass, freezer, 3600)
    assert value(hass, "occupancy") == STATE_ON


async def test_unreadable_store_starts_at_zero(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = hub_entry(area_subentry("shop", trigger=[MOTION]), counting_subentry("shop"))
    hass_storage[f"{DOMAIN}.{entry.entry_id}.counting"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.counting",
        "data": {"areas": {"shop": {"count": {"version": 9}, "last_event": 5}}},
    }
    freezer.move_to(T0)
    await setup_hub(hass, entry)
    assert value(hass, "people_count") == "0"
    assert "Stored count of shop is unreadable" in caplog.text


async def test_floor_and_home_sums(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Floors and the home sum their counted areas; a non-contributing area stays out."""
    freezer.move_to(T0)
    floor = fr.async_get(hass).async_create("Ground")
    areas = ar.async_get(hass)
    shop = areas.async_create("Shop", floor_id=floor.floor_id)
    store = areas.async_create("Store", floor_id=floor.floor_id)
    yard = areas.async_create("Yard")
    yard_sub = area_subentry(yard.id, trigger=["binary_sensor.yard"])
    yard_sub["data"][CONF_HIERARCHY] = {CONF_CONTRIBUTES: False}
    entry = hub_entry(
        area_subentry(shop.id, trigger=[MOTION]),
        area_subentry(store.id, trigger=["binary_sensor.store"]),
        yard_sub,
        counting_subentry(shop.id),
        counting_subentry(store.id),
        counting_subentry(yard.id),
    )
    await setup_hub(hass, entry)
    await crossing(hass, "in", 2, shop.id)
    await crossing(hass, "in", 3, store.id)
    await crossing(hass, "in", 7, yard.id)
    registry = er.async_get(hass)
    floor_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_floor:{floor.floor_id}_people_count"
    )
    home_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_home_people_count")
    assert floor_id is not None
    assert home_id is not None
    floor_state = hass.states.get(floor_id)
    assert floor_state is not None
    assert floor_state.state == "5"
    assert floor_state.name.endswith("Ground people count")
    assert floor_state.attributes["state_class"] == "measurement"
    assert sorted(floor_state.attributes["areas"]) == sorted([shop.id, store.id])
    home = hass.states.get(home_id)
    assert home is not None
    assert home.state == "5"
    assert home.name.endswith("Home people count")


async def test_actions_reject_bad_targets(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_shop(hass, freezer)
    with pytest.raises(ServiceValidationError) as err:
        await crossing(hass, "in", area="attic")
    assert err.value.translation_key == "not_counted"
    assert err.value.translation_placeholders == {"area": "attic"}
    with pytest.raises(ServiceValidationError):
        await set_count(hass, 1, area="attic")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await crossing(hass, "in")
    assert err.value.translation_key == "not_loaded"


async def test_removed_counting_removes_its_entities(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_shop(hass, freezer, capacity=5)
    near = entity_of(hass, "near_capacity")
    count = entity_of(hass, "people_count")
    counting = next(s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_COUNTING)
    hass.config_entries.async_update_subentry(
        entry, counting, data={**counting.data, "capacity": None}
    )
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    assert registry.async_get(near) is None
    assert registry.async_get(count) is not None
    hass.config_entries.async_remove_subentry(entry, counting.subentry_id)
    await hass.async_block_till_done()
    assert registry.async_get(count) is None
    assert hass.states.get(count) is None
    assert value(hass, "occupancy") == STATE_OFF


async def test_counting_of_an_unmanaged_area_is_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    freezer.move_to(T0)
    entry = hub_entry(area_subentry("shop", trigger=[MOTION]), counting_subentry("attic"))
    await setup_hub(hass, entry)
    assert "People counting of attic is ignored" in caplog.text
    with pytest.raises(AssertionError):
        entity_of(hass, "people_count")


def test_people_count_delta() -> None:
    """Readings of a running count become entries and exits; junk keeps the baseline."""
    delta = PeopleCountDelta()
    assert delta.update("4") == (0, 0)
    assert delta.update("unavailable") == (0, 0)
    assert delta.update(6) == (2, 0)
    assert delta.update("2.5") == (0, 0)
    assert delta.update("1") == (0, 5)
    restored = PeopleCountDelta()
    restored.restore(delta.export())
    assert restored.update(3) == (2, 0)
    with pytest.raises(ValueError, match="baseline"):
        restored.restore({"version": 1, "last": -1})
