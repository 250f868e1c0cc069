"""Privacy latency (issue 4): from a motion sensor's state write to the camera call and our entity.

Usage: `.venv/bin/python -m benchmarks.privacy_latency [--areas 200] [--cameras 2]
[--transitions 10000] [--warmup N] [--floors 5] [--order {both,ours,template}] [--profile]`
(see benchmarks/README.md).

A Home Assistant test instance (pytest-homeassistant-custom-component) runs the integration from
this repository with a recorder on an in-memory SQLite database. One hub holds an area subentry per
area; each area has one motion sensor (a trigger with a 0 s timeout, so motion clearing makes the
area vacant at once) and cameras that support on/off. `camera.turn_off` and `camera.turn_on` are
plain services that note when they are called. A template binary sensor per area follows the same
motion sensor and serves as the reference.

Each transition writes one motion sensor with `hass.states.async_set` and waits with
`hass.async_block_till_done()`. Its latencies run from just before the write to: the area's first
camera service call; the moment the area's occupancy entity wrote its new state (the state's
`last_updated_timestamp`) and the moment a listener received that `state_changed` event; and the
same two moments of the template sensor. Motion on measures the occupied direction
(`camera.turn_off`), motion off the vacant one (`camera.turn_on`). Areas are written round robin:
one pass turns every area on, the next turns every area off.

Home Assistant calls the listeners of one sensor in the order they subscribed, so whichever of our
coordinator and the template runs second waits for the first. The run therefore measures both
orders: first with the hub set up before the template sensors, then after reloading the hub.
Events fired while an event is being dispatched wait in a queue until every listener of that
event has returned, so both `state_changed` events of a transition include all listeners' work.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import os
import platform
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from unittest.mock import patch

import numpy as np
from homeassistant import loader
from homeassistant.components.recorder import CONF_DB_URL
from homeassistant.components.recorder.const import DOMAIN as RECORDER_DOMAIN
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers import frame
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.runner import create_event_loop
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_storage,
)

from custom_components.occupancy_manager.const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_TIMEOUT,
    CONF_TRIGGER_SENSORS,
    DOMAIN,
    HUB_TITLE,
    SUBENTRY_AREA,
)

CAMERA_DOMAIN: Final = "camera"
CAMERA_ON_OFF: Final = 1
"""CameraEntityFeature.ON_OFF."""
CAMERA_IDLE: Final = "idle"
TEMPLATE_DOMAIN: Final = "template"
TARGET_P99_MS: Final = 5.0
_PROFILE_LINES: Final = 30
_PROGRESS_EVERY: Final = 1000
"""Motion writes between progress messages (logged at info level)."""

CAMERA_CALL: Final = "camera call"
OCCUPANCY_WRITE: Final = "occupancy write"
OCCUPANCY_EVENT: Final = "occupancy event"
TEMPLATE_WRITE: Final = "template write"
TEMPLATE_EVENT: Final = "template event"
MEASURES: Final = (CAMERA_CALL, OCCUPANCY_WRITE, OCCUPANCY_EVENT, TEMPLATE_WRITE, TEMPLATE_EVENT)
OURS: Final = (CAMERA_CALL, OCCUPANCY_WRITE)
"""The measures the target applies to (issue 4: the camera call issued, our entity's state written).

The events are printed too, but a state_changed event is delivered only after every listener of
the motion sensor has returned (HA queues events fired during a dispatch), so ours and the
template's measure the same thing: everyone's work."""
REFERENCE: Final = {
    CAMERA_CALL: TEMPLATE_WRITE,
    OCCUPANCY_WRITE: TEMPLATE_WRITE,
    OCCUPANCY_EVENT: TEMPLATE_EVENT,
}
"""Each of our measures and the template's measure it is compared with."""
_WRITE_OF: Final = {OCCUPANCY_EVENT: OCCUPANCY_WRITE, TEMPLATE_EVENT: TEMPLATE_WRITE}
OCCUPIED: Final = "occupied"
VACANT: Final = "vacant"
DIRECTIONS: Final = (OCCUPIED, VACANT)
OURS_FIRST: Final = "ours first"
TEMPLATE_FIRST: Final = "template first"
ORDERS: Final = (OURS_FIRST, TEMPLATE_FIRST)
"""Measured in this sequence: the hub is set up first, then reloaded to subscribe last."""

_LOGGER = logging.getLogger(__name__)

_MOTION_ATTRS: Final = {ATTR_DEVICE_CLASS: "motion"}
_CAMERA_ATTRS: Final = {ATTR_SUPPORTED_FEATURES: CAMERA_ON_OFF}

type Key = tuple[str, str, str]
"""(order, measure, direction)."""


@dataclass(frozen=True, slots=True)
class Stats:
    """Percentiles of one latency, in milliseconds."""

    n: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Iterable[float]) -> Stats:
        """Stats of latencies in ms; n = 0 and NaNs when there are none."""
        values = np.fromiter(samples, dtype=float)
        if values.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"))
        p50, p99 = np.percentile(values, [50, 99])
        return cls(int(values.size), float(p50), float(p99), float(values.max()))


