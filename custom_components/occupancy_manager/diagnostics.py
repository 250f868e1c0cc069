"""Diagnostics for the hub: configuration and every node's state, with people's names redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_OCCUPANT_SENSORS, CONF_PET_SENSORS
from .data import OccupancyConfigEntry

TO_REDACT = {CONF_OCCUPANT_SENSORS, CONF_PET_SENSORS}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
) -> dict[str, Any]:
    """Options (identity sources redacted), areas, node states (occupants only counted)."""
    coordinator = entry.runtime_data.coordinator
    now = dt_util.utcnow()
    states = {
        node_id: {
            "occupied": state.occupied,
            "reason": state.reason,
            "since": state.since,
            "occupied_until": state.occupied_until,
            "timeout": state.timeout,
            "active_sensors": list(state.active_sensors),
            "occupants": len(state.occupants),
            "lock": state.lock.mode if state.lock else None,
            "stuck_sensors": list(state.stuck_sensors),
        }
        for node_id, state in coordinator.engine.states(now).items()
    }
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "areas": {s.subentry_id: dict(s.data) for s in entry.subentries.values()},
        "states": states,
        "cameras": {
            camera: {
                "desired": status.desired,
                "confirmed": status.confirmed,
                "supported": status.supported,
                "last_error": status.last_error,
            }
            for camera, status in coordinator.privacy.cameras.items()
        },
    }
