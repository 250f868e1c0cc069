"""Read CASAS smart-home event files and the sensor -> area mapping files that go with them.

Pure Python (no Home Assistant import); used by `scripts/replay`, `scripts/develop` and benchmarks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

KEY_SEPARATOR = "/"
"""Joins location and sensor into the sensor key of a 6-field line (`LoungeChair/LivingRoom`)."""

_STATES: dict[str, bool] = {
    "on": True,
    "open": True,
    "present": True,
    "1": True,
    "true": True,
    "off": False,
    "close": False,
    "closed": False,
    "absent": False,
    "0": False,
    "false": False,
}
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_AREA_ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_CASAS_AL_EVENTS = ("..", "shared", "data", "casas_al_smarthome", "data")
_CASAS_AL_MAPPING = ("devtools", "mappings", "casas_al_smarthome.tsv")


class SensorKind(StrEnum):
    """What a sensor reports, named after the Home Assistant binary_sensor device class."""

    MOTION = "motion"
    DOOR = "door"
    PRESENCE = "presence"


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One mapping line: a sensor key (as `read_events` yields it), its area id and its kind."""

    sensor: str
    area: str
    kind: SensorKind


@dataclass(frozen=True, slots=True)
class ReplayEvent:
    """A binary sensor changed at `at`: the file's naive local wall-clock time."""

    at: datetime
    sensor: str
    on: bool


class CasasFormatError(ValueError):
    """A file cannot be read; the message starts with `file:line:` (or `file:` for the whole file).

    Attributes:
        path: the file.
        line: the 1-based line number, or None when the problem is not on one line.
        reason: the message without the location.
    """

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        """Build the message from its parts."""
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(slots=True)
class ReadStats:
    """Counters that `read_events` fills while it iterates; final once the iterator is exhausted.

    Attributes:
        lines: lines read so far, including blank and comment lines.
        events: events yielded.
        unmapped: lines skipped because a mapping was given and lacks the sensor, by sensor key.
        non_binary: lines skipped because the state is not a binary one (e.g. a temperature), by
            sensor key.
        malformed: line numbers skipped as malformed (only with `strict=False`).
        first_error: the message of the first malformed line, if any.
        out_of_order: events earlier than an event before them in the file (kept, in file order).
    """

    lines: int = 0
    events: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    non_binary: Counter[str] = field(default_factory=Counter)
    malformed: list[int] = field(default_factory=list)
    first_error: str | None = None
    out_of_order: int = 0


def read_events(
    path: Path,
    mapping: Mapping[str, SensorSpec] | None = None,
    *,
    strict: bool = True,
    stats: ReadStats | None = None,
) -> Iterator[ReplayEvent]:
    """Yield the binary sensor events of a CASAS file lazily, in file order.

    Two layouts are accepted and detected per line:

    1. whitespace-separated `date time location sensor state [label]` (5 or 6 fields, the
       `casas_al_smarthome` layout). The sensor key is `location/sensor`, e.g.
       `LoungeChair/LivingRoom`: the sensor name alone is not unique in that home.
    2. tab-separated `timestamp<TAB>sensor<TAB>state[<TAB>label]` (3 or 4 fields; a timestamp such
       as `2011-06-15 00:06:32.834414` or with `T`). The sensor key is the sensor field.

    A line with 3 or 4 tab-separated fields is layout 2, any other line layout 1. A UTC offset on a
    timestamp is dropped, keeping the wall-clock time. States ON/OFF, OPEN/CLOSE(D),
    PRESENT/ABSENT, 1/0 and TRUE/FALSE (any case) become on/off; other states (numeric sensors) are
    skipped, as are blank lines, `#` comments and, with a mapping, sensors the mapping lacks.

    Args:
        path: the event file (UTF-8).
        mapping: sensor key -> spec, e.g. from `read_mapping`; None yields every sensor.
        strict: raise on a malformed line; with False, skip it and record it in `stats`.
        stats: counters to fill (see `ReadStats`).

    Raises:
        CasasFormatError: a malformed line (`strict` only), after the events before it were yielded.
        OSError: the file cannot be opened (raised on the first iteration).
    """
    stats = stats if stats is not None else ReadStats()
    latest: datetime | None = None
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for number, raw in enumerate(stream, start=1):
            stats.lines = number
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                at, sensor, state = _parse_line(line)
            except ValueError as err:
                error = CasasFormatError(path, number, str(err))
                if strict:
                    raise error from None
                stats.malformed.append(number)
                stats.first_error = stats.first_error or str(error)
                continue
            if mapping is not None and sensor not in mapping:
                stats.unmapped[sensor] += 1
                continue
            on = _STATES.get(state.casefold())
            if on is None:
                stats.non_binary[sensor] += 1
                continue
            if latest is not None and at < latest:
                stats.out_of_order += 1
            else:
                latest = at
            stats.events += 1
            yield ReplayEvent(at, sensor, on)


