"""Accuracy benchmark: replay real homes through the engine and the learner, print the tables.

Usage: `.venv/bin/python -m benchmarks.replay [DATASET ...] [--quick] [--data-root DIR]`
(datasets: casas_al_smarthome, ordonez_adl, vankasteren, ugent_office_co2_presence; default all).

Per dataset: chronological warm-up (the recipe's, else 7 days or a third of the span if shorter),
then scoring on the evaluation clock (60 s; 10 min for UGent) against the ground truth of
`groundtruth.py`. Occupancy state is reported for each engine variant of `simulate.py`. Next
vacancy and next occupancy are reported for the learner (state and sessions of the primary
variant, learning online as sessions end), for the same learner on the true episodes ("oracle":
what the prediction layer can do with perfect sensing), and for the baselines B0 (the fixed
5-minute timer's `occupied_until`), B1 (median episode of the warm-up) and B2 (median by area x
hour of week of the warm-up, else B1). B1, B2 and the learner read the primary variant's state;
when that state already differs from the truth, they predict "now". Output: GitHub tables.
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from devtools.engine_loader import engine_module

from .datasets import DATA_ROOT, LOADERS, Dataset, DatasetMissingError
from .groundtruth import (
    Intervals,
    PredictionScore,
    Targets,
    epoch,
    ground_truth,
    prediction_score,
    state_score,
    targets,
)
from .simulate import Run, Variant, run_variant

if TYPE_CHECKING:
    from collections.abc import Sequence

    from custom_components.occupancy_manager.engine.sessions import Session

    from .groundtruth import FloatArray

QUICK = ("casas_al_smarthome",)
WEEK_S = 7 * 86400.0
KINDS = ("vacancy", "occupancy")
type Triple = tuple[Any, Any, Any]


def variants(dataset: Dataset) -> list[Variant]:
    """The engine variants of the tables, B0 first; one is marked primary (it feeds the learner).

    The primary is handoff + min-cost in single-resident homes, else B0: the min-cost rule reads
    evidence elsewhere as "the occupant left", which is wrong when others live there.
    """
    learning = engine_module("learning")
    cost = learning.TimeoutRule.MIN_COST
    rows = [
        Variant("B0 fixed 5 min", primary=not dataset.single_resident),
        Variant("adaptive: seed 2 x mean", adaptive="learner"),
        Variant(
            "adaptive: min-cost",
            adaptive="learner",
            learner=learning.LearnerConfig(timeout_rule=cost, timeout_max=4 * 3600.0),
        ),
    ]
    if dataset.single_resident:
        rows += [
            Variant("handoff + fixed 5 min", handoff=True),
            Variant(
                "handoff + min-cost",
                adaptive="learner",
                handoff=True,
                learner=learning.LearnerConfig(
                    timeout_rule=cost, timeout_max=4 * 3600.0, handoff_delay=60.0
                ),
                primary=True,
            ),
        ]
    return rows


@dataclass(frozen=True, slots=True)
class Scoring:
    """The scoring window: from the end of the warm-up to the last event."""

    first: float
    start: float
    last: float
    ticks: FloatArray
    tick_s: float

    @property
    def days(self) -> float:
        """Days scored."""
        return len(self.ticks) * self.tick_s / 86400


def scoring_window(dataset: Dataset) -> Scoring:
    """Warm-up first, then evaluation ticks every `tick_s` up to the last event."""
    first, last = epoch(dataset.events[0].at), epoch(dataset.events[-1].at)
    warmup = (
        dataset.warmup_days * 86400.0
        if dataset.warmup_days is not None
        else min(WEEK_S, (last - first) / 3)
    )
    start = float(np.ceil((first + warmup) / dataset.tick_s) * dataset.tick_s)
    ticks = np.arange(start, last, dataset.tick_s, dtype=np.float64)
    return Scoring(first, start, last, ticks, dataset.tick_s)


@dataclass(slots=True)
class Predicted:
    """Predictions at the eligible ticks of one area and kind: predictor -> (at, low, high)."""

    made_at: FloatArray
    actual: FloatArray
    by: dict[str, Triple]

    def score(self, name: str) -> PredictionScore:
        """The predictor's errors."""
        at, low, high = self.by[name]
        return prediction_score(self.made_at, self.actual, at, low, high)


