"""The learner: conditional duration predictions, accuracy, drift, timeouts, snapshots."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from custom_components.occupancy_manager.engine.learning import (
    Learner,
    LearnerConfig,
    PeriodKind,
    Prediction,
    TimeoutRule,
)
from custom_components.occupancy_manager.engine.model import SnapshotError
from custom_components.occupancy_manager.engine.sessions import Session

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
MIN = timedelta(minutes=1)
NO_CALIBRATION = LearnerConfig(interval_step=0.0)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Engine tests run without a `hass` instance."""


def daily(
    area: str, hour: int, minutes: list[float], days: int | None = None, **kw: float
) -> list[Session]:
    """One session a day at `hour`, lasting minutes[i % len] on day i."""
    count = days if days is not None else len(minutes)
    return [
        Session.between(
            area,
            MONDAY + timedelta(days=i, hours=hour),
            MONDAY + timedelta(days=i, hours=hour) + minutes[i % len(minutes)] * MIN,
            "timeout",
            kw.get("timeout"),
        )
        for i in range(count)
    ]


def learner_with(sessions: list[Session], config: LearnerConfig = NO_CALIBRATION) -> Learner:
    learner = Learner(UTC, config)
    learner.fit(sessions)
    return learner


def test_no_history_predicts_nothing() -> None:
    learner = Learner()
    assert learner.predict_vacancy("kitchen", MONDAY, MONDAY) is None
    assert learner.predict_occupancy("kitchen", MONDAY, MONDAY) is None
    assert learner.samples("kitchen", PeriodKind.OCCUPIED) == 0


def test_vacancy_is_the_median_of_the_durations_still_possible() -> None:
    sessions = daily("kitchen", 8, [10, 20, 30, 40, 50, 60, 70, 80, 90], days=27)
    learner = learner_with(sessions)
    since = MONDAY + timedelta(days=30, hours=8)
    prediction = learner.predict_vacancy("kitchen", since, since + 35 * MIN)
    assert prediction is not None
    # Durations above 35 min: 40..90, median 65 -> 30 min from now.
    assert prediction.at == since + 65 * MIN
    assert prediction.low < prediction.at < prediction.high
    assert prediction.kind is PeriodKind.OCCUPIED
    assert prediction.made_at == since + 35 * MIN
    assert prediction.samples == 18
    assert 0 <= prediction.confidence <= 1


def test_the_prediction_never_lies_in_the_past() -> None:
    learner = learner_with(daily("kitchen", 8, [30], days=10))
    since = MONDAY + timedelta(days=11, hours=8)
    prediction = learner.predict_vacancy("kitchen", since, since + 29 * MIN)
    assert prediction is not None
    assert prediction.at >= prediction.made_at
    assert prediction.low >= prediction.made_at


def test_backoff_from_weekday_to_hour_of_day_to_all() -> None:
    # Ten Mondays of 60-minute sessions at 08:00, five weeks of 10-minute sessions at 20:00.
    mondays = [
        Session.between(
            "den", MONDAY + timedelta(weeks=w, hours=8), MONDAY + timedelta(weeks=w, hours=9), "t"
        )
        for w in range(10)
    ]
    evenings = daily("den", 20, [10], days=35)
    learner = learner_with(mondays + evenings)
    next_monday = MONDAY + timedelta(weeks=10, hours=8)
    week = learner.predict_vacancy("den", next_monday, next_monday)
    assert week is not None
    assert (week.level, week.at - next_monday) == ("hour_of_week", 60 * MIN)
    tuesday = next_monday + timedelta(days=1, hours=12)
    day = learner.predict_vacancy("den", tuesday, tuesday)
    assert day is not None
    assert (day.level, day.at - tuesday) == ("hour_of_day", 10 * MIN)
    noon = next_monday + timedelta(days=2, hours=4)
    anywhere = learner.predict_vacancy("den", noon, noon)
    assert anywhere is not None
    assert anywhere.level == "all"


