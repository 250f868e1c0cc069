"""Diagnostics for the hub: configuration and every node's state, with people's names redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .camera_settings import CONF_PROBE_HOST
from .const import CONF_OCCUPANT_SENSORS, CONF_PET_SENSORS
from .data import OccupancyConfigEntry

TO_REDACT = {CONF_OCCUPANT_SENSORS, CONF_PET_SENSORS, CONF_PROBE_HOST}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OccupancyConfigEntry,
) -> dict[str, Any]:
    """Options (identity sources and probe hosts redacted), areas, node states, cameras.

    Occupants are only counted; a camera's privacy target, overrides and heartbeat are included.
    """
    coordinator = entry.runtime_data.coordinator
    health = entry.runtime_data.cameras.health
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
                "areas": sorted(status.areas),
                "wanted": status.wanted,
                "desired": status.desired,
                "confirmed": status.confirmed,
                "method": status.target.method if status.target else None,
                "target": status.target.entity_id if status.target else None,
                "inverted": status.target.inverted if status.target else None,
                "attempt": status.attempt,
                "release_at": status.release_at,
                "last_error": status.last_error,
                "last_seen": health[camera].last_seen if camera in health else None,
                "connected": health[camera].connected if camera in health else None,
                "probe_ok": health[camera].probe_ok if camera in health else None,
            }
            for camera, status in coordinator.privacy.cameras.items()
        },
        "maintenance_overrides": {
            area_id: until
            for area_id in coordinator.areas
            if (until := coordinator.privacy.override_until(area_id)) is not None
        },
    }
