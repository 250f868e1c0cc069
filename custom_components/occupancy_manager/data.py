"""Typed runtime data of the hub config entry (nothing lives in hass.data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN

if TYPE_CHECKING:
    from .cameras import CameraManager
    from .coordinator import OccupancyCoordinator
    from .counting import CountingManager
    from .predictions import PredictionManager

type OccupancyConfigEntry = ConfigEntry[OccupancyRuntime]


@dataclass(slots=True)
class OccupancyRuntime:
    """What the platforms and actions need.

    Attributes:
        coordinator: the one bridge to the occupancy engine (and the privacy actuator).
        cameras: camera devices, heartbeat and stale-camera removal.
        counting: people counting sources, counts and capacity.
        predictions: sessions, recorder statistics, learning, predictions and their accuracy.
    """

    coordinator: OccupancyCoordinator
    cameras: CameraManager
    counting: CountingManager
    predictions: PredictionManager


def loaded_entry(hass: HomeAssistant) -> OccupancyConfigEntry:
    """The loaded hub entry, for actions.

    Raises:
        ServiceValidationError: no hub is loaded (translation key `not_loaded`).
    """
    entries: list[OccupancyConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    return entries[0]