def read_mapping(path: Path) -> dict[str, SensorSpec]:
    """Read a mapping file: `sensor<TAB>area<TAB>kind` per line; blank and `#` lines are skipped.

    `sensor` is the key `read_events` yields, `area` a snake_case area id (`living_room`), `kind`
    one of `SensorKind` (any case).

    Returns:
        sensor key -> spec, in file order.

    Raises:
        CasasFormatError: a line without exactly 3 tab-separated fields, an empty sensor, an area
            that is not snake_case, an unknown kind, a sensor mapped twice, or no mapping at all.
        OSError: the file cannot be read.
    """
    specs: dict[str, SensorSpec] = {}
    first_line: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                spec = _parse_mapping_line(line)
            except ValueError as err:
                raise CasasFormatError(path, number, str(err)) from None
            if spec.sensor in specs:
                reason = f"sensor {spec.sensor!r} is mapped twice (first on line "
                raise CasasFormatError(path, number, f"{reason}{first_line[spec.sensor]})")
            specs[spec.sensor] = spec
            first_line[spec.sensor] = number
    if not specs:
        raise CasasFormatError(path, None, "no sensor mappings")
    return specs


def area_names(mapping: Mapping[str, SensorSpec]) -> list[str]:
    """The distinct area ids of a mapping, sorted."""
    return sorted({spec.area for spec in mapping.values()})


def default_dataset(repo_root: Path) -> tuple[Path, Path] | None:
    """The (events file, mapping file) that dev tools replay when given none, or None.

    This is the `casas_al_smarthome` home from the project's shared data beside the repository
    (`../shared/data`), which may not be redistributed. No sample is bundled: none of the shared
    datasets with a CC-BY licence is a multi-room motion stream.
    """
    events = repo_root.joinpath(*_CASAS_AL_EVENTS).resolve()
    mapping = repo_root.joinpath(*_CASAS_AL_MAPPING).resolve()
    if events.is_file() and mapping.is_file():
        return events, mapping
    return None


def _parse_line(line: str) -> tuple[datetime, str, str]:
    """Split an event line into (naive local time, sensor key, state).

    Raises:
        ValueError: the line fits neither layout; the message names the fault.
    """
    tab_fields = _trim(line.split("\t"))
    if len(tab_fields) in {3, 4}:
        stamp, sensor, state = tab_fields[:3]
        if not sensor:
            raise ValueError("empty sensor field")
        return _parse_timestamp(stamp), sensor, state
    fields = line.split()
    if len(fields) not in {5, 6}:
        raise ValueError(
            f"expected `date time location sensor state [label]` (5-6 fields) or "
            f"`timestamp<TAB>sensor<TAB>state[<TAB>label]` (3-4 fields), got {len(fields)} fields"
        )
    day, clock, location, sensor, state = fields[:5]
    try:
        at = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        raise ValueError(f"bad date/time {f'{day} {clock}'!r}") from None
    return at.replace(tzinfo=None), f"{location}{KEY_SEPARATOR}{sensor}", state


def _parse_timestamp(text: str) -> datetime:
    if _TIMESTAMP.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            pass
    raise ValueError(f"bad timestamp {text!r}; expected e.g. 2011-06-15 00:06:32.834414")


def _parse_mapping_line(line: str) -> SensorSpec:
    fields = _trim(line.split("\t"))
    if len(fields) != 3:  # noqa: PLR2004 - sensor, area, kind
        hint = " (separate the fields with tabs)" if len(line.split()) == 3 else ""  # noqa: PLR2004
        raise ValueError(
            f"expected 3 tab-separated fields `sensor area kind`, got {len(fields)}{hint}"
        )
    sensor, area, kind = fields
    if not sensor:
        raise ValueError("empty sensor field")
    if not _AREA_ID.fullmatch(area):
        raise ValueError(f"area {area!r} is not a snake_case id such as living_room")
    try:
        return SensorSpec(sensor, area, SensorKind(kind.lower()))
    except ValueError:
        kinds = ", ".join(SensorKind)
        raise ValueError(f"unknown kind {kind!r}; expected one of {kinds}") from None


def _trim(fields: list[str]) -> list[str]:
    """Strip each field and drop trailing empty ones (trailing tabs or spaces)."""
    stripped = [part.strip() for part in fields]
    while stripped and not stripped[-1]:
        stripped.pop()
    return stripped
