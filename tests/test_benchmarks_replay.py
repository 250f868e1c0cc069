"""The accuracy benchmark's ground truth, metrics, dataset readers and engine variants, on
small synthetic data (the real datasets are not part of the repository)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from benchmarks import replay
from benchmarks.datasets import (
    AWAY,
    LOADERS,
    Dataset,
    DatasetMissingError,
    Label,
    casas_labels,
)
from benchmarks.groundtruth import (
    NOBODY,
    UNKNOWN,
    Intervals,
    combine,
    epoch,
    firing_rooms,
    ground_truth,
    label_rooms,
    prediction_score,
    room_intervals,
    sensor_intervals,
    state_score,
    targets,
)
from benchmarks.simulate import Variant, run_variant
from devtools.casas import ReplayEvent, SensorKind, SensorSpec

T0 = datetime.fromisoformat("2026-01-05 08:00")
MAPPING = {
    "k": SensorSpec("k", "kitchen", SensorKind.MOTION),
    "b": SensorSpec("b", "bedroom", SensorKind.MOTION),
    "mat": SensorSpec("mat", "bedroom", SensorKind.PRESENCE),
    "door": SensorSpec("door", "entrance", SensorKind.DOOR),
}
AREAS = ["bedroom", "entrance", "kitchen"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant instance."""


def naive(text: str) -> datetime:
    """A naive wall-clock time, as the dataset files carry."""
    return datetime.fromisoformat(text)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def e(minutes: float) -> float:
    return epoch(at(minutes))


def on(sensor: str, minutes: float, seconds: float = 5) -> list[ReplayEvent]:
    return [
        ReplayEvent(at(minutes), sensor, on=True),
        ReplayEvent(at(minutes) + timedelta(seconds=seconds), sensor, on=False),
    ]


def pairs(intervals: Intervals) -> list[tuple[float, float]]:
    return [(float(s), float(x)) for s, x in zip(intervals.start, intervals.end, strict=True)]


def test_intervals_merge_and_contain() -> None:
    merged = Intervals.of([(5, 7), (0, 2), (1, 3), (9, 9)])
    assert pairs(merged) == [(0, 3), (5, 7)]
    assert merged.contains(np.array([0.0, 2.9, 3.0, 6.0, 8.0])).tolist() == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert not Intervals.of([]).contains(np.array([1.0])).any()


def test_firing_keeps_the_resident_in_the_last_room_until_motion_elsewhere() -> None:
    events = on("k", 0) + on("b", 10) + on("mat", 20, 3600)
    times, codes = firing_rooms(events, MAPPING, AREAS, ("entrance",))
    assert [AREAS[c] for c in codes] == ["kitchen", "bedroom", "bedroom"]
    assert times[1] == e(10)


def test_an_entrance_event_followed_by_silence_is_away() -> None:
    events = [*on("k", 0), ReplayEvent(at(5), "door", on=True), *on("k", 30)]
    times, codes = firing_rooms(events, MAPPING, AREAS, ("entrance",))
    assert codes.tolist() == [AREAS.index("kitchen"), NOBODY, AREAS.index("kitchen")]
    assert times.tolist() == [e(0), e(5), e(30)]


def test_an_entrance_event_with_motion_soon_after_is_not_away() -> None:
    events = [*on("k", 0), ReplayEvent(at(5), "door", on=True), *on("k", 10)]
    _, codes = firing_rooms(events, MAPPING, AREAS, ("entrance",))
    assert NOBODY not in codes.tolist()


