"""Learned duration models per area: next vacancy and occupancy, accuracy, drift, timeouts.

Model: each area keeps the durations of its past occupied periods (sessions) and vacant periods
(gaps between sessions), each tagged with the local hour of the week it began. A prediction for a
period that began at `since` and has lasted `elapsed` seconds uses the past periods that began at
a similar time and lasted longer than `elapsed` (conditional survival,
P(D > elapsed + x | D > elapsed)), backing off from the same weekday and hour (+/- `window_hours`)
to the same hour on any day and then to every period when fewer than `min_samples` qualify. The
point prediction is the median remaining time (it minimises the absolute error), the interval
the 10th-90th percentile. Pure Python with numpy: every call takes `now`, nothing reads a clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import SnapshotError
from .sessions import HOURS_PER_WEEK, Session

SNAPSHOT_VERSION = 1
_MAX_CANDIDATES = 256
_NO_PERIODS: Mapping[str, list[float]] = {"start": [], "duration": [], "evidence": []}
_EPOCH_WEEKDAY_HOURS = 72  # 1970-01-01 was a Thursday: hour 72 of a Monday-based week
type FloatArray = npt.NDArray[np.float64]
type IntArray = npt.NDArray[np.int16]
type BoolArray = npt.NDArray[np.bool_]


class TimeoutRule(StrEnum):
    """How `Learner.suggest_timeout` chooses a timeout.

    SESSION_MEAN: seed 000, `timeout_factor` x the mean evidence span of sessions near this hour.
    MIN_COST: the timeout that would have cost the fewest false-vacant plus false-occupied
        minutes on this area's past silences near this hour (see `suggest_timeout`).
    """

    SESSION_MEAN = "session_mean"
    MIN_COST = "min_cost"


class PeriodKind(StrEnum):
    """The state whose end is predicted: OCCUPIED -> next vacancy, VACANT -> next occupancy."""

    OCCUPIED = "occupied"
    VACANT = "vacant"


@dataclass(frozen=True, slots=True)
class LearnerConfig:
    """Tuning of the learner; the defaults are what the replay benchmark was run with.

    Attributes:
        min_samples: periods needed at a level before backing off to a coarser one.
        window_hours: half-width of the time-of-week window (hours).
        max_samples: most recent periods kept per area and kind.
        history_days: periods that began longer ago than this are dropped (days).
        low_quantile, high_quantile: the interval.
        p20_minutes: the tolerance of P20 and of `Prediction.confidence` (minutes).
        accuracy_days: the window of `accuracy` (days).
        interval_step: learning rate of the interval calibration: after each scored prediction
            the miss rate used for the interval moves by this much towards the target
            (adaptive conformal inference, Gibbs and Candes 2021); 0 turns it off.
        drift_delta: Page-Hinkley tolerance: an error rise below this share of the mean error
            is ignored (scale-free, so areas with 5- and 60-minute errors behave alike).
        drift_threshold: Page-Hinkley alarm level, in mean errors.
        drift_min_scored: scored predictions needed before drift can be flagged.
        refit_days: a refit keeps the periods of this many recent days (at least 2 x min_samples).
        timeout_rule: see `TimeoutRule`.
        timeout_factor: SESSION_MEAN's factor (seed 000: 2).
        timeout_min, timeout_max: bounds of the suggested timeout (seconds).
        default_timeout: the timeout suggested before anything was learned (seconds).
        false_vacant_weight: MIN_COST's price of a false-vacant minute in false-occupied minutes.
        handoff_delay: seconds after evidence elsewhere at which the host ends an occupancy
            ("wasp in a box" handoff), or None when it does not; MIN_COST prices the
            false-occupied time of a departure with it.
    """

    min_samples: int = 8
    window_hours: int = 1
    max_samples: int = 3000
    history_days: float = 120.0
    low_quantile: float = 0.1
    high_quantile: float = 0.9
    p20_minutes: float = 20.0
    accuracy_days: float = 7.0
    interval_step: float = 0.02
    drift_delta: float = 0.5
    drift_threshold: float = 20.0
    drift_min_scored: int = 30
    refit_days: float = 14.0
    timeout_rule: TimeoutRule = TimeoutRule.SESSION_MEAN
    timeout_factor: float = 2.0
    timeout_min: float = 120.0
    timeout_max: float = 600.0
    default_timeout: float = 300.0
    false_vacant_weight: float = 1.0
    handoff_delay: float | None = None

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        if self.min_samples < 1 or self.max_samples < self.min_samples or self.window_hours < 0:
            raise ValueError("need 1 <= min_samples <= max_samples and window_hours >= 0")
        if not 0 <= self.low_quantile < self.high_quantile <= 1:
            raise ValueError("need 0 <= low_quantile < high_quantile <= 1")
        if not 0 <= self.timeout_min <= self.timeout_max:
            raise ValueError("need 0 <= timeout_min <= timeout_max")


@dataclass(frozen=True, slots=True)
class Prediction:
    """When the current period of an area is expected to end.

    Attributes:
        area_id: the area.
        kind: the current state; OCCUPIED predicts the next vacancy.
        made_at: when the prediction was made (aware UTC).
        at: the expected end (median), aware UTC, never before `made_at`.
        low, high: the 10th and 90th percentiles (with the default quantiles).
        confidence: share of the matching past periods that ended within `p20_minutes` of
            `at`, shrunk towards 0 for few samples (n / (n + min_samples)); 0..1.
        samples: past periods the prediction rests on.
        level: `hour_of_week`, `hour_of_day`, `all`, or `tail` (the period already outlasted
            every matching one; the spread of the longest ones is used).
    """

    area_id: str
    kind: PeriodKind
    made_at: datetime
    at: datetime
    low: datetime
    high: datetime
    confidence: float
    samples: int
    level: str


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Scored predictions of an area over the accuracy window.

    Attributes:
        scored: how many predictions were scored.
        mae_minutes: mean absolute error (None without scores); likewise for the others.
        median_minutes: median absolute error.
        p20: share of errors within `p20_minutes`.
        coverage: share of actual times inside [low, high].
    """

    area_id: str
    kind: PeriodKind
    scored: int
    mae_minutes: float | None
    median_minutes: float | None
    p20: float | None
    coverage: float | None


