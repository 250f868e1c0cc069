"""Hourly external statistics: backfilled from recorded history, then written every hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import (
    StatisticsRow,
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.occupancy_manager import statistics
from custom_components.occupancy_manager.engine import Reason, Transition
from custom_components.occupancy_manager.engine.sessions import Session
from custom_components.occupancy_manager.predictions import PredictionManager

from .conftest import area_subentry, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 6, 0, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
MOTION = "binary_sensor.kitchen_motion"
IDS = {m: f"occupancy_manager:kitchen_{m}" for m in statistics.METRICS}


async def record(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, at: datetime, state: str
) -> None:
    """Set the motion sensor's state at `at` and let the recorder write it."""
    freezer.move_to(at)
    hass.states.async_set(MOTION, state)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def stats(hass: HomeAssistant, start: datetime) -> dict[str, list[StatisticsRow]]:
    """Every hourly row of the kitchen's statistics since `start`."""
    rows: dict[str, list[StatisticsRow]] = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        None,
        set(IDS.values()),
        "hour",
        None,
        {"sum", "mean", "min", "max"},
    )
    return rows


async def settle(hass: HomeAssistant) -> None:
    """Let background work and the recorder finish."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def setup_after_history(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """History: motion 07:10-07:30 (session until 07:35) and 08:50-09:40 (until 09:45)."""
    await record(hass, freezer, T0, STATE_OFF)
    for on, off in (((1, 10), (1, 30)), ((2, 50), (3, 40))):
        await record(
            hass, freezer, T0.replace(second=0) + timedelta(hours=on[0], minutes=on[1]), STATE_ON
        )
        await record(
            hass, freezer, T0.replace(second=0) + timedelta(hours=off[0], minutes=off[1]), STATE_OFF
        )
    freezer.move_to(T0 + timedelta(hours=5))
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    await settle(hass)
    return entry


async def test_backfill_from_history_with_complete_metadata(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """First setup replays the recorded history into sessions and hourly statistics."""
    entry = await setup_after_history(hass, freezer)
    start = T0.replace(minute=0, second=0)
    rows = await stats(hass, start)
    occupied = [r["sum"] for r in rows[IDS["occupied_time"]]]
    assert occupied == [0.0, 25 * 60, 25 * 60 + 10 * 60, 25 * 60 + 55 * 60, 80 * 60]
    assert [r["sum"] for r in rows[IDS["sessions"]]] == [0, 1, 1, 2, 2]
    means = rows[IDS["mean_session_duration"]]
    assert [(r["start"], r["mean"]) for r in means] == [
        ((start + HOUR).timestamp(), 25 * 60),
        ((start + 3 * HOUR).timestamp(), 55 * 60),
    ]

    meta = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids=set(IDS.values()))
    )
    occupied_meta = meta[IDS["occupied_time"]][1]
    assert occupied_meta["source"] == "occupancy_manager"
    assert occupied_meta["has_sum"] is True
    assert occupied_meta["mean_type"] is StatisticMeanType.NONE
    assert occupied_meta["unit_class"] == "duration"
    assert occupied_meta["unit_of_measurement"] == "s"
    assert occupied_meta["name"] == "Kitchen occupied time"
    sessions_meta = meta[IDS["sessions"]][1]
    assert (sessions_meta["unit_class"], sessions_meta["unit_of_measurement"]) == (None, None)
    mean_meta = meta[IDS["mean_session_duration"]][1]
    assert mean_meta["mean_type"] is StatisticMeanType.ARITHMETIC
    assert mean_meta["has_sum"] is False

    manager: PredictionManager = entry.runtime_data.predictions
    assert [s.duration_s for s in manager.log.sessions("kitchen")] == [25 * 60, 55 * 60]
    assert len(manager.log.sessions("home")) == 2


async def test_hourly_statistics_continue_the_sums(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Each hour, the completed hours are added on top of the last sums (ongoing time too)."""
    await setup_after_history(hass, freezer)
    now = T0 + timedelta(hours=5)  # 11:00:30
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    freezer.move_to(now.replace(minute=30))
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    freezer.move_to(now.replace(minute=0, second=5) + HOUR)
    async_fire_time_changed(hass)
    await settle(hass)
    rows = await stats(hass, now.replace(minute=0, second=0))
    assert [r["sum"] for r in rows[IDS["occupied_time"]]] == [80 * 60 + 35 * 60]
    assert [r["sum"] for r in rows[IDS["sessions"]]] == [3]

    freezer.move_to(now.replace(minute=0, second=5) + 2 * HOUR)
    async_fire_time_changed(hass)
    await settle(hass)
    rows = await stats(hass, now.replace(minute=0, second=0))
    assert [r["sum"] for r in rows[IDS["occupied_time"]]] == [
        80 * 60 + 35 * 60,
        80 * 60 + 35 * 60,
    ]


