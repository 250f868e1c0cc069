"""Learning from 60 days x 50 sensors of recorder history: wall time and event-loop lag (issue 6).

Builds a test Home Assistant (`async_test_home_assistant`) with a real recorder on a SQLite file,
bulk-inserts synthetic motion history into its `states` table, then sets up Occupancy Manager.
First setup backfills: the history is read in one-day chunks (`state_changes_during_period`
in the recorder's executor), replayed through a private engine (Home Assistant's executor),
written as hourly external statistics, and the duration models are fitted (executor). A
ticker task sleeps 10 ms at a time on the event loop and records how late it wakes up.

    .venv/bin/python -m benchmarks.learning_loop_lag               # 60 days x 50 sensors
    .venv/bin/python -m benchmarks.learning_loop_lag --days 7 --areas 5
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant import loader
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.tasks import RecorderTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import insert, select

TICK = 0.010
IDLE_S = 3.0


def synthetic_history(
    areas: int, days: int, per_area: int, seed: int
) -> dict[str, list[tuple[float, str]]]:
    """Per sensor, (timestamp, state) in time order: visits with motion pulses.

    Each area has `per_area` motion sensors; a visit (median 8 min, about 20 a day) makes each of
    its sensors pulse on for 3-30 s every 20-60 s. Sensors stay off between visits (mean 1 h).
    """
    rng = random.Random(seed)
    end = dt_util.utcnow().timestamp()
    start = end - days * 86400
    history: dict[str, list[tuple[float, str]]] = {}
    for area in range(areas):
        sensors = [f"binary_sensor.area_{area}_motion_{n}" for n in range(per_area)]
        for sensor in sensors:
            history[sensor] = [(start, "off")]
        at = start + rng.uniform(0, 3600)
        while at < end - 3600:
            visit = rng.lognormvariate(6.2, 0.8)
            for sensor in sensors:
                pulse = at + rng.uniform(0, 20)
                while pulse < at + visit:
                    length = rng.uniform(3, 30)
                    history[sensor] += [(pulse, "on"), (pulse + length, "off")]
                    pulse += length + rng.uniform(20, 60)
            at += visit + rng.expovariate(1 / 3600)
    return history


@dataclass
class InsertHistory(RecorderTask):
    """Bulk-insert synthetic history in the recorder's own thread (no lock contention)."""

    history: dict[str, list[tuple[float, str]]]
    rows: int = 0

    def run(self, instance: Recorder) -> None:
        """Insert the states metadata and every state row; set the oldest timestamp."""
        with session_scope(session=instance.get_session()) as session:
            session.execute(insert(StatesMeta), [{"entity_id": e} for e in self.history])
            ids: dict[str | None, int] = {
                row.entity_id: row.metadata_id
                for row in session.execute(select(StatesMeta.entity_id, StatesMeta.metadata_id))
            }
            for entity_id, changes in self.history.items():
                session.execute(
                    insert(States),
                    [
                        {
                            "metadata_id": ids[entity_id],
                            "state": state,
                            "last_updated_ts": stamp,
                            "last_changed_ts": None,
                            "last_reported_ts": None,
                        }
                        for stamp, state in changes
                    ],
                )
                self.rows += len(changes)
        instance.states_manager._oldest_ts = min(  # noqa: SLF001 - the bulk insert bypasses it
            changes[0][0] for changes in self.history.values()
        )


def hub_entry(areas: int, per_area: int) -> MockConfigEntry:
    """A hub with `areas` areas of `per_area` motion sensors each (5-minute timeout)."""
    return MockConfigEntry(
        domain="occupancy_manager",
        title="Occupancy Manager",
        data={},
        subentries_data=[
            {
                "subentry_type": "area",
                "title": f"Area {a}",
                "unique_id": f"area_{a}",
                "data": {
                    "area_id": f"area_{a}",
                    "trigger_sensors": [
                        f"binary_sensor.area_{a}_motion_{n}" for n in range(per_area)
                    ],
                    "timeout": {"hours": 0, "minutes": 5, "seconds": 0},
                },
            }
            for a in range(areas)
        ],
    )


def gc_timer(pauses: list[float]) -> Callable[[str, dict[str, int]], None]:
    """A `gc.callbacks` entry that appends each collection's duration (seconds) to `pauses`."""
    began = [0.0]

    def callback(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - began[0])

    return callback


