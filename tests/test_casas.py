"""Tests for the CASAS event and mapping readers (pure Python, no Home Assistant)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from devtools.casas import (
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

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the conftest fixture: these tests need no Home Assistant instance."""


def write(tmp_path: Path, text: str, name: str = "data") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def local(text: str) -> datetime:
    """A naive local wall-clock time, as ReplayEvent carries."""
    return datetime.fromisoformat(text)


def spec(sensor: str, area: str, kind: SensorKind = SensorKind.MOTION) -> SensorSpec:
    return SensorSpec(sensor, area, kind)


def test_layout_1_six_and_five_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2011-06-15 01:03:39.14962 Bedroom Bedroom ON Sleep\n"
        "2011-06-15 01:03:40 LoungeChair LivingRoom OFF\n",
    )

    assert list(read_events(path)) == [
        ReplayEvent(local("2011-06-15 01:03:39.149620"), "Bedroom/Bedroom", on=True),
        ReplayEvent(local("2011-06-15 01:03:40"), "LoungeChair/LivingRoom", on=False),
    ]


def test_layout_2_three_and_four_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2011-06-15 00:06:32.834414\tM001\tON\n"
        "2011-06-15T00:06:35\tM001\tOFF\tRelax\n"
        "2011-06-15 00:07:00\tD002\tOPEN\t\n",
    )

    assert list(read_events(path)) == [
        ReplayEvent(local("2011-06-15 00:06:32.834414"), "M001", on=True),
        ReplayEvent(local("2011-06-15 00:06:35"), "M001", on=False),
        ReplayEvent(local("2011-06-15 00:07"), "D002", on=True),
    ]


def test_layouts_mixed_per_line_with_comments_and_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# exported 2011\n\n2011-06-15 01:00:00 Kitchen Kitchen ON Cook\n"
        "   \n2011-06-15 01:00:05\tM001\tON\r\n",
    )

    assert [event.sensor for event in read_events(path)] == ["Kitchen/Kitchen", "M001"]


def test_utc_offset_is_dropped_keeping_wall_clock(tmp_path: Path) -> None:
    path = write(tmp_path, "2016-08-10T02:00:00+02:00\tM001\tON\n")

    (event,) = read_events(path)

    assert event.at == local("2016-08-10 02:00")
    assert event.at.tzinfo is None


@pytest.mark.parametrize(
    ("state", "on"),
    [
        ("ON", True),
        ("off", False),
        ("OPEN", True),
        ("CLOSE", False),
        ("Closed", False),
        ("PRESENT", True),
        ("absent", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("false", False),
    ],
)
def test_binary_states(tmp_path: Path, state: str, *, on: bool) -> None:
    path = write(tmp_path, f"2011-06-15 00:00:00\tS1\t{state}\n")

    assert [event.on for event in read_events(path)] == [on]


def test_numeric_states_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2011-06-15 00:00:00\tT001\t21.5\n"
        "2011-06-15 00:00:01\tM001\tON\n"
        "2011-06-15 00:00:02 Kitchen Temp 22 Cook\n"
        "2011-06-15 00:00:03\tT001\t2\n",
    )
    stats = ReadStats()

    events = list(read_events(path, stats=stats))

    assert [event.sensor for event in events] == ["M001"]
    assert stats.non_binary == {"T001": 2, "Kitchen/Temp": 1}
    assert stats.events == 1
    assert stats.lines == 4


def test_mapping_skips_unmapped_sensors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2011-06-15 00:00:00\tM001\tON\n"
        "2011-06-15 00:00:01\tM099\tON\n"
        "2011-06-15 00:00:02\tM099\tOFF\n"
        "2011-06-15 00:00:03\tT001\t20.5\n",
    )
    stats = ReadStats()

    events = list(read_events(path, {"M001": spec("M001", "kitchen")}, stats=stats))

    assert [event.sensor for event in events] == ["M001"]
    assert stats.unmapped == {"M099": 2, "T001": 1}
    assert not stats.non_binary


def test_file_order_is_kept_and_out_of_order_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2011-06-15 00:00:10\tA\tON\n"
        "2011-06-15 00:00:05\tB\tON\n"
        "2011-06-15 00:00:07\tC\tON\n"
        "2011-06-15 00:00:20\tD\tON\n",
    )
    stats = ReadStats()

    events = list(read_events(path, stats=stats))

    assert [event.sensor for event in events] == ["A", "B", "C", "D"]
    assert stats.out_of_order == 2


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2011-06-15 00:00:02 Kitchen ON\n", "got 4 fields"),
        ("2011-06-15\t00:00:02\n", "got 2 fields"),
        ("2011-06-15 25:00:02 Kitchen Kitchen ON Cook\n", "bad date/time"),
        ("2011-13-15 00:00:02 Kitchen Kitchen ON\n", "bad date/time"),
        ("yesterday\tM001\tON\n", "bad timestamp 'yesterday'"),
        ("2011-06-15\tM001\tON\n", "bad timestamp '2011-06-15'"),
        ("2011-06-15 00:00:02\t\tON\n", "empty sensor"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path, "# header\n2011-06-15 00:00:01\tM001\tON\n" + line)
    events = read_events(path)

    assert next(events).sensor == "M001"
    with pytest.raises(CasasFormatError, match=reason) as caught:
        next(events)

    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: ")