@dataclass(frozen=True, slots=True)
class Scored:
    """The outcome of `Learner.score`: the error in minutes and whether drift is now flagged."""

    error_minutes: float
    covered: bool
    drift: bool


@dataclass(slots=True)
class _PageHinkley:
    """Page-Hinkley test for a rise of the mean (Page 1954; Hinkley 1971), scaled by the mean."""

    count: int = 0
    mean: float = 0.0
    cumulative: float = 0.0
    minimum: float = 0.0

    def add(self, value: float, delta: float) -> float:
        """Add one observation; returns the test statistic (alarm when above the threshold)."""
        self.count += 1
        self.mean += (value - self.mean) / self.count
        self.cumulative += value - self.mean * (1 + delta)
        self.minimum = min(self.minimum, self.cumulative)
        return self.cumulative - self.minimum


@dataclass(slots=True)
class _Periods:
    """Past periods of one area and kind, oldest first, as parallel arrays."""

    start: FloatArray = field(default_factory=lambda: np.empty(0))
    duration: FloatArray = field(default_factory=lambda: np.empty(0))
    evidence: FloatArray = field(default_factory=lambda: np.empty(0))
    how: IntArray = field(default_factory=lambda: np.empty(0, np.int16))
    masks: dict[tuple[int, int], tuple[BoolArray, BoolArray]] = field(default_factory=dict)

    def near(self, how: int, window: int) -> tuple[BoolArray, BoolArray]:
        """Periods that began within `window` hours of `how`: same weekday, and any day."""
        key = (how, window)
        if (cached := self.masks.get(key)) is None:
            week = _circular(self.how, how, HOURS_PER_WEEK) <= window
            day = _circular(self.how % 24, how % 24, 24) <= window
            cached = self.masks[key] = (week, day)
        return cached

    def extend(
        self, start: FloatArray, duration: FloatArray, evidence: FloatArray, how: IntArray
    ) -> None:
        self.masks.clear()
        self.start = np.concatenate((self.start, start))
        self.duration = np.concatenate((self.duration, duration))
        self.evidence = np.concatenate((self.evidence, evidence))
        self.how = np.concatenate((self.how, how))

    def keep(self, mask: BoolArray | slice) -> None:
        self.masks.clear()
        self.start, self.duration = self.start[mask], self.duration[mask]
        self.evidence, self.how = self.evidence[mask], self.how[mask]


