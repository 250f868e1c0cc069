"""Tests for the replay tool: summary, engine replay under a simulated clock, command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devtools.casas import (
    ReplayEvent,
    SensorKind,
    SensorSpec,
    default_dataset,
    read_events,
    read_mapping,
)
from devtools.replay import REPO_ROOT, engine_areas, main, replay_engine, summarize

MAPPING = (
    "# sensor\tarea\tkind\n"
    "m1\thall\tmotion\n"
    "p1\thall\tpresence\n"
    "d1\thall\tdoor\n"
    "m2\toffice\tmotion\n"
    "m3\tattic\tmotion\n"
)
# Timeout 60 s. hall: 10:00:00-10:02:00 (120 s, the door is ignored) and 10:10-10:21 held by
# presence (660 s); office: 10:05:00-10:06:30 (90 s); attic never fires; x9 is unmapped.
EVENTS = (
    "2024-05-01 10:00:00\tm1\tON\n"
    "2024-05-01 10:00:30\td1\tOPEN\n"
    "2024-05-01 10:00:40\td1\tCLOSE\n"
    "2024-05-01 10:01:00\tm1\tOFF\n"
    "2024-05-01 10:05:00\tm2\tON\n"
    "2024-05-01 10:05:20\tx9\tON\n"
    "2024-05-01 10:05:30\tm2\tOFF\n"
    "2024-05-01 10:10:00\tp1\tPRESENT\n"
    "2024-05-01 10:20:00\tp1\tABSENT\n"
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the conftest fixture: these tests need no Home Assistant instance."""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    events = tmp_path / "events.tsv"
    events.write_text(EVENTS, encoding="utf-8")
    mapping = tmp_path / "map.tsv"
    mapping.write_text(MAPPING, encoding="utf-8")
    return events, mapping


def mapping_of(**areas: str) -> dict[str, SensorSpec]:
    return {sensor: SensorSpec(sensor, area, SensorKind.MOTION) for sensor, area in areas.items()}


def local(hour: int, minute: int) -> datetime:
    """A naive local wall-clock time on 2024-05-01, as ReplayEvent carries."""
    return datetime.fromisoformat(f"2024-05-01 {hour:02}:{minute:02}")


def test_summarize_counts_per_area_and_kind(files: tuple[Path, Path]) -> None:
    mapping = read_mapping(files[1])

    summary = summarize(read_events(files[0], mapping), mapping)

    assert (summary.first, summary.last, summary.events) == (local(10, 0), local(10, 20), 8)
    assert summary.by_area_kind == {
        ("hall", SensorKind.MOTION): 2,
        ("hall", SensorKind.DOOR): 2,
        ("hall", SensorKind.PRESENCE): 2,
        ("office", SensorKind.MOTION): 2,
    }
    assert summary.days == pytest.approx(20 / 1440)


def test_engine_areas_roles_and_doors() -> None:
    mapping = {
        "m": SensorSpec("m", "hall", SensorKind.MOTION),
        "p": SensorSpec("p", "hall", SensorKind.PRESENCE),
        "d": SensorSpec("d", "porch", SensorKind.DOOR),
    }

    areas = {area.area_id: area for area in engine_areas(mapping, 90)}

    assert [(s.entity_id, s.role.value) for s in areas["hall"].sensors] == [
        ("m", "trigger"),
        ("p", "sustain"),
    ]
    assert areas["porch"].sensors == ()
    assert areas["hall"].timeout == 90


def test_engine_replay_known_transitions(files: tuple[Path, Path]) -> None:
    mapping = read_mapping(files[1])

    replay = replay_engine(read_events(files[0], mapping), mapping, timeout=60)

    assert replay.start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert replay.end == datetime(2024, 5, 1, 10, 21, tzinfo=UTC)
    assert replay.clamped == 0
    hall, office, attic = replay.areas["hall"], replay.areas["office"], replay.areas["attic"]
    assert (hall.transitions, hall.sessions, hall.occupied_seconds) == (4, [120, 660], 780)
    assert hall.median_session_minutes == 6.5
    assert (office.transitions, office.sessions, office.occupied_seconds) == (2, [90], 90)
    assert (attic.transitions, attic.sessions, attic.median_session_minutes) == (0, [], None)


def test_engine_replay_session_open_at_end_counts_time_only() -> None:
    events = [ReplayEvent(local(8, 0), "m1", on=True), ReplayEvent(local(8, 30), "m2", on=True)]

    replay = replay_engine(events, mapping_of(m1="hall", m2="office"), timeout=60)

    assert replay.areas["hall"].sessions == []
    assert replay.areas["hall"].occupied_seconds == 1800
    assert replay.areas["office"].occupied_seconds == 0
    assert replay.areas["hall"].transitions == 1


def test_engine_replay_converts_local_time_to_utc() -> None:
    events = [ReplayEvent(local(12, 0), "m1", on=True), ReplayEvent(local(12, 1), "m1", on=False)]

    replay = replay_engine(events, mapping_of(m1="hall"), timeout=0, tz=ZoneInfo("Europe/Berlin"))

    assert replay.start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert replay.areas["hall"].sessions == [60]