def predict(
    dataset: Dataset, truth: dict[str, Intervals], scoring: Scoring, primary: Run, fixed: Run
) -> tuple[dict[str, dict[str, Predicted]], int]:
    """Per kind and scored area, every predictor's predictions; and the learner's refits."""
    goals = {
        area: targets(truth[area], scoring.ticks, scoring.first, scoring.last) for area in truth
    }
    learned, refits = _learner(dataset, goals, scoring, primary)
    oracle, _ = _learner(dataset, goals, scoring, _truth_run(truth))
    out: dict[str, dict[str, Predicted]] = {kind: {} for kind in KINDS}
    for area in dataset.scored_areas:
        goal = goals[area]
        occupied, since = _state_at(primary.occupied[area], scoring.ticks, scoring.first)
        medians = _Medians(
            [s for s in primary.sessions if s.area_id == area and epoch(s.end) <= scoring.start]
        )
        for kind in KINDS:
            vacancy = kind == "vacancy"
            mask = goal.eligible & (goal.occupied if vacancy else ~goal.occupied)
            ticks = scoring.ticks[mask]
            predicted = Predicted(ticks, goal.actual[mask], {})
            predicted.by["learner"] = learned[area][kind]
            predicted.by["oracle"] = oracle[area][kind]
            if vacancy:
                predicted.by["B0"] = (_b0(fixed, area, ticks), None, None)
            agrees = occupied[mask] if vacancy else ~occupied[mask]
            for name, by_hour in (("B1", False), ("B2", True)):
                guess = medians.guess(vacancy=vacancy, since=since[mask], by_hour=by_hour)
                at = np.where(agrees, np.maximum(guess, ticks), ticks)
                predicted.by[name] = (at, None, None)
            out[kind][area] = predicted
    return out, refits


class _Medians:
    """B1 and B2 from the warm-up sessions of one area."""

    def __init__(self, sessions: Sequence[Session]) -> None:
        starts = np.array([epoch(s.start) for s in sessions])
        ends = np.array([epoch(s.end) for s in sessions])
        gaps = starts[1:] - ends[:-1] if len(starts) else np.empty(0)
        self.kinds = {
            True: (starts, ends - starts),
            False: (ends[:-1][gaps > 0], gaps[gaps > 0]) if len(gaps) else (gaps, gaps),
        }

    def guess(self, *, vacancy: bool, since: FloatArray, by_hour: bool) -> FloatArray:
        began, durations = self.kinds[vacancy]
        if not len(durations):
            return since
        overall = float(np.median(durations))
        if not by_hour:
            return since + overall
        bins = _hour_of_week(began)
        table = np.full(168, overall)
        for hour in np.unique(bins):
            table[hour] = np.median(durations[bins == hour])
        guessed: FloatArray = since + table[_hour_of_week(since)]
        return guessed


def _hour_of_week(epochs: FloatArray) -> Any:
    """Hour of the week (Monday 00 = 0) of wall-clock epochs (1970-01-01 was a Thursday)."""
    return ((np.floor(epochs / 3600).astype(np.int64) + 72) % 168).astype(np.int64)


def _state_at(occupied: Intervals, ticks: FloatArray, first: float) -> tuple[Any, FloatArray]:
    """Whether a variant was occupied at each tick, and since when it was in that state."""
    found = np.searchsorted(occupied.start, ticks, side="right") - 1
    safe = np.maximum(found, 0)
    inside = (found >= 0) & (ticks < occupied.end[safe]) if len(occupied) else found >= len(ticks)
    if not len(occupied):
        return np.zeros(len(ticks), dtype=bool), np.full(len(ticks), first)
    since = np.where(inside, occupied.start[safe], np.where(found >= 0, occupied.end[safe], first))
    return inside, since


def _b0(fixed: Run, area: str, ticks: FloatArray) -> FloatArray:
    """The fixed timer's `occupied_until` at each tick: now + timeout while held, now if vacant."""
    times, values = (np.array(column) for column in fixed.untils[area])
    if not len(times):
        return ticks.copy()
    found = np.searchsorted(times, ticks, side="right") - 1
    value = np.where(found >= 0, values[np.maximum(found, 0)], -np.inf)
    held = np.isnan(value)
    return np.where(held, ticks + 300.0, np.maximum(np.nan_to_num(value, neginf=0.0), ticks))


