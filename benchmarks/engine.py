"""Engine throughput: our occupancy engine against the seed 001 engine on the same workload.

Usage: `.venv/bin/python -m benchmarks.engine [--events N | --quick] [--areas N] [--floors N]
[--seed N] [--repeat N] [--skip-memory] [--profile {ours,baseline}]` (see benchmarks/README.md).

Both engines get the same seeded workload (`benchmarks.workload`) in the same process: a home
with floors of areas, two motion sensors and one presence sensor per area. The driver ticks each
engine at every wake-up it asks for before handing it the next event. The timed loop covers only
the engine calls and the driver; generating the workload and building each engine's event
objects are excluded. Peak memory comes from a second run of each engine under `tracemalloc`.
The baseline is the PyPI package occupancy-manager 0.1.0 (module `occupancy_manager`).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import numpy as np
import occupancy_manager as baseline

from devtools.engine_loader import load_engine

from .workload import SensorKind, Workload, generate

if TYPE_CHECKING:
    from custom_components.occupancy_manager import engine
else:
    engine = load_engine()

START = datetime(2026, 1, 5, tzinfo=UTC)
MOTION_TIMEOUT = 300.0
PRESENCE_TIMEOUT = 30.0
DRAIN = timedelta(minutes=15)
"""After the last event, timers due within this long still run (both engines)."""
TARGET_RATIO = 5.0
TARGET_RATE = 200_000.0
QUICK_EVENTS = 100_000
_PROFILE_LINES = 18

type OurInput = tuple[datetime, engine.Event]
type BaselineInput = tuple[datetime, baseline.OccupancyEvent | None]


@dataclass(slots=True)
class Run:
    """What one engine did with the workload.

    Attributes:
        seconds: wall-clock seconds of the event loop (time.perf_counter).
        cpu: CPU seconds of the process during the loop (time.process_time); less affected than
            `seconds` when other processes compete for the CPUs.
        calls: events handed to the engine (the baseline has no event for motion clearing).
        ticks: timer calls at the engine's wake-ups.
        changes: occupancy changes, by (level, occupied); level is "area" or "parent"
            (floors and the home).
        records: transition records the engine returned (the baseline also returns one for
            every change of its timer).
        peak: peak bytes allocated during the memory run, None until measured.
    """

    seconds: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    ticks: int = 0
    changes: Counter[tuple[str, bool]] = field(default_factory=Counter)
    records: int = 0
    peak: int | None = None


def our_areas(workload: Workload) -> list[engine.AreaConfig]:
    """The hierarchy for our engine: motion = trigger (5 min), presence = sustain (30 s after)."""
    nodes = [engine.AreaConfig(workload.home, kind=engine.NodeKind.HOME)]
    nodes.extend(
        engine.AreaConfig(floor, parent=workload.home, kind=engine.NodeKind.FLOOR)
        for floor in workload.floors
    )
    roles = {
        SensorKind.MOTION: engine.SensorRole.TRIGGER,
        SensorKind.PRESENCE: engine.SensorRole.SUSTAIN,
    }
    sensors: list[list[engine.SensorConfig]] = [[] for _ in workload.areas]
    for sensor in workload.sensors:
        sensors[sensor.area].append(engine.SensorConfig(sensor.entity_id, roles[sensor.kind]))
    nodes.extend(
        engine.AreaConfig(
            area,
            tuple(sensors[i]),
            timeout=MOTION_TIMEOUT,
            role_timeouts={engine.SensorRole.SUSTAIN: PRESENCE_TIMEOUT},
            parent=workload.floors[workload.area_floor[i]],
        )
        for i, area in enumerate(workload.areas)
    )
    return nodes


def baseline_configs(workload: Workload) -> list[baseline.LocationConfig]:
    """The same hierarchy for the baseline: timeouts in minutes, parents by propagation (5 min)."""
    # The baseline types timeouts as whole minutes but uses them as timedelta(minutes=...).
    parent_timeouts = cast("dict[str, int]", {"default": MOTION_TIMEOUT / 60})
    area_timeouts = cast(
        "dict[str, int]",
        {
            "default": MOTION_TIMEOUT / 60,
            "motion": MOTION_TIMEOUT / 60,
            "presence": PRESENCE_TIMEOUT / 60,
        },
    )
    virtual = baseline.LocationKind.VIRTUAL
    configs = [baseline.LocationConfig(workload.home, kind=virtual, timeouts=parent_timeouts)]
    configs.extend(
        baseline.LocationConfig(floor, workload.home, kind=virtual, timeouts=parent_timeouts)
        for floor in workload.floors
    )
    configs.extend(
        baseline.LocationConfig(
            area, workload.floors[workload.area_floor[i]], timeouts=area_timeouts
        )
        for i, area in enumerate(workload.areas)
    )
    return configs


def timestamps(workload: Workload) -> list[datetime]:
    """Aware UTC datetimes of the events."""
    return [START + timedelta(seconds=t) for t in workload.times.tolist()]


def our_inputs(workload: Workload, stamps: Sequence[datetime]) -> list[OurInput]:
    """(time, event) pairs for our engine; one shared `Event` per sensor and state."""
    events = [
        (engine.Event(s.entity_id, on=False), engine.Event(s.entity_id, on=True))
        for s in workload.sensors
    ]
    return [
        (at, events[index][on])
        for at, index, on in zip(
            stamps, workload.sensor.tolist(), workload.on.tolist(), strict=True
        )
    ]


def baseline_inputs(workload: Workload, stamps: Sequence[datetime]) -> list[BaselineInput]:
    """(time, event) pairs for the baseline: motion on = MOMENTARY, presence = HOLD_START/END.

    A motion sensor clearing means nothing to the baseline (its timer runs from the last
    detection), so those events are None: the driver still ticks up to their time.
    """
    kinds = baseline.EventType
    out: list[BaselineInput] = []
    sensors = workload.sensors
    areas = workload.areas
    for at, index, on in zip(stamps, workload.sensor.tolist(), workload.on.tolist(), strict=True):
        sensor = sensors[index]
        if sensor.kind is SensorKind.MOTION:
            kind, category = (kinds.MOMENTARY if on else None), "motion"
        else:
            kind, category = (kinds.HOLD_START if on else kinds.HOLD_END), "presence"
        event = (
            baseline.OccupancyEvent(areas[sensor.area], kind, category, sensor.entity_id, at)
            if kind is not None
            else None
        )
        out.append((at, event))
    return out


def run_ours(
    areas: Sequence[engine.AreaConfig], inputs: Sequence[OurInput], parents: frozenset[str]
) -> Run:
    """Drive our engine through `inputs`, ticking at each wake-up before the next event."""
    run = Run()
    occupancy = engine.OccupancyEngine(areas)
    handle = occupancy.handle
    tick = occupancy.tick
    changes = run.changes

    def note(transitions: tuple[engine.Transition, ...]) -> None:
        run.records += len(transitions)
        for transition in transitions:
            changes["parent" if transition.area_id in parents else "area", transition.occupied] += 1

    wakeup: datetime | None = None
    ticks = 0
    cpu = time.process_time()
    begin = time.perf_counter()
    for at, event in inputs:
        while wakeup is not None and wakeup < at:
            result = tick(wakeup)
            ticks += 1
            if result.transitions:
                note(result.transitions)
            wakeup = result.next_wakeup
        result = handle(event, at)
        if result.transitions:
            note(result.transitions)
        wakeup = result.next_wakeup
    horizon = inputs[-1][0] + DRAIN if inputs else None
    while wakeup is not None and horizon is not None and wakeup <= horizon:
        result = tick(wakeup)
        ticks += 1
        if result.transitions:
            note(result.transitions)
        wakeup = result.next_wakeup
    run.seconds = time.perf_counter() - begin
    run.cpu = time.process_time() - cpu
    run.calls = len(inputs)
    run.ticks = ticks
    return run


def run_baseline(
    configs: Sequence[baseline.LocationConfig],
    inputs: Sequence[BaselineInput],
    parents: frozenset[str],
) -> Run:
    """Drive the baseline through `inputs`, ticking (check_timeouts) at each next_expiration."""
    run = Run()
    occupancy = baseline.OccupancyEngine(list(configs))
    handle = occupancy.handle_event
    tick = occupancy.check_timeouts
    changes = run.changes

    def note(transitions: list[baseline.StateTransition]) -> None:
        run.records += len(transitions)
        for transition in transitions:
            occupied = transition.new_state.is_occupied
            if occupied != transition.previous_state.is_occupied:
                changes["parent" if transition.location_id in parents else "area", occupied] += 1

    wakeup: datetime | None = None
    calls = ticks = 0
    cpu = time.process_time()
    begin = time.perf_counter()
    for at, event in inputs:
        while wakeup is not None and wakeup < at:
            result = tick(wakeup)
            ticks += 1
            if result.transitions:
                note(result.transitions)
            wakeup = result.next_expiration
        if event is None:
            continue
        result = handle(event, at)
        calls += 1
        if result.transitions:
            note(result.transitions)
        wakeup = result.next_expiration
    horizon = inputs[-1][0] + DRAIN if inputs else None
    while wakeup is not None and horizon is not None and wakeup <= horizon:
        result = tick(wakeup)
        ticks += 1
        if result.transitions:
            note(result.transitions)
        wakeup = result.next_expiration
    run.seconds = time.perf_counter() - begin
    run.cpu = time.process_time() - cpu
    run.calls = calls
    run.ticks = ticks
    return run


def best_of(repeat: int, runner: Callable[[], Run]) -> Run:
    """The fastest (wall-clock) of `repeat` calls of `runner`.

    The objects that exist before (the inputs) are hidden from the cyclic collector: a real host
    never holds a million events at once, and without `gc.freeze` every full collection during
    the run would walk them and charge their cost to the engine.

    Raises:
        ValueError: `repeat` < 1.
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    runs: list[Run] = []
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        try:
            runs.append(runner())
        finally:
            gc.unfreeze()
    return min(runs, key=lambda run: run.seconds)