async def ticker(lags: list[float], stop: asyncio.Event) -> None:
    """Sleep `TICK` seconds at a time; record how late each wake-up is (seconds)."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        expected = loop.time() + TICK
        await asyncio.sleep(TICK)
        lags.append(loop.time() - expected)


async def load(hass: HomeAssistant, tmp: str, args: argparse.Namespace) -> tuple[int, float]:
    """Start a recorder on a SQLite file and fill it with history; (rows, seconds taken)."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    recorder_helper.async_initialize_recorder(hass)
    db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
    assert await async_setup_component(  # noqa: S101 - a script's sanity check
        hass, "recorder", {"recorder": {"db_url": db_url, "commit_interval": 1}}
    )
    await hass.async_block_till_done()
    history = synthetic_history(args.areas, args.days, args.sensors_per_area, args.seed)
    began = time.perf_counter()
    task = InsertHistory(history)
    get_instance(hass).queue_task(task)
    await async_wait_recording_done(hass)
    for entity_id in history:
        hass.states.async_set(entity_id, "off")
    await async_wait_recording_done(hass)
    return task.rows, time.perf_counter() - began


async def measure(hass: HomeAssistant, args: argparse.Namespace) -> dict[str, Any]:
    """Idle ticks, then set the hub up and tick through its background backfill and fit."""
    # Module imports and the garbage of the synthetic inputs are not learning: get them out
    # of the way (a real host never holds a million synthetic rows).
    integration = await loader.async_get_integration(hass, "occupancy_manager")
    await integration.async_get_component()
    await integration.async_get_platforms(["binary_sensor", "select", "sensor", "switch"])
    for domain in ("binary_sensor", "select", "sensor", "switch", "logbook"):
        await async_setup_component(hass, domain, {})
    await hass.async_block_till_done()
    gc.collect()
    gc.freeze()

    idle: list[float] = []
    stop = asyncio.Event()
    tick_task = asyncio.create_task(ticker(idle, stop))
    await asyncio.sleep(IDLE_S)
    stop.set()
    await tick_task

    entry = hub_entry(args.areas, args.sensors_per_area)
    entry.add_to_hass(hass)
    lags: list[float] = []
    pauses: list[float] = []
    began = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)  # noqa: S101
    setup = time.perf_counter() - began
    gc.callbacks.append(gc_timer(pauses))
    stop = asyncio.Event()
    tick_task = asyncio.create_task(ticker(lags, stop))
    await hass.async_block_till_done(wait_background_tasks=True)
    wall = time.perf_counter() - began
    stop.set()
    await tick_task
    gc.callbacks.pop()
    manager = entry.runtime_data.predictions
    assert manager.ready  # noqa: S101
    sessions = len(manager.log)
    await async_wait_recording_done(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    lags.sort()
    return {
        "setup_s": setup,
        "wall_s": wall,
        "sessions": sessions,
        "ticks": len(lags),
        "lag_max_ms": lags[-1] * 1000,
        "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] * 1000,
        "lag_median_ms": lags[len(lags) // 2] * 1000,
        "gc_max_ms": max(pauses, default=0.0) * 1000,
        "gc_total_ms": sum(pauses) * 1000,
        "gc_runs": len(pauses),
        "idle_lag_max_ms": max(idle) * 1000,
        "idle_ticks": len(idle),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load the history, then measure; every figure in one dict."""
    with tempfile.TemporaryDirectory() as tmp:
        async with async_test_home_assistant(config_dir=tmp) as hass:
            rows, inserted = await load(hass, tmp, args)
            result = await measure(hass, args)
            await hass.async_stop(force=True)
    return result | {"rows": rows, "insert_s": inserted}


def main() -> None:
    """Parse options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--areas", type=int, default=25)
    parser.add_argument("--sensors-per-area", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{args.days} days x {args.areas * args.sensors_per_area} sensors "
        f"({args.areas} areas), CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    result = asyncio.run(run(args))
    print(
        f"idle loop first ({result['idle_ticks']} ticks, nothing running): "
        f"max lag {result['idle_lag_max_ms']:.1f} ms (the machine's noise floor)\n"
        f"state rows {result['rows']:,} (bulk insert {result['insert_s']:.1f} s)\n"
        f"entry setup (entities, devices; before the backfill): {result['setup_s']:.2f} s\n"
        f"backfill + statistics + fit: {result['wall_s']:.1f} s wall, "
        f"{result['sessions']:,} sessions (target < 30 s)\n"
        f"event-loop lag over {result['ticks']:,} ticks of {TICK * 1000:.0f} ms: "
        f"max {result['lag_max_ms']:.1f} ms, p99 {result['lag_p99_ms']:.1f} ms, "
        f"median {result['lag_median_ms']:.2f} ms (target max < 50 ms)\n"
        f"garbage collections meanwhile: {result['gc_runs']}, "
        f"longest {result['gc_max_ms']:.1f} ms, total {result['gc_total_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