@dataclass(slots=True)
class Report:
    """What one run measured.

    Attributes:
        orders: the listener orders measured, in the sequence run.
        samples: (order, measure, direction) -> latencies in ms, one per transition that got there.
        missing: (order, measure, direction) -> measured transitions that never got there.
        stray: camera calls and watched state writes of an area other than the one written, or
            with an unexpected state, during measured transitions.
        areas, cameras: the size of the home (cameras per area).
    """

    orders: tuple[str, ...] = ORDERS
    samples: dict[Key, list[float]] = field(default_factory=lambda: defaultdict(list))
    missing: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    stray: int = 0
    areas: int = 0
    cameras: int = 0

    def stats(self) -> dict[Key, Stats]:
        """Stats for every order, measure and direction (n = 0 where nothing arrived)."""
        return {
            (order, measure, direction): Stats.of(self.samples.get((order, measure, direction), ()))
            for order in self.orders
            for direction in DIRECTIONS
            for measure in MEASURES
        }

    def target_met(self) -> bool:
        """Whether every p99 of ours (camera call, occupancy write) is under the target."""
        stats = self.stats()
        return all(
            s.n > 0 and s.p99 < TARGET_P99_MS
            for (_order, measure, _direction), s in stats.items()
            if measure in OURS
        )


@dataclass(slots=True)
class _Home:
    """The benchmark home, by area index."""

    entry: MockConfigEntry
    motion: list[str]
    on: list[bool]
    """Whether each motion sensor is on now."""


@dataclass(slots=True)
class _Probe:
    """The transition being written and when its effects happened.

    `hits` holds perf_counter ns for the camera call and the events, and for the state writes
    the state's `last_updated_timestamp` (time.time() seconds, taken by Home Assistant as it
    wrote the state).
    """

    area: int = -1
    expect: str = STATE_ON
    hits: dict[str, float] = field(default_factory=dict)
    stray: int = 0
    camera_area: dict[str, int] = field(default_factory=dict)
    watched: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Occupancy and template entity id -> (area index, measure)."""

    @callback
    def camera_called(self, call: ServiceCall) -> None:
        """Stand-in for camera.turn_off / camera.turn_on: note the first call for the area."""
        now = time.perf_counter_ns()
        targets = call.data.get(ATTR_ENTITY_ID, ())
        for camera in [targets] if isinstance(targets, str) else targets:
            if self.camera_area.get(camera) == self.area:
                self.hits.setdefault(CAMERA_CALL, now)
            else:
                self.stray += 1

    @callback
    def state_changed(self, event: Event[EventStateChangedData]) -> None:
        """Note the first write of the expected state by the area's watched entities."""
        now = time.perf_counter_ns()
        seen = self.watched.get(event.data["entity_id"])
        if seen is None:
            return
        new_state = event.data["new_state"]
        if seen[0] == self.area and new_state is not None and new_state.state == self.expect:
            if seen[1] not in self.hits:
                self.hits[seen[1]] = now
                self.hits[_WRITE_OF[seen[1]]] = new_state.last_updated_timestamp
        else:
            self.stray += 1


