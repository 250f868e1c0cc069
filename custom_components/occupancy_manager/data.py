"""Typed runtime data of the hub config entry (nothing lives in hass.data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import OccupancyCoordinator

type OccupancyConfigEntry = ConfigEntry[OccupancyRuntime]


@dataclass(slots=True)
class OccupancyRuntime:
    """What the platforms need: the coordinator, the one bridge to the engine."""

    coordinator: OccupancyCoordinator
