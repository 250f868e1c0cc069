"""Pure occupancy logic: no Home Assistant import, no clock read; every call takes `now`."""

from .model import (
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
from .occupancy import OccupancyEngine

__all__ = [
    "AreaConfig",
    "AreaState",
    "Event",
    "OccupancyEngine",
    "Reason",
    "Result",
    "SensorConfig",
    "SensorRole",
    "SnapshotError",
    "Transition",
]