def _area_subentry(area_id: str, title: str, motion: str, cameras: list[str]) -> dict[str, Any]:
    """An area subentry as the config flow stores it, with a 0 s timeout."""
    return {
        "subentry_type": SUBENTRY_AREA,
        "title": title,
        "unique_id": area_id,
        "data": {
            CONF_AREA_ID: area_id,
            CONF_TRIGGER_SENSORS: [motion],
            CONF_SUSTAIN_SENSORS: [],
            CONF_SUSTAIN_STARTS: True,
            CONF_TIMEOUT: {"hours": 0, "minutes": 0, "seconds": 0},
            CONF_CAMERAS: cameras,
        },
    }


def _template_config(motions: Mapping[str, str]) -> dict[str, Any]:
    """YAML config of one template binary sensor per motion sensor, keyed by unique_id."""
    return {
        TEMPLATE_DOMAIN: [
            {
                "binary_sensor": [
                    {
                        "name": f"{unique_id} reference",
                        "unique_id": unique_id,
                        "state": f"{{{{ is_state('{motion}', 'on') }}}}",
                    }
                    for unique_id, motion in motions.items()
                ]
            }
        ]
    }


async def _async_build_home(
    hass: HomeAssistant, areas: int, cameras: int, floors: int, probe: _Probe
) -> _Home:
    """Create floors, areas, sensors, cameras, the camera services, our hub, the templates.

    The hub is set up before the template sensors, so our listener on each motion sensor runs
    first. Raises RuntimeError if the hub or the template sensors fail to set up.
    """
    floor_reg = fr.async_get(hass)
    area_reg = ar.async_get(hass)
    floor_ids = [floor_reg.async_create(f"Latency floor {f}").floor_id for f in range(floors)]
    motion: list[str] = []
    subentries: list[dict[str, Any]] = []
    references: dict[str, str] = {}
    for index in range(areas):
        title = f"Latency area {index:03d}"
        area = area_reg.async_create(title, floor_id=floor_ids[index % floors] if floors else None)
        sensor = f"binary_sensor.latency_motion_{index:03d}"
        hass.states.async_set(sensor, STATE_OFF, _MOTION_ATTRS)
        own = [f"camera.latency_{index:03d}_{c}" for c in range(cameras)]
        for camera in own:
            hass.states.async_set(camera, CAMERA_IDLE, _CAMERA_ATTRS)
            probe.camera_area[camera] = index
        motion.append(sensor)
        subentries.append(_area_subentry(area.id, title, sensor, own))
        references[f"latency_reference_{index:03d}"] = sensor
    for service in ("turn_off", "turn_on"):
        hass.services.async_register(CAMERA_DOMAIN, service, probe.camera_called)

    entry = MockConfigEntry(domain=DOMAIN, title=HUB_TITLE, data={}, subentries_data=subentries)
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the Occupancy Manager hub did not set up")
    if not await async_setup_component(hass, TEMPLATE_DOMAIN, _template_config(references)):
        raise RuntimeError("the template sensors did not set up")
    await hass.async_block_till_done()

    ent_reg = er.async_get(hass)
    for index, subentry_id in enumerate(entry.subentries):
        ours = ent_reg.async_get_entity_id("binary_sensor", DOMAIN, f"{subentry_id}_occupancy")
        reference = ent_reg.async_get_entity_id(
            "binary_sensor", TEMPLATE_DOMAIN, f"latency_reference_{index:03d}"
        )
        if ours is None or reference is None:
            raise RuntimeError(f"area {index} lacks its occupancy or template entity")
        probe.watched[ours] = (index, OCCUPANCY_EVENT)
        probe.watched[reference] = (index, TEMPLATE_EVENT)
    return _Home(entry, motion, [False] * areas)


async def _async_write(
    hass: HomeAssistant, home: _Home, probe: _Probe, index: int
) -> dict[str, float]:
    """Flip one motion sensor, wait until Home Assistant is idle; returns latencies in ms."""
    on = not home.on[index]
    home.on[index] = on
    probe.area, probe.expect, probe.hits = index, STATE_ON if on else STATE_OFF, {}
    wall = time.time()
    start = time.perf_counter_ns()
    hass.states.async_set(home.motion[index], probe.expect, _MOTION_ATTRS)
    await hass.async_block_till_done()
    return {
        measure: (hit - wall) * 1e3 if measure in _WRITE_OF.values() else (hit - start) / 1e6
        for measure, hit in probe.hits.items()
    }


