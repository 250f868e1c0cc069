"""Entities of the managed cameras' devices (last seen, connectivity)."""

from __future__ import annotations

from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import OccupancyConfigEntry


def async_add_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add this feature's sensor entities (placeholder)."""


def async_add_binary_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add this feature's binary_sensor entities (placeholder)."""
