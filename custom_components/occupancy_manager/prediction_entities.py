"""Session figures, predictions and their accuracy as sensors (per area; home next arrival)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .areas import AreaSetup
from .const import HOME_NODE
from .data import OccupancyConfigEntry
from .engine.learning import PeriodKind, Prediction
from .engine.sessions import occupied_seconds
from .entity import OccupancyAreaEntity, OccupancyNodeEntity, hub_device_info
from .predictions import PredictionManager

AVERAGE_DAYS = 7
_PREDICTION_ATTRIBUTES = frozenset({"interval_low", "interval_high", "confidence", "samples"})
_ACCURACY_ATTRIBUTES = frozenset(
    f"{name}_{field}"
    for name in ("vacancy", "occupancy")
    for field in ("scored", "mae", "p20", "coverage")
)


def async_add_sensors(
    entry: OccupancyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Per area: session figures, next vacancy and occupancy, accuracy; the home's arrival."""
    manager = entry.runtime_data.predictions
    for area in manager.coordinator.areas.values():
        async_add_entities(
            [
                cls(manager, area, key)
                for key, cls in (
                    ("occupied_time_today", OccupiedTimeTodaySensor),
                    ("sessions_today", SessionsTodaySensor),
                    ("average_session_duration", AverageSessionDurationSensor),
                    ("busiest_hour", BusiestHourSensor),
                    ("next_vacancy", NextVacancySensor),
                    ("next_occupancy", NextOccupancySensor),
                    ("prediction_error", PredictionErrorSensor),
                    ("prediction_p20", PredictionP20Sensor),
                )
            ],
            config_subentry_id=area.subentry_id,
        )
    async_add_entities([HomeNextArrivalSensor(manager)])


def _prediction_attributes(prediction: Prediction | None) -> dict[str, Any]:
    if prediction is None:
        return {}
    return {
        "interval_low": prediction.low.isoformat(),
        "interval_high": prediction.high.isoformat(),
        "confidence": round(prediction.confidence * 100),
        "samples": prediction.samples,
    }


class _ManagerSubscriber(OccupancyNodeEntity):
    """Also re-renders when the prediction manager refreshes."""

    manager: PredictionManager

    async def async_added_to_hass(self) -> None:
        """Follow the node's changes and the manager's refreshes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self.node_id, self.async_write_ha_state)
        )


class _AreaSensor(OccupancyAreaEntity, _ManagerSubscriber, SensorEntity):
    """A sensor of one area fed by the prediction manager."""

    def __init__(self, manager: PredictionManager, area: AreaSetup, key: str) -> None:
        """unique_id `<subentry_id>_<key>`, name from the translation key `key`."""
        super().__init__(manager.coordinator, area, key)
        self.manager = manager
        self._attr_translation_key = key

    def _today(self) -> datetime:
        return dt_util.start_of_local_day().astimezone(dt_util.UTC)


class OccupiedTimeTodaySensor(_AreaSensor):
    """Seconds the area has been occupied since local midnight (the current session included)."""

    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.SECONDS
    _attr_suggested_unit_of_measurement = UnitOfTime.HOURS
    _attr_suggested_display_precision = 2
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    @property
    def native_value(self) -> float:
        """Occupied seconds today."""
        now, midnight = dt_util.utcnow(), self._today()
        total = occupied_seconds(
            self.manager.log.sessions(self.node_id, since=midnight), midnight, now
        )
        state = self.node_state
        if state.occupied and state.since is not None:
            total += max((now - max(state.since, midnight)).total_seconds(), 0.0)
        return round(total)


class SessionsTodaySensor(_AreaSensor):
    """Sessions of the area that ended since local midnight."""

    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    @property
    def native_value(self) -> int:
        """How many."""
        midnight = self._today()
        return sum(1 for s in self.manager.log.sessions(self.node_id) if s.end >= midnight)


class AverageSessionDurationSensor(_AreaSensor):
    """Mean duration of the area's sessions that ended in the last 7 days (seconds)."""

    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.SECONDS
    _attr_suggested_unit_of_measurement = UnitOfTime.MINUTES
    _attr_suggested_display_precision = 0
    _attr_state_class = SensorStateClass.MEASUREMENT

    @property
    def native_value(self) -> float | None:
        """The mean; unknown without sessions."""
        since = dt_util.utcnow() - timedelta(days=AVERAGE_DAYS)
        durations = [s.duration_s for s in self.manager.log.sessions(self.node_id, since=since)]
        return round(sum(durations) / len(durations)) if durations else None


