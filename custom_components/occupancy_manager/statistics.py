"""Recorder I/O of the session log: history replayed into sessions, hourly external statistics.

Per area, three hourly external statistics (`occupancy_manager:<area>_<metric>`):
`occupied_time` (sum, seconds), `sessions` (sum, count of sessions ended) and
`mean_session_duration` (mean/min/max of the sessions ended in the hour, seconds). Reads and
writes go through the recorder's executor; the replay of history through a private engine runs
in Home Assistant's executor, one bounded chunk at a time, so the event loop is never blocked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Final

from homeassistant.components.recorder import history
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import STATE_ON, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import slugify
from homeassistant.util.unit_conversion import DurationConverter

from .areas import build_hierarchy, parent_area_of
from .const import DOMAIN
from .coordinator import OccupancyCoordinator
from .engine import AreaConfig, Event, OccupancyEngine, Reason, Result, Transition
from .engine.sessions import Session, hourly_stats

_LOGGER = logging.getLogger(__name__)

OCCUPIED_TIME: Final = "occupied_time"
SESSIONS: Final = "sessions"
MEAN_SESSION_DURATION: Final = "mean_session_duration"
METRICS: Final = (OCCUPIED_TIME, SESSIONS, MEAN_SESSION_DURATION)
BACKFILL_DAYS: Final = 60
CHUNK: Final = timedelta(days=1)
HOUR: Final = timedelta(hours=1)
_NAMES: Final = {
    OCCUPIED_TIME: "{area} occupied time",
    SESSIONS: "{area} occupancy sessions",
    MEAN_SESSION_DURATION: "{area} mean session duration",
}

type StateChange = tuple[float, str, bool]


def statistic_id(area_id: str, metric: str) -> str:
    """The external statistic id of an area's metric, e.g. `occupancy_manager:kitchen_sessions`."""
    return f"{DOMAIN}:{slugify(area_id)}_{metric}"


def metadata(area_id: str, title: str, metric: str) -> StatisticMetaData:
    """Complete metadata (mean type, unit class, source) of an area's metric."""
    seconds = metric != SESSIONS
    return StatisticMetaData(
        mean_type=StatisticMeanType.ARITHMETIC
        if metric == MEAN_SESSION_DURATION
        else StatisticMeanType.NONE,
        has_sum=metric != MEAN_SESSION_DURATION,
        name=_NAMES[metric].format(area=title),
        source=DOMAIN,
        statistic_id=statistic_id(area_id, metric),
        unit_class=DurationConverter.UNIT_CLASS if seconds else None,
        unit_of_measurement=UnitOfTime.SECONDS if seconds else None,
    )


def floor_hour(at: datetime) -> datetime:
    """The start of the UTC hour holding `at`."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def session_of(transition: Transition, timeout: float | None) -> Session | None:
    """The session a vacancy transition ends, or None for an occupancy transition.

    `timeout` is the area timeout in force (seconds); kept when the session ended by it.
    """
    if transition.occupied or transition.duration is None:
        return None
    start = transition.at - timedelta(seconds=transition.duration)
    return Session(
        transition.area_id,
        start,
        transition.at,
        transition.duration,
        transition.reason.value,
        timeout if transition.reason is Reason.TIMEOUT else None,
    )


@dataclass(frozen=True, slots=True)
class LastWritten:
    """Where an area's statistics stand: the next hour to write and the running sums."""

    next_hour: datetime
    occupied_sum: float
    sessions_sum: float


async def async_last_written(hass: HomeAssistant, area_id: str) -> LastWritten | None:
    """The next hour to write for an area, from `get_last_statistics`; None if never written."""
    sums: list[tuple[datetime, float]] = []
    for metric in (OCCUPIED_TIME, SESSIONS):
        stat_id = statistic_id(area_id, metric)
        last = await get_instance(hass).async_add_executor_job(
            partial(get_last_statistics, hass, 1, stat_id, convert_units=False, types={"sum"})
        )
        if stat_id not in last:
            return None
        row = last[stat_id][0]
        sums.append((datetime.fromtimestamp(row["start"], UTC), row.get("sum") or 0.0))
    start = min(at for at, _ in sums)
    return LastWritten(start + HOUR, sums[0][1], sums[1][1])


@dataclass(slots=True)
class HourRows:
    """Rows of the three statistics of one area, ready for `async_add_external_statistics`."""

    occupied: list[StatisticData]
    sessions: list[StatisticData]
    mean: list[StatisticData]


def hour_rows(
    sessions: Iterable[Session], start: datetime, end: datetime, occupied_sum: float, count: float
) -> HourRows:
    """Rows for the UTC hours from `start` to `end` (both on the hour; `end` excluded).

    A session counts towards the hour it ended in; its occupied time is split over the hours
    it covers. Pass an ongoing session clipped at `end`: its occupied time counts, but it
    ends on the excluded boundary, so it is not counted as a session. Sums continue from
    `occupied_sum` (seconds) and `count`.
    """
    chosen = list(sessions)
    rows = HourRows([], [], [])
    durations: dict[datetime, list[float]] = defaultdict(list)
    for session in chosen:
        if start <= session.end < end:
            durations[floor_hour(session.end)].append(session.duration_s)
    occupied = {p.start: p.occupied_s for p in hourly_stats(chosen, start, end)}
    hour = start
    while hour < end:
        occupied_sum += occupied.get(hour, 0.0)
        ended = durations.get(hour, [])
        count += len(ended)
        rows.occupied.append(StatisticData(start=hour, sum=occupied_sum))
        rows.sessions.append(StatisticData(start=hour, sum=count))
        if ended:
            rows.mean.append(
                StatisticData(
                    start=hour, mean=sum(ended) / len(ended), min=min(ended), max=max(ended)
                )
            )
        hour += HOUR
    return rows


