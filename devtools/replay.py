"""Summarise a CASAS event file and optionally replay it through the pure occupancy engine.

Usage: `scripts/replay [EVENTS] [--mapping MAP] [--engine [--timeout SECONDS] [--tz ZONE]]`.
No Home Assistant instance is involved: the engine runs under a simulated clock driven by the
event times, so a month of data replays in about a second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .casas import (
    CasasFormatError,
    ReadStats,
    ReplayEvent,
    SensorKind,
    SensorSpec,
    area_names,
    default_dataset,
    read_events,
    read_mapping,
)
from .engine_loader import load_engine

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from custom_components.occupancy_manager import engine
else:
    engine = load_engine()

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_TIMEOUT = 300.0
_ROLES = {
    SensorKind.MOTION: engine.SensorRole.TRIGGER,
    SensorKind.PRESENCE: engine.SensorRole.SUSTAIN,
}
_LISTED = 8


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over replayed events.

    Attributes:
        first: earliest event time (naive local), None without events.
        last: latest event time (naive local), None without events.
        events: number of events.
        by_sensor: events per sensor key.
        by_area_kind: events per (area id, kind); empty without a mapping.
    """

    first: datetime | None
    last: datetime | None
    events: int
    by_sensor: Counter[str]
    by_area_kind: Counter[tuple[str, SensorKind]]

    @property
    def days(self) -> float:
        """Length of the span in days (0 without events)."""
        if self.first is None or self.last is None:
            return 0.0
        return (self.last - self.first).total_seconds() / 86400


def summarize(events: Iterable[ReplayEvent], mapping: Mapping[str, SensorSpec] | None) -> Summary:
    """Count events per sensor and, with a mapping, per area and kind."""
    by_sensor: Counter[str] = Counter()
    first: datetime | None = None
    last: datetime | None = None
    for event in events:
        by_sensor[event.sensor] += 1
        first = event.at if first is None else min(first, event.at)
        last = event.at if last is None else max(last, event.at)
    by_area_kind: Counter[tuple[str, SensorKind]] = Counter()
    if mapping is not None:
        for sensor, count in by_sensor.items():
            if (spec := mapping.get(sensor)) is not None:
                by_area_kind[spec.area, spec.kind] += count
    return Summary(first, last, sum(by_sensor.values()), by_sensor, by_area_kind)


@dataclass(slots=True)
class AreaReplay:
    """What the engine did for one area.

    Attributes:
        transitions: occupied and vacant transitions together.
        sessions: seconds of each completed session (occupied -> vacant), in order.
        occupied_seconds: total occupied time, including a session still open at the end.
    """

    transitions: int = 0
    sessions: list[float] = field(default_factory=list)
    occupied_seconds: float = 0.0

    @property
    def median_session_minutes(self) -> float | None:
        """Median completed session in minutes, None without sessions."""
        return statistics.median(self.sessions) / 60 if self.sessions else None


@dataclass(frozen=True, slots=True)
class EngineReplay:
    """The result of `replay_engine`.

    Attributes:
        start: first event time (aware UTC), None without events.
        end: the later of the last event and the last timer that ran out (aware UTC).
        areas: per area id, every area of the mapping.
        clamped: events whose time went backwards and were replayed at the previous time instead.
    """

    start: datetime | None
    end: datetime | None
    areas: dict[str, AreaReplay]
    clamped: int

    @property
    def days(self) -> float:
        """Length of the replay in days (0 without events)."""
        if self.start is None or self.end is None:
            return 0.0
        return (self.end - self.start).total_seconds() / 86400


def engine_areas(mapping: Mapping[str, SensorSpec], timeout: float) -> list[engine.AreaConfig]:
    """One `AreaConfig` per mapped area: motion -> trigger, presence -> sustain, doors left out.

    Raises:
        ValueError: a negative timeout (seconds).
    """
    sensors: dict[str, list[engine.SensorConfig]] = {area: [] for area in area_names(mapping)}
    for spec in mapping.values():
        if (role := _ROLES.get(spec.kind)) is not None:
            sensors[spec.area].append(engine.SensorConfig(spec.sensor, role))
    return [engine.AreaConfig(area, tuple(configs), timeout) for area, configs in sensors.items()]