def test_labels_win_over_firing_and_away_wins_over_labels() -> None:
    labels = [
        Label(at(0), at(60), "Sleep"),
        Label(at(60), at(70), "Other_Activity"),
        Label(at(70), at(90), "Cook"),
    ]
    away = [(at(80), at(100))]
    labelled = label_rooms(labels, away, {"Sleep": "bedroom", "Cook": "kitchen"}, AREAS)
    firing = (np.array([e(0), e(65)]), np.array([AREAS.index("kitchen"), AREAS.index("bedroom")]))
    times, codes = combine(labelled, firing)
    probe = np.array([e(30), e(62), e(66), e(75), e(85), e(95), e(120)])
    found = codes[np.searchsorted(times, probe, side="right") - 1]
    assert found.tolist() == [
        AREAS.index("bedroom"),  # label
        AREAS.index("kitchen"),  # unmapped label: firing
        AREAS.index("bedroom"),  # firing moved
        AREAS.index("kitchen"),  # label
        NOBODY,  # away
        NOBODY,
        AREAS.index("bedroom"),  # after every label: firing again
    ]
    assert UNKNOWN not in codes.tolist()


def test_room_intervals_per_area() -> None:
    step = (np.array([0.0, 10.0, 20.0, 30.0]), np.array([0, 2, NOBODY, 0]))
    rooms = room_intervals(step, AREAS, 40.0)
    assert pairs(rooms["bedroom"]) == [(0, 10), (30, 40)]
    assert pairs(rooms["kitchen"]) == [(10, 20)]
    assert len(rooms["entrance"]) == 0


def test_sensor_intervals_union_per_area_and_open_sensors_run_to_the_end() -> None:
    events = [*on("b", 0, 600), *on("mat", 5, 600), ReplayEvent(at(30), "k", on=True)]
    found = sensor_intervals(sorted(events, key=lambda x: x.at), MAPPING, e(60))
    assert pairs(found["bedroom"]) == [(e(0), e(15))]
    assert pairs(found["kitchen"]) == [(e(30), e(60))]


def test_state_score_counts_false_minutes_per_day() -> None:
    truth = Intervals.of([(e(0), e(60))])
    signal = Intervals.of([(e(10), e(70))])
    ticks = np.arange(e(0), e(24 * 60), 60.0, dtype=np.float64)
    score = state_score(truth, signal, ticks, 60.0)
    assert score.false_vacant_min_day == pytest.approx(10)
    assert score.false_occupied_min_day == pytest.approx(10)
    assert score.accuracy == pytest.approx(1 - 20 / 1440)
    assert score.on_latency == (600.0, 600.0)
    assert score.off_latency == (600.0, 600.0)
    assert (score.onsets, score.missed) == (1, 0)


def test_latency_is_censored_when_the_signal_never_follows() -> None:
    truth = Intervals.of([(e(0), e(30)), (e(40), e(50))])
    ticks = np.arange(e(0), e(60), 60.0, dtype=np.float64)
    score = state_score(truth, Intervals.of([]), ticks, 60.0)
    assert score.missed == 2
    assert score.on_latency[0] == pytest.approx(20 * 60)  # median of 30 min and 10 min


def test_targets_keep_long_episodes_that_end_in_the_data() -> None:
    truth = Intervals.of([(e(0), e(5)), (e(20), e(50)), (e(100), e(200))])
    ticks = np.arange(e(0), e(150), 60.0, dtype=np.float64)
    goal = targets(truth, ticks, e(0), e(150))
    tick = {minute: int(minute) for minute in (2, 10, 30, 70, 120)}
    assert not goal.eligible[tick[2]]  # a 5-minute episode
    assert goal.eligible[tick[10]]  # vacant 5..20 (15 min), ends at 20
    assert goal.actual[tick[10]] == e(20)
    assert goal.occupied[tick[30]]
    assert goal.since[tick[30]] == e(20)
    assert goal.actual[tick[70]] == e(100)
    assert not goal.eligible[tick[120]]  # still occupied when the data ends