def peak_bytes(runner: Callable[[], object]) -> int:
    """Peak bytes allocated while `runner` runs: engine state and results, not the inputs."""
    gc.collect()
    tracemalloc.start()
    try:
        runner()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def profile(runner: Callable[[], object]) -> str:
    """Run `runner` under cProfile; the functions that took the most own time, as text."""
    profiler = cProfile.Profile()
    profiler.runcall(runner)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(_PROFILE_LINES)
    return out.getvalue()


def describe(workload: Workload, seconds: float) -> list[str]:
    """The workload in a few lines."""
    is_motion = np.array([sensor.kind is SensorKind.MOTION for sensor in workload.sensors])
    motion = int(is_motion[workload.sensor].sum())
    return [
        (
            f"workload   seed {workload.seed}: {len(workload):,} events over "
            f"{workload.span / 86400:.1f} simulated days (generated in {seconds:.1f} s, not timed)"
        ),
        (
            f"           {len(workload.areas)} areas on {len(workload.floors)} floors under one "
            f"home, {len(workload.sensors)} sensors (2 motion + 1 presence per area), "
            f"{workload.people} people"
        ),
        (
            f"           {motion:,} motion and {len(workload) - motion:,} presence events; "
            f"timeouts: motion {MOTION_TIMEOUT:g} s, presence {PRESENCE_TIMEOUT:g} s after clearing"
        ),
    ]


