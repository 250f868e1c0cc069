"""Pure occupancy logic: no Home Assistant import, no clock read; every call takes `now`."""

from .model import (
    AreaConfig,
    AreaState,
    Event,
    Lock,
    LockMode,
    LockScope,
    NodeKind,
    Reason,
    Result,
    SensorConfig,
    SensorRole,
    SnapshotError,
    StrategyKind,
    StuckChange,
    TimeOfDayRule,
    TimeoutPolicy,
    Transition,
)
from .occupancy import OccupancyEngine

__all__ = [
    "AreaConfig",
    "AreaState",
    "Event",
    "Lock",
    "LockMode",
    "LockScope",
    "NodeKind",
    "OccupancyEngine",
    "Reason",
    "Result",
    "SensorConfig",
    "SensorRole",
    "SnapshotError",
    "StrategyKind",
    "StuckChange",
    "TimeOfDayRule",
    "TimeoutPolicy",
    "Transition",
]