def async_write(hass: HomeAssistant, area_id: str, title: str, rows: HourRows) -> None:
    """Queue an area's rows in the recorder (existing hours are overwritten)."""
    for metric, data in (
        (OCCUPIED_TIME, rows.occupied),
        (SESSIONS, rows.sessions),
        (MEAN_SESSION_DURATION, rows.mean),
    ):
        if data:
            async_add_external_statistics(hass, metadata(area_id, title, metric), data)


def replay_configs(coordinator: OccupancyCoordinator) -> list[AreaConfig]:
    """The engine configs of the live engine, rebuilt from the entry (same hierarchy)."""
    subentries = coordinator.entry.subentries
    parents = {
        area_id: parent_area_of(subentries[area.subentry_id])
        if area.subentry_id in subentries
        else None
        for area_id, area in coordinator.areas.items()
    }
    configs, _ = build_hierarchy(coordinator.hass, coordinator.areas, parents)
    return configs


class HistoryReplay:
    """Replays recorded sensor states through a private engine and collects the sessions.

    Not thread safe: call `read` and `feed` from one job at a time (they run in executors).

    Args:
        configs: the engine configs (as the live engine has them).
        tz: the home's time zone.
        nodes: the nodes whose sessions are collected.
    """

    def __init__(self, configs: Sequence[AreaConfig], tz: tzinfo, nodes: Iterable[str]) -> None:
        """A fresh engine with every node vacant and every sensor off."""
        self.engine = OccupancyEngine(configs, tz)
        self.nodes = frozenset(nodes)
        self.sessions: list[Session] = []
        self.changes = 0
        self._on: dict[str, bool] = {}

    def read(
        self, hass: HomeAssistant, start: datetime, end: datetime, *, first: bool
    ) -> list[StateChange]:
        """State changes of every sensor in [start, end), in time order (recorder executor).

        With `first`, each sensor's state at `start` is included.
        """
        changes: list[StateChange] = []
        floor = start.timestamp()
        for source in sorted(self.engine.sources):
            states = history.state_changes_during_period(
                hass,
                start,
                end,
                source,
                no_attributes=True,
                include_start_time_state=first,
            ).get(source, [])
            changes.extend(
                (max(state.last_changed_timestamp, floor), source, state.state == STATE_ON)
                for state in states
            )
        changes.sort()
        return changes

    def feed(self, changes: Iterable[StateChange]) -> None:
        """Run state changes (time order) through the engine; changes of on/off only."""
        engine = self.engine
        for stamp, source, on in changes:
            if self._on.get(source, False) == on:
                continue
            self._on[source] = on
            self.changes += 1
            self._collect(engine.handle(Event(source, on=on), datetime.fromtimestamp(stamp, UTC)))

    def finish(self, end: datetime) -> list[Session]:
        """Run the timers due up to `end`; the sessions that ended, in end order."""
        self._collect(self.engine.tick(end))
        return self.sessions

    def by_node(self) -> dict[str, list[Session]]:
        """The collected sessions per node (every node present), in end order."""
        grouped: dict[str, list[Session]] = {node: [] for node in self.nodes}
        for session in self.sessions:
            grouped[session.area_id].append(session)
        return grouped

    def rows(self, areas: Iterable[str], start: datetime, end: datetime) -> dict[str, HourRows]:
        """Hourly rows of `areas` from `start` to `end` (on the hour), sums from zero.

        An area the replay leaves occupied contributes its time up to `end`. CPU work for an
        executor: call it after `finish`.
        """
        grouped = self.by_node()
        out: dict[str, HourRows] = {}
        for area_id in areas:
            state = self.engine.state(area_id)
            chosen = grouped.get(area_id, [])
            if state.occupied and state.since is not None and state.since < end:
                chosen = [*chosen, Session.between(area_id, state.since, end, "ongoing")]
            out[area_id] = hour_rows(chosen, start, end, 0.0, 0.0)
        return out

    def _collect(self, result: Result) -> None:
        for transition in result.transitions:
            if transition.area_id in self.nodes:
                timeout = self.engine.state(transition.area_id).timeout
                if (session := session_of(transition, timeout)) is not None:
                    self.sessions.append(session)


async def async_replay_history(
    hass: HomeAssistant,
    replay: HistoryReplay,
    start: datetime,
    end: datetime,
    chunk: timedelta = CHUNK,
) -> list[Session]:
    """Replay the recorder's history of [start, end) in chunks; the sessions it yields.

    Each chunk is read in the recorder's executor and replayed in Home Assistant's executor,
    so neither the database work nor the engine work runs on the event loop.
    """
    at = start
    while at < end:
        upto = min(at + chunk, end)
        changes = await get_instance(hass).async_add_executor_job(
            partial(replay.read, hass, at, upto, first=at == start)
        )
        await hass.async_add_executor_job(replay.feed, changes)
        at = upto
    sessions = await hass.async_add_executor_job(replay.finish, end)
    _LOGGER.debug(
        "Replayed %d state changes from %s to %s: %d sessions",
        replay.changes,
        start,
        end,
        len(sessions),
    )
    return sessions
