"""Occupancy sessions: the bounded log of occupied intervals and its daily and hourly aggregates.

A session is one occupied interval of an area, recorded when the area becomes vacant. Aggregates
split sessions at local midnights (daily) or at UTC hours (hourly, as recorder statistics are).
Pure Python: all datetimes are aware (UTC by convention), all durations seconds.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from .model import SnapshotError

SNAPSHOT_VERSION = 1
COMPACT_VERSION = 2
HOURS_PER_WEEK = 168
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Session:
    """One occupied interval of an area.

    Attributes:
        area_id: the area.
        start: when the area became occupied (aware).
        end: when it became vacant (aware, >= start).
        duration_s: seconds occupied; normally `end - start`.
        end_reason: why it ended, in DESIGN.md vocabulary (`evidence_cleared`, `timeout`,
            `vacancy_signal`, `manual`, `restart_expired`); a `Reason` value works too.
        timeout_s: the timeout that ran out at the end (seconds), when the session ended by one.
            Learners subtract it to get the span covered by evidence.

    Raises:
        ValueError: naive datetimes, `end` before `start`, or a negative duration or timeout.
    """

    area_id: str
    start: datetime
    end: datetime
    duration_s: float
    end_reason: str
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        """Reject sessions that cannot have happened."""
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("session start and end must be aware datetimes")
        if self.end < self.start:
            raise ValueError(f"session ends before it starts: {self.start} > {self.end}")
        if self.duration_s < 0 or (self.timeout_s is not None and self.timeout_s < 0):
            raise ValueError("session duration and timeout must be >= 0 seconds")

    @classmethod
    def between(
        cls,
        area_id: str,
        start: datetime,
        end: datetime,
        end_reason: str,
        timeout_s: float | None = None,
    ) -> Session:
        """A session whose `duration_s` is `end - start`.

        Raises:
            ValueError: as the constructor.
        """
        duration = (end - start).total_seconds()
        return cls(area_id, start, end, max(duration, 0.0), end_reason, timeout_s)

    @property
    def evidence_s(self) -> float:
        """Seconds from the start to when evidence last cleared (the duration minus the timeout)."""
        return max(self.duration_s - (self.timeout_s or 0.0), 0.0)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe form, read back by `from_dict`."""
        record: dict[str, Any] = {
            "area_id": self.area_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "duration_s": self.duration_s,
            "end_reason": str(self.end_reason),
        }
        if self.timeout_s is not None:
            record["timeout_s"] = self.timeout_s
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Session:
        """Read a record written by `as_dict`.

        Raises:
            ValueError: a missing or malformed field (KeyError and TypeError are turned into it).
        """
        try:
            timeout = record.get("timeout_s")
            return cls(
                str(record["area_id"]),
                datetime.fromisoformat(record["start"]),
                datetime.fromisoformat(record["end"]),
                float(record["duration_s"]),
                str(record["end_reason"]),
                None if timeout is None else float(timeout),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"malformed session record: {err!r}") from None


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """Aggregates of one area over one period (a local day or a UTC hour).

    Attributes:
        area_id: the area.
        start: the period's start (aware; local midnight for days, a UTC hour for hours).
        occupied_s: seconds of the period covered by sessions.
        sessions: sessions that ended in the period.
        mean_duration_s: mean full duration of those sessions; None without any.
    """

    area_id: str
    start: datetime
    occupied_s: float
    sessions: int
    mean_duration_s: float | None