class BusiestHourSensor(_AreaSensor):
    """The local hour of the week with most occupied time over 4 weeks, e.g. `Monday 18:00`."""

    @property
    def native_value(self) -> str | None:
        """Weekday and hour; unknown without sessions."""
        hour = self.manager.busiest.get(self.node_id)
        if hour is None:
            return None
        return f"{calendar.day_name[hour // 24]} {hour % 24:02d}:00"

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The weekday (0 = Monday) and the hour, for automations."""
        hour = self.manager.busiest.get(self.node_id)
        return {} if hour is None else {"weekday": hour // 24, "hour": hour % 24}


class _PredictionSensor(_AreaSensor):
    """When the area's current period is expected to end; unknown in the other state."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _unrecorded_attributes = _PREDICTION_ATTRIBUTES
    kind: PeriodKind

    @property
    def _prediction(self) -> Prediction | None:
        return self.manager.predictions.get(self.node_id, {}).get(self.kind)

    @property
    def native_value(self) -> datetime | None:
        """The median predicted time (aware UTC)."""
        prediction = self._prediction
        return prediction.at if prediction else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The 10th-90th percentile interval, confidence (%) and samples used."""
        return _prediction_attributes(self._prediction)


class NextVacancySensor(_PredictionSensor):
    """When the occupied area is expected to become vacant."""

    kind = PeriodKind.OCCUPIED


class NextOccupancySensor(_PredictionSensor):
    """When the vacant area is expected to become occupied."""

    kind = PeriodKind.VACANT


class _AccuracySensor(_AreaSensor):
    """Accuracy of the area's predictions over the last 7 days (both kinds together)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 0

    def _combined(self, field: str) -> tuple[float | None, int]:
        """The scored-weighted mean of `field` over both kinds, and the number scored."""
        total, scored = 0.0, 0
        for kind in PeriodKind:
            accuracy = self.manager.accuracy_of(self.node_id, kind)
            value = getattr(accuracy, field)
            if value is not None:
                total += value * accuracy.scored
                scored += accuracy.scored
        return (total / scored if scored else None), scored

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Per kind: predictions scored, MAE (min), P20 (%) and interval coverage (%)."""
        out: dict[str, Any] = {}
        for kind, name in ((PeriodKind.OCCUPIED, "vacancy"), (PeriodKind.VACANT, "occupancy")):
            accuracy = self.manager.accuracy_of(self.node_id, kind)
            out[f"{name}_scored"] = accuracy.scored
            out[f"{name}_mae"] = _round(accuracy.mae_minutes)
            out[f"{name}_p20"] = _round(accuracy.p20, 100)
            out[f"{name}_coverage"] = _round(accuracy.coverage, 100)
        return out


def _round(value: float | None, scale: float = 1.0) -> float | None:
    return None if value is None else round(value * scale, 1)


class PredictionErrorSensor(_AccuracySensor):
    """Mean absolute error of the predictions scored in the last 7 days (minutes)."""

    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.MINUTES
    _unrecorded_attributes = _ACCURACY_ATTRIBUTES

    @property
    def native_value(self) -> float | None:
        """MAE in minutes; unknown before any prediction was scored."""
        value, _ = self._combined("mae_minutes")
        return _round(value)


class PredictionP20Sensor(_AccuracySensor):
    """Share of the predictions scored in the last 7 days that were within 20 minutes (%)."""

    _attr_native_unit_of_measurement = PERCENTAGE
    _unrecorded_attributes = _ACCURACY_ATTRIBUTES

    @property
    def native_value(self) -> float | None:
        """P20 in percent; unknown before any prediction was scored."""
        value, _ = self._combined("p20")
        return _round(value, 100)


class HomeNextArrivalSensor(_ManagerSubscriber, SensorEntity):
    """When someone is expected to arrive at the empty home (hub device)."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_translation_key = "next_arrival"
    _unrecorded_attributes = _PREDICTION_ATTRIBUTES

    def __init__(self, manager: PredictionManager) -> None:
        """unique_id `<entry_id>_home_next_arrival` on the hub device."""
        coordinator = manager.coordinator
        super().__init__(
            coordinator,
            HOME_NODE,
            f"{coordinator.entry.entry_id}_{HOME_NODE}_next_arrival",
            hub_device_info(coordinator),
        )
        self.manager = manager

    @property
    def _prediction(self) -> Prediction | None:
        return self.manager.predictions.get(HOME_NODE, {}).get(PeriodKind.VACANT)

    @property
    def native_value(self) -> datetime | None:
        """The median predicted arrival (aware UTC); unknown while someone is home."""
        prediction = self._prediction
        return prediction.at if prediction else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The 10th-90th percentile interval, confidence (%) and samples used."""
        return _prediction_attributes(self._prediction)