def test_prediction_score() -> None:
    made = np.array([0.0, 0.0, 0.0, 0.0])
    actual = np.array([600.0, 3600.0, 3600.0, 7200.0])
    predicted = np.array([600.0, 3600.0 + 1500, 3600.0 - 600, 7200.0])
    score = prediction_score(made, actual, predicted, predicted - 60, predicted + 60)
    assert score.count == 4
    assert score.mae == pytest.approx((0 + 25 + 10 + 0) / 4)
    assert score.p20 == 0.75
    assert score.coverage == 0.5
    assert score.count_useful == 3
    assert score.mae_useful == pytest.approx(35 / 3)
    assert prediction_score(made[:0], actual[:0], predicted[:0]).count == 0


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_casas_labels_in_both_layouts(tmp_path: Path) -> None:
    path = write(
        tmp_path / "data",
        "2011-06-15 08:00:00.0 Kitchen Kitchen ON Cook\n"
        "2011-06-15 08:10:00.0 Kitchen Kitchen OFF Cook\n"
        "2011-06-15 08:20:00\tHall\tON\tLeave_Home\n"
        "2011-06-15 08:21:00\tHall\tOFF\tLeave_Home\n"
        "2011-06-15 09:00:00 Kitchen Kitchen ON Other_Activity\n"
        "2011-06-15 10:00:00\tHall\tON\tEnter_Home\n"
        "2011-06-15 10:05:00\tKitchen\tON\n",
    )
    labels, away = casas_labels(path)
    assert [(x.activity, x.start.hour, x.start.minute) for x in labels][:2] == [
        ("Cook", 8, 0),
        ("Leave_Home", 8, 20),
    ]
    assert labels[0].end == naive("2011-06-15 08:20")
    assert away == [(naive("2011-06-15 08:21"), naive("2011-06-15 10:00"))]


def test_ordonez_reader_turns_intervals_into_events(tmp_path: Path) -> None:
    folder = tmp_path / "ordonez_adl"
    header = "Start time\t\tEnd time\t\tLocation\tType\tPlace\n----\t----\t----\t----\t----\n"
    for home in ("A", "B"):
        write(
            folder / f"Ordonez{home}_Sensors.txt",
            header + "2011-11-28 02:27:59\t\t2011-11-28 10:18:11\t\tBed\t\tPressure\tBedroom\n"
            "2011-11-28 10:21:00\t\t2011-11-28 10:21:05\t\tBasin\t\tPIR\t\tBathroom\n",
        )
        write(
            folder / f"Ordonez{home}_ADLs.txt",
            "Start time\tEnd time\tActivity\n----\t----\t----\n"
            "2011-11-28 02:27:59\t\t2011-11-28 10:18:11\t\tSleeping\t\t\n"
            "2011-11-28 12:00:00\t\t2011-11-28 13:00:00\t\t\tLeaving\n",
        )
    home_a, home_b = LOADERS["ordonez_adl"](tmp_path)
    assert (home_a.name, home_b.name) == ("ordonez_a", "ordonez_b")
    assert [(x.sensor, x.on) for x in home_a.events] == [
        ("Bedroom/Bed", True),
        ("Bedroom/Bed", False),
        ("Bathroom/Basin", True),
        ("Bathroom/Basin", False),
    ]
    assert [x.activity for x in home_a.labels] == ["Sleeping", "Leaving"]
    assert home_a.away == [(naive("2011-11-28 12:00"), naive("2011-11-28 13:00"))]


def test_ugent_reader_turns_presence_changes_into_events(tmp_path: Path) -> None:
    folder = tmp_path / "ugent_office_co2_presence"
    rows = "timestamp,CO2,presence\n2022-02-18 08:00:00+01:00,400,0.0\n"
    rows += "2022-02-18 08:10:00+01:00,450,1.0\n2022-02-18 08:20:00+01:00,480,1.0\n"
    rows += "2022-02-18 08:30:00+01:00,470,0.0\n"
    for office in ("200.009", "200.010", "200.024"):
        write(folder / f"{office}.csv", rows)
    (offices,) = LOADERS["ugent_office_co2_presence"](tmp_path)
    assert offices.truth == "presence"
    assert not offices.single_resident
    first = [x for x in offices.events if x.sensor == "200.009/presence"]
    assert [(x.at.hour, x.at.minute, x.on) for x in first] == [(8, 10, True), (8, 30, False)]
    assert pairs(ground_truth(offices)["office_l1"]) == [
        (epoch(naive("2022-02-18 08:10")), epoch(naive("2022-02-18 08:30")))
    ]


