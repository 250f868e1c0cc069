"""People counting entities: count, entries, exits, capacity and anomaly per area; roll-up counts.

Area entities sit on the area's device and belong to the area subentry (a device belongs to one
subentry); the counting manager removes them when the area stops counting. Floor and home counts
sit on the hub device.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .areas import AreaSetup, RollupSetup
from .counting import (
    KEY_ANOMALY,
    KEY_COUNT,
    KEY_ENTRIES,
    KEY_EXITS,
    KEY_NEAR,
    KEY_OVER,
    CountingManager,
)
from .data import OccupancyConfigEntry
from .engine import NodeKind
from .engine.counting import CountState
from .entity import OccupancyAreaEntity, OccupancyRollupEntity


def async_add_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Per counted area: people count, entries, exits; per floor and the home: people count."""
    manager = entry.runtime_data.counting
    for area in _counted(manager):
        async_add_entities(
            [
                PeopleCountSensor(manager, area, KEY_COUNT),
                EntriesSensor(manager, area, KEY_ENTRIES),
                ExitsSensor(manager, area, KEY_EXITS),
            ],
            config_subentry_id=area.subentry_id,
        )
    rollups = manager.coordinator.rollups
    async_add_entities(
        RollupPeopleCountSensor(manager, rollups[node_id]) for node_id in manager.rollups
    )


def async_add_binary_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Per counted area: count anomaly; with a capacity, near and over capacity."""
    manager = entry.runtime_data.counting
    for area in _counted(manager):
        entities: list[Entity] = [CountAnomalyBinarySensor(manager, area, KEY_ANOMALY)]
        if manager.counters[area.area_id].setup.capacity:
            entities += [
                NearCapacityBinarySensor(manager, area, KEY_NEAR),
                OverCapacityBinarySensor(manager, area, KEY_OVER),
            ]
        async_add_entities(entities, config_subentry_id=area.subentry_id)


def _counted(manager: CountingManager) -> list[AreaSetup]:
    return [manager.coordinator.areas[area_id] for area_id in manager.counters]


class _CountingEntity(OccupancyAreaEntity):
    """An entity of a counted area; re-renders when its count or occupancy changes."""

    def __init__(self, manager: CountingManager, area: AreaSetup, key: str) -> None:
        """On the area's device; unique_id `<area subentry id>_<key>`."""
        super().__init__(manager.coordinator, area, key)
        self.manager = manager
        self.counter = manager.counters[area.area_id]

    @property
    def count_state(self) -> CountState:
        """The area's count now."""
        return self.counter.count.state

    async def async_added_to_hass(self) -> None:
        """Follow the counting manager too."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self.node_id, self.async_write_ha_state)
        )


class PeopleCountSensor(_CountingEntity, SensorEntity):
    """People in the area now (never negative); long-term statistics give mean, min and max.

    Attributes: `capacity`, `last_crossing` and `calibrated_at` (ISO, UTC).
    """

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_translation_key = KEY_COUNT
    _unrecorded_attributes = frozenset({"last_crossing", "calibrated_at"})

    @property
    def native_value(self) -> int:
        """The count."""
        return self.count_state.count

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Capacity and when the count last changed for a reason."""
        state = self.count_state
        return {
            "capacity": self.counter.setup.capacity,
            "last_crossing": state.last_activity.isoformat() if state.last_activity else None,
            "calibrated_at": state.calibrated_at.isoformat() if state.calibrated_at else None,
        }


class EntriesSensor(_CountingEntity, SensorEntity):
    """People counted into the area so far (never decreases, survives restarts)."""

    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_translation_key = KEY_ENTRIES

    @property
    def native_value(self) -> int:
        """The total of entries."""
        return self.count_state.entries


class ExitsSensor(_CountingEntity, SensorEntity):
    """People counted out of the area so far (never decreases, survives restarts)."""

    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_translation_key = KEY_EXITS

    @property
    def native_value(self) -> int:
        """The total of exits."""
        return self.count_state.exits


class NearCapacityBinarySensor(_CountingEntity, BinarySensorEntity):
    """On from the near-capacity share of the capacity (default 80 %), over capacity included."""

    _attr_translation_key = KEY_NEAR

    @property
    def is_on(self) -> bool:
        """Whether the count is near (or over) capacity."""
        return self.count_state.near_capacity


class OverCapacityBinarySensor(_CountingEntity, BinarySensorEntity):
    """Problem: more people than the capacity."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = KEY_OVER

    @property
    def is_on(self) -> bool:
        """Whether the count exceeds the capacity."""
        return self.count_state.over_capacity


class CountAnomalyBinarySensor(_CountingEntity, BinarySensorEntity):
    """Problem: the count was clamped at zero since the last calibration, or looks stale.

    Stale: above zero with no crossing, calibration or sensor activity for the configured hours.
    Attributes: `clamped`, `stale`, `anomalies` (clamps so far), `people_clamped`.
    """

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = KEY_ANOMALY

    @property
    def is_on(self) -> bool:
        """Whether either anomaly holds."""
        return self.count_state.anomaly or self.manager.stale(self.node_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which anomaly, and how much clamping happened so far."""
        state = self.count_state
        return {
            "clamped": state.anomaly,
            "stale": self.manager.stale(self.node_id),
            "anomalies": state.anomalies,
            "people_clamped": state.clamped,
        }


class RollupPeopleCountSensor(OccupancyRollupEntity, SensorEntity):
    """People on a floor or in the home: the sum of its counted areas."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, manager: CountingManager, rollup: RollupSetup) -> None:
        """On the hub device; named after the floor, or "Home people count"."""
        super().__init__(manager.coordinator, rollup, KEY_COUNT)
        self.manager = manager
        if rollup.kind is NodeKind.HOME:
            self._attr_translation_key = "home_people_count"
        else:
            self._attr_translation_key = "floor_people_count"
            self._attr_translation_placeholders = {"floor": rollup.name}

    @property
    def native_value(self) -> int:
        """The sum."""
        return self.manager.rollup_count(self.node_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The areas summed."""
        return {"areas": list(self.manager.rollups.get(self.node_id, ()))}

    async def async_added_to_hass(self) -> None:
        """Follow the counting manager."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self.node_id, self.async_write_ha_state)
        )