async def _async_phase(
    hass: HomeAssistant,
    home: _Home,
    probe: _Probe,
    report: Report,
    order: str,
    transitions: int,
    warmup: int,
) -> None:
    """Warm up, then measure until each direction has `transitions`; then clear all motion."""
    areas = len(home.motion)
    counts = dict.fromkeys(DIRECTIONS, 0)
    writes = 0
    gc.collect()
    while min(counts.values()) < transitions:
        index = writes % areas
        direction = VACANT if home.on[index] else OCCUPIED
        measured = writes >= warmup and counts[direction] < transitions
        writes += 1
        stray = probe.stray
        latencies = await _async_write(hass, home, probe, index)
        if not measured:
            probe.stray = stray
            continue
        counts[direction] += 1
        if writes % _PROGRESS_EVERY == 0:
            _LOGGER.info("%s: %d writes, %s measured", order, writes, counts)
        for measure in MEASURES:
            if measure in latencies:
                report.samples[order, measure, direction].append(latencies[measure])
            else:
                report.missing[order, measure, direction] += 1
    stray = probe.stray
    for index in range(areas):
        if home.on[index]:
            await _async_write(hass, home, probe, index)
    probe.stray = stray


async def async_measure(
    hass: HomeAssistant,
    *,
    areas: int = 200,
    cameras: int = 2,
    transitions: int = 10_000,
    warmup: int | None = None,
    floors: int = 5,
    orders: Sequence[str] = ORDERS,
) -> Report:
    """Build the home on a running `hass` and measure `transitions` each way in each order.

    `hass` must have the recorder set up and custom integrations enabled.
    `orders` is a subsequence of ORDERS; "template first" reloads the hub so that it subscribes
    after the template sensors. Each order starts with an unmeasured warm-up of `warmup` motion
    writes (default: one on/off cycle of every area). Raises ValueError for an unknown order and
    RuntimeError if the hub or the template sensors fail to set up.
    """
    if not orders or list(orders) not in ([OURS_FIRST], [TEMPLATE_FIRST], list(ORDERS)):
        raise ValueError(f"orders must be a non-empty subsequence of {ORDERS}")
    probe = _Probe()
    hass.bus.async_listen(EVENT_STATE_CHANGED, probe.state_changed)
    home = await _async_build_home(hass, areas, cameras, floors, probe)
    report = Report(orders=tuple(orders), areas=areas, cameras=cameras)
    for order in orders:
        if order == TEMPLATE_FIRST:
            if not await hass.config_entries.async_reload(home.entry.entry_id):
                raise RuntimeError("the Occupancy Manager hub did not reload")
            await hass.async_block_till_done()
        probe.stray = 0
        await _async_phase(
            hass, home, probe, report, order, transitions, 2 * areas if warmup is None else warmup
        )
        report.stray += probe.stray
    return report


@asynccontextmanager
async def _async_home_assistant() -> AsyncIterator[HomeAssistant]:
    """A test Home Assistant with in-memory storage, custom integrations and a recorder.

    The recorder is real, on an in-memory SQLite database, set up as phcc's `recorder_mock` does
    but with Home Assistant's default commit interval: our hub depends on it and reads from it.
    """
    with mock_storage():
        async with async_test_home_assistant() as hass:
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                with patch("homeassistant.components.recorder.ALLOW_IN_MEMORY_DB", new=True):
                    recorder_helper.async_initialize_recorder(hass)
                    config = {RECORDER_DOMAIN: {CONF_DB_URL: "sqlite://"}}
                    if not await async_setup_component(hass, RECORDER_DOMAIN, config):
                        raise RuntimeError("the recorder did not set up")
                yield hass
            finally:
                for entry in hass.config_entries.async_entries():
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


