"""Load the benchmark datasets as binary sensor events, activity labels and sensor -> area maps.

Each dataset keeps its own format in `../shared/data/<name>/` (never copied here: their licences
forbid redistribution); this module converts them on the fly. Interval datasets (Ordonez, van
Kasteren) become ON at the interval start and OFF at its end; UGent presence becomes ON/OFF at
its 0/1 changes. All times are the file's naive local wall-clock time (DATASETS.md section 2.1).
Recipes follow DATASETS.md section 2.4; the label -> area tables are judgement calls kept here,
versioned with the benchmark.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from devtools.casas import ReplayEvent, SensorSpec, read_events, read_mapping

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = REPO_ROOT.parent / "shared" / "data"
MAPPINGS = Path(__file__).resolve().parent / "mappings"
AWAY = "away"
"""The label-area value that means nobody is home."""


class DatasetMissingError(FileNotFoundError):
    """A dataset's files are not where the recipe expects them."""


@dataclass(frozen=True, slots=True)
class Label:
    """An activity from `start` to `end` (naive local wall-clock times)."""

    start: datetime
    end: datetime
    activity: str


@dataclass(slots=True)
class Dataset:
    """One home or office, ready to replay.

    Attributes:
        name: the name printed in the tables (`ordonez_b`).
        events: sensor events sorted by time.
        mapping: sensor key -> spec (area and kind).
        labels: activity intervals, sorted, not overlapping; empty without labels.
        away: labelled away intervals (nobody home); they win over activity labels.
        label_areas: activity -> area id; other activities fall back to firing-derived truth.
        scored_areas: the areas the tables report.
        entrance_areas: areas at the home's entrance (their events start firing-derived away).
        single_resident: one person lives there, so motion in one area means the others are
            empty (enables the handoff variant and the single-room firing ground truth).
        tick_s: the evaluation clock (seconds).
        truth: `labels` (label-derived with firing fallback), `firing`, or `presence` (each
            area's presence sensor is its own ground truth).
        warmup_days: None = 7 days or a third of the span, whichever is shorter.
        note: one line on caveats, printed with the tables.
    """

    name: str
    events: list[ReplayEvent]
    mapping: dict[str, SensorSpec]
    labels: list[Label] = field(default_factory=list)
    away: list[tuple[datetime, datetime]] = field(default_factory=list)
    label_areas: Mapping[str, str] = field(default_factory=dict)
    scored_areas: tuple[str, ...] = ()
    entrance_areas: tuple[str, ...] = ()
    single_resident: bool = True
    tick_s: float = 60.0
    truth: str = "labels"
    warmup_days: float | None = None
    note: str = ""


CASAS_LABEL_AREAS = {
    "Sleep": "bedroom",
    "Go_To_Sleep": "bedroom",
    "Wake_Up": "bedroom",
    "Bathe": "bathroom",
    "Toilet": "bathroom",
    "Personal_Hygiene": "bathroom",
    "Bed_Toilet_Transition": "bathroom",
    "Cook_Breakfast": "kitchen",
    "Cook_Lunch": "kitchen",
    "Cook_Dinner": "kitchen",
    "Wash_Breakfast_Dishes": "kitchen",
    "Wash_Lunch_Dishes": "kitchen",
    "Wash_Dinner_Dishes": "kitchen",
    "Eat_Breakfast": "kitchen",
    "Eat_Lunch": "kitchen",
    "Eat_Dinner": "kitchen",
    "Watch_TV": "living_room",
    "Relax": "living_room",
    "Read": "living_room",
    "Work_At_Table": "work_area",
}
ORDONEZ_LABEL_AREAS = {
    "Sleeping": "bedroom",
    "Toileting": "bathroom",
    "Showering": "bathroom",
    "Grooming": "bathroom",
    "Breakfast": "kitchen",
    "Lunch": "kitchen",
    "Dinner": "kitchen",
    "Snack": "kitchen",
    "Spare_Time/TV": "living_room",
    "Leaving": AWAY,
}
VANKASTEREN_LABEL_AREAS = {
    "go-to-bed": "bedroom",
    "use-toilet": "toilet",
    "take-shower": "bathroom",
    "brush-teeth": "bathroom",
    "prep-breakfast": "kitchen",
    "prep-dinner": "kitchen",
    "get-drink": "kitchen",
    "leave-house": AWAY,
}


def casas_al_smarthome(root: Path) -> list[Dataset]:
    """The CASAS AL home: 6-field events, each with the activity label of its moment."""
    path = _need(root / "casas_al_smarthome" / "data")
    mapping = read_mapping(REPO_ROOT / "devtools" / "mappings" / "casas_al_smarthome.tsv")
    events = sorted(read_events(path, mapping), key=lambda event: event.at)
    labels, away = casas_labels(path)
    return [
        Dataset(
            "casas_al_smarthome",
            events,
            mapping,
            labels=labels,
            away=away,
            label_areas=CASAS_LABEL_AREAS,
            scored_areas=("bathroom", "bedroom", "kitchen", "living_room", "work_area"),
            entrance_areas=("entrance",),
        )
    ]