@dataclass(slots=True)
class _Area:
    occupied: _Periods = field(default_factory=_Periods)
    vacant: _Periods = field(default_factory=_Periods)
    last_end: float | None = None
    drift: _PageHinkley = field(default_factory=_PageHinkley)
    drifting: bool = False
    miss_rate: dict[PeriodKind, float] = field(default_factory=dict)
    scores: dict[PeriodKind, deque[tuple[float, float, bool]]] = field(
        default_factory=lambda: {kind: deque(maxlen=50_000) for kind in PeriodKind}
    )

    def periods(self, kind: PeriodKind) -> _Periods:
        return self.occupied if kind is PeriodKind.OCCUPIED else self.vacant


class Learner:
    """Duration models of every area it has seen sessions of.

    Args:
        tz: the home's time zone; time-of-week bins are local hours.
        config: tuning, see `LearnerConfig`.
    """

    def __init__(self, tz: tzinfo = UTC, config: LearnerConfig | None = None) -> None:
        """Start with no history."""
        self._tz = tz
        self._config = config or LearnerConfig()
        self._areas: dict[str, _Area] = {}
        self._version = 0
        self._starts: tuple[int, FloatArray] = (-1, np.empty(0))

    @property
    def config(self) -> LearnerConfig:
        """The tuning in force."""
        return self._config

    @property
    def areas(self) -> tuple[str, ...]:
        """Areas with history, in first-seen order."""
        return tuple(self._areas)

    def samples(self, area_id: str, kind: PeriodKind) -> int:
        """How many past periods of this kind the area keeps (0 for an unknown area)."""
        area = self._areas.get(area_id)
        return 0 if area is None else len(area.periods(kind).duration)

    def fit(self, sessions: Iterable[Session]) -> None:
        """Replace the history of every area that has sessions in `sessions` (any order).

        Vacant periods are the gaps between consecutive sessions of an area. Accuracy scores
        and drift state are kept; drift flags are cleared.
        """
        grouped: dict[str, list[tuple[float, float, float]]] = {}
        for session in sessions:
            grouped.setdefault(session.area_id, []).append(
                (session.start.timestamp(), session.duration_s, session.evidence_s)
            )
        for area_id, rows in grouped.items():
            table = np.array(rows, dtype=np.float64)
            table = table[np.argsort(table[:, 0], kind="stable")]
            area = self._areas.setdefault(area_id, _Area())
            area.occupied, area.vacant, area.last_end = _Periods(), _Periods(), None
            self._add(area, table[:, 0], table[:, 1], table[:, 2])
            area.drift, area.drifting = _PageHinkley(), False

    def adopt(self, other: Learner, area_ids: Iterable[str] | None = None) -> None:
        """Take the history of `area_ids` (default: all of `other`'s) from another learner.

        A host fits a fresh learner off its event loop and adopts the result in one cheap
        step. Scores, interval calibration and drift state are kept; drift flags are cleared.
        The other learner must not be used afterwards.
        """
        for area_id in other.areas if area_ids is None else area_ids:
            fitted = other._areas.get(area_id)
            if fitted is None:
                continue
            area = self._areas.setdefault(area_id, _Area())
            area.occupied, area.vacant = fitted.occupied, fitted.vacant
            area.last_end = fitted.last_end
            area.drift, area.drifting = _PageHinkley(), False
        self._version += 1

    def update(self, session: Session) -> None:
        """Learn one session that just ended (sessions of an area arrive in order)."""
        area = self._areas.setdefault(session.area_id, _Area())
        start = np.array([session.start.timestamp()])
        self._add(area, start, np.array([session.duration_s]), np.array([session.evidence_s]))

    def predict_vacancy(
        self, area_id: str, occupied_since: datetime, now: datetime
    ) -> Prediction | None:
        """When an area occupied since `occupied_since` will become vacant; None without history.

        Raises:
            ValueError: naive datetimes.
        """
        return self._predict(area_id, PeriodKind.OCCUPIED, occupied_since, now)

    def predict_occupancy(
        self, area_id: str, vacant_since: datetime, now: datetime
    ) -> Prediction | None:
        """When an area vacant since `vacant_since` will become occupied; None without history.

        Raises:
            ValueError: naive datetimes.
        """
        return self._predict(area_id, PeriodKind.VACANT, vacant_since, now)

    def score(self, prediction: Prediction, actual_at: datetime) -> Scored:
        """Record how far `prediction` was from what happened at `actual_at`.

        Errors feed `accuracy` (window by `actual_at`) and the area's Page-Hinkley drift test.
        """
        cfg = self._config
        area = self._areas.setdefault(prediction.area_id, _Area())
        error = abs((actual_at - prediction.at).total_seconds()) / 60
        covered = prediction.low <= actual_at <= prediction.high
        scores = area.scores[prediction.kind]
        scores.append((actual_at.timestamp(), error, covered))
        horizon = actual_at.timestamp() - cfg.accuracy_days * 86400
        while scores and scores[0][0] < horizon:
            scores.popleft()
        target = cfg.low_quantile + 1 - cfg.high_quantile
        rate = area.miss_rate.get(prediction.kind, target)
        rate += cfg.interval_step * (target - (0.0 if covered else 1.0))
        area.miss_rate[prediction.kind] = min(max(rate, 0.0), 1.0)
        statistic = area.drift.add(error, cfg.drift_delta)
        if (
            area.drift.count >= cfg.drift_min_scored
            and statistic > cfg.drift_threshold * area.drift.mean
        ):
            area.drifting = True
        return Scored(error, covered, area.drifting)

    def accuracy(self, area_id: str, kind: PeriodKind, now: datetime) -> Accuracy:
        """MAE, median, P20 and interval coverage over the `accuracy_days` before `now`."""
        cfg = self._config
        area = self._areas.get(area_id)
        horizon = now.timestamp() - cfg.accuracy_days * 86400
        rows = [row for row in area.scores[kind] if row[0] >= horizon] if area else []
        if not rows:
            return Accuracy(area_id, kind, 0, None, None, None, None)
        errors = np.array([row[1] for row in rows])
        return Accuracy(
            area_id,
            kind,
            len(rows),
            float(errors.mean()),
            float(np.median(errors)),
            float((errors <= cfg.p20_minutes).mean()),
            sum(row[2] for row in rows) / len(rows),
        )

    def needs_refit(self, area_id: str) -> bool:
        """Whether the drift test flagged the area since its last fit or refit."""
        area = self._areas.get(area_id)
        return area is not None and area.drifting

    def refit(self, area_id: str, now: datetime) -> None:
        """Forget periods older than `refit_days` and reset the drift test.

        At least 2 x min_samples periods of each kind are kept. Use it when `needs_refit` says
        the errors grew: the habits changed, so old periods should stop counting.
        """
        area = self._areas.get(area_id)
        if area is None:
            return
        cfg = self._config
        horizon = now.timestamp() - cfg.refit_days * 86400
        for periods in (area.occupied, area.vacant):
            recent = periods.start >= horizon
            recent[-2 * cfg.min_samples :] = True
            periods.keep(recent)
        area.drift, area.drifting = _PageHinkley(), False
        self._version += 1

    def forget(self, area_id: str | None = None) -> None:
        """Drop everything learned about one area, or about all."""
        self._version += 1
        if area_id is None:
            self._areas.clear()
        else:
            self._areas.pop(area_id, None)

    def suggest_timeout(self, area_id: str, now: datetime) -> float:
        """The timeout (seconds) the adaptive strategy should use in `area_id` at `now`.

        Both rules look at the history near the current local hour (`window_hours` either side,
        any day; all hours when fewer than `min_samples` match) and are bounded by
        `timeout_min` and `timeout_max`; with nothing learned yet they return `default_timeout`.

        SESSION_MEAN (seed 000): `timeout_factor` x the mean evidence span of sessions (the
        duration minus the timeout that ended it, so the rule does not feed on its own output).

        MIN_COST: each session that ended by a timeout leaves a silence from its last evidence
        to the next evidence anywhere. If that next evidence is in the same area, the occupant
        most likely stayed: a timeout T costs max(silence - T, 0) false-vacant minutes. If it
        is elsewhere, the occupant left: T costs min(T, horizon) false-occupied minutes, the
        horizon being the time to that evidence plus `handoff_delay` (or, without handoff, to
        the area's own next evidence). The timeout with the lowest total cost wins (the
        shortest among equals). Silences shorter than the timeout in force are not seen, which
        biases towards shorter timeouts until they show up.
        """
        cfg = self._config
        area = self._areas.get(area_id)
        if area is None or not len(area.occupied.duration):
            return min(max(cfg.default_timeout, cfg.timeout_min), cfg.timeout_max)
        hour = _hour_of_week_at(now, self._tz) % 24
        if cfg.timeout_rule is TimeoutRule.MIN_COST:
            suggestion = self._min_cost_timeout(area, hour)
        else:
            spans = area.occupied.evidence
            near = _circular(area.occupied.how % 24, hour, 24) <= cfg.window_hours
            chosen = spans[near] if near.sum() >= cfg.min_samples else spans
            suggestion = cfg.timeout_factor * float(chosen.mean())
        return min(max(suggestion, cfg.timeout_min), cfg.timeout_max)

    def _min_cost_timeout(self, area: _Area, hour: int) -> float:
        cfg = self._config
        periods = area.occupied
        ended_by_timeout = np.nonzero(periods.duration - periods.evidence > 0)[0]
        if not len(ended_by_timeout):
            return cfg.default_timeout
        cleared = periods.start[ended_by_timeout] + periods.evidence[ended_by_timeout]
        own_next = np.append(periods.start, np.inf)[ended_by_timeout + 1]
        starts = self._all_starts()
        any_next = np.append(starts, np.inf)[np.searchsorted(starts, cleared, side="right")]
        stayed = any_next >= own_next
        known = np.isfinite(any_next)
        near = _circular(_hour_of_week(cleared, self._tz) % 24, hour, 24) <= cfg.window_hours
        chosen = known & near if (known & near).sum() >= cfg.min_samples else known
        if not chosen.any():
            return cfg.default_timeout
        if cfg.handoff_delay is not None:
            horizon = any_next - cleared + cfg.handoff_delay
        else:
            horizon = own_next - cleared
        silence = (own_next - cleared)[chosen & stayed]
        departure = horizon[chosen & ~stayed]
        # The cost is piecewise linear in T with breaks at the silences and departure horizons,
        # so its minimum lies on one of them or on a bound.
        grid = np.unique(
            np.clip(
                np.concatenate(([cfg.timeout_min, cfg.timeout_max], silence, departure)),
                cfg.timeout_min,
                cfg.timeout_max,
            )
        )
        if len(grid) > _MAX_CANDIDATES:
            grid = np.unique(np.quantile(grid, np.linspace(0, 1, _MAX_CANDIDATES)))
        false_vacant = np.maximum(silence[:, None] - grid[None, :], 0).sum(axis=0)
        false_occupied = np.minimum(departure[:, None], grid[None, :]).sum(axis=0)
        cost = cfg.false_vacant_weight * false_vacant + false_occupied
        return float(grid[int(np.argmin(cost))])

    def _all_starts(self) -> FloatArray:
        """Sorted session starts of every area (cached until the history changes)."""
        if self._starts[0] != self._version:
            starts = [area.occupied.start for area in self._areas.values()]
            self._starts = (self._version, np.sort(np.concatenate(starts)))
        return self._starts[1]

    def export(self, *, history: bool = True) -> dict[str, Any]:
        """A JSON-safe snapshot of the history, scores and drift state, read by `restore`.

        Without `history` the past periods are left out (a host that keeps the sessions
        itself refits from them after `restore`); scores, interval calibration and drift stay.
        """
        areas: dict[str, Any] = {}
        for area_id, area in self._areas.items():
            areas[area_id] = {
                "last_end": area.last_end,
                "drift": asdict(area.drift),
                "drifting": area.drifting,
                "miss_rate": {kind.value: rate for kind, rate in area.miss_rate.items()},
                "scores": {kind.value: list(rows) for kind, rows in area.scores.items()},
            }
            if history:
                areas[area_id]["occupied"] = _export_periods(area.occupied)
                areas[area_id]["vacant"] = _export_periods(area.vacant)
        return {"version": SNAPSHOT_VERSION, "areas": areas}

    @classmethod
    def restore(
        cls, snapshot: Mapping[str, Any], tz: tzinfo = UTC, config: LearnerConfig | None = None
    ) -> Learner:
        """Rebuild a learner from `export`. Time-of-week bins are recomputed in `tz`.

        A snapshot exported without history restores areas with no past periods.

        Raises:
            SnapshotError: not a snapshot of the supported version, or a malformed area.
        """
        if not isinstance(snapshot, Mapping) or snapshot.get("version") != SNAPSHOT_VERSION:
            raise SnapshotError("unsupported or missing learner snapshot version")
        stored = snapshot.get("areas")
        if not isinstance(stored, Mapping):
            raise SnapshotError("learner snapshot lacks areas")
        learner = cls(tz, config)
        for area_id, record in stored.items():
            try:
                area = _Area(
                    occupied=_import_periods(record.get("occupied", _NO_PERIODS), tz),
                    vacant=_import_periods(record.get("vacant", _NO_PERIODS), tz),
                    last_end=None if record["last_end"] is None else float(record["last_end"]),
                    drift=_PageHinkley(**record["drift"]),
                    drifting=bool(record["drifting"]),
                    miss_rate={
                        PeriodKind(kind): float(rate)
                        for kind, rate in record.get("miss_rate", {}).items()
                    },
                )
                for kind in PeriodKind:
                    area.scores[kind].extend(
                        (float(at), float(error), bool(covered))
                        for at, error, covered in record["scores"][kind.value]
                    )
            except (KeyError, TypeError, ValueError) as err:
                raise SnapshotError(f"malformed learner area {area_id!r}: {err!r}") from None
            learner._areas[str(area_id)] = area
        return learner

    def _add(self, area: _Area, start: FloatArray, duration: FloatArray, span: FloatArray) -> None:
        """Append sessions sorted by start; derive the vacant gaps before each one."""
        self._version += 1
        end = start + duration
        previous = np.concatenate(([np.nan if area.last_end is None else area.last_end], end[:-1]))
        gap = start - previous
        real = np.isfinite(gap) & (gap > 0)
        area.occupied.extend(start, duration, span, _hour_of_week(start, self._tz))
        gap_start = previous[real]
        area.vacant.extend(gap_start, gap[real], gap[real], _hour_of_week(gap_start, self._tz))
        area.last_end = float(end[-1]) if area.last_end is None else max(area.last_end, end[-1])
        horizon = float(end[-1]) - self._config.history_days * 86400
        for periods in (area.occupied, area.vacant):
            if len(periods.start) and periods.start[0] < horizon:
                periods.keep(periods.start >= horizon)
            if len(periods.start) > self._config.max_samples:
                periods.keep(slice(-self._config.max_samples, None))

    def _predict(
        self, area_id: str, kind: PeriodKind, since: datetime, now: datetime
    ) -> Prediction | None:
        if since.tzinfo is None or now.tzinfo is None:
            raise ValueError("since and now must be aware datetimes")
        area = self._areas.get(area_id)
        if area is None or not len(area.periods(kind).duration):
            return None
        cfg = self._config
        periods = area.periods(kind)
        elapsed = max((now - since).total_seconds(), 0.0)
        alive = periods.duration > elapsed
        week, day = periods.near(_hour_of_week_at(since, self._tz), cfg.window_hours)
        remaining: FloatArray | None = None
        level = "all"
        for name, mask in (("hour_of_week", alive & week), ("hour_of_day", alive & day)):
            if np.count_nonzero(mask) >= cfg.min_samples:
                remaining, level = periods.duration[mask] - elapsed, name
                break
        else:
            if alive.any():
                remaining = periods.duration[alive] - elapsed
        if remaining is None:
            level = "tail"
            longest = np.sort(periods.duration)[-cfg.min_samples :]
            remaining = longest - longest[0]
        target = cfg.low_quantile + 1 - cfg.high_quantile
        scale = area.miss_rate.get(kind, target) / target if target > 0 else 1.0
        low_q = min(cfg.low_quantile * scale, 0.5)
        high_q = max(1 - (1 - cfg.high_quantile) * scale, 0.5)
        remaining = np.sort(remaining)
        count = len(remaining)
        low, mid, high = np.interp(
            (low_q * (count - 1), 0.5 * (count - 1), high_q * (count - 1)),
            np.arange(count),
            remaining,
        )
        within = int(np.count_nonzero(np.abs(remaining - mid) <= cfg.p20_minutes * 60)) / count
        return Prediction(
            area_id,
            kind,
            now,
            now + timedelta(seconds=float(mid)),
            now + timedelta(seconds=float(low)),
            now + timedelta(seconds=float(high)),
            within * count / (count + cfg.min_samples),
            count,
            level,
        )


