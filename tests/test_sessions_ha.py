"""Sessions in Home Assistant: logged, persisted, fired as events, learned (issue 6)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.occupancy_manager.const import (
    CONF_TIMING,
    DOMAIN,
    HOME_NODE,
    SUBENTRY_AREA,
)
from custom_components.occupancy_manager.engine import Reason, Result, SnapshotError, Transition
from custom_components.occupancy_manager.engine.learning import Learner, PeriodKind
from custom_components.occupancy_manager.engine.sessions import Session, SessionLog
from custom_components.occupancy_manager.predictions import (
    EVENT_SESSION_ENDED,
    PredictionManager,
)

from .conftest import area_subentry, hub_entry, setup_hub

T0 = datetime(2026, 11, 2, 8, 0, 30, tzinfo=UTC)
MOTION = "binary_sensor.kitchen_motion"
OCCUPIED_TIME_TODAY = "sensor.kitchen_occupancy_occupied_time_today"


def manager_of(entry: MockConfigEntry) -> PredictionManager:
    """The entry's prediction manager."""
    manager: PredictionManager = entry.runtime_data.predictions
    return manager


async def visit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float, gap: float = 0
) -> None:
    """Motion on for `minutes`, then off; the 5-minute timeout runs out; then `gap` minutes."""
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=minutes))
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    if gap:
        freezer.tick(timedelta(minutes=gap))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def setup_kitchen(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **timing: Any
) -> MockConfigEntry:
    """A hub with a kitchen (one motion sensor, 5 min timeout)."""
    freezer.move_to(T0)
    hass.states.async_set(MOTION, STATE_OFF)
    sub = area_subentry("kitchen", trigger=[MOTION])
    if timing:
        sub["data"][CONF_TIMING] = timing
    entry = hub_entry(sub)
    await setup_hub(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def test_session_is_logged_fired_and_learned(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A vacancy ends a session: in the log, on the bus with its data, in the learner."""
    events = async_capture_events(hass, EVENT_SESSION_ENDED)
    entry = await setup_kitchen(hass, freezer)
    await visit(hass, freezer, 10)

    manager = manager_of(entry)
    (session,) = manager.log.sessions("kitchen")
    assert session.duration_s == 15 * 60
    assert session.end_reason == "timeout"
    assert session.timeout_s == 300
    assert session.evidence_s == 600
    assert len(manager.log.sessions(HOME_NODE)) == 1
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 1

    (event,) = events
    entity_id = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{next(iter(entry.subentries))}_occupancy"
    )
    assert event.data == {
        "area_id": "kitchen",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(minutes=15)).isoformat(),
        "duration": 900.0,
        "reason": "timeout",
        "entity_id": entity_id,
    }


async def test_sessions_survive_a_reload(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The log and the scores are saved at unload and read back at setup."""
    entry = await setup_kitchen(hass, freezer)
    await visit(hass, freezer, 10, gap=30)
    await visit(hass, freezer, 10)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    manager = manager_of(entry)
    assert [s.duration_s for s in manager.log.sessions("kitchen")] == [900.0, 900.0]
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 2
    assert manager.learner.samples("kitchen", PeriodKind.VACANT) == 1
    assert manager.ready


async def test_restart_expired_sessions_are_not_lost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A timer that ran out while Home Assistant was down still ends a logged session."""
    entry = await setup_kitchen(hass, freezer)
    hass.states.async_set(MOTION, STATE_ON)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=3))
    hass.states.async_set(MOTION, STATE_OFF)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(timedelta(hours=1))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    (session,) = manager_of(entry).log.sessions("kitchen")
    assert session.end_reason == "restart_expired"
    assert session.duration_s == 8 * 60


async def test_damaged_store_starts_empty(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """Unreadable stored sessions and scores are replaced, not fatal."""
    freezer.move_to(T0)
    entry = hub_entry(area_subentry("kitchen", trigger=[MOTION]))
    hass_storage[f"{DOMAIN}.{entry.entry_id}.sessions"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.sessions",
        "data": {
            "sessions": {"version": 99},
            "learner": "garbage",
            "learn_since": {"kitchen": "not a time", "home": T0.isoformat()},
        },
    }
    await setup_hub(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    manager = manager_of(entry)
    assert len(manager.log) == 0
    assert manager._learn_since == {"home": T0}


async def test_adaptive_area_gets_the_learned_timeout(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Adaptive areas get the learner's timeout within their bounds; fixed areas never."""
    entry = await setup_kitchen(
        hass,
        freezer,
        strategy="adaptive",
        min_timeout={"minutes": 2},
        max_timeout={"minutes": 10},
    )
    for _ in range(3):
        await visit(hass, freezer, 20, gap=30)
    engine = manager_of(entry).coordinator.engine

    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    # The learner's suggestion, clamped to the area's 10-minute maximum, is now the timeout.
    assert engine.export(dt_util.utcnow())["areas"]["kitchen"]["learned_timeout"] == 600


async def test_transitions_of_unknown_nodes_are_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Floors are not tracked; a result naming one changes nothing."""
    entry = await setup_kitchen(hass, freezer)
    manager = manager_of(entry)
    manager._on_result(
        Result((Transition("floor:ground", occupied=False, at=T0, reason=Reason.CHILD),))
    )
    assert len(manager.log) == 0


def test_events_have_the_documented_name() -> None:
    """Automations listen to this name."""
    assert EVENT_SESSION_ENDED == "occupancy_manager_session_ended"
    assert SUBENTRY_AREA == "area"


async def test_no_event_for_the_home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The home's sessions are learned (next arrival) but not fired."""
    events: list[Event] = async_capture_events(hass, EVENT_SESSION_ENDED)
    await setup_kitchen(hass, freezer)
    await visit(hass, freezer, 1)
    assert [e.data["area_id"] for e in events] == ["kitchen"]


def test_compact_log_round_trip_skips_malformed_rows() -> None:
    """The stored (compact) form reads back; bad rows and areas are skipped or rejected."""
    log = SessionLog(5)
    log.append(Session.between("kitchen", T0, T0 + timedelta(minutes=4), "timeout", 300.0))
    log.append(Session.between("hall", T0, T0 + timedelta(minutes=1), "manual"))
    snapshot = json.loads(json.dumps(log.export(compact=True)))
    assert list(SessionLog.restore(snapshot)) == list(log)
    snapshot["areas"]["kitchen"] += [[1, 2], ["x", 1, 1, "timeout", None], [5, 1, 1, "t", None]]
    snapshot["areas"]["attic"] = "nonsense"
    assert len(SessionLog.restore(snapshot)) == 2
    with pytest.raises(SnapshotError):
        SessionLog.restore({"version": 2, "areas": []})


def test_learner_scores_survive_without_history_and_adopt_keeps_them() -> None:
    """Scores are stored without the periods; a fitted learner's history is adopted."""
    sessions = [
        Session.between(
            "kitchen", T0 + timedelta(hours=h), T0 + timedelta(hours=h, minutes=15), "t"
        )
        for h in range(10)
    ]
    learner = Learner(UTC)
    learner.fit(sessions)
    made = learner.predict_vacancy("kitchen", T0 + timedelta(hours=11), T0 + timedelta(hours=11))
    assert made is not None
    learner.score(made, made.at)
    restored = Learner.restore(json.loads(json.dumps(learner.export(history=False))), UTC)
    assert restored.samples("kitchen", PeriodKind.OCCUPIED) == 0
    fresh = Learner(UTC)
    fresh.fit(sessions)
    restored.adopt(fresh, ["kitchen", "unknown"])
    assert restored.samples("kitchen", PeriodKind.OCCUPIED) == 10
    assert restored.accuracy("kitchen", PeriodKind.OCCUPIED, made.at).scored == 1


async def test_sessions_ending_during_a_fit_are_learned_after_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fit runs off the loop; sessions that end meanwhile are not lost when it is adopted."""
    entry = await setup_kitchen(hass, freezer)
    await visit(hass, freezer, 10, gap=30)
    manager = manager_of(entry)
    late = Session.between("kitchen", T0 + timedelta(hours=2), T0 + timedelta(hours=3), "timeout")
    run = hass.async_add_executor_job

    async def fit_while_a_session_ends(target: Any, *args: Any) -> Any:
        result = await run(target, *args)
        manager._session_ended(late)
        return result

    with monkeypatch.context() as patched:
        patched.setattr(hass, "async_add_executor_job", fit_while_a_session_ends)
        await manager.async_fit(["kitchen"])
    assert manager.learner.samples("kitchen", PeriodKind.OCCUPIED) == 2


async def test_unload_cancels_the_background_work(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A backfill still running at unload is cancelled."""
    entry = await setup_kitchen(hass, freezer)
    manager = manager_of(entry)
    pending: asyncio.Future[None] = hass.loop.create_future()
    manager._task = pending  # type: ignore[assignment]
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert pending.cancelled()


async def test_occupied_time_today_never_dips_when_a_session_ends(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """total_increasing: the vacancy re-render already sees the session in the log."""
    await setup_kitchen(hass, freezer)
    values: list[float] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is not None and new_state.state not in ("unknown", "unavailable"):
            values.append(float(new_state.state))

    async_track_state_change_event(hass, [OCCUPIED_TIME_TODAY], record)
    await visit(hass, freezer, 10)
    await visit(hass, freezer, 3, gap=1)

    assert values
    assert values == sorted(values)
    assert values[-1] == pytest.approx((10 + 5 + 3 + 5) / 60, abs=0.01)  # hours


async def test_backfill_never_drops_logged_sessions(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Backfilled sessions fill gaps; a logged session the lagging history lacks is kept."""
    entry = await setup_kitchen(hass, freezer)
    manager = manager_of(entry)
    manager.log.clear("kitchen")

    def session(start_min: int, end_min: int) -> Session:
        start, end = T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min)
        return Session("kitchen", start, end, (end - start).total_seconds(), "timeout", 300)

    logged = [session(60, 75), session(120, 135)]
    for item in logged:
        manager.log.append(item)

    manager._merge("kitchen", [session(0, 20), session(118, 140)])

    assert manager.log.sessions("kitchen") == [session(0, 20), *logged]
