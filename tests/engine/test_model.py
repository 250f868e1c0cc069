"""Value types of the occupancy engine, and the engine's purity (no HA imports, no clock reads)."""

from __future__ import annotations

import ast
import dataclasses
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from custom_components.occupancy_manager.engine import (
    AreaConfig,
    AreaState,
    Event,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    SnapshotError,
    Transition,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ENGINE_DIR = Path(__file__).parents[2] / "custom_components" / "occupancy_manager" / "engine"
CLOCK_CALLS = {"now", "utcnow", "today"}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the package-wide autouse fixture: engine tests run without a `hass` instance."""


def test_area_config_defaults() -> None:
    area = AreaConfig("kitchen")
    assert area.sensors == ()
    assert area.timeout == 300.0


@pytest.mark.parametrize("timeout", [-1.0, -0.000001])
def test_negative_timeout_raises(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout must be >= 0"):
        AreaConfig("kitchen", timeout=timeout)


def test_zero_timeout_is_allowed() -> None:
    assert AreaConfig("kitchen", timeout=0).timeout == 0


@pytest.mark.parametrize("timeout", [math.nan, math.inf])
def test_non_finite_timeout_raises(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        AreaConfig("kitchen", timeout=timeout)


def test_sensor_starts_occupancy_by_default() -> None:
    assert SensorConfig("binary_sensor.bed", SensorRole.SUSTAIN).starts_occupancy is True


def test_stored_string_values_are_stable() -> None:
    """Snapshots and session logs store these strings; each is its member's name in lower case."""
    for enum in (SensorRole, Reason):
        assert all(member.value == member.name.lower() for member in enum)
    session_end_reasons = {"evidence_cleared", "timeout", "vacancy_signal", "manual"}
    assert session_end_reasons | {"restart_expired"} <= {reason.value for reason in Reason}


def test_result_defaults_to_nothing_to_do() -> None:
    assert Result() == Result(transitions=(), next_wakeup=None)


def test_values_are_frozen() -> None:
    transition = Transition(
        "kitchen", occupied=True, at=datetime(2026, 1, 5, tzinfo=UTC), reason=Reason.TRIGGER
    )
    state = AreaState(
        "kitchen", occupied=False, reason=None, since=None, occupied_until=None, timeout=300
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        transition.occupied = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.occupied = True  # type: ignore[misc]


def test_values_compare_by_content() -> None:
    assert Event("binary_sensor.motion", on=True) == Event("binary_sensor.motion", on=True)
    assert Event("binary_sensor.motion", on=True) != Event("binary_sensor.motion", on=False)


def test_snapshot_error_is_a_value_error() -> None:
    assert issubclass(SnapshotError, ValueError)


def _engine_modules() -> list[Path]:
    modules = sorted(ENGINE_DIR.glob("*.py"))
    assert modules, ENGINE_DIR
    return modules


def _imported_modules(tree: ast.Module) -> list[str]:
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
    return imported


@pytest.mark.parametrize("module", _engine_modules(), ids=lambda path: path.name)
def test_engine_imports_neither_home_assistant_nor_a_clock(module: Path) -> None:
    imported = _imported_modules(ast.parse(module.read_text(encoding="utf-8")))

    assert not [name for name in imported if name.split(".")[0] in {"homeassistant", "time"}]


@pytest.mark.parametrize("module", _engine_modules(), ids=lambda path: path.name)
def test_engine_reads_no_clock(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    calls = [
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
    ]
    assert calls == []
