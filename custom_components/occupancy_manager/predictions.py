"""Sessions, recorder statistics, learning, predictions and their accuracy.

Every vacancy of an area (and of the home) ends a session: it is logged (bounded, persisted),
fired as `occupancy_manager_session_ended` and learned. The learner predicts each area's next
vacancy or occupancy and the home's next arrival; each prediction is scored when the
transition happens, and a drift in the errors triggers a refit. Hourly external statistics are
written for completed hours and backfilled from the recorder's history on first setup.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import probatio
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval, async_track_utc_time_change
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from sqlalchemy.exc import SQLAlchemyError

from . import statistics
from .const import DOMAIN, HOME_NODE
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry, loaded_entry
from .engine import Result, SnapshotError, StrategyKind
from .engine.learning import (
    Accuracy,
    Learner,
    LearnerConfig,
    PeriodKind,
    Prediction,
    TimeoutRule,
)
from .engine.sessions import Session, SessionLog, busiest_hour_of_week
from .listeners import KeyedListeners

_LOGGER = logging.getLogger(__name__)

EVENT_SESSION_ENDED: Final = f"{DOMAIN}_session_ended"
STORAGE_VERSION: Final = 1
MAX_SESSIONS: Final = 2000
SAVE_DELAY: Final = 60
REFRESH_INTERVAL: Final = timedelta(minutes=5)
BUSIEST_DAYS: Final = 28
PENDING_SCORES: Final = 2016  # a week of predictions every 5 minutes
ATTR_AREA_ID: Final = "area_id"
# Min-cost timeouts: the rule that moved false-vacant minutes on real homes (docs/accuracy.md);
# the timeout bounds are the areas' own (applied here).
LEARNER_CONFIG: Final = LearnerConfig(
    timeout_rule=TimeoutRule.MIN_COST, timeout_min=0.0, timeout_max=float("inf")
)


class PredictionManager:
    """Sessions, statistics, learning and predictions of one hub entry.

    Attributes:
        log: the session log (areas and the home), at most `MAX_SESSIONS` per node.
        learner: duration models per node.
        predictions: per node and kind of the current period, the latest prediction.
        busiest: per area, the local hour of the week with most occupied time (4 weeks).
    """

    def __init__(
        self, hass: HomeAssistant, entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator
    ) -> None:
        """Subscribe to engine results at once, so restart-expired sessions are not lost.

        Results that arrive before `async_start` are kept and applied once the stored log is
        loaded.
        """
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.tz = dt_util.get_time_zone(hass.config.time_zone) or UTC
        self.log = SessionLog(MAX_SESSIONS)
        self.learner = Learner(self.tz, LEARNER_CONFIG)
        self.nodes: tuple[str, ...] = (*coordinator.areas, HOME_NODE)
        self.predictions: dict[str, dict[PeriodKind, Prediction | None]] = {
            node: dict.fromkeys(PeriodKind) for node in self.nodes
        }
        self.busiest: dict[str, int] = {}
        self._pending: dict[tuple[str, PeriodKind], deque[Prediction]] = {}
        self._learn_since: dict[str, datetime] = {}
        self._buffer: list[Result] | None = []
        self._fitted_during: list[Session] | None = None
        self._listeners = KeyedListeners()
        self.accuracy: dict[str, dict[PeriodKind, Accuracy]] = {}
        self._deferred: list[tuple[str, PeriodKind, datetime]] = []
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.sessions"
        )
        self._lock = asyncio.Lock()
        self._unsubs: list[CALLBACK_TYPE] = [coordinator.async_add_result_listener(self._on_result)]
        self._task: asyncio.Task[None] | None = None
        self._started = dt_util.utcnow()
        self.ready = False

    async def async_start(self) -> None:
        """Load the stored log, start the timers; backfill and fit in the background."""
        self._started = dt_util.utcnow()
        stored = await self._store.async_load()
        if stored is not None:
            self._restore(stored)
        buffered, self._buffer = self._buffer or [], None
        for result in buffered:
            self._on_result(result)
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._on_interval, REFRESH_INTERVAL, name=f"{DOMAIN} predictions"
            )
        )
        self._unsubs.append(
            async_track_utc_time_change(self.hass, self._on_hour, minute=0, second=5)
        )
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_prepare(dt_util.utcnow()), f"{DOMAIN} learning"
        )
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_homeassistant_stop)
        )

    @callback
    def _on_homeassistant_stop(self, _event: Event) -> None:
        """Stop the backfill and fit at shutdown, before the recorder's executor goes away."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def async_stop(self) -> None:
        """Stop listening, cancel the background work and save the log now."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self._store.async_save(self._export())

    @callback
    def async_add_listener(self, node: str, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener()` whenever the node's predictions or session figures change; unsub."""
        return self._listeners.add(node, listener)

    def accuracy_of(self, node: str, kind: PeriodKind) -> Accuracy:
        """The node's accuracy for `kind` over 7 days, as last computed (cached)."""
        cached = self.accuracy.get(node, {}).get(kind)
        return cached if cached is not None else Accuracy(node, kind, 0, None, None, None, None)

    # ------------------------------------------------------------------ sessions

    @callback
    def _on_result(self, result: Result) -> None:
        if self._buffer is not None:
            self._buffer.append(result)
            return
        engine = self.coordinator.engine
        for transition in result.transitions:
            node = transition.area_id
            if node not in self.predictions:
                continue
            ended = PeriodKind.VACANT if transition.occupied else PeriodKind.OCCUPIED
            session = statistics.session_of(transition, engine.state(node).timeout)
            if session is not None:
                self._session_ended(session)
            if not self._deferred:
                self.hass.loop.call_soon(self._learn_deferred)
            self._deferred.append((node, ended, transition.at))

    @callback
    def _learn_deferred(self) -> None:
        """Score the predictions of the periods that ended, in order, then predict anew.

        Runs once per loop turn after the sensor's dispatch, keeping numeric work out of the
        path from a motion sensor to camera privacy and the occupancy entity. The session log
        and the learner are updated at once, so session figures never lag behind occupancy.
        """
        work, self._deferred = self._deferred, []
        for node, ended, at in work:
            self._score(node, ended, at)
        nodes = {node for node, _, _ in work}
        self._refresh(nodes, dt_util.utcnow(), record=True)
        self._notify(nodes)

    def _session_ended(self, session: Session) -> None:
        self.log.append(session)
        if self._learnable(session):
            self.learner.update(session)
            if self._fitted_during is not None:
                self._fitted_during.append(session)
        self._store.async_delay_save(self._export, SAVE_DELAY)
        area = self.coordinator.areas.get(session.area_id)
        if area is None:
            return
        data: dict[str, Any] = {
            "area_id": session.area_id,
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "duration": round(session.duration_s, 1),
            "reason": session.end_reason,
        }
        if entity_id := er.async_get(self.hass).async_get_entity_id(
            "binary_sensor", DOMAIN, f"{area.subentry_id}_occupancy"
        ):
            data["entity_id"] = entity_id
        self.hass.bus.async_fire(EVENT_SESSION_ENDED, data)

    def _learnable(self, session: Session) -> bool:
        since = self._learn_since.get(session.area_id)
        return since is None or session.start >= since

    # ---------------------------------------------------------------- predictions

    def _score(self, node: str, ended: PeriodKind, at: datetime) -> None:
        """Score the predictions made during the period that just ended; refit on drift."""
        made = self._pending.pop((node, ended), ())
        self._pending.pop((node, _other(ended)), None)
        for prediction in made:
            self.learner.score(prediction, at)
        if made and self.learner.needs_refit(node):
            _LOGGER.info("Prediction errors of %s grew; refitting on recent sessions", node)
            self.learner.refit(node, at)
        if made:
            self._update_accuracy((node,), at)

    def _update_accuracy(self, nodes: Iterable[str], now: datetime) -> None:
        for node in nodes:
            self.accuracy[node] = {
                kind: self.learner.accuracy(node, kind, now) for kind in PeriodKind
            }

    def _since(self, node: str, *, occupied: bool) -> datetime | None:
        since = self.coordinator.engine.state(node).since
        if since is not None or occupied:
            return since
        past = self.log.sessions(node)
        return past[-1].end if past else None

    def _refresh(self, nodes: Iterable[str], now: datetime, *, record: bool) -> None:
        """Predict the end of each node's current period; keep it for scoring with `record`."""
        for node in nodes:
            occupied = self.coordinator.engine.state(node).occupied
            kind = PeriodKind.OCCUPIED if occupied else PeriodKind.VACANT
            since = self._since(node, occupied=occupied)
            prediction: Prediction | None = None
            if since is not None:
                predict = (
                    self.learner.predict_vacancy if occupied else self.learner.predict_occupancy
                )
                prediction = predict(node, since, now)
            self.predictions[node] = {kind: prediction, _other(kind): None}
            if record and prediction is not None:
                key = (node, kind)
                self._pending.setdefault(key, deque(maxlen=PENDING_SCORES)).append(prediction)

    @callback
    def _on_interval(self, now: datetime) -> None:
        self._refresh(self.nodes, now, record=True)
        self._apply_adaptive_timeouts(now)
        self._notify()

    def _apply_adaptive_timeouts(self, now: datetime) -> None:
        """Give adaptive areas the learner's timeout, within their bounds."""
        engine = self.coordinator.engine
        for area_id, area in self.coordinator.areas.items():
            policy = area.config.policy
            if policy.kind is not StrategyKind.ADAPTIVE or not self.learner.samples(
                area_id, PeriodKind.OCCUPIED
            ):
                continue
            seconds = self.learner.suggest_timeout(area_id, now)
            seconds = min(max(seconds, policy.min_timeout), policy.max_timeout)
            self.coordinator.async_apply(
                engine.set_learned_timeout(area_id, seconds, now), {area_id}
            )

    @callback
    def _notify(self, nodes: Iterable[str] | None = None) -> None:
        """Re-render the entities of `nodes`; by default all, with their accuracy recomputed."""
        if nodes is None:
            nodes = self.nodes
            self._update_accuracy(nodes, dt_util.utcnow())
        for node in nodes:
            self._listeners.notify(node)

    # ------------------------------------------------------ statistics and learning

    async def _async_prepare(self, now: datetime) -> None:
        """First setup: backfill areas without statistics; then fit and write statistics."""
        try:
            async with self._lock:
                await self._async_backfill(now)
        except (SQLAlchemyError, HomeAssistantError, RuntimeError) as err:
            if self.hass.is_stopping:
                return
            _LOGGER.warning(
                "Could not read the recorder's history (%s); learning from new sessions", err
            )
        await self.async_fit()
        await self._async_update_busiest(dt_util.utcnow())
        await self._async_write_statistics(dt_util.utcnow())
        self.ready = True
        self._notify()

    async def _async_backfill(self, now: datetime) -> None:
        missing = [
            area_id
            for area_id in self.coordinator.areas
            if await statistics.async_last_written(self.hass, area_id) is None
        ]
        end_hour = statistics.floor_hour(now)
        oldest = get_instance(self.hass).states_manager.oldest_ts
        start = now - timedelta(days=statistics.BACKFILL_DAYS)
        if oldest is not None:
            start = max(start, datetime.fromtimestamp(oldest, UTC))
        start_hour = statistics.floor_hour(start)
        if not missing or start_hour >= end_hour:
            return
        nodes = [*missing] + ([HOME_NODE] if not self.log.sessions(HOME_NODE) else [])
        replay = statistics.HistoryReplay(
            statistics.replay_configs(self.coordinator), self.tz, nodes
        )
        sessions = await statistics.async_replay_history(self.hass, replay, start, now)
        rows = await self.hass.async_add_executor_job(replay.rows, missing, start_hour, end_hour)
        by_node = await self.hass.async_add_executor_job(replay.by_node)
        for area_id in missing:
            statistics.async_write(
                self.hass, area_id, self.coordinator.areas[area_id].title, rows[area_id]
            )
            self._teach_engine(area_id, by_node[area_id], now)
            await asyncio.sleep(0)
        for node, found in by_node.items():
            self._merge(node, found)
        self._store.async_delay_save(self._export, SAVE_DELAY)
        _LOGGER.info(
            "Backfilled %d sessions of %s from %d recorded state changes",
            len(sessions),
            ", ".join(missing),
            replay.changes,
        )

    def _teach_engine(self, area_id: str, sessions: list[Session], now: datetime) -> None:
        """Seed the engine's adaptive mean with history, unless it has learned already."""
        area = self.coordinator.areas[area_id]
        if area.config.policy.kind is not StrategyKind.ADAPTIVE or not sessions:
            return
        record = self.coordinator.engine.export(now)["areas"].get(area_id, {})
        if record.get("learned_count"):
            return
        for session in sessions:
            if session.end_reason != "restart_expired":
                self.coordinator.engine.learn_session(area_id, session.duration_s)

    def _merge(self, node: str, found: list[Session]) -> None:
        """Add the backfilled sessions that no logged session overlaps, in time order.

        The log wins: history read back from the recorder may lag behind what was logged live.
        """
        logged = self.log.sessions(node)
        ends = [session.end for session in logged]
        fresh = [
            session
            for session in found
            if (i := bisect_right(ends, session.start)) == len(logged)
            or logged[i].start >= session.end
        ]
        if not fresh:
            return
        self.log.clear(node)
        for session in sorted((*fresh, *logged), key=lambda session: session.end):
            self.log.append(session)

    async def async_fit(self, nodes: Iterable[str] | None = None) -> None:
        """Refit the duration models of `nodes` (default: all) from the log, off the loop."""
        chosen = set(self.nodes if nodes is None else nodes)
        sessions = [s for s in self.log if s.area_id in chosen and self._learnable(s)]
        fresh = Learner(self.tz, LEARNER_CONFIG)
        self._fitted_during = []
        try:
            await self.hass.async_add_executor_job(fresh.fit, sessions)
            fitted = {s.area_id for s in sessions}
            self.learner.adopt(fresh, fitted)
            for session in self._fitted_during:
                if session.area_id in fitted:
                    self.learner.update(session)
        finally:
            self._fitted_during = None
        self._refresh(chosen, dt_util.utcnow(), record=False)
        self._notify()

    async def _async_update_busiest(self, now: datetime) -> None:
        """Recompute the busiest hours off the loop (a long log takes a while)."""
        horizon = now - timedelta(days=BUSIEST_DAYS)
        recent = [
            s for area in self.coordinator.areas for s in self.log.sessions(area, since=horizon)
        ]
        self.busiest = await self.hass.async_add_executor_job(busiest_hour_of_week, recent, self.tz)

    @callback
    def _on_hour(self, now: datetime) -> None:
        self.entry.async_create_background_task(
            self.hass, self._async_hourly(now), f"{DOMAIN} statistics"
        )

    async def _async_hourly(self, now: datetime) -> None:
        await self._async_update_busiest(now)
        self._notify()
        await self._async_write_statistics(now)

    async def _async_write_statistics(self, now: datetime) -> None:
        """Write each area's completed hours since its last written one.

        A recorder that fails or is shutting down is logged (unless Home Assistant is stopping);
        the hours are written at the next attempt, since each write continues from the last.
        """
        try:
            await self._async_write_hours(now)
        except (SQLAlchemyError, HomeAssistantError, RuntimeError) as err:
            if not self.hass.is_stopping:
                _LOGGER.warning(
                    "Could not write occupancy statistics (%s); retrying next hour", err
                )

    async def _async_write_hours(self, now: datetime) -> None:
        end_hour = statistics.floor_hour(now)
        async with self._lock:
            for area_id, area in self.coordinator.areas.items():
                last = await statistics.async_last_written(self.hass, area_id) or (
                    statistics.LastWritten(statistics.floor_hour(self._started), 0.0, 0.0)
                )
                if last.next_hour >= end_hour:
                    continue
                chosen = [s for s in self.log.sessions(area_id) if s.end >= last.next_hour]
                state = self.coordinator.engine.state(area_id)
                if state.occupied and state.since is not None and state.since < end_hour:
                    chosen.append(Session.between(area_id, state.since, end_hour, "ongoing"))
                rows = statistics.hour_rows(
                    chosen, last.next_hour, end_hour, last.occupied_sum, last.sessions_sum
                )
                statistics.async_write(self.hass, area_id, area.title, rows)

    # ------------------------------------------------------------------- actions

    async def async_reset(self, nodes: Iterable[str] | None = None) -> None:
        """Forget what was learned about `nodes` (default: all); later sessions teach again.

        The session log, statistics and accuracy history of other nodes are kept.
        """
        now = dt_util.utcnow()
        chosen = list(self.nodes if nodes is None else nodes)
        for node in chosen:
            self.learner.forget(node)
            self.coordinator.engine.reset_learning(node)
            self._learn_since[node] = now
            for kind in PeriodKind:
                self._pending.pop((node, kind), None)
        self._refresh(chosen, now, record=False)
        self._store.async_delay_save(self._export, 0)
        self._notify()

    # ----------------------------------------------------------------- persistence

    def _export(self) -> dict[str, Any]:
        return {
            "sessions": self.log.export(compact=True),
            "learner": self.learner.export(history=False),
            "learn_since": {node: at.isoformat() for node, at in self._learn_since.items()},
        }

    def _restore(self, stored: dict[str, Any]) -> None:
        """Read the stored log and scores; a damaged part is logged and started afresh."""
        try:
            self.log = SessionLog.restore(stored.get("sessions", {}), MAX_SESSIONS)
        except SnapshotError as err:
            _LOGGER.warning("Stored sessions were unreadable (%s); starting empty", err)
        try:
            self.learner = Learner.restore(stored.get("learner", {}), self.tz, LEARNER_CONFIG)
        except SnapshotError as err:
            _LOGGER.warning("Stored prediction scores were unreadable (%s); starting empty", err)
        for node, value in (stored.get("learn_since") or {}).items():
            if (at := dt_util.parse_datetime(str(value))) is not None:
                self._learn_since[node] = at