def _truth_run(truth: dict[str, Intervals]) -> Run:
    sessions_mod = engine_module("sessions")
    sessions = [
        sessions_mod.Session.between(area, _aware(float(s)), _aware(float(e)), "truth")
        for area, intervals in truth.items()
        for s, e in zip(intervals.start, intervals.end, strict=True)
    ]
    return Run(dict(truth), sorted(sessions, key=lambda s: s.end), {})


def _aware(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _zeros3(size: int) -> Triple:
    return (np.zeros(size), np.zeros(size), np.zeros(size))


def _learner(
    dataset: Dataset, goals: dict[str, Targets], scoring: Scoring, run: Run
) -> tuple[dict[str, dict[str, Triple]], int]:
    """Online learner predictions at every eligible tick, in time order.

    Sessions are learned when they end; the first prediction of each true episode is scored
    when the episode ends, and a drift flag refits the area.
    """
    learning = engine_module("learning")
    learner = learning.Learner(UTC)
    sessions = run.sessions
    warm = [s for s in sessions if epoch(s.end) <= scoring.start]
    learner.fit(warm)
    cursor = len(warm)
    states = {
        area: _state_at(run.occupied[area], scoring.ticks, scoring.first)
        for area in dataset.scored_areas
    }
    masks = {
        area: {
            "vacancy": goals[area].eligible & goals[area].occupied,
            "occupancy": goals[area].eligible & ~goals[area].occupied,
        }
        for area in dataset.scored_areas
    }
    out: dict[str, dict[str, Triple]] = {
        area: {kind: _zeros3(int(mask.sum())) for kind, mask in m.items()}
        for area, m in masks.items()
    }
    filled = {area: dict.fromkeys(KINDS, 0) for area in dataset.scored_areas}
    pending: list[tuple[float, int, Any]] = []
    scored_episodes: set[tuple[str, float]] = set()
    refits = 0
    for i, tick in enumerate(scoring.ticks):
        while cursor < len(sessions) and epoch(sessions[cursor].end) <= tick:
            learner.update(sessions[cursor])
            cursor += 1
        while pending and pending[0][0] <= tick:
            actual, _, prediction = heapq.heappop(pending)
            learner.score(prediction, _aware(actual))
            if learner.needs_refit(prediction.area_id):
                learner.refit(prediction.area_id, _aware(tick))
                refits += 1
        now = _aware(tick)
        for area in dataset.scored_areas:
            goal = goals[area]
            if not goal.eligible[i]:
                continue
            kind = "vacancy" if goal.occupied[i] else "occupancy"
            occupied, since = states[area][0][i], states[area][1][i]
            at = low = high = float(tick)
            if bool(occupied) == bool(goal.occupied[i]):
                method = learner.predict_vacancy if occupied else learner.predict_occupancy
                prediction = method(area, _aware(float(since)), now)
                if prediction is not None:
                    at, low, high = (
                        epoch(x) for x in (prediction.at, prediction.low, prediction.high)
                    )
                    episode = (area, float(goal.since[i]))
                    if episode not in scored_episodes:
                        scored_episodes.add(episode)
                        heapq.heappush(
                            pending, (float(goal.actual[i]), len(scored_episodes), prediction)
                        )
            j = filled[area][kind]
            for column, value in zip(out[area][kind], (at, low, high), strict=True):
                column[j] = value
            filled[area][kind] = j + 1
    return out, refits


# ----------------------------------------------------------------------------- tables


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{100 * value:.0f}%"


def state_table(
    dataset: Dataset, truth: dict[str, Intervals], scoring: Scoring, runs: dict[str, Run]
) -> list[str]:
    """Occupancy accuracy per area and variant, with totals over the scored areas."""
    lines = [
        (
            "| area | variant | accuracy | false-vacant min/day | false-occupied min/day "
            "| occupancy latency median / p90 (s) | vacancy latency median / p90 (min) |"
        ),
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    totals: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in runs}
    for area in dataset.scored_areas:
        for name, run in runs.items():
            score = state_score(truth[area], run.occupied[area], scoring.ticks, scoring.tick_s)
            total = totals[name]
            total[0] += score.accuracy / len(dataset.scored_areas)
            total[1] += score.false_vacant_min_day
            total[2] += score.false_occupied_min_day
            on, off = score.on_latency, score.off_latency
            lines.append(
                f"| {area} | {name} | {_pct(score.accuracy)} | {_fmt(score.false_vacant_min_day)} "
                f"| {_fmt(score.false_occupied_min_day)} | {_fmt(on[0], 0)} / {_fmt(on[1], 0)} "
                f"| {_fmt(off[0] / 60)} / {_fmt(off[1] / 60)} |"
            )
    for name, (accuracy, vacant, occupied) in totals.items():
        lines.append(
            f"| **all** | {name} | {_pct(accuracy)} | **{_fmt(vacant)}** | **{_fmt(occupied)}** "
            "| | |"
        )
    return lines


def prediction_table(predicted: dict[str, Predicted]) -> list[str]:
    """Errors per area and predictor, and pooled over the areas."""
    lines = [
        (
            "| area | predictor | n | MAE min | median min | P20 | 80% coverage "
            "| MAE min (>= 30 min ahead) |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = dict(predicted)
    rows["**all**"] = _pool(list(predicted.values()))
    for area, table in rows.items():
        for name in table.by:
            score = table.score(name)
            lines.append(
                f"| {area} | {name} | {score.count} | {_fmt(score.mae)} | {_fmt(score.median)} "
                f"| {_pct(score.p20)} | {_pct(score.coverage)} | {_fmt(score.mae_useful)} |"
            )
    return lines


def _pool(tables: list[Predicted]) -> Predicted:
    if not tables:
        return Predicted(np.empty(0), np.empty(0), {})
    by: dict[str, Triple] = {}
    for name in tables[0].by:
        columns = [table.by[name] for table in tables]
        at, low, high = (
            None if any(c[k] is None for c in columns) else np.concatenate([c[k] for c in columns])
            for k in range(3)
        )
        by[name] = (at, low, high)
    made = np.concatenate([t.made_at for t in tables])
    actual = np.concatenate([t.actual for t in tables])
    return Predicted(made, actual, by)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The headline numbers of one dataset, for the targets table."""

    dataset: str
    vacancy: dict[str, PredictionScore]
    occupancy: dict[str, PredictionScore]
    false_vacant: dict[str, float]
    false_occupied: dict[str, float]


def evaluate(dataset: Dataset, *, out: list[str]) -> Outcome:
    """Run every variant and predictor on one dataset; append its tables to `out`."""
    started = time.perf_counter()
    truth = ground_truth(dataset)
    scoring = scoring_window(dataset)
    chosen = variants(dataset)
    runs = {variant.name: run_variant(dataset, variant) for variant in chosen}
    names = list(runs)
    primary = next(variant.name for variant in chosen if variant.primary)
    predicted, refits = predict(dataset, truth, scoring, runs[primary], runs[names[0]])
    out += [
        f"### {dataset.name}",
        "",
        f"{len(dataset.events)} events, scored {scoring.days:.1f} days from "
        f"{_aware(scoring.start):%Y-%m-%d %H:%M} every {scoring.tick_s / 60:g} min, "
        f"truth: {dataset.truth}"
        + (f" ({len(dataset.labels)} labels, {len(dataset.away)} away)" if dataset.labels else "")
        + f"; primary variant: {primary}; learner refits on drift: {refits}"
        + (f". Note: {dataset.note}" if dataset.note else ""),
        "",
        "#### Occupancy state",
        "",
        *state_table(dataset, truth, scoring, runs),
        "",
        "#### Next vacancy (while truly occupied)",
        "",
        *prediction_table(predicted["vacancy"]),
        "",
        "#### Next occupancy (while truly vacant)",
        "",
        *prediction_table(predicted["occupancy"]),
        "",
        f"_Replayed and scored in {time.perf_counter() - started:.0f} s._",
        "",
    ]
    pooled = {kind: _pool(list(predicted[kind].values())) for kind in KINDS}
    sums = {
        name: [
            state_score(truth[a], run.occupied[a], scoring.ticks, scoring.tick_s)
            for a in dataset.scored_areas
        ]
        for name, run in runs.items()
    }
    return Outcome(
        dataset.name,
        {name: pooled["vacancy"].score(name) for name in pooled["vacancy"].by},
        {name: pooled["occupancy"].score(name) for name in pooled["occupancy"].by},
        {name: sum(s.false_vacant_min_day for s in scores) for name, scores in sums.items()},
        {name: sum(s.false_occupied_min_day for s in scores) for name, scores in sums.items()},
    )


def targets_table(outcomes: Sequence[Outcome]) -> list[str]:
    """Issue 6 targets per dataset: next-vacancy MAE, P20, coverage; adaptive FV and FO ratios."""
    lines = [
        (
            "| dataset | next-vacancy MAE min (target <= 15) | best baseline MAE | ratio (<= 0.6) "
            "| P20 (>= 90%) | 80% coverage (75-85%) | oracle MAE / P20 "
            "| adaptive variants: FV ratio (<= 0.5) / FO ratio (<= 1.2) vs B0 |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        learner, oracle = o.vacancy["learner"], o.vacancy["oracle"]
        best = min(o.vacancy[name].mae for name in ("B0", "B1", "B2"))
        base_fv, base_fo = (
            next(iter(o.false_vacant.values())),
            next(iter(o.false_occupied.values())),
        )
        adaptive = []
        for name in list(o.false_vacant)[1:]:
            fv = o.false_vacant[name] / base_fv if base_fv else float("nan")
            fo = o.false_occupied[name] / base_fo if base_fo else float("nan")
            adaptive.append(f"{name}: {_fmt(fv, 2)} / {_fmt(fo, 2)}")
        lines.append(
            f"| {o.dataset} | {_fmt(learner.mae)} | {_fmt(best)} | {_fmt(learner.mae / best, 2)} "
            f"| {_pct(learner.p20)} | {_pct(learner.coverage)} "
            f"| {_fmt(oracle.mae)} / {_pct(oracle.p20)} | {'; '.join(adaptive)} |"
        )
    return lines


def fit_speed(areas: int = 50, days: int = 60, changes: int = 1_000_000) -> str:
    """Time `Learner.fit` on synthetic sessions worth `changes` state changes, and the queries."""
    learning = engine_module("learning")
    sessions_mod = engine_module("sessions")
    rng = np.random.default_rng(6)
    per_area = changes // 2 // areas
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sessions = []
    for a in range(areas):
        gaps = rng.exponential(days * 86400 / per_area, per_area)
        lengths = rng.exponential(300, per_area) + 30
        begin = np.cumsum(gaps + lengths) - lengths
        sessions += [
            sessions_mod.Session.between(
                f"area_{a}",
                start + timedelta(seconds=float(b)),
                start + timedelta(seconds=float(b + d)),
                "timeout",
                300.0,
            )
            for b, d in zip(begin, lengths, strict=True)
        ]
    learner = learning.Learner(
        UTC, learning.LearnerConfig(timeout_rule=learning.TimeoutRule.MIN_COST)
    )
    began = time.perf_counter()
    learner.fit(sessions)
    fitted = time.perf_counter() - began
    now = start + timedelta(days=days)
    began = time.perf_counter()
    for a in range(areas):
        learner.predict_vacancy(f"area_{a}", now - timedelta(minutes=5), now)
        learner.suggest_timeout(f"area_{a}", now)
    queried = time.perf_counter() - began
    return (
        f"Learner.fit: {len(sessions)} sessions ({changes} state changes, {areas} areas, "
        f"{days} days) in {fitted:.2f} s; one prediction and one timeout per area in "
        f"{queried * 1000:.0f} ms."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0, or 1 when no dataset could be loaded."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.replay", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "datasets", nargs="*", metavar="DATASET", help=f"any of {', '.join(LOADERS)}"
    )
    parser.add_argument("--quick", action="store_true", help="casas_al_smarthome only (smoke run)")
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT, help=f"default {DATA_ROOT}")
    args = parser.parse_args(argv)
    chosen = list(QUICK) if args.quick else (args.datasets or list(LOADERS))
    unknown = [name for name in chosen if name not in LOADERS]
    if unknown:
        parser.error(f"unknown dataset {', '.join(unknown)}; choose from {', '.join(LOADERS)}")
    out: list[str] = []
    outcomes = []
    for name in chosen:
        try:
            datasets = LOADERS[name](args.data_root)
        except DatasetMissingError as err:
            sys.stderr.write(f"skipping {name}: {err}\n")
            continue
        for dataset in datasets:
            outcomes.append(evaluate(dataset, out=out))
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()
            out.clear()
    if not outcomes:
        sys.stderr.write("no dataset found; pass --data-root\n")
        return 1
    tail = ["### Targets (issue 6)", "", *targets_table(outcomes), "", fit_speed(), ""]
    sys.stdout.write("\n".join(tail) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
