"""Logbook entries for ended occupancy sessions (`occupancy_manager_session_ended`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import area_registry as ar

from .const import DOMAIN
from .predictions import EVENT_SESSION_ENDED

# The logbook shows plain text; core integrations describe their events in English too.
_ENDINGS = {
    "timeout": "the timeout ran out",
    "evidence_cleared": "its sensors cleared",
    "vacancy_signal": "a vacancy sensor signalled",
    "manual": "it was set vacant",
    "restart_expired": "its timer ran out during a restart",
    "parent": "its parent area became vacant",
    "lock": "a lock",
    "stuck": "a stuck sensor",
}


def describe_duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 5 min`."""
    minutes = round(seconds / 60)
    if seconds < 60:  # noqa: PLR2004 - one minute
        return f"{round(seconds)} s"
    if minutes < 60:  # noqa: PLR2004 - one hour
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe ended sessions: "Kitchen was occupied for 12 min (the timeout ran out)"."""
    areas = ar.async_get(hass)

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        area_id = str(data.get("area_id"))
        area = areas.async_get_area(area_id)
        reason = str(data.get("reason"))
        message = f"was occupied for {describe_duration(float(data.get('duration') or 0))}"
        message += f" ({_ENDINGS.get(reason, reason.replace('_', ' '))})"
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: area.name if area else area_id,
            LOGBOOK_ENTRY_MESSAGE: message,
        }
        if entity_id := data.get("entity_id"):
            entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return entry

    async_describe_event(DOMAIN, EVENT_SESSION_ENDED, describe)