def _other(kind: PeriodKind) -> PeriodKind:
    return PeriodKind.VACANT if kind is PeriodKind.OCCUPIED else PeriodKind.OCCUPIED


# ----------------------------------------------------------------------- actions

SERVICE_SCHEMA = probatio.Schema({probatio.Optional(ATTR_AREA_ID): cv.ensure_list})


def _manager(hass: HomeAssistant) -> PredictionManager:
    return loaded_entry(hass).runtime_data.predictions


def _targets(manager: PredictionManager, call: ServiceCall) -> list[str] | None:
    """The areas named by the call (None: all, the home included)."""
    areas = [str(a) for a in call.data.get(ATTR_AREA_ID, [])]
    if not areas:
        return None
    unknown = [a for a in areas if a not in manager.coordinator.areas]
    if unknown:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_managed",
            translation_placeholders={"targets": ", ".join(unknown)},
        )
    return areas


async def _async_retrain(call: ServiceCall) -> None:
    manager = _manager(call.hass)
    await manager.async_fit(_targets(manager, call))


async def _async_reset_learning(call: ServiceCall) -> None:
    manager = _manager(call.hass)
    await manager.async_reset(_targets(manager, call))


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register `retrain` and `reset_learning` (once, at integration setup)."""
    hass.services.async_register(DOMAIN, "retrain", _async_retrain, schema=SERVICE_SCHEMA)
    hass.services.async_register(
        DOMAIN, "reset_learning", _async_reset_learning, schema=SERVICE_SCHEMA
    )