def test_lenient_reading_skips_and_counts_malformed_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "garbage\n"
        "2011-06-15 00:00:01\tM001\tON\n"
        "more garbage here\n"
        "2011-06-15 00:00:02\tM001\tOFF\n",
    )
    stats = ReadStats()

    events = list(read_events(path, strict=False, stats=stats))

    assert [event.on for event in events] == [True, False]
    assert stats.malformed == [1, 3]
    assert stats.first_error is not None
    assert stats.first_error.startswith(f"{path}:1: ")


def test_missing_event_file_raises_on_iteration(tmp_path: Path) -> None:
    events = read_events(tmp_path / "absent")

    with pytest.raises(FileNotFoundError):
        next(events)


def test_read_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# sensor\tarea\tkind\n"
        "Kitchen/Kitchen\tkitchen\tmotion\n\n"
        "OutsideDoor/FrontDoor\tentrance\tDOOR\n"
        "M001\tliving_room\tpresence\t\n",
        "map.tsv",
    )

    mapping = read_mapping(path)

    assert mapping == {
        "Kitchen/Kitchen": spec("Kitchen/Kitchen", "kitchen"),
        "OutsideDoor/FrontDoor": spec("OutsideDoor/FrontDoor", "entrance", SensorKind.DOOR),
        "M001": spec("M001", "living_room", SensorKind.PRESENCE),
    }
    assert area_names(mapping) == ["entrance", "kitchen", "living_room"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("M002\tkitchen\n", "expected 3 tab-separated fields `sensor area kind`, got 2$"),
        ("M002 kitchen motion\n", r"got 1 \(separate the fields with tabs\)"),
        ("M002\tkitchen\tmotion\textra\n", "got 4"),
        ("\tkitchen\tmotion\n", "empty sensor"),
        ("M002\tLiving Room\tmotion\n", "area 'Living Room' is not a snake_case id"),
        ("M002\tkitchen\tpir\n", "unknown kind 'pir'; expected one of motion, door, presence"),
        ("M001\tkitchen\tmotion\n", r"sensor 'M001' is mapped twice \(first on line 2\)"),
    ],
)
def test_mapping_errors_name_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path, "# header\nM001\tkitchen\tmotion\n" + line, "map.tsv")

    with pytest.raises(CasasFormatError, match=reason) as caught:
        read_mapping(path)

    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: ")


def test_empty_mapping_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing yet\n\n", "map.tsv")

    with pytest.raises(CasasFormatError, match="no sensor mappings") as caught:
        read_mapping(path)

    assert caught.value.line is None


def test_default_dataset_needs_events_and_mapping(tmp_path: Path) -> None:
    repo = tmp_path / "main"
    events = tmp_path / "shared" / "data" / "casas_al_smarthome" / "data"
    mapping = repo / "devtools" / "mappings" / "casas_al_smarthome.tsv"
    mapping.parent.mkdir(parents=True)
    mapping.write_text("M001\tkitchen\tmotion\n", encoding="utf-8")

    assert default_dataset(repo) is None

    events.parent.mkdir(parents=True)
    events.write_text("", encoding="utf-8")

    assert default_dataset(repo) == (events, mapping)


def test_shipped_mapping_is_valid() -> None:
    mapping = read_mapping(REPO_ROOT / "devtools" / "mappings" / "casas_al_smarthome.tsv")

    assert area_names(mapping) == [
        "bathroom",
        "bedroom",
        "entrance",
        "kitchen",
        "living_room",
        "work_area",
    ]
    assert [s.sensor for s in mapping.values() if s.kind is SensorKind.DOOR] == [
        "OutsideDoor/FrontDoor"
    ]


def test_every_casas_al_sensor_is_mapped() -> None:
    dataset = default_dataset(REPO_ROOT)
    if dataset is None:
        pytest.skip("../shared/data/casas_al_smarthome is not present")
    events_path, mapping_path = dataset
    mapping = read_mapping(mapping_path)
    stats = ReadStats()

    sensors = {event.sensor for event in read_events(events_path, mapping, stats=stats)}

    assert not stats.unmapped
    assert not stats.non_binary
    assert sensors == set(mapping)
