"""Actions: force_occupied, force_vacant, extend, lock, unlock, set_timeout, targeting areas.

Registered once in `async_setup`. Each action validates its data (schema) and its targets
(managed areas and floors of the loaded hub) and fails with a translated ServiceValidationError.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import probatio
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from . import cameras, counting, predictions, privacy
from .const import DOMAIN, FLOOR_PREFIX
from .coordinator import OccupancyCoordinator
from .data import loaded_entry
from .engine import LockMode, LockScope, OccupancyEngine, Result

ATTR_AREA_ID = "area_id"
ATTR_FLOOR_ID = "floor_id"
ATTR_DURATION = "duration"
ATTR_TIMEOUT = "timeout"
ATTR_MODE = "mode"
ATTR_SCOPE = "scope"

_TARGETS = {
    probatio.Optional(ATTR_AREA_ID): cv.ensure_list,
    probatio.Optional(ATTR_FLOOR_ID): cv.ensure_list,
}
_DURATION = cv.positive_time_period_dict
SCHEMAS: dict[str, probatio.Schema] = {
    "force_occupied": probatio.Schema({**_TARGETS, probatio.Optional(ATTR_DURATION): _DURATION}),
    "force_vacant": probatio.Schema({**_TARGETS, probatio.Optional(ATTR_DURATION): _DURATION}),
    "extend": probatio.Schema({**_TARGETS, probatio.Required(ATTR_DURATION): _DURATION}),
    "lock": probatio.Schema(
        {
            **_TARGETS,
            probatio.Required(ATTR_MODE): probatio.In([m.value for m in LockMode]),
            probatio.Optional(ATTR_SCOPE, default=LockScope.SELF.value): probatio.In(
                [s.value for s in LockScope]
            ),
            probatio.Optional(ATTR_DURATION): _DURATION,
        }
    ),
    "unlock": probatio.Schema(_TARGETS),
    "set_timeout": probatio.Schema({**_TARGETS, probatio.Optional(ATTR_TIMEOUT): _DURATION}),
}

type _Action = Callable[[OccupancyEngine, str, datetime, dict[str, Any]], Result]


def _seconds(data: dict[str, Any], key: str) -> float | None:
    value: timedelta | None = data.get(key)
    return value.total_seconds() if value is not None else None


def _lock(engine: OccupancyEngine, node: str, now: datetime, data: dict[str, Any]) -> Result:
    duration = _seconds(data, ATTR_DURATION)
    expires = now + timedelta(seconds=duration) if duration else None
    return engine.lock(node, LockMode(data[ATTR_MODE]), now, LockScope(data[ATTR_SCOPE]), expires)


ACTIONS: dict[str, _Action] = {
    "force_occupied": lambda e, n, now, d: e.force_occupied(n, now, _seconds(d, ATTR_DURATION)),
    "force_vacant": lambda e, n, now, d: e.force_vacant(n, now, _seconds(d, ATTR_DURATION)),
    "extend": lambda e, n, now, d: e.extend(n, _seconds(d, ATTR_DURATION) or 0.0, now),
    "lock": _lock,
    "unlock": lambda e, n, now, _d: e.unlock(n, now),
    "set_timeout": lambda e, n, now, d: e.set_timeout(n, _seconds(d, ATTR_TIMEOUT), now),
}


def _coordinator(hass: HomeAssistant) -> OccupancyCoordinator:
    return loaded_entry(hass).runtime_data.coordinator


def _nodes(coordinator: OccupancyCoordinator, data: dict[str, Any]) -> list[str]:
    """The engine nodes targeted by an action's area_id and floor_id fields."""
    areas = [str(a) for a in data.get(ATTR_AREA_ID, [])]
    floors = [FLOOR_PREFIX + str(f) for f in data.get(ATTR_FLOOR_ID, [])]
    if not areas and not floors:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    known = set(coordinator.engine.area_ids)
    unknown = [a for a in areas if a not in coordinator.areas] + [
        f.removeprefix(FLOOR_PREFIX) for f in floors if f not in known
    ]
    if unknown:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_managed",
            translation_placeholders={"targets": ", ".join(unknown)},
        )
    return areas + floors


async def _async_handle(call: ServiceCall) -> None:
    coordinator = _coordinator(call.hass)
    action = ACTIONS[call.service]
    data = dict(call.data)
    now = dt_util.utcnow()
    for node in _nodes(coordinator, data):
        result = action(coordinator.engine, node, now, data)
        coordinator.async_apply(result, set(coordinator.engine.area_ids))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, at integration setup), then each feature's own."""
    for name, schema in SCHEMAS.items():
        hass.services.async_register(DOMAIN, name, _async_handle, schema=schema)
    for feature in (privacy, cameras, counting, predictions):
        feature.async_register_services(hass)
