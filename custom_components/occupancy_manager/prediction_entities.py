"""Statistics, prediction and accuracy sensors."""

from __future__ import annotations

from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import OccupancyConfigEntry


def async_add_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add this feature's sensor entities (placeholder)."""