def replay_engine(
    events: Iterable[ReplayEvent],
    mapping: Mapping[str, SensorSpec],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    tz: tzinfo = UTC,
) -> EngineReplay:
    """Drive an `OccupancyEngine` with the events under a simulated clock.

    Local times are read in `tz` and converted to aware UTC. Before each event the engine's
    timers due strictly earlier run with `tick(next_wakeup)`; after the last event the timers
    due within one timeout run out. A session still held by a sensor at the end counts towards
    `occupied_seconds` up to `end` but not as a completed session.

    Args:
        events: in file order, e.g. from `read_events(path, mapping)`.
        mapping: sensor key -> spec; events of other sensors and of doors are ignored.
        timeout: seconds an area stays occupied after its last sensor clears.
        tz: the time zone of the file's wall-clock times.

    Raises:
        ValueError: a negative timeout.
    """
    occupancy = engine.OccupancyEngine(engine_areas(mapping, timeout))
    sources = occupancy.sources
    areas = {area: AreaReplay() for area in area_names(mapping)}
    to_utc = _UtcClock(tz)
    start: datetime | None = None
    end: datetime | None = None
    clamped = 0
    wakeup: datetime | None = None
    for event in events:
        at = to_utc(event.at)
        if end is not None and at < end:
            at = end
            clamped += 1
        start = start or at
        while wakeup is not None and wakeup < at:
            wakeup = _record(occupancy.tick(wakeup), areas)
        end = at
        if event.sensor in sources:
            wakeup = _record(occupancy.handle(engine.Event(event.sensor, on=event.on), at), areas)
    # Let the running timers end, but stop within one timeout of the last event: a sensor still
    # on when the data ends is not stuck, the recording just stopped.
    horizon = end + timedelta(seconds=timeout) if end is not None else None
    while wakeup is not None and horizon is not None and wakeup <= horizon:
        end = wakeup
        wakeup = _record(occupancy.tick(wakeup), areas)
    if end is not None:
        for area_id, state in occupancy.states().items():
            if state.occupied and state.since is not None:
                areas[area_id].occupied_seconds += (end - state.since).total_seconds()
    return EngineReplay(start, end, areas, clamped)


class _UtcClock:
    """Naive local wall-clock -> aware UTC in one zone.

    In the hour repeated when DST ends, local time goes back; the second pass is read with
    `fold=1` so that replayed time keeps moving forward.
    """

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._last: datetime | None = None

    def __call__(self, local: datetime) -> datetime:
        at = local.replace(tzinfo=self._zone).astimezone(UTC)
        if self._last is not None and at < self._last:
            later = local.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
            at = max(at, later)
        if self._last is None or at > self._last:
            self._last = at
        return at


def _record(result: engine.Result, areas: dict[str, AreaReplay]) -> datetime | None:
    for transition in result.transitions:
        area = areas[transition.area_id]
        area.transitions += 1
        if not transition.occupied and transition.duration is not None:
            area.sessions.append(transition.duration)
            area.occupied_seconds += transition.duration
    return result.next_wakeup


def format_summary(
    summary: Summary, stats: ReadStats, mapping: Mapping[str, SensorSpec] | None
) -> list[str]:
    """The summary as text lines: span, counts per area and kind (or per sensor), skipped lines."""
    lines = [f"{'span':<14}{_span(summary)}", f"{'events':<14}{summary.events}"]
    skipped = sum(stats.unmapped.values()), sum(stats.non_binary.values()), len(stats.malformed)
    lines.append(
        f"{'skipped':<14}{skipped[0]} unmapped, {skipped[1]} non-binary, {skipped[2]} malformed"
    )
    lines.append(f"{'out of order':<14}{stats.out_of_order}")
    lines.extend(_listed("unmapped sensors", stats.unmapped))
    lines.extend(_listed("non-binary sensors", stats.non_binary))
    if mapping is not None:
        silent = Counter({sensor: 0 for sensor in mapping if sensor not in summary.by_sensor})
        lines.extend(_listed("mapped sensors without events", silent))
    if stats.first_error:
        lines.append(f"first malformed line: {stats.first_error}")
    lines.append("")
    if mapping is None:
        lines.append(f"{'sensor':<28}{'events':>8}")
        lines.extend(
            f"{sensor:<28}{count:>8}" for sensor, count in sorted(summary.by_sensor.items())
        )
        return lines
    kinds = list(SensorKind)
    rows = [
        (area, [summary.by_area_kind[area, kind] for kind in kinds]) for area in area_names(mapping)
    ]
    rows.append(("all", [sum(counts[i] for _, counts in rows) for i in range(len(kinds))]))
    lines.append(f"{'area':<16}{'events':>8}" + "".join(f"{kind:>10}" for kind in kinds))
    lines.extend(
        f"{area:<16}{sum(counts):>8}" + "".join(f"{n:>10}" for n in counts) for area, counts in rows
    )
    return lines