def test_engine_replay_repeated_dst_hour_keeps_moving_forward() -> None:
    night = datetime.fromisoformat("2011-11-06 01:50")  # US clocks went back at 02:00 PDT
    events = [
        ReplayEvent(night, "m1", on=True),
        ReplayEvent(night.replace(minute=55), "m1", on=False),
        ReplayEvent(night.replace(minute=10), "m1", on=True),
        ReplayEvent(night.replace(minute=11), "m1", on=False),
    ]

    replay = replay_engine(
        events, mapping_of(m1="hall"), timeout=60, tz=ZoneInfo("America/Los_Angeles")
    )

    assert replay.clamped == 0
    assert replay.areas["hall"].sessions == [360, 120]
    assert replay.end == datetime(2011, 11, 6, 9, 12, tzinfo=UTC)


def test_engine_replay_clamps_events_that_go_back_in_time() -> None:
    events = [
        ReplayEvent(local(10, 0), "m1", on=True),
        ReplayEvent(local(9, 59), "m1", on=False),
        ReplayEvent(local(10, 5), "m1", on=True),
    ]

    replay = replay_engine(events, mapping_of(m1="hall"), timeout=30)

    assert replay.clamped == 1
    assert replay.areas["hall"].sessions == [30]


def test_engine_replay_without_events() -> None:
    replay = replay_engine([], mapping_of(m1="hall"))

    assert (replay.start, replay.end, replay.days) == (None, None, 0.0)
    assert replay.areas["hall"].transitions == 0


def test_cli_summary_and_engine(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    events, mapping = files

    status = main([str(events), "--mapping", str(mapping), "--engine", "--timeout", "60"])

    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert status == 0
    assert f"mapping       {mapping} (5 sensors, 3 areas)" in out
    assert "span          2024-05-01 10:00:00 .. 2024-05-01 10:20:00 (0.01 days" in out
    assert "skipped       1 unmapped, 0 non-binary, 0 malformed" in out
    assert "unmapped sensors: x9 (1)" in out
    assert "mapped sensors without events: m3" in out
    assert "engine: timeout 60 s, time zone UTC, doors ignored, 0 events out of order" in out
    assert rows["all"] == ["8", "4", "2", "2"]
    # engine rows come after summary rows of the same area and replace them in `rows`
    assert rows["hall"] == ["4", "2", "14.86", "6.5"]
    assert rows["office"] == ["2", "1", "1.71", "1.5"]
    assert rows["attic"] == ["0", "0", "0.00", "-"]


def test_cli_without_mapping_counts_per_sensor(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([str(files[0])])

    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert status == 0
    assert "mapping       none (counts per sensor)" in out
    assert rows["m1"] == ["2"]
    assert rows["x9"] == ["1"]
    assert "engine" not in out


def test_cli_malformed_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.tsv"
    events.write_text("2024-05-01 10:00:00\tm1\tON\nnot an event\n", encoding="utf-8")

    status = main([str(events)])

    err = capsys.readouterr().err
    assert status == 1
    assert f"{events}:2: expected" in err
    assert "(--skip-malformed skips such lines)" in err
    assert "Traceback" not in err


def test_cli_skip_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.tsv"
    events.write_text("2024-05-01 10:00:00\tm1\tON\nnot an event\n", encoding="utf-8")

    status = main([str(events), "--skip-malformed"])

    out = capsys.readouterr().out
    assert status == 0
    assert "0 unmapped, 0 non-binary, 1 malformed" in out
    assert f"first malformed line: {events}:2: expected" in out


def test_cli_bad_mapping(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "bad.tsv"
    mapping.write_text("m1\tHall\tmotion\n", encoding="utf-8")

    status = main([str(files[0]), "--mapping", str(mapping)])

    err = capsys.readouterr().err
    assert status == 1
    assert f"{mapping}:1: area 'Hall' is not a snake_case id" in err
    assert "skip-malformed" not in err


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main([str(tmp_path / "nope")])

    assert status == 1
    assert f"cannot read {tmp_path / 'nope'}: No such file or directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine"], "--engine needs a mapping"),
        (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--timeout", "-5"], "must be >= 0 seconds"),
        (["--timeout", "soon"], "not a number of seconds"),
    ],
)
def test_cli_usage_errors(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([str(files[0]), *args])

    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_without_events_or_default_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("devtools.replay.REPO_ROOT", tmp_path)

    with pytest.raises(SystemExit) as caught:
        main([])

    assert caught.value.code == 2
    assert "no EVENTS given and no default dataset" in capsys.readouterr().err


def test_cli_default_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    if default_dataset(REPO_ROOT) is None:
        pytest.skip("../shared/data/casas_al_smarthome is not present")

    status = main(["--engine", "--tz", "America/Los_Angeles"])

    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert status == 0
    assert "span          2011-06-15 01:03:39 .. 2011-07-14 22:25:29" in out
    assert rows["all"] == ["61578", "60930", "466", "182"]
    for area in ("bathroom", "bedroom", "entrance", "kitchen", "living_room", "work_area"):
        assert int(rows[area][0]) > 100
