"""Sessions, the bounded session log and its daily / hourly aggregates (literal datetimes)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.occupancy_manager.engine.model import SnapshotError
from custom_components.occupancy_manager.engine.sessions import (
    PeriodStats,
    Session,
    SessionLog,
    busiest_hour_of_week,
    daily_stats,
    hourly_stats,
    occupied_seconds,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Engine tests run without a `hass` instance."""


def session(area: str, start: datetime, minutes: float, reason: str = "timeout") -> Session:
    return Session.between(area, start, start + timedelta(minutes=minutes), reason)


def test_between_computes_the_duration() -> None:
    made = Session.between("kitchen", T0, T0 + timedelta(minutes=12), "timeout", 300.0)
    assert made.duration_s == 720.0
    assert made.evidence_s == 420.0


def test_evidence_span_never_goes_negative() -> None:
    assert (
        Session.between("kitchen", T0, T0 + timedelta(seconds=60), "timeout", 300.0).evidence_s == 0
    )


@pytest.mark.parametrize(
    ("start", "end", "duration", "timeout", "message"),
    [
        (T0.replace(tzinfo=None), T0, 0.0, None, "aware"),
        (T0, T0 - timedelta(seconds=1), 0.0, None, "ends before it starts"),
        (T0, T0, -1.0, None, ">= 0"),
        (T0, T0, 0.0, -5.0, ">= 0"),
    ],
)
def test_impossible_sessions_raise(
    start: datetime, end: datetime, duration: float, timeout: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Session("kitchen", start, end, duration, "timeout", timeout)


def test_dict_round_trip_is_json_safe() -> None:
    original = Session.between("kitchen", T0, T0 + timedelta(minutes=3), "timeout", 120.0)
    record = json.loads(json.dumps(original.as_dict()))
    assert Session.from_dict(record) == original


def test_dict_without_timeout_leaves_it_out() -> None:
    record = session("kitchen", T0, 3, "manual").as_dict()
    assert "timeout_s" not in record
    assert Session.from_dict(record).timeout_s is None


@pytest.mark.parametrize(
    "record",
    [
        {"area_id": "kitchen"},
        {"area_id": "kitchen", "start": 5, "end": 6, "duration_s": 1, "end_reason": "x"},
        {"area_id": "k", "start": "nonsense", "end": "x", "duration_s": 1, "end_reason": "x"},
    ],
)
def test_malformed_dicts_raise_value_error(record: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - KeyError, TypeError and parse errors alike
        Session.from_dict(record)


def test_log_keeps_the_newest_sessions_per_area() -> None:
    log = SessionLog(max_sessions=2)
    for minute in range(3):
        log.append(session("kitchen", T0 + timedelta(hours=minute), 1))
    log.append(session("bedroom", T0, 60))
    assert [s.start.hour for s in log.sessions("kitchen")] == [9, 10]
    assert len(log) == 3
    assert [s.area_id for s in log] == ["kitchen", "kitchen", "bedroom"]


def test_sessions_filter_by_area_and_end() -> None:
    log = SessionLog()
    first, second = session("kitchen", T0, 10), session("kitchen", T0 + timedelta(hours=1), 10)
    log.append(first)
    log.append(second)
    log.append(session("bedroom", T0, 10))
    assert log.sessions("kitchen", since=T0 + timedelta(minutes=30)) == [second]
    assert len(log.sessions()) == 3
    assert log.sessions("garage") == []


def test_clear_one_area_or_all() -> None:
    log = SessionLog()
    log.append(session("kitchen", T0, 1))
    log.append(session("bedroom", T0, 1))
    log.clear("kitchen")
    assert [s.area_id for s in log] == ["bedroom"]
    log.clear()
    assert len(log) == 0


def test_max_sessions_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_sessions"):
        SessionLog(0)


def test_export_restore_round_trip_through_json() -> None:
    log = SessionLog(max_sessions=5)
    log.append(Session.between("kitchen", T0, T0 + timedelta(minutes=4), "timeout", 300.0))
    log.append(session("bedroom", T0, 400, "manual"))
    restored = SessionLog.restore(json.loads(json.dumps(log.export())))
    assert list(restored) == list(log)
    assert restored.max_sessions == 5


def test_restore_can_shrink_the_bound_and_skips_malformed_records() -> None:
    log = SessionLog()
    for hour in range(4):
        log.append(session("kitchen", T0 + timedelta(hours=hour), 1))
    snapshot = log.export()
    snapshot["sessions"] += [{"area_id": "kitchen"}, "garbage"]
    restored = SessionLog.restore(snapshot, max_sessions=2)
    assert [s.start.hour for s in restored] == [10, 11]


@pytest.mark.parametrize(
    "snapshot", [{}, {"version": 99, "sessions": []}, {"version": 1}, "nonsense"]
)
def test_restore_rejects_unknown_snapshots(snapshot: object) -> None:
    with pytest.raises(SnapshotError):
        SessionLog.restore(snapshot)  # type: ignore[arg-type]


def test_occupied_seconds_counts_only_the_overlap() -> None:
    sessions = [session("kitchen", T0, 60), session("kitchen", T0 + timedelta(hours=2), 30)]
    window_end = T0 + timedelta(hours=2, minutes=10)
    assert occupied_seconds(sessions, T0 + timedelta(minutes=30), window_end) == 40 * 60


def test_daily_stats_split_at_local_midnight() -> None:
    # 23:00-01:00 Berlin time (UTC+1 in January): one hour on each local day.
    start = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    days = daily_stats([session("bedroom", start, 120)], BERLIN, date(2026, 1, 5), date(2026, 1, 6))
    assert days == [
        PeriodStats("bedroom", datetime(2026, 1, 4, 23, tzinfo=UTC), 3600.0, 0, None),
        PeriodStats("bedroom", datetime(2026, 1, 5, 23, tzinfo=UTC), 3600.0, 1, 7200.0),
    ]


def test_daily_stats_follow_dst() -> None:
    # 2026-03-29 lasts 23 hours in Berlin; a session from 23:00 CET to 04:00 CEST is 4 h long.
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    days = daily_stats(
        [session("bedroom", start, 240)], BERLIN, date(2026, 3, 28), date(2026, 3, 29)
    )
    assert [(d.occupied_s / 3600, d.sessions) for d in days] == [(1.0, 0), (3.0, 1)]
    assert days[1].start == datetime(2026, 3, 28, 23, tzinfo=UTC)


def test_daily_stats_mean_duration_of_sessions_ended_that_day() -> None:
    sessions = [session("kitchen", T0, 10), session("kitchen", T0 + timedelta(hours=3), 20)]
    (day,) = daily_stats(sessions, UTC, date(2026, 1, 5), date(2026, 1, 5))
    assert (day.sessions, day.mean_duration_s, day.occupied_s) == (2, 900.0, 1800.0)


def test_hourly_stats_in_utc_hours() -> None:
    sessions = [session("kitchen", T0 + timedelta(minutes=50), 20)]
    hours = hourly_stats(sessions, T0 + timedelta(minutes=5), T0 + timedelta(hours=2))
    assert [(h.start.hour, h.occupied_s, h.sessions) for h in hours] == [
        (8, 600.0, 0),
        (9, 600.0, 1),
    ]


def test_busiest_hour_of_week_is_local() -> None:
    # Monday 08:00-09:30 UTC is 09:00-10:30 in Berlin: hour 9 of Monday wins.
    busiest = busiest_hour_of_week([session("kitchen", T0, 90)], BERLIN)
    assert busiest == {"kitchen": 9}


def test_busiest_hour_ties_go_to_the_earlier_hour_and_empty_areas_are_left_out() -> None:
    sessions = [
        session("kitchen", T0 + timedelta(days=1), 60),
        session("kitchen", T0, 60),
        session("hall", T0, 0),
    ]
    assert busiest_hour_of_week(sessions, UTC) == {"kitchen": 8}


def test_busiest_hour_handles_half_hour_offsets() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: 08:00 UTC is 13:30 local
    assert busiest_hour_of_week([session("kitchen", T0, 60)], kolkata) == {"kitchen": 13}