def test_outlasting_every_period_uses_the_tail() -> None:
    learner = learner_with(daily("kitchen", 8, [10, 20, 30], days=30))
    since = MONDAY + timedelta(days=40, hours=8)
    prediction = learner.predict_vacancy("kitchen", since, since + 3 * 60 * MIN)
    assert prediction is not None
    assert prediction.level == "tail"
    assert prediction.at >= prediction.made_at


def test_time_of_week_bins_are_local() -> None:
    # Winter sessions at 22:00 UTC are 23:00 in Berlin; in July 23:00 in Berlin is 21:00 UTC.
    sessions = daily("bedroom", 22, [480], days=70)
    july = datetime(2026, 7, 6, 21, tzinfo=UTC)
    exact = LearnerConfig(window_hours=0, interval_step=0.0)
    local = Learner(ZoneInfo("Europe/Berlin"), exact)
    local.fit(sessions)
    utc = Learner(UTC, exact)
    utc.fit(sessions)
    by_local = local.predict_vacancy("bedroom", july, july)
    by_utc = utc.predict_vacancy("bedroom", july, july)
    assert by_local is not None
    assert by_utc is not None
    assert by_local.level == "hour_of_week"
    assert by_utc.level == "all"


def test_occupancy_predictions_use_the_gaps_between_sessions() -> None:
    learner = learner_with(daily("kitchen", 8, [60], days=20))
    vacant_since = MONDAY + timedelta(days=20, hours=9)
    prediction = learner.predict_occupancy("kitchen", vacant_since, vacant_since + 60 * MIN)
    assert prediction is not None
    assert prediction.kind is PeriodKind.VACANT
    assert prediction.at == vacant_since + 23 * 60 * MIN
    assert learner.samples("kitchen", PeriodKind.VACANT) == 19


def test_update_learns_like_fit() -> None:
    sessions = daily("kitchen", 8, [10, 25, 40], days=21)
    fitted = learner_with(sessions)
    updated = Learner(UTC, NO_CALIBRATION)
    for one in sessions:
        updated.update(one)
    since = MONDAY + timedelta(days=21, hours=8)
    assert fitted.predict_vacancy("kitchen", since, since + MIN) == updated.predict_vacancy(
        "kitchen", since, since + MIN
    )
    assert fitted.areas == updated.areas == ("kitchen",)


def test_fit_replaces_an_areas_history() -> None:
    learner = learner_with(daily("kitchen", 8, [10], days=10))
    learner.fit(daily("kitchen", 8, [50], days=10))
    since = MONDAY + timedelta(days=20, hours=8)
    prediction = learner.predict_vacancy("kitchen", since, since)
    assert prediction is not None
    assert prediction.at == since + 50 * MIN
    assert learner.samples("kitchen", PeriodKind.OCCUPIED) == 10


def test_history_is_bounded() -> None:
    config = LearnerConfig(max_samples=20, history_days=15)
    learner = learner_with(daily("kitchen", 8, [10], days=40), config)
    assert learner.samples("kitchen", PeriodKind.OCCUPIED) == 15


def test_naive_datetimes_are_rejected() -> None:
    learner = learner_with(daily("kitchen", 8, [10], days=3))
    with pytest.raises(ValueError, match="aware"):
        learner.predict_vacancy("kitchen", MONDAY.replace(tzinfo=None), MONDAY)


@pytest.mark.parametrize(
    "settings",
    [
        {"min_samples": 0},
        {"min_samples": 10, "max_samples": 5},
        {"low_quantile": 0.9, "high_quantile": 0.1},
        {"timeout_min": 600, "timeout_max": 60},
    ],
)
def test_impossible_configs_raise(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="need"):
        LearnerConfig(**settings)  # type: ignore[arg-type]


def prediction(at: datetime, minutes: float, spread: float = 10) -> Prediction:
    return Prediction(
        "kitchen",
        PeriodKind.OCCUPIED,
        at,
        at + minutes * MIN,
        at + (minutes - spread) * MIN,
        at + (minutes + spread) * MIN,
        0.5,
        10,
        "all",
    )


