"""Pure helpers of scripts/develop (devtools/develop.py) and the replay schedule format."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devtools import develop
from devtools.casas import ReplayEvent, SensorKind, SensorSpec
from devtools.ha_custom_components.occupancy_replay.replayer import parse_schedule

MAPPING = {
    "Kitchen/Kitchen": SensorSpec("Kitchen/Kitchen", "kitchen", SensorKind.MOTION),
    "LoungeChair/LivingRoom": SensorSpec(
        "LoungeChair/LivingRoom", "living_room", SensorKind.MOTION
    ),
    "OutsideDoor/FrontDoor": SensorSpec("OutsideDoor/FrontDoor", "entrance", SensorKind.DOOR),
}


def local(text: str) -> datetime:
    """A naive wall-clock time, as CASAS files have."""
    return datetime.fromisoformat(text)


def event(text: str, sensor: str = "Kitchen/Kitchen", *, on: bool = True) -> ReplayEvent:
    return ReplayEvent(datetime.fromisoformat(text), sensor, on)


@pytest.mark.parametrize(
    ("speed", "seconds"), [(1, 300), (10, 30), (7, 43), (60, 5), (600, 5), (0.5, 600)]
)
def test_scaled_timeout_keeps_five_real_minutes_but_at_least_five_seconds(speed, seconds):
    assert develop.scaled_timeout(speed) == seconds


def test_default_start_is_just_before_the_first_morning_event_of_the_first_full_day():
    events = [
        event("2011-06-15 23:00:00"),
        event("2011-06-16 03:00:00"),
        event("2011-06-16 07:34:40.9"),
        event("2011-06-17 07:00:00"),
    ]
    assert develop.default_start(events) == local("2011-06-16 07:34:30")


def test_default_start_of_a_single_day_and_of_a_night_only_file():
    assert develop.default_start([event("2011-06-15 08:00:05")]) == local("2011-06-15 07:59:55")
    night = [event("2011-06-15 01:00:00.5"), event("2011-06-16 02:00:00")]
    assert develop.default_start(night) == local("2011-06-15 01:00:00")
    with pytest.raises(ValueError, match="no events"):
        develop.default_start([])


@pytest.mark.parametrize(
    ("key", "kind", "name"),
    [
        ("Kitchen/Kitchen", "motion", "Kitchen motion"),
        ("Bathroom/BathroomLight", "presence", "Bathroom light presence"),
        ("LoungeChair/LivingRoom", "motion", "Lounge chair living room motion"),
        ("OutsideDoor/FrontDoor", "door", "Outside door front door"),
        ("M001", "motion", "M001 motion"),
        ("hall_pir", "motion", "hall pir motion"),
    ],
)
def test_sensor_name(key, kind, name):
    assert develop.sensor_name(key, kind) == name


def test_build_schedule_keeps_events_from_start_as_offsets_and_parses_back():
    events = [
        event("2011-06-16 06:59:59"),
        event("2011-06-16 07:00:00.5"),
        event("2011-06-16 07:00:01", "OutsideDoor/FrontDoor"),
        event("2011-06-16 07:00:02.25", on=False),
    ]
    start = local("2011-06-16 07:00:00")
    schedule = develop.build_schedule(events, MAPPING, start, 60.0, "home.txt")

    assert schedule["events"] == [[0.5, 0, 1], [1.0, 2, 1], [2.25, 0, 0]]
    assert schedule["areas"] == {
        "entrance": "Entrance",
        "kitchen": "Kitchen",
        "living_room": "Living Room",
    }
    assert schedule["sensors"][2] == {
        "key": "OutsideDoor/FrontDoor",
        "name": "Outside door front door",
        "area": "entrance",
        "kind": "door",
    }
    parsed = parse_schedule(json.loads(json.dumps(schedule)))
    assert parsed.start == start
    assert parsed.speed == 60.0
    assert parsed.events[1] == (1.0, 2, True)
    assert parsed.sensors[0].area == "kitchen"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"speed": 0}, "speed must be > 0"),
        ({"events": [[1.0, 0, 1], [0.5, 0, 0]]}, "sorted"),
        ({"events": [[1.0, 9, 1]]}, "unknown sensor 9"),
        ({"sensors": [{"key": "x", "name": "x", "area": "kitchen", "kind": "smoke"}]}, "kind"),
        ({"sensors": [{"key": "x", "name": "x", "area": "attic", "kind": "motion"}]}, "area"),
        ({"start": None}, "malformed"),
    ],
)
def test_parse_schedule_rejects_bad_schedules(change, message):
    schedule = develop.build_schedule([], MAPPING, local("2011-06-16 07:00:00"), 1.0, "x")
    with pytest.raises(ValueError, match=message):
        parse_schedule(schedule | change)


def test_form_values_prefers_suggested_values_to_defaults():
    schema: list[dict[str, Any]] = [
        {"name": "trigger_sensors", "default": [], "description": {"suggested_value": ["a"]}},
        {"name": "sustain_sensors", "default": []},
        {"name": "timeout", "default": {"hours": 0, "minutes": 5, "seconds": 0}},
        {"name": "area_id", "required": True},
    ]
    assert develop.form_values(schema) == {
        "trigger_sensors": ["a"],
        "sustain_sensors": [],
        "timeout": {"hours": 0, "minutes": 5, "seconds": 0},
    }


def test_error_records_keep_tracebacks_and_skip_other_levels():
    log = """\
