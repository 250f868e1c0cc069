"""Lock mode select per area: unlocked, freeze, block_occupied, block_vacant (scope: the area)."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .areas import AreaSetup
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry
from .engine import LockMode
from .entity import OccupancyAreaEntity

PARALLEL_UPDATES = 0
UNLOCKED = "unlocked"


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One lock mode select per area subentry."""
    coordinator = entry.runtime_data.coordinator
    for area in coordinator.areas.values():
        async_add_entities(
            [LockModeSelect(coordinator, area, "lock_mode")], config_subentry_id=area.subentry_id
        )


class LockModeSelect(OccupancyAreaEntity, SelectEntity):
    """The lock in force on the area (its own, or a subtree lock set on a floor through an action).

    Choosing a mode locks the area itself without expiry; `unlocked` removes its own lock. Use the
    `lock` action for a subtree or an expiry.
    """

    _attr_entity_category = EntityCategory.CONFIG
    _attr_translation_key = "lock_mode"

    def __init__(self, coordinator: OccupancyCoordinator, area: AreaSetup, key: str) -> None:
        """Options: unlocked and every lock mode."""
        super().__init__(coordinator, area, key)
        self._attr_options = [UNLOCKED, *(mode.value for mode in LockMode)]

    @property
    def current_option(self) -> str:
        """The lock mode in force, or `unlocked`."""
        lock = self.node_state.lock
        return lock.mode.value if lock else UNLOCKED

    async def async_select_option(self, option: str) -> None:
        """Lock or unlock the area now."""
        engine = self.coordinator.engine
        now = dt_util.utcnow()
        area_id = self.area.area_id
        if option == UNLOCKED:
            result = engine.unlock(area_id, now)
        else:
            result = engine.lock(area_id, LockMode(option), now)
        self.coordinator.async_apply(result, set(engine.area_ids))
