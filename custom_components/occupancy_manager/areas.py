"""Read area subentries into engine configuration, tolerating malformed stored data."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigSubentry

from .const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_TIMEOUT,
    CONF_TRIGGER_SENSORS,
    DEFAULT_SUSTAIN_STARTS,
    DEFAULT_TIMEOUT,
)
from .engine import AreaConfig, SensorConfig, SensorRole

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AreaSetup:
    """One configured area: its subentry, engine config and cameras."""

    subentry_id: str
    title: str
    config: AreaConfig
    cameras: tuple[str, ...]

    @property
    def area_id(self) -> str:
        """The HA area registry id."""
        return self.config.area_id


def area_from_subentry(subentry: ConfigSubentry) -> AreaSetup:
    """Build an `AreaSetup` from an area subentry's data.

    Missing or malformed values fall back to defaults (logged once), so a hand-edited or
    older stored entry still loads. The area id falls back to the subentry's unique_id.
    """
    data = subentry.data
    area_id = data.get(CONF_AREA_ID) or subentry.unique_id or subentry.subentry_id
    triggers = _entity_ids(data, CONF_TRIGGER_SENSORS)
    sustains = [s for s in _entity_ids(data, CONF_SUSTAIN_SENSORS) if s not in triggers]
    starts = data.get(CONF_SUSTAIN_STARTS, DEFAULT_SUSTAIN_STARTS)
    sensors = tuple(SensorConfig(eid, SensorRole.TRIGGER) for eid in triggers) + tuple(
        SensorConfig(eid, SensorRole.SUSTAIN, starts_occupancy=bool(starts)) for eid in sustains
    )
    return AreaSetup(
        subentry_id=subentry.subentry_id,
        title=subentry.title,
        config=AreaConfig(str(area_id), sensors, timeout_seconds(data.get(CONF_TIMEOUT), area_id)),
        cameras=tuple(_entity_ids(data, CONF_CAMERAS)),
    )


def timeout_seconds(value: Any, area_id: object = "?") -> float:
    """Seconds of a DurationSelector dict such as {"hours": 0, "minutes": 5, "seconds": 0}.

    A malformed or negative value gives the 5-minute default and a warning.
    """
    try:
        seconds = timedelta(**value).total_seconds()
    except TypeError, ValueError:
        seconds = -1.0
    if seconds < 0:
        _LOGGER.warning("Area %s has an invalid timeout %r; using 5 minutes", area_id, value)
        return timedelta(**DEFAULT_TIMEOUT).total_seconds()
    return seconds


def _entity_ids(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    return list(dict.fromkeys(v for v in value if isinstance(v, str)))
