"""Smoke tests of the privacy latency benchmark (benchmarks/privacy_latency.py).

The measurement runs on the test's own `hass` (recorder and custom integrations come from the
autouse fixture), so no second Home Assistant shares the test's event loop or its mocked
storage. The command line, which starts a Home Assistant of its own, runs in a subprocess.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant

from benchmarks import privacy_latency as bench

ROOT = Path(__file__).parent.parent


async def test_every_measure_gets_positive_latencies(hass: HomeAssistant) -> None:
    report = await bench.async_measure(hass, areas=3, cameras=2, transitions=30, floors=2)
    assert report.orders == bench.ORDERS
    stats = report.stats()
    assert len(stats) == len(bench.ORDERS) * len(bench.MEASURES) * len(bench.DIRECTIONS)
    for key, s in stats.items():
        assert s.n == 30, key
        assert 0 < s.p50 <= s.p99 <= s.max, key
        assert all(v > 0 for v in report.samples[key])
    for order in bench.ORDERS:
        for direction in bench.DIRECTIONS:
            for write, event in (
                (bench.OCCUPANCY_WRITE, bench.OCCUPANCY_EVENT),
                (bench.TEMPLATE_WRITE, bench.TEMPLATE_EVENT),
            ):
                written = report.samples[order, write, direction]
                seen = report.samples[order, event, direction]
                # A state is written before its event reaches a listener (two clocks: 1 ms slack).
                assert all(w <= e + 1.0 for w, e in zip(written, seen, strict=True))
    assert not any(report.missing.values())
    assert report.stray == 0

    text = bench.format_report(report)
    for order in bench.ORDERS:
        assert f"listener order: {order}" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  camera call")]
    assert [row[2] for row in rows] == [bench.OCCUPIED, bench.VACANT] * len(bench.ORDERS)
    assert all(row[3] == "30" for row in rows)
    assert ("met" if report.target_met() else "NOT met") in text


async def test_one_order_only(hass: HomeAssistant) -> None:
    report = await bench.async_measure(
        hass, areas=2, cameras=1, transitions=5, warmup=0, floors=0, orders=[bench.TEMPLATE_FIRST]
    )
    assert report.orders == (bench.TEMPLATE_FIRST,)
    assert {order for order, _m, _d in report.samples} == {bench.TEMPLATE_FIRST}
    assert all(len(v) == 5 for v in report.samples.values())


@pytest.mark.parametrize("orders", [[], [bench.TEMPLATE_FIRST, bench.OURS_FIRST], ["sideways"]])
async def test_unknown_orders_are_rejected(hass: HomeAssistant, orders: list[str]) -> None:
    with pytest.raises(ValueError, match="subsequence"):
        await bench.async_measure(hass, areas=1, transitions=1, orders=orders)


def test_stats_and_verdict() -> None:
    assert bench.Stats.of([]).n == 0
    assert math.isnan(bench.Stats.of([]).p99)
    s = bench.Stats.of([1.0, 2.0, 3.0])
    assert (s.n, s.p50, s.max) == (3, 2.0, 3.0)

    report = bench.Report(orders=(bench.OURS_FIRST,))
    for measure in bench.MEASURES:
        for direction in bench.DIRECTIONS:
            report.samples[bench.OURS_FIRST, measure, direction] = [0.5, 1.0]
    assert report.target_met()
    report.samples[bench.OURS_FIRST, bench.CAMERA_CALL, bench.VACANT] = [9.0]
    assert not report.target_met()
    assert "NOT met (worst p99 9.000 ms)" in bench.format_report(report)
    report.samples[bench.OURS_FIRST, bench.CAMERA_CALL, bench.VACANT] = []
    assert not report.target_met()  # nothing measured is no pass


def test_command_line_rejects_bad_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--areas", "0"])
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.timeout(240)  # a fresh interpreter imports Home Assistant: slow on a busy machine
def test_command_line_runs_its_own_home_assistant() -> None:
    argv = ["--areas", "2", "--transitions", "4", "--floors", "1", "--profile"]
    result = subprocess.run(  # noqa: S603  (our own module, fixed arguments)
        [sys.executable, "-m", "benchmarks.privacy_latency", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=230,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "recorder: in-memory SQLite" in out
    for order in bench.ORDERS:
        assert f"listener order: {order}" in out
    assert "stray camera calls or state writes during measured transitions: 0" in out
    assert "coordinator.py" in out  # the profile lists our integration's functions