def table(ours: Run, base: Run, events: int, repeat: int) -> list[str]:
    """Throughput, memory and transitions of both engines, then the targets."""

    def row(name: str, run: Run) -> str:
        peak = f"{run.peak / 2**20:.1f}" if run.peak is not None else "-"
        vacant = f"{run.changes['area', False]:,} / {run.changes['parent', False]:,}"
        return (
            f"{name:<33}{_rate(events, run.seconds):>10,.0f}{_rate(events, run.cpu):>10,.0f}"
            f"{run.seconds:>8.2f}{run.cpu:>7.2f}{run.calls:>11,}{run.ticks:>8,}{peak:>9}"
            f"{vacant:>16}{run.changes['area', True]:>9,}{run.records:>11,}"
        )

    ratio = base.seconds / ours.seconds
    rate = _rate(events, ours.seconds)
    return [
        (
            f"{'engine':<33}{'events/s':>10}{'(cpu)':>10}{'seconds':>8}{'cpu s':>7}{'calls':>11}"
            f"{'ticks':>8}{'peak MiB':>9}{'vacant a / p':>16}{'occ. a':>9}{'records':>11}"
        ),
        row("ours (custom_components engine)", ours),
        row("baseline occupancy-manager 0.1.0", base),
        "",
        (
            f"ratio ours / baseline   {ratio:.2f}x (cpu {base.cpu / ours.cpu:.2f}x)   "
            f"target >= {TARGET_RATIO:g}x   {'MET' if ratio >= TARGET_RATIO else 'MISSED'}"
        ),
        (
            f"ours                    {rate:,.0f} events/s (cpu {_rate(events, ours.cpu):,.0f})   "
            f"target >= {TARGET_RATE:,.0f}   {'MET' if rate >= TARGET_RATE else 'MISSED'}"
        ),
        "",
        f"Best of {repeat} run(s) each by wall-clock time (time.perf_counter around the loop);",
        "the verdicts use it. events/s = workload events / seconds, the same count for both",
        "engines; (cpu) uses process CPU seconds instead. calls: events handed to the engine;",
        "ticks: timer calls at its wake-ups; vacant a / p: vacancies of areas / of floors and the",
        "home; occ. a: areas becoming occupied; records: transition records returned. peak MiB:",
        "tracemalloc peak of one more run (engine state and results; the inputs excluded).",
    ]