def test_score_feeds_accuracy_over_a_window() -> None:
    learner = Learner(UTC, NO_CALIBRATION)
    made = MONDAY
    learner.score(prediction(made, 30), made + 40 * MIN)  # 10 min off, covered
    learner.score(prediction(made, 30), made + 60 * MIN)  # 30 min off, not covered
    accuracy = learner.accuracy("kitchen", PeriodKind.OCCUPIED, made + 61 * MIN)
    assert (accuracy.scored, accuracy.mae_minutes, accuracy.p20, accuracy.coverage) == (
        2,
        20.0,
        0.5,
        0.5,
    )
    later = learner.accuracy("kitchen", PeriodKind.OCCUPIED, made + timedelta(days=8))
    assert later.scored == 0
    assert later.mae_minutes is None
    assert learner.accuracy("garage", PeriodKind.VACANT, made).scored == 0


def test_drift_flags_a_lasting_rise_of_the_errors_and_refit_forgets_old_habits() -> None:
    learner = learner_with(daily("kitchen", 8, [10], days=60))
    made = MONDAY + timedelta(days=60)
    for n in range(40):
        result = learner.score(prediction(made + n * MIN, 10), made + (n + 12) * MIN)
        assert not result.drift
    assert not learner.needs_refit("kitchen")
    for n in range(40, 80):
        result = learner.score(prediction(made + n * MIN, 10), made + (n + 70) * MIN)
    assert result.drift
    assert learner.needs_refit("kitchen")
    learner.refit("kitchen", made)
    assert not learner.needs_refit("kitchen")
    assert learner.samples("kitchen", PeriodKind.OCCUPIED) == 16  # 14 days, at least 2 x 8
    learner.refit("garage", made)


def test_interval_calibration_widens_after_misses() -> None:
    learner = learner_with(daily("kitchen", 8, list(range(10, 100, 5)), days=36), LearnerConfig())
    since = MONDAY + timedelta(days=40, hours=8)
    before = learner.predict_vacancy("kitchen", since, since)
    assert before is not None
    for _ in range(10):
        learner.score(before, before.high + 60 * MIN)
    after = learner.predict_vacancy("kitchen", since, since)
    assert after is not None
    assert after.high - after.low > before.high - before.low


def test_forget_one_area_or_all() -> None:
    learner = learner_with(daily("kitchen", 8, [10], days=3) + daily("hall", 8, [10], days=3))
    learner.forget("kitchen")
    assert learner.areas == ("hall",)
    learner.forget()
    assert not learner.areas


def test_suggest_timeout_defaults_before_learning() -> None:
    assert Learner().suggest_timeout("kitchen", MONDAY) == 300.0
    config = LearnerConfig(default_timeout=30.0)
    assert Learner(UTC, config).suggest_timeout("kitchen", MONDAY) == config.timeout_min


def test_seed_rule_is_twice_the_mean_evidence_span_bounded() -> None:
    sessions = daily("kitchen", 8, [3, 5], days=20, timeout=60.0)
    learner = learner_with(sessions)
    # Evidence spans 2 and 4 min -> mean 3 min -> 6 min.
    assert learner.suggest_timeout("kitchen", MONDAY + timedelta(days=30, hours=8)) == 360.0
    long = learner_with(daily("kitchen", 8, [60], days=20, timeout=60.0))
    assert long.suggest_timeout("kitchen", MONDAY + timedelta(days=30, hours=8)) == 600.0


def sleep_with_silences(pause: float, after: str) -> list[Session]:
    """Nightly bedroom sessions ended by a 2-minute timeout, then evidence in `after` `pause`
    minutes after the last bedroom evidence (in the bedroom itself: the sleeper stayed)."""
    out = []
    for day in range(20):
        start = MONDAY + timedelta(days=day, hours=23)
        out.append(Session.between("bedroom", start, start + 12 * MIN, "timeout", 120.0))
        out.append(
            Session.between(after, start + (10 + pause) * MIN, start + (15 + pause) * MIN, "t")
        )
    return out


MIN_COST = LearnerConfig(timeout_rule=TimeoutRule.MIN_COST, timeout_max=4 * 3600.0)