def casas_labels(path: Path) -> tuple[list[Label], list[tuple[datetime, datetime]]]:
    """Activity intervals and away intervals from the label column of a CASAS file (either layout).

    An event's label holds until the next event. Away runs from the last event of a run of
    `Leave_Home` events to the next `Enter_Home` event (DATASETS.md section 2.2).
    """
    stamped: list[tuple[datetime, str]] = []
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for line in stream:
            parsed = _casas_label(line)
            if parsed is not None:
                stamped.append(parsed)
    stamped.sort(key=lambda row: row[0])
    labels = [
        Label(at, after, activity) for (at, activity), (after, _) in pairwise(stamped) if after > at
    ]
    away: list[tuple[datetime, datetime]] = []
    left: datetime | None = None
    for at, activity in stamped:
        if activity == "Leave_Home":
            left = at
        elif activity == "Enter_Home" and left is not None:
            away.append((left, at))
            left = None
    return _merge_runs(labels), away


def ordonez(root: Path) -> list[Dataset]:
    """Ordonez homes A and B: sensor and activity intervals; `Place` is the area."""
    folder = root / "ordonez_adl"
    out = []
    notes = {
        "A": "no motion sensor in living room and bedroom: pressure mats only",
        "B": "doorway PIRs for kitchen, living room and bedroom",
    }
    for home, warmup in (("A", 4.0), ("B", 7.0)):
        sensors = _need(folder / f"Ordonez{home}_Sensors.txt")
        activities = _need(folder / f"Ordonez{home}_ADLs.txt")
        mapping = read_mapping(MAPPINGS / f"ordonez_{home.lower()}.tsv")
        events: list[ReplayEvent] = []
        for start, end, fields in _tab_rows(sensors, 5):
            key = f"{fields[4]}/{fields[2]}"
            if key in mapping:
                events.extend(_interval(key, start, end))
        labels = _clip([Label(s, e, fields[-1]) for s, e, fields in _tab_rows(activities, 3)])
        out.append(
            Dataset(
                f"ordonez_{home.lower()}",
                sorted(events, key=_event_order),
                mapping,
                labels=labels,
                away=[
                    (x.start, x.end) for x in labels if ORDONEZ_LABEL_AREAS.get(x.activity) == AWAY
                ],
                label_areas=ORDONEZ_LABEL_AREAS,
                scored_areas=("bathroom", "bedroom", "kitchen", "living_room"),
                entrance_areas=("entrance",),
                warmup_days=warmup,
                note=notes[home],
            )
        )
    return out


VANKASTEREN_B_SPAN = (datetime.fromisoformat("2009-07-23"), datetime.fromisoformat("2009-08-07"))
"""The labelled part of house B. Outside it the sensors misbehave: on 07-21/22 only the dresser
fires, from 08-07 to 08-11 only the kitchen PIR (5 days, nothing else), 08-12 to 08-14 have no
events at all; and the front door never fires, so the firing rule cannot see departures."""


def vankasteren(root: Path) -> list[Dataset]:
    """Van Kasteren house B (TL converted format), cropped to `VANKASTEREN_B_SPAN`.

    Sensor intervals become pulses (see `_pulses`); the epoch values are local wall-clock time
    encoded as UTC.
    """
    folder = root / "vankasteren" / "tl_converted_houses_ABC"
    names = _id_names(_need(folder / "houseB.sensor_names"))
    activity_names = _id_names(_need(folder / "houseB.activity_names"))
    mapping = read_mapping(MAPPINGS / "vankasteren_b.tsv")
    events: list[ReplayEvent] = []
    for start, end, ident in _epoch_rows(_need(folder / "houseB.sensors")):
        key = names.get(ident)
        if key is not None and key in mapping:
            pulses = _pulses(key, start, end, closing=not key.startswith(("PIR", "press")))
            events.extend(e for e in pulses if _within(e.at, VANKASTEREN_B_SPAN))
    labels = _clip(
        [
            Label(start, end, activity_names.get(ident, ident))
            for start, end, ident in _epoch_rows(_need(folder / "houseB.activities"))
            if _within(start, VANKASTEREN_B_SPAN)
        ]
    )
    return [
        Dataset(
            "vankasteren_b",
            sorted(events, key=_event_order),
            mapping,
            labels=labels,
            away=[
                (x.start, x.end) for x in labels if VANKASTEREN_LABEL_AREAS.get(x.activity) == AWAY
            ],
            label_areas=VANKASTEREN_LABEL_AREAS,
            scored_areas=("bathroom", "bedroom", "toilet"),
            entrance_areas=("entrance",),
            note="replayed 2009-07-23..08-07 only (sensor outages outside), sensor intervals as "
            "pulses (stuck intervals of up to 194 h); 110 labels, mostly firing-derived truth; "
            "kitchen not scored: with no living-room sensor the firing rule keeps the resident "
            "in the kitchen 14 h a day; no front-door events",
        )
    ]