def _rate(events: int, seconds: float) -> float:
    return events / seconds if seconds > 0 else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results; returns 0 (bad options exit with status 2)."""
    args = _parser().parse_args(argv)
    events = QUICK_EVENTS if args.quick else args.events
    began = time.perf_counter()
    workload = generate(events, areas=args.areas, floors=args.floors, seed=args.seed)
    generated = time.perf_counter() - began
    parents = frozenset((workload.home, *workload.floors))
    stamps = timestamps(workload)
    cpus = os.process_cpu_count() or 1
    load = os.getloadavg()[0]
    busy = " (other processes compete for the CPUs: wall times inflate)" if load >= cpus else ""
    lines = [
        (
            f"python     {platform.python_version()} on {platform.machine()}, {cpus} CPUs, "
            f"load average {load:.1f} at start{busy}"
        ),
        *describe(workload, generated),
        "",
    ]
    _emit(lines)

    # Each engine's inputs are built right before its own runs: building the other's first
    # changes the memory layout and measurably slows the run (see benchmarks/README.md).
    areas, inputs = our_areas(workload), our_inputs(workload, stamps)
    ours, report = _measure("ours", lambda: run_ours(areas, inputs, parents), args)
    configs, base_inputs = baseline_configs(workload), baseline_inputs(workload, stamps)
    base, base_report = _measure(
        "baseline", lambda: run_baseline(configs, base_inputs, parents), args
    )
    _emit(table(ours, base, len(workload), args.repeat))
    if (text := report or base_report) is not None:
        _emit(["", f"profile of {args.profile} (cProfile, sorted by own time):", text])
    return 0


def _measure(
    name: str, run_once: Callable[[], Run], args: argparse.Namespace
) -> tuple[Run, str | None]:
    """Best of `--repeat` runs; peak memory of one more; a profile if `--profile name`."""
    run = best_of(args.repeat, run_once)
    if not args.skip_memory:
        run.peak = peak_bytes(run_once)
    return run, profile(run_once) if args.profile == name else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine",
        description="Events per second and peak memory of our occupancy engine and of "
        "occupancy-manager 0.1.0 on the same synthetic workload.",
    )
    parser.add_argument(
        "--events",
        type=_positive,
        default=1_000_000,
        metavar="N",
        help="events in the workload (default 1,000,000)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_EVENTS:,} events (overrides --events)"
    )
    parser.add_argument(
        "--areas", type=_positive, default=200, metavar="N", help="areas (default 200)"
    )
    parser.add_argument(
        "--floors", type=_positive, default=5, metavar="N", help="floors (default 5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=3,
        metavar="N",
        help="timed runs per engine, the fastest counts (default 3)",
    )
    parser.add_argument(
        "--skip-memory", action="store_true", help="skip the tracemalloc runs (peak memory)"
    )
    parser.add_argument(
        "--profile",
        choices=("ours", "baseline"),
        help="also run one engine under cProfile and print its hot spots",
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _emit(lines: Sequence[str]) -> None:
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