def test_min_cost_covers_silences_the_sleeper_stayed_through() -> None:
    learner = learner_with(sleep_with_silences(45, "bedroom"), MIN_COST)
    suggested = learner.suggest_timeout("bedroom", MONDAY + timedelta(days=30, hours=23))
    assert suggested == 45 * 60


def test_min_cost_stays_short_when_the_occupant_leaves() -> None:
    learner = learner_with(sleep_with_silences(45, "bathroom"), MIN_COST)
    assert learner.suggest_timeout("bedroom", MONDAY + timedelta(days=30, hours=23)) == 120.0


def test_min_cost_with_handoff_prices_departures_by_the_handoff() -> None:
    # 12 nights the sleeper leaves (bathroom 45 min after the last bedroom evidence), 10 nights
    # they stay silent for 90 min. Without handoff a long timeout would hold the bedroom for
    # its full length after each departure; with handoff only until the bathroom evidence.
    sessions = []
    for day in range(22):
        start = MONDAY + timedelta(days=day, hours=23)
        sessions.append(Session.between("bedroom", start, start + 12 * MIN, "timeout", 120.0))
        area, pause = ("bathroom", 45) if day < 12 else ("bedroom", 90)
        later = start + (10 + pause) * MIN
        sessions.append(Session.between(area, later, later + 5 * MIN, "t"))
    plain = learner_with(sessions, MIN_COST)
    handoff = learner_with(sessions, replace(MIN_COST, handoff_delay=60.0))
    at = MONDAY + timedelta(days=30, hours=23)
    assert plain.suggest_timeout("bedroom", at) == 120.0
    assert handoff.suggest_timeout("bedroom", at) == 90 * 60


def test_export_restore_round_trip() -> None:
    learner = learner_with(daily("kitchen", 8, [10, 20, 30], days=21), LearnerConfig())
    since = MONDAY + timedelta(days=21, hours=8)
    made = learner.predict_vacancy("kitchen", since, since)
    assert made is not None
    learner.score(made, since + 90 * MIN)
    snapshot = json.loads(json.dumps(learner.export()))
    restored = Learner.restore(snapshot, UTC, LearnerConfig())
    assert restored.predict_vacancy("kitchen", since, since) == learner.predict_vacancy(
        "kitchen", since, since
    )
    assert restored.accuracy("kitchen", PeriodKind.OCCUPIED, since) == learner.accuracy(
        "kitchen", PeriodKind.OCCUPIED, since
    )


@pytest.mark.parametrize(
    "snapshot",
    [
        {},
        {"version": 2, "areas": {}},
        {"version": 1},
        {"version": 1, "areas": {"kitchen": {"occupied": {}}}},
        {
            "version": 1,
            "areas": {
                "kitchen": {
                    "occupied": {"start": [1.0], "duration": [], "evidence": []},
                    "vacant": {"start": [], "duration": [], "evidence": []},
                    "last_end": None,
                    "drift": {},
                    "drifting": False,
                    "scores": {"occupied": [], "vacant": []},
                }
            },
        },
    ],
)
def test_restore_rejects_bad_snapshots(snapshot: dict[str, object]) -> None:
    with pytest.raises(SnapshotError):
        Learner.restore(snapshot)


def test_fitting_a_large_history_is_fast() -> None:
    """Issue 6: learning 60 days x 50 sensors (about 1M state changes) well under 30 s."""
    rng = np.random.default_rng(0)
    sessions = []
    for area in range(50):
        begins = np.sort(rng.uniform(0, 60 * 86400, 4000))
        sessions += [
            Session(
                f"a{area}",
                MONDAY + timedelta(seconds=b),
                MONDAY + timedelta(seconds=b + 300),
                300.0,
                "timeout",
                120.0,
            )
            for b in begins
        ]
    learner = Learner(UTC, MIN_COST)
    started = time.perf_counter()
    learner.fit(sessions)
    for area in range(50):
        learner.suggest_timeout(f"a{area}", MONDAY + timedelta(days=60))
    assert time.perf_counter() - started < 10
