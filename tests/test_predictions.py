"""Predictions, their accuracy, the session sensors and the retrain/reset_learning actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.occupancy_manager.const import DOMAIN, HOME_NODE
from custom_components.occupancy_manager.engine.learning import PeriodKind
from custom_components.occupancy_manager.predictions import PredictionManager

from .conftest import area_subentry, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"


def sensor(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> State:
    """The state of the kitchen's sensor with this key."""
    subentry_id = next(iter(entry.subentries))
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{subentry_id}_{key}")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float) -> None:
    """Let time pass, firing the timers due."""
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def motion(hass: HomeAssistant, state: str) -> None:
    """Set the kitchen's motion sensor."""
    hass.states.async_set(MOTION, state)
    await hass.async_block_till_done()


async def visits(hass: HomeAssistant, freezer: FrozenDateTimeFactory, count: int) -> None:
    """`count` sessions of 15 min (10 min motion + 5 min timeout), 45 min apart."""
    for _ in range(count):
        await motion(hass, STATE_ON)
        await step(hass, freezer, 10)
        await motion(hass, STATE_OFF)
        await step(hass, freezer, 5)
        await step(hass, freezer, 45)


@pytest.fixture
async def kitchen(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """A hub with a kitchen; its history fitted."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def manager_of(entry: MockConfigEntry) -> PredictionManager:
    """The entry's prediction manager."""
    manager: PredictionManager = entry.runtime_data.predictions
    return manager


async def test_predictions_and_their_accuracy(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, kitchen: MockConfigEntry
) -> None:
    """Next vacancy while occupied, next occupancy while vacant; scored when they happen."""
    assert sensor(hass, kitchen, "next_vacancy").state == STATE_UNKNOWN
    await visits(hass, freezer, 3)

    vacant_since = dt_util.utcnow() - timedelta(minutes=45)
    next_occupancy = sensor(hass, kitchen, "next_occupancy")
    assert dt_util.parse_datetime(next_occupancy.state) == vacant_since + timedelta(minutes=45)
    assert next_occupancy.attributes["samples"] == 2
    assert set(next_occupancy.attributes) >= {"interval_low", "interval_high", "confidence"}
    assert sensor(hass, kitchen, "next_vacancy").state == STATE_UNKNOWN

    await motion(hass, STATE_ON)
    started = dt_util.utcnow()
    next_vacancy = sensor(hass, kitchen, "next_vacancy")
    assert dt_util.parse_datetime(next_vacancy.state) == started + timedelta(minutes=15)
    assert sensor(hass, kitchen, "next_occupancy").state == STATE_UNKNOWN
    await step(hass, freezer, 10)
    await motion(hass, STATE_OFF)
    await step(hass, freezer, 5)

    error = sensor(hass, kitchen, "prediction_error")
    assert float(error.state) == 0
    assert error.attributes["vacancy_scored"] >= 3  # at each start and each 5-min refresh
    assert error.attributes["occupancy_scored"] >= 1
    assert float(sensor(hass, kitchen, "prediction_p20").state) == 100


async def test_session_sensors(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, kitchen: MockConfigEntry
) -> None:
    """Occupied time and sessions today, the 7-day average and the busiest hour."""
    await visits(hass, freezer, 2)
    await motion(hass, STATE_ON)
    await step(hass, freezer, 6)
    assert float(sensor(hass, kitchen, "occupied_time_today").state) == pytest.approx(36 / 60, 0.01)
    assert sensor(hass, kitchen, "sessions_today").state == "2"
    assert float(sensor(hass, kitchen, "average_session_duration").state) == 15
    freezer.move_to(T0.replace(hour=9, minute=0, second=5) + timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    busiest = sensor(hass, kitchen, "busiest_hour")
    local = T0.astimezone(dt_util.get_default_time_zone())
    assert busiest.attributes == busiest.attributes | {
        "weekday": local.weekday(),
        "hour": local.hour,
    }


async def test_home_next_arrival(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, kitchen: MockConfigEntry
) -> None:
    """The hub's next arrival predicts when the empty home is occupied again."""
    await visits(hass, freezer, 3)
    state = hass.states.get("sensor.occupancy_manager_next_arrival")
    assert state is not None
    assert dt_util.parse_datetime(state.state) == dt_util.utcnow()
    await motion(hass, STATE_ON)
    assert hass.states.get("sensor.occupancy_manager_next_arrival").state == STATE_UNKNOWN  # type: ignore[union-attr]


async def test_drift_triggers_a_refit(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    kitchen: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the drift test fires, the area is refitted on its recent periods."""
    await visits(hass, freezer, 2)
    manager = manager_of(kitchen)
    refits: list[str] = []
    monkeypatch.setattr(manager.learner, "needs_refit", lambda _area: True)
    monkeypatch.setattr(manager.learner, "refit", lambda area, _now: refits.append(area))
    await motion(hass, STATE_ON)
    assert refits == ["kitchen", HOME_NODE]


async def test_retrain_and_reset_learning(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, kitchen: MockConfigEntry
) -> None:
    """Reset forgets and only later sessions teach again; retrain refits from the log."""
    await visits(hass, freezer, 2)
    manager = manager_of(kitchen)
    await hass.services.async_call(DOMAIN, "retrain", {"area_id": "kitchen"}, blocking=True)
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 2

    await hass.services.async_call(
        DOMAIN, "reset_learning", {"area_id": ["kitchen"]}, blocking=True
    )
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 0
    assert manager.learner.samples(HOME_NODE, PeriodKind.OCCUPIED) == 2
    assert sensor(hass, kitchen, "next_occupancy").state == STATE_UNKNOWN

    await visits(hass, freezer, 1)
    await hass.services.async_call(DOMAIN, "retrain", {}, blocking=True)
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 1
    assert len(manager.log.sessions("kitchen")) == 3

    await hass.services.async_call(DOMAIN, "reset_learning", {}, blocking=True)
    assert manager.learner.areas == ()


async def test_actions_reject_unknown_areas_and_missing_hub(
    hass: HomeAssistant, kitchen: MockConfigEntry
) -> None:
    """Translated errors for an area that is not managed and for an unloaded hub."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "retrain", {"area_id": "attic"}, blocking=True)
    assert err.value.translation_key == "not_managed"
    assert err.value.translation_placeholders == {"targets": "attic"}
    assert await hass.config_entries.async_unload(kitchen.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "reset_learning", {}, blocking=True)
    assert err.value.translation_key == "not_loaded"