def format_engine(replay: EngineReplay, timeout: float, tz: tzinfo) -> list[str]:
    """The engine replay as text lines: per area transitions, occupied hours/day, median session."""
    days = replay.days
    lines = [
        (
            f"engine: timeout {timeout:g} s, time zone {tz}, doors ignored, "
            f"{replay.clamped} events out of order"
        ),
        (
            f"{'area':<16}{'transitions':>12}{'sessions':>10}{'occupied h/day':>16}"
            f"{'median session min':>20}"
        ),
    ]
    for area_id, area in replay.areas.items():
        per_day = f"{area.occupied_seconds / 3600 / days:.2f}" if days > 0 else "-"
        median = area.median_session_minutes
        lines.append(
            f"{area_id:<16}{area.transitions:>12}{len(area.sessions):>10}{per_day:>16}"
            f"{'-' if median is None else f'{median:.1f}':>20}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 unreadable input, 2 usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    events_path: Path | None = args.events
    mapping_path: Path | None = args.mapping
    if events_path is None:
        dataset = default_dataset(REPO_ROOT)
        if dataset is None:
            parser.error(
                "no EVENTS given and no default dataset (../shared/data/casas_al_smarthome)"
            )
        events_path = dataset[0]
        mapping_path = mapping_path or dataset[1]
    if args.engine and mapping_path is None:
        parser.error("--engine needs a mapping: pass --mapping MAP")
    stats = ReadStats()
    try:
        mapping = read_mapping(mapping_path) if mapping_path is not None else None
        reader = read_events(events_path, mapping, strict=not args.skip_malformed, stats=stats)
        events = list(reader)
    except CasasFormatError as err:
        hint = "" if err.path != events_path else " (--skip-malformed skips such lines)"
        return _fail(f"{err}{hint}")
    except OSError as err:
        return _fail(f"cannot read {err.filename}: {err.strerror}")
    out = [f"{'events file':<14}{events_path}"]
    if mapping is not None:
        size = f"{len(mapping)} sensors, {len(area_names(mapping))} areas"
        out.append(f"{'mapping':<14}{mapping_path} ({size})")
    else:
        out.append(f"{'mapping':<14}none (counts per sensor)")
    out.extend(format_summary(summarize(events, mapping), stats, mapping))
    if args.engine and mapping is not None:
        replay = replay_engine(events, mapping, timeout=args.timeout, tz=args.tz)
        out.extend(["", *format_engine(replay, args.timeout, args.tz)])
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/replay",
        description="Summarise a CASAS event file; with --engine, replay it through the "
        "occupancy engine under a simulated clock.",
    )
    parser.add_argument(
        "events",
        nargs="?",
        type=Path,
        metavar="EVENTS",
        help="CASAS event file (default: ../shared/data/casas_al_smarthome/data when present)",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="MAP",
        help="sensor<TAB>area<TAB>kind file (default with the default dataset: its mapping)",
    )
    parser.add_argument("--engine", action="store_true", help="also replay through the engine")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"area timeout for --engine (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--tz",
        type=_zone,
        default=UTC,
        metavar="ZONE",
        help="IANA time zone of the file's local times, for --engine (default UTC)",
    )
    parser.add_argument(
        "--skip-malformed",
        action="store_true",
        help="skip and count malformed lines instead of stopping at the first",
    )
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds: {text!r}")
    return value


def _zone(text: str) -> tzinfo:
    try:
        return ZoneInfo(text)
    except ZoneInfoNotFoundError, ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r}; use an IANA name such as Europe/Berlin"
        ) from None


def _span(summary: Summary) -> str:
    if summary.first is None or summary.last is None:
        return "no events"
    first, last = (f"{at:%Y-%m-%d %H:%M:%S}" for at in (summary.first, summary.last))
    return f"{first} .. {last} ({summary.days:.2f} days, local time)"


def _listed(title: str, counts: Counter[str]) -> list[str]:
    if not counts:
        return []
    shown = ", ".join(
        f"{sensor} ({n})" if n else sensor for sensor, n in counts.most_common(_LISTED)
    )
    more = f", and {len(counts) - _LISTED} more" if len(counts) > _LISTED else ""
    return [f"{title}: {shown}{more}"]


def _fail(message: str) -> int:
    sys.stderr.write(f"scripts/replay: error: {message}\n")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
