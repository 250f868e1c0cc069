"""Shared behaviour of the replay entities: a stable unique id and a place in an area."""

from __future__ import annotations

from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity


class ReplayEntity(Entity):
    """An entity that puts itself into its area in the entity registry when first added.

    The replay has no config entry and so no devices; the area sits on the entity, which is
    where Occupancy Manager's area discovery also looks.
    """

    _attr_should_poll = False

    def __init__(self, unique_id: str, name: str, area_id: str) -> None:
        """Name the entity; `area_id` is an area registry id."""
        self._attr_unique_id = unique_id
        self._attr_name = name
        self._area_id = area_id

    async def async_added_to_hass(self) -> None:
        """Assign the area unless the entity already has one (the user may have moved it)."""
        await super().async_added_to_hass()
        entry = self.registry_entry
        if entry is not None and entry.area_id is None:
            er.async_get(self.hass).async_update_entity(self.entity_id, area_id=self._area_id)