async def test_ongoing_session_counts_its_time_but_not_yet_as_a_session(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An occupied area's hours are written with the time so far; the session counts later."""
    await setup_after_history(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    hour = (T0 + timedelta(hours=5)).replace(minute=0, second=0)
    freezer.move_to(hour + HOUR + timedelta(seconds=5))
    async_fire_time_changed(hass)
    await settle(hass)
    rows = await stats(hass, hour)
    assert [r["sum"] for r in rows[IDS["occupied_time"]]] == [80 * 60 + 59.5 * 60]
    assert [r["sum"] for r in rows[IDS["sessions"]]] == [2]


def test_statistic_ids_are_valid_for_any_area_id() -> None:
    """Area ids are slugified into the object id."""
    assert (
        statistics.statistic_id("Living-Room", "sessions")
        == "occupancy_manager:living_room_sessions"
    )


def test_hour_rows_split_sessions_and_skip_empty_means() -> None:
    """Occupied time split over hours; a session counts in the hour it ended."""
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    session = Session.between(
        "kitchen", start + timedelta(minutes=30), start + timedelta(minutes=90), "timeout"
    )
    rows = statistics.hour_rows([session], start, start + 3 * HOUR, 100.0, 4.0)
    assert [r["sum"] for r in rows.occupied] == [1900.0, 3700.0, 3700.0]
    assert [r["sum"] for r in rows.sessions] == [4.0, 5.0, 5.0]
    assert [(r["start"], r["mean"], r["min"], r["max"]) for r in rows.mean] == [
        (start + HOUR, 3600.0, 3600.0, 3600.0)
    ]


@pytest.mark.parametrize("occupied", [True, False])
def test_session_of_only_for_vacancies(occupied: bool) -> None:
    """An occupancy transition ends no session."""
    at = datetime(2026, 1, 5, 10, tzinfo=UTC)
    transition = Transition(
        "kitchen", occupied, at, Reason.MANUAL, None, None if occupied else 60.0
    )
    session = statistics.session_of(transition, 300.0)
    assert (session is None) is occupied
    if session is not None:
        assert session.timeout_s is None
        assert session.start == at - timedelta(minutes=1)


async def test_backfill_seeds_the_adaptive_mean_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An adaptive area's engine learns the backfilled sessions unless it learned already."""
    await record(hass, freezer, T0, STATE_OFF)
    await record(hass, freezer, T0 + HOUR, STATE_ON)
    await record(hass, freezer, T0 + HOUR + timedelta(minutes=10), STATE_OFF)
    freezer.move_to(T0 + 5 * HOUR)
    sub = area_subentry("kitchen", trigger=[MOTION])
    sub["data"]["timing"] = {"strategy": "adaptive"}
    entry = hub_entry(sub)
    await setup_hub(hass, entry)
    await settle(hass)
    manager: PredictionManager = entry.runtime_data.predictions
    engine = manager.coordinator.engine
    assert engine.export(T0)["areas"]["kitchen"]["learned_count"] == 1
    manager._teach_engine("kitchen", manager.log.sessions("kitchen"), T0)
    assert engine.export(T0)["areas"]["kitchen"]["learned_count"] == 1


async def test_history_read_failure_is_logged_and_learning_goes_on(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A recorder error during the backfill does not stop the predictions."""
    await record(hass, freezer, T0, STATE_OFF)
    freezer.move_to(T0 + 5 * HOUR)

    async def broken(*_args: Any, **_kwargs: Any) -> list[Session]:
        raise RuntimeError("database gone")

    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    with patch.object(statistics, "async_replay_history", broken):
        await setup_hub(hass, entry)
        await settle(hass)
    assert "Could not read the recorder's history" in caplog.text
    assert entry.runtime_data.predictions.ready


async def test_without_history_statistics_start_at_setup(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A new installation has nothing to backfill; the hours from setup on are written."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    await setup_hub(hass, hub_entry(area_subentry("kitchen", trigger=[MOTION])))
    await settle(hass)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    freezer.move_to(T0 + timedelta(minutes=10))
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    freezer.move_to(T0.replace(minute=0, second=5) + HOUR)
    async_fire_time_changed(hass)
    await settle(hass)
    rows = await stats(hass, T0.replace(minute=0, second=0))
    assert [r["sum"] for r in rows[IDS["occupied_time"]]] == [15 * 60]
    assert [r["sum"] for r in rows[IDS["sessions"]]] == [1]


async def test_statistics_write_failure_is_logged_without_traceback(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A recorder that fails while writing hours gives one warning; the next hour retries."""
    freezer.move_to(T0)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    await setup_hub(hass, entry)
    await settle(hass)

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    manager: PredictionManager = entry.runtime_data.predictions
    with patch.object(statistics, "async_last_written", broken):
        await manager._async_write_statistics(T0 + 3 * HOUR)

    assert "Could not write occupancy statistics" in caplog.text
    assert "Traceback" not in caplog.text