def _hour_of_week(epochs: FloatArray, tz: tzinfo) -> IntArray:
    """Local hour of the week (Monday 00 = 0) of each epoch second, in `tz`.

    The UTC offset is looked up once per distinct UTC hour, so a long history costs a few
    thousand lookups rather than one per period.
    """
    if not len(epochs):
        return np.empty(0, np.int16)
    hours = np.floor(epochs / 3600).astype(np.int64)
    unique, inverse = np.unique(hours, return_inverse=True)
    offsets = np.array(
        [_offset_seconds(datetime.fromtimestamp(int(h) * 3600, tz)) for h in unique],
        dtype=np.float64,
    )
    local_hours = np.floor((epochs + offsets[inverse]) / 3600).astype(np.int64)
    return ((local_hours + _EPOCH_WEEKDAY_HOURS) % HOURS_PER_WEEK).astype(np.int16)


def _hour_of_week_at(at: datetime, tz: tzinfo) -> int:
    """Local hour of the week (Monday 00 = 0) of one aware datetime."""
    local = at.astimezone(tz)
    return local.weekday() * 24 + local.hour


def _offset_seconds(local: datetime) -> float:
    offset = local.utcoffset()
    return 0.0 if offset is None else offset.total_seconds()


def _circular(values: IntArray, center: int, period: int) -> npt.NDArray[np.int64]:
    """Distance on a circle of `period` hours between each value and `center`."""
    distance: npt.NDArray[np.int64] = np.abs(values.astype(np.int64) - center) % period
    return np.minimum(distance, period - distance)


def _export_periods(periods: _Periods) -> dict[str, list[float]]:
    return {
        "start": [round(float(x), 3) for x in periods.start],
        "duration": [round(float(x), 3) for x in periods.duration],
        "evidence": [round(float(x), 3) for x in periods.evidence],
    }


def _import_periods(record: Mapping[str, Any], tz: tzinfo) -> _Periods:
    start = np.asarray(record["start"], dtype=np.float64)
    duration = np.asarray(record["duration"], dtype=np.float64)
    evidence = np.asarray(record["evidence"], dtype=np.float64)
    if not start.shape == duration.shape == evidence.shape or start.ndim != 1:
        raise ValueError("period arrays differ in length")
    if not (np.isfinite(start).all() and np.isfinite(duration).all()):
        raise ValueError("non-finite period values")
    return _Periods(start, duration, evidence, _hour_of_week(start, tz))