@pytest.mark.parametrize("name", list(LOADERS))
def test_a_missing_dataset_says_which_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(DatasetMissingError, match="not found"):
        LOADERS[name](tmp_path)


def home(events: list[ReplayEvent]) -> Dataset:
    return Dataset(
        "test",
        sorted(events, key=lambda x: (x.at, x.on)),
        dict(MAPPING),
        scored_areas=("bedroom", "kitchen"),
        entrance_areas=("entrance",),
    )


def test_fixed_variant_holds_for_its_timeout() -> None:
    run = run_variant(home(on("k", 0) + on("k", 2)), Variant("fixed", timeout=300))
    assert pairs(run.occupied["kitchen"]) == [(e(0), e(7) + 5)]
    (session,) = run.sessions
    assert (session.area_id, session.end_reason, session.timeout_s) == ("kitchen", "timeout", 300)


def test_handoff_vacates_the_other_area_after_the_delay() -> None:
    events = on("b", 0) + on("k", 10)
    run = run_variant(
        home(events), Variant("handoff", timeout=3600, handoff=True, handoff_delay=60)
    )
    assert pairs(run.occupied["bedroom"]) == [(e(0), e(11))]
    assert run.handoffs == 1
    assert [s.end_reason for s in run.sessions if s.area_id == "bedroom"] == ["handoff"]


def test_handoff_spares_an_area_held_by_a_presence_sensor_and_one_seen_again() -> None:
    events = on("mat", 0, 3600) + on("k", 10) + on("b", 70) + on("k", 80) + on("b", 80.5)
    run = run_variant(home(events), Variant("handoff", timeout=3600, handoff=True))
    assert [s.end_reason for s in run.sessions if s.area_id == "bedroom"] == ["timeout"]
    assert len(run.occupied["bedroom"]) == 1


def test_handoff_needs_a_single_resident() -> None:
    shared = home(on("k", 0))
    shared.single_resident = False
    with pytest.raises(ValueError, match="single resident"):
        run_variant(shared, Variant("handoff", handoff=True))


def test_adaptive_variant_sets_timeouts_every_hour() -> None:
    events = [x for hour in range(5) for x in on("k", hour * 60 + 1)]
    run = run_variant(home(events), Variant("adaptive", adaptive="learner"))
    assert len(run.timeouts["kitchen"]) == 4
    assert all(120 <= t <= 600 for t in run.timeouts["kitchen"])


def test_replay_skips_missing_datasets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay.main(["--data-root", str(tmp_path), "vankasteren"]) == 1
    err = capsys.readouterr().err
    assert "skipping vankasteren" in err
    assert "no dataset found" in err


def test_replay_rejects_unknown_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        replay.main(["nowhere"])
    assert "unknown dataset nowhere" in capsys.readouterr().err


def test_the_tables_on_a_tiny_home(tmp_path: Path) -> None:
    events = []
    for day in range(6):
        base = day * 1440
        events += on("b", base) + on("b", base + 400) + on("k", base + 480) + on("k", base + 500)
        events += on("b", base + 1380)
    dataset = home(events)
    dataset.labels = [
        Label(at(d * 1440 + 1380), at(d * 1440 + 1440 + 470), "Sleep") for d in range(5)
    ]
    dataset.label_areas = {"Sleep": "bedroom", "Away": AWAY}
    out: list[str] = []
    outcome = replay.evaluate(dataset, out=out)
    text = "\n".join(out)
    assert "### Occupancy state" in text
    assert "| bedroom | handoff + min-cost |" in text
    assert "| **all** | learner |" in text
    assert set(outcome.vacancy) == {"learner", "oracle", "B0", "B1", "B2"}
    assert "| test |" in "\n".join(replay.targets_table([outcome]))