2026-11-21 01:53:53.532 WARNING (MainThread) [x] careful
2026-11-21 01:53:54.000 ERROR (MainThread) [custom_components.occupancy_manager] bad
Traceback (most recent call last):
  ValueError: boom
2026-11-21 01:53:55.000 INFO (MainThread) [y] fine
2026-11-21 01:53:56.000 CRITICAL (MainThread) [z] worse"""
    records = develop.error_records(log)
    assert len(records) == 2
    assert records[0].endswith("ValueError: boom")
    assert "occupancy_manager" in records[0]
    assert records[1].endswith("worse")


def tally(transitions: dict[str, int], privacy: dict[str, int], calls: int = 1) -> develop.Tally:
    return develop.Tally(
        transitions=Counter(transitions),
        privacy_changes=Counter({f"camera.{a}": n for a, n in privacy.items()}),
        camera_calls=Counter({"turn_off camera.kitchen": calls} if calls else {}),
        camera_area={f"camera.{area}": area for area in ("a", "b", "c", "d", "e")},
    )


def test_check_fails_without_transitions_camera_calls_or_with_errors():
    assert tally({"a": 1}, {"a": 1}).problems([]) == []
    assert tally({}, {}, calls=0).problems(["x"]) == [
        "no occupancy transition happened",
        "no camera service call happened",
        "1 error(s) logged from occupancy_manager",
    ]


def test_done_when_needs_four_areas_whose_privacy_switches_follow():
    four = {"a": 2, "b": 1, "c": 4, "d": 1}
    assert tally(four, {"a": 2, "b": 1, "c": 4, "d": 1}).done_when()
    assert not tally(four, {"a": 2, "b": 1, "c": 4}).done_when()
    assert not tally({"a": 2, "b": 1, "c": 4}, {"a": 2, "b": 1, "c": 4}).done_when()


def test_summary_lists_areas_cameras_and_calls():
    lines = develop.summary(
        tally({"a": 3}, {"a": 3}),
        {"a": "A", "z": "Z"},
        {"events_replayed": 10, "events_total": 20, "speed": 600.0},
        [],
        ["2026-11-21 01:53:56.000 ERROR (MainThread) [z] other\ntrace"],
    )
    text = "\n".join(lines)
    assert "Replayed 10 of 20 events at 600.0x" in text
    assert any(line.split()[:3] == ["a", "3", "camera.a"] for line in lines)
    assert any(line.split() == ["z", "0", "-", "-"] for line in lines)
    assert "Camera service calls: 1 (turn_off 1)" in text
    assert "Other errors in the Home Assistant log: 1" in text
    assert "NOT met" in text


def test_check_runs_faster_by_default():
    assert develop.parse_args(["--check"]).speed == 600.0
    assert develop.parse_args([]).speed == 10.0
    assert develop.parse_args(["--check", "--speed", "50"]).speed == 50.0


def test_events_and_mapping_go_together(capsys):
    with pytest.raises(SystemExit) as exc:
        develop.parse_args(["--events", "x"])
    assert exc.value.code == 2
    assert "--events and --mapping go together" in capsys.readouterr().err


def test_without_data_it_says_what_to_pass_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(develop, "default_dataset", lambda _root: None)
    assert develop.main(["--check"]) == 2
    assert "--events FILE --mapping MAP.tsv" in capsys.readouterr().err


def write_home(tmp_path: Path) -> tuple[Path, Path]:
    events = tmp_path / "events.txt"
    events.write_text(
        "2011-06-15 07:10:00.1 Kitchen Kitchen ON Cook\n"
        "2011-06-15 07:10:02.2 Kitchen Kitchen OFF Cook\n"
    )
    mapping = tmp_path / "map.tsv"
    mapping.write_text("Kitchen/Kitchen\tkitchen\tmotion\n")
    return events, mapping


def test_prepare_config_writes_config_links_and_marks_only_core_config_done(tmp_path):
    events, mapping = write_home(tmp_path)
    args = develop.parse_args(["--events", str(events), "--mapping", str(mapping)])
    schedule = develop.load(args)
    config = tmp_path / "config"

    develop.prepare_config(config, 8125, schedule)
    develop.prepare_config(config, 8126, schedule)

    http = json.loads((config / ".storage" / "http").read_text())["data"]
    assert http["stable"]["server_host"] == ["127.0.0.1"]
    assert http["stable"]["server_port"] == 8126
    assert http["stable"]["ip_ban_enabled"] is True
    assert http["pending"] is None
    assert http["yaml_migration_done"] is True
    assert json.loads((config / develop.SCHEDULE_FILE).read_text())["start"] == (
        "2011-06-15T07:09:50"
    )
    assert (config / "configuration.yaml").read_text() == (
        develop.TEMPLATE_DIR / "configuration.yaml"
    ).read_text()
    links = config / "custom_components"
    assert (links / "occupancy_manager").resolve() == develop.INTEGRATION
    assert (links / "occupancy_replay" / "manifest.json").is_file()
    onboarding = json.loads((config / ".storage" / "onboarding").read_text())
    assert onboarding["data"] == {"done": ["core_config"]}


@pytest.mark.parametrize(
    ("start", "message"),
    [("2012-01-01T07:00", "outside the data"), ("yesterday", "not an ISO time")],
)
def test_a_bad_start_exits_2(tmp_path, capsys, start, message):
    events, mapping = write_home(tmp_path)
    argv = ["--events", str(events), "--mapping", str(mapping), "--start", start]
    assert develop.main([*argv, "--config", str(tmp_path / "config")]) == 2
    assert message in capsys.readouterr().err


def test_an_unreadable_mapping_exits_2(tmp_path, capsys):
    events, mapping = write_home(tmp_path)
    mapping.write_text("Kitchen/Kitchen kitchen motion\n")
    assert develop.main(["--events", str(events), "--mapping", str(mapping)]) == 2
    assert "separate the fields with tabs" in capsys.readouterr().err


SECTIONED_FORM: list[dict[str, Any]] = [
    {"name": "trigger_sensors", "default": [], "description": {"suggested_value": ["m"]}},
    {
        "name": "timeout",
        "selector": {"duration": {}},
        "default": {"hours": 0, "minutes": 5, "seconds": 0},
        "description": {"suggested_value": {"hours": 0, "minutes": 0, "seconds": 30}},
    },
    {
        "type": "expandable",
        "name": "timing",
        "schema": [
            {
                "name": "min_timeout",
                "selector": {"duration": {}},
                "default": {"hours": 0, "minutes": 2, "seconds": 0},
            },
            {
                "name": "grace_period",
                "selector": {"duration": {}},
                "default": {"hours": 0, "minutes": 0, "seconds": 0},
            },
            {"name": "sustain_timeout", "selector": {"duration": {}}},
            {"name": "strategy", "default": "fixed"},
        ],
    },
]


def test_form_values_nest_sections():
    assert develop.form_values(SECTIONED_FORM) == {
        "trigger_sensors": ["m"],
        "timeout": {"hours": 0, "minutes": 0, "seconds": 30},
        "timing": {
            "min_timeout": {"hours": 0, "minutes": 2, "seconds": 0},
            "grace_period": {"hours": 0, "minutes": 0, "seconds": 0},
            "strategy": "fixed",
        },
    }


def test_scaled_durations_scale_defaults_and_keep_timeouts_at_least_five_seconds():
    def seconds(value: int) -> dict[str, int]:
        return {"hours": 0, "minutes": 0, "seconds": value}

    assert develop.scaled_durations(SECTIONED_FORM, 10) == {
        "timeout": seconds(30),
        "timing": {"min_timeout": seconds(12), "grace_period": seconds(0)},
    }
    values = develop.merged(
        develop.form_values(SECTIONED_FORM), develop.scaled_durations(SECTIONED_FORM, 600)
    )
    assert values["timeout"] == seconds(5)
    assert values["timing"] == {
        "min_timeout": seconds(5),
        "grace_period": seconds(0),
        "strategy": "fixed",
    }
    assert values["trigger_sensors"] == ["m"]


def state_event(entity_id: str, old: str | None, new: str, **attributes: Any) -> dict[str, Any]:
    return {
        "data": {
            "entity_id": entity_id,
            "old_state": None if old is None else {"state": old},
            "new_state": {"state": new, "attributes": attributes},
        }
    }


def test_monitor_counts_transitions_privacy_changes_and_camera_calls(capsys):
    ours = {
        "binary_sensor.k_occ": "kitchen",
        "switch.k_privacy": "switch.k_privacy",
        "sensor.k": "kitchen",
    }
    initial = [{"entity_id": "binary_sensor.k_occ", "attributes": {"device_class": "occupancy"}}]
    monitor = develop.Monitor(ours, initial, clock=lambda: "06-16 07:00:00")

    for event in (
        state_event("binary_sensor.k_occ", "unknown", "off", device_class="occupancy"),
        state_event("binary_sensor.k_occ", "off", "on", device_class="occupancy"),
        state_event("binary_sensor.k_occ", "on", "on", device_class="occupancy"),
        state_event("switch.k_privacy", None, "off", camera="camera.k", areas=["kitchen"]),
        state_event("switch.k_privacy", "unknown", "on", camera="camera.k", areas=["kitchen"]),
        state_event("binary_sensor.k_occ", "on", "off", device_class="occupancy"),
        state_event("binary_sensor.kitchen_motion", "off", "on", device_class="motion"),
        state_event("sensor.k", "a", "b"),
    ):
        monitor.on_state(event)
    for service, target in (("turn_off", "camera.k"), ("turn_on", ["camera.k", "camera.x"])):
        monitor.on_call(
            {
                "data": {
                    "domain": "camera",
                    "service": service,
                    "service_data": {"entity_id": target},
                }
            }
        )
    monitor.on_call({"data": {"domain": "light", "service": "turn_on", "service_data": {}}})

    tally = monitor.tally
    assert tally.transitions == {"kitchen": 2}
    assert tally.privacy_changes == {"camera.k": 1}
    assert tally.camera_area == {"camera.k": "kitchen"}
    assert tally.camera_calls == {
        "turn_off camera.k": 1,
        "turn_on camera.k": 1,
        "turn_on camera.x": 1,
    }
    assert capsys.readouterr().out.splitlines() == [
        "  [06-16 07:00:00] kitchen: occupied",
        "  [06-16 07:00:00] camera.k: privacy mode on",
        "  [06-16 07:00:00] kitchen: vacant",
    ]


def test_done_when_is_not_met_without_privacy_switches():
    assert not develop.Tally(transitions=Counter(dict.fromkeys("abcde", 3))).done_when()