class SessionLog:
    """The most recent sessions of each area, oldest first; at most `max_sessions` per area.

    Raises:
        ValueError: `max_sessions` < 1.
    """

    def __init__(self, max_sessions: int = 2000) -> None:
        """Start an empty log."""
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
        self._max = max_sessions
        self._areas: dict[str, deque[Session]] = {}

    @property
    def max_sessions(self) -> int:
        """How many sessions each area keeps."""
        return self._max

    def __len__(self) -> int:
        """Sessions held over all areas."""
        return sum(len(kept) for kept in self._areas.values())

    def __iter__(self) -> Iterator[Session]:
        """Every session held, by area (in first-seen order), oldest first."""
        for kept in self._areas.values():
            yield from kept

    def append(self, session: Session) -> None:
        """Record a session that just ended; the area's oldest is dropped when full."""
        kept = self._areas.setdefault(session.area_id, deque(maxlen=self._max))
        kept.append(session)

    def sessions(
        self, area_id: str | None = None, *, since: datetime | None = None
    ) -> list[Session]:
        """Sessions of one area (or all), oldest first; with `since`, only those ending after it.

        For one area with `since`, the scan starts from the newest session and stops at the
        first that ended at or before `since` (sessions are appended as they end), so recent
        windows cost what they return, not the whole log.
        """
        if area_id is not None and since is not None:
            recent: list[Session] = []
            for session in reversed(self._areas.get(area_id, ())):
                if session.end <= since:
                    break
                recent.append(session)
            recent.reverse()
            return recent
        chosen = self._areas.get(area_id, ()) if area_id is not None else self
        return [s for s in chosen if since is None or s.end > since]

    def clear(self, area_id: str | None = None) -> None:
        """Forget the sessions of one area, or of all."""
        if area_id is None:
            self._areas.clear()
        else:
            self._areas.pop(area_id, None)

    def export(self, *, compact: bool = False) -> dict[str, Any]:
        """A JSON-safe snapshot, read back by `restore`.

        With `compact`, each area's sessions are rows `[start, end, duration_s, end_reason,
        timeout_s]` (times as epoch seconds): about a third of the size, and much faster to
        build for a large log.
        """
        if compact:
            return {
                "version": COMPACT_VERSION,
                "max_sessions": self._max,
                "areas": {
                    area_id: [
                        [
                            round(s.start.timestamp(), 3),
                            round(s.end.timestamp(), 3),
                            round(s.duration_s, 3),
                            str(s.end_reason),
                            s.timeout_s,
                        ]
                        for s in kept
                    ]
                    for area_id, kept in self._areas.items()
                },
            }
        return {
            "version": SNAPSHOT_VERSION,
            "max_sessions": self._max,
            "sessions": [session.as_dict() for session in self],
        }

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any], max_sessions: int | None = None) -> SessionLog:
        """Rebuild a log from `export` (either form); malformed session records are skipped.

        Args:
            snapshot: what `export` returned.
            max_sessions: the new bound per area; None keeps the stored one.

        Raises:
            SnapshotError: not a mapping of a supported version, or no session list.
        """
        version = snapshot.get("version") if isinstance(snapshot, Mapping) else None
        if version not in (SNAPSHOT_VERSION, COMPACT_VERSION):
            raise SnapshotError("unsupported or missing session log version")
        stored_max = snapshot.get("max_sessions")
        bound = max_sessions or (stored_max if isinstance(stored_max, int) else 2000)
        log = cls(bound)
        if version == COMPACT_VERSION:
            areas = snapshot.get("areas")
            if not isinstance(areas, Mapping):
                raise SnapshotError("session log snapshot lacks areas")
            for area_id, rows in areas.items():
                for row in rows if isinstance(rows, list) else ():
                    if (session := _from_row(str(area_id), row)) is not None:
                        log.append(session)
            return log
        records = snapshot.get("sessions")
        if not isinstance(records, list):
            raise SnapshotError("session log snapshot lacks a session list")
        for record in records:
            if not isinstance(record, Mapping):
                continue
            try:
                log.append(Session.from_dict(record))
            except ValueError:
                continue
        return log


def _from_row(area_id: str, row: object) -> Session | None:
    """A session from a compact row, or None when the row is malformed."""
    if not isinstance(row, list | tuple) or len(row) != 5:  # noqa: PLR2004 - the row's fields
        return None
    start, end, duration, reason, timeout = row
    try:
        return Session(
            area_id,
            datetime.fromtimestamp(float(start), UTC),
            datetime.fromtimestamp(float(end), UTC),
            float(duration),
            str(reason),
            None if timeout is None else float(timeout),
        )
    except TypeError, ValueError, OverflowError, OSError:
        return None