async def async_run(*, profile: cProfile.Profile | None = None, **kwargs: Any) -> Report:
    """Start a Home Assistant of its own, `async_measure(hass, **kwargs)`, stop it.

    With `profile`, the measurement (set-up and warm-up included) runs under it.
    """
    async with _async_home_assistant() as hass:
        if profile is None:
            return await async_measure(hass, **kwargs)
        profile.enable()
        try:
            return await async_measure(hass, **kwargs)
        finally:
            profile.disable()


def run(**kwargs: Any) -> Report:
    """Run `async_run(**kwargs)` on a new Home Assistant event loop (blocking)."""
    with asyncio.Runner(loop_factory=create_event_loop) as runner:
        return runner.run(async_run(**kwargs))


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:>6.2f}" if reference > 0 else f"{'-':>6}"


def format_report(report: Report) -> str:
    """Per order: measure, direction, n, p50, p99, max (ms), ratios to the template; verdict."""
    stats = report.stats()
    lines: list[str] = []
    for order in report.orders:
        lines += [
            f"listener order: {order}",
            (
                f"  {'measure':<16} {'direction':<9} {'n':>7} {'p50 ms':>8} {'p99 ms':>8}"
                f" {'max ms':>8} {'missing':>7}   ours / template   p50    p99"
            ),
        ]
        for direction in DIRECTIONS:
            for measure in MEASURES:
                s = stats[order, measure, direction]
                ratios = ""
                if measure in REFERENCE:
                    reference = stats[order, REFERENCE[measure], direction]
                    ratios = (
                        f"   {REFERENCE[measure]:<17}"
                        f"{_ratio(s.p50, reference.p50)} {_ratio(s.p99, reference.p99)}"
                    )
                lines.append(
                    f"  {measure:<16} {direction:<9} {s.n:>7} {s.p50:>8.3f} {s.p99:>8.3f}"
                    f" {s.max:>8.3f} {report.missing.get((order, measure, direction), 0):>7}"
                    + ratios
                )
        lines.append("")
    worst = max(
        (s.p99 for (_o, measure, _d), s in stats.items() if measure in OURS and s.n),
        default=float("nan"),
    )
    verdict = "met" if report.target_met() else "NOT met"
    lines.append(
        f"target: p99 < {TARGET_P99_MS:g} ms for the camera call and our occupancy write, both"
        f" ways, both orders: {verdict} (worst p99 {worst:.3f} ms)"
    )
    lines.append(f"stray camera calls or state writes during measured transitions: {report.stray}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print a header and the table; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--areas", type=int, default=200)
    parser.add_argument("--cameras", type=int, default=2, help="cameras per area")
    parser.add_argument(
        "--transitions", type=int, default=10_000, help="measured per direction and order"
    )
    parser.add_argument("--warmup", type=int, default=None, help="unmeasured writes per order")
    parser.add_argument("--floors", type=int, default=5)
    parser.add_argument("--order", choices=("both", "ours", "template"), default="both")
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile hot spots (slows the run)"
    )
    args = parser.parse_args(argv)
    if min(args.areas, args.cameras, args.transitions) < 1 or args.floors < 0:
        parser.error("--areas, --cameras and --transitions must be at least 1, --floors >= 0")
    orders = {"both": ORDERS, "ours": (OURS_FIRST,), "template": (TEMPLATE_FIRST,)}[args.order]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    _LOGGER.setLevel(logging.INFO)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs,"
        f" load {load:.2f}; {args.areas} areas x {args.cameras} cameras;"
        f" {args.transitions} transitions per direction and order; recorder: in-memory SQLite"
    )
    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    report = run(
        areas=args.areas,
        cameras=args.cameras,
        transitions=args.transitions,
        warmup=args.warmup,
        floors=args.floors,
        orders=orders,
        profile=profile,
    )
    print(f"ran in {time.perf_counter() - started:.1f} s\n")
    print(format_report(report))
    if profile is not None:
        print(
            "\ncProfile of the measurement, our integration's functions by cumulative time"
            " (it also sees the recorder's thread; latencies above are inflated):"
        )
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(
            "custom_components", _PROFILE_LINES
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