def ugent(root: Path) -> list[Dataset]:
    """UGent offices: the 10-minute presence column is both the sensor and the ground truth."""
    folder = root / "ugent_office_co2_presence"
    mapping = read_mapping(MAPPINGS / "ugent_office.tsv")
    events: list[ReplayEvent] = []
    for key in mapping:
        path = _need(folder / f"{key.partition('/')[0]}.csv")
        previous = False
        with path.open(encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                present = float(row["presence"]) >= 0.5
                if present != previous:
                    at = datetime.fromisoformat(row["timestamp"]).replace(tzinfo=None)
                    events.append(ReplayEvent(at, key, present))
                    previous = present
    return [
        Dataset(
            "ugent_office",
            sorted(events, key=_event_order),
            mapping,
            scored_areas=tuple(sorted({spec.area for spec in mapping.values()})),
            single_resident=False,
            tick_s=600.0,
            truth="presence",
            warmup_days=28.0,
            note="presence is sensor and truth (10-min grid): a test of the prediction layer",
        )
    ]


LOADERS: dict[str, Callable[[Path], list[Dataset]]] = {
    "casas_al_smarthome": casas_al_smarthome,
    "ordonez_adl": ordonez,
    "vankasteren": vankasteren,
    "ugent_office_co2_presence": ugent,
}


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DatasetMissingError(f"{path} not found")
    return path


_LAYOUT_1 = re.compile(r"^(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s*$")


def _casas_label(line: str) -> tuple[datetime, str] | None:
    """(time, label) of a labelled event line, in either layout; None for other lines."""
    fields = [part.strip() for part in line.rstrip("\r\n").split("\t")]
    if len(fields) == 4 and fields[3]:
        try:
            return datetime.fromisoformat(fields[0]).replace(tzinfo=None), fields[3]
        except ValueError:
            return None
    match = _LAYOUT_1.match(line)
    if match is None:
        return None
    try:
        return datetime.fromisoformat(f"{match[1]} {match[2]}"), match[3]
    except ValueError:
        return None


def _merge_runs(labels: list[Label]) -> list[Label]:
    """Join consecutive intervals of the same activity."""
    merged: list[Label] = []
    for label in labels:
        last = merged[-1] if merged else None
        if last is not None and last.activity == label.activity and last.end >= label.start:
            merged[-1] = Label(last.start, max(last.end, label.end), last.activity)
        else:
            merged.append(label)
    return merged


def _clip(labels: list[Label]) -> list[Label]:
    """Sort activity intervals and cut each at the start of the next (activities are serial)."""
    ordered = sorted(labels, key=lambda label: label.start)
    clipped = [
        Label(label.start, min(label.end, after.start), label.activity)
        for label, after in pairwise(ordered)
    ]
    if ordered:
        clipped.append(ordered[-1])
    return _merge_runs([label for label in clipped if label.end > label.start])


def _tab_rows(path: Path, width: int) -> list[tuple[datetime, datetime, list[str]]]:
    """Rows of an Ordonez file: runs of tabs separate fields; two header lines."""
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[2:]:
        fields = [part.strip() for part in re.split(r"\t+", line.strip()) if part.strip()]
        if len(fields) < width:
            continue
        start = datetime.fromisoformat(fields[0])
        end = datetime.fromisoformat(fields[1])
        rows.append((start, max(start, end), fields))
    return rows


def _id_names(path: Path) -> dict[str, str]:
    names = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        ident, _, name = line.strip().partition("\t")
        if ident and name:
            names[ident] = name.strip()
    return names


def _epoch_rows(path: Path) -> list[tuple[datetime, datetime, str]]:
    """Rows `start_epoch duration id`; the epoch encodes local wall-clock time as UTC."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) != 3:
            continue
        start = datetime.fromtimestamp(int(fields[0]), UTC).replace(tzinfo=None)
        rows.append((start, start + timedelta(seconds=int(fields[1])), fields[2]))
    return rows


PULSE = timedelta(seconds=60)


def _pulses(key: str, start: datetime, end: datetime, *, closing: bool) -> list[ReplayEvent]:
    """A sensor interval as momentary evidence: pulses at its start and, if `closing`, its end.

    The start pulse lasts at most `PULSE`; contacts and appliances (`closing`) get a second one
    when the interval ends, as closing a cupboard is evidence too.

    Van Kasteren house B has intervals of 1-2 s typically but up to 33 h for a PIR, 43 h for a
    bed mat and 194 h for a cupboard; replayed as ON/OFF they would hold a room for days.
    """
    events = _interval(key, start, min(end, start + PULSE))
    if closing and end > start + PULSE:
        events += _interval(key, end, end + timedelta(seconds=1))
    return events


def _within(at: datetime, span: tuple[datetime, datetime]) -> bool:
    return span[0] <= at < span[1]


def _interval(key: str, start: datetime, end: datetime) -> list[ReplayEvent]:
    return [ReplayEvent(start, key, on=True), ReplayEvent(end, key, on=False)]


def _event_order(event: ReplayEvent) -> tuple[datetime, bool]:
    """Time order; at equal times OFF first, so back-to-back intervals stay separate."""
    return event.at, event.on