def occupied_seconds(sessions: Iterable[Session], start: datetime, end: datetime) -> float:
    """Seconds of [start, end) covered by the sessions (overlapping sessions count twice)."""
    total = 0.0
    for session in sessions:
        overlap = (min(session.end, end) - max(session.start, start)).total_seconds()
        total += max(overlap, 0.0)
    return total


def daily_stats(
    sessions: Iterable[Session], tz: tzinfo, first: date, last: date
) -> list[PeriodStats]:
    """Per area and local day from `first` to `last` (inclusive): occupied seconds and sessions.

    Days are local to `tz` (e.g. a `ZoneInfo`), so a DST day lasts 23 or 25 hours. A session
    counts towards the day it ended in; its occupied time is split at local midnights.

    Returns:
        One entry per area that has a session, per day, ordered by area then day.
    """
    starts = [
        _local_midnight(first + timedelta(days=n), tz) for n in range((last - first).days + 2)
    ]
    return _period_stats(sessions, starts)


def hourly_stats(sessions: Iterable[Session], start: datetime, end: datetime) -> list[PeriodStats]:
    """Per area and UTC hour in [start, end): occupied seconds and sessions ended, as statistics.

    `start` is floored to its UTC hour; the last hour is the one that contains `end` minus a
    microsecond, so `end` on an hour boundary excludes that hour.
    """
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    starts = [first]
    while starts[-1] < end:
        starts.append(starts[-1] + _HOUR)
    return _period_stats(sessions, starts)


def busiest_hour_of_week(sessions: Iterable[Session], tz: tzinfo) -> dict[str, int]:
    """Per area, the local hour of the week with the most occupied seconds.

    The hour of the week counts from Monday 00:00-01:00 (0) to Sunday 23:00-24:00 (167), in `tz`.
    Ties go to the earlier hour. Areas without occupied time are left out.
    """
    totals: dict[str, list[float]] = {}
    for session in sessions:
        if session.end <= session.start:
            continue
        bins = totals.setdefault(session.area_id, [0.0] * HOURS_PER_WEEK)
        at = session.start
        while at < session.end:
            local = at.astimezone(tz)
            boundary = at + timedelta(
                minutes=60 - local.minute, seconds=-local.second, microseconds=-local.microsecond
            )
            step_end = min(boundary, session.end)
            bins[local.weekday() * 24 + local.hour] += (step_end - at).total_seconds()
            at = step_end
    return {area: max(range(HOURS_PER_WEEK), key=bins.__getitem__) for area, bins in totals.items()}


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _period_stats(sessions: Iterable[Session], starts: list[datetime]) -> list[PeriodStats]:
    """Aggregate over consecutive periods [starts[i], starts[i + 1]), each session in one pass."""
    periods = len(starts) - 1
    occupied: dict[str, list[float]] = {}
    ended: dict[str, list[list[float]]] = {}
    for session in sessions:
        area_occupied = occupied.setdefault(session.area_id, [0.0] * periods)
        area_ended = ended.setdefault(session.area_id, [[] for _ in range(periods)])
        index = max(bisect_right(starts, session.start) - 1, 0)
        while index < periods and starts[index] < session.end:
            overlap = min(session.end, starts[index + 1]) - max(session.start, starts[index])
            area_occupied[index] += max(overlap.total_seconds(), 0.0)
            index += 1
        end_index = bisect_right(starts, session.end) - 1
        if 0 <= end_index < periods:
            area_ended[end_index].append(session.duration_s)
    return [
        PeriodStats(
            area_id,
            starts[index],
            occupied[area_id][index],
            len(durations),
            sum(durations) / len(durations) if durations else None,
        )
        for area_id in sorted(occupied)
        for index, durations in enumerate(ended[area_id])
    ]
