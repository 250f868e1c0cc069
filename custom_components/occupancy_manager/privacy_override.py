"""Camera maintenance overrides: for a while, an area's occupancy does not make its cameras private.

Overrides are persisted in a Store, ended by one timer at the next expiry, and logged in the
logbook on the area's maintenance switch; `engine.privacy` holds the rules. Also the handler of
the `privacy_override` action (registered by `privacy.async_register_services`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

import probatio
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import CONF_AREA_ID, DOMAIN, SUBENTRY_AREA
from .data import OccupancyConfigEntry, loaded_entry
from .engine import privacy as decisions
from .privacy_targets import SWITCH_DOMAIN

_LOGGER = logging.getLogger(__name__)

MAINTENANCE_KEY: Final = "camera_maintenance"
STORAGE_VERSION: Final = 1
SERVICE_PRIVACY_OVERRIDE: Final = "privacy_override"
ATTR_AREA_ID: Final = "area_id"
ATTR_DURATION: Final = "duration"
ATTR_ENABLED: Final = "enabled"

OVERRIDE_SCHEMA: Final = probatio.Schema(
    {
        probatio.Required(ATTR_AREA_ID): cv.ensure_list,
        probatio.Optional(ATTR_DURATION): cv.positive_time_period_dict,
        probatio.Optional(ATTR_ENABLED, default=True): cv.boolean,
    }
)


class MaintenanceOverrides:
    """The running maintenance overrides of one hub entry: area id -> end (aware UTC)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OccupancyConfigEntry,
        on_change: Callable[[Collection[str]], None],
    ) -> None:
        """Set up for the hub `entry`; nothing is loaded until `async_load`.

        `on_change(area_ids)` is called when overrides start, end or are restored, after the
        expiry timer is armed again.
        """
        self._hass = hass
        self._on_change = on_change
        self._subentries: dict[str, tuple[str, str]] = {
            str(sub.data.get(CONF_AREA_ID)): (sub.subentry_id, sub.title)
            for sub in entry.get_subentries_of_type(SUBENTRY_AREA)
        }
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.privacy"
        )
        self._overrides: dict[str, datetime] = {}
        self._timer: CALLBACK_TYPE | None = None
        self._stopped = False

    @property
    def active(self) -> Mapping[str, datetime]:
        """The running overrides: area id -> when it ends (aware UTC)."""
        return self._overrides

    def until(self, area_id: str) -> datetime | None:
        """When the area's override ends (aware UTC), or None without one."""
        return self._overrides.get(area_id)

    async def async_load(self) -> None:
        """Restore the stored overrides that have not ended; overrides set meanwhile win.

        An unreadable store is logged and leaves no override.
        """
        try:
            stored = await self._store.async_load()
        except HomeAssistantError as err:
            _LOGGER.warning("Stored camera maintenance overrides were unreadable (%s)", err)
            return
        restored = decisions.restore_overrides(
            (stored or {}).get("overrides"), dt_util.utcnow(), self._subentries
        )
        if not restored or self._stopped:
            return
        self._overrides = {**restored, **self._overrides}
        self._arm_timer()
        self._on_change(list(restored))

    async def async_stop(self) -> None:
        """Cancel the expiry timer and save the overrides."""
        self._stopped = True
        if self._timer is not None:
            self._timer()
            self._timer = None
        await self._store.async_save(self._export())

    @callback
    def async_set(
        self, area_ids: Iterable[str], duration: float | None, context: Context | None
    ) -> None:
        """Start an override of `duration` seconds on areas, or end it (None); logged.

        Raises:
            ValueError: `duration` is not in (0, MAX_OVERRIDE].
        """
        now = dt_util.utcnow()
        until = decisions.override_until(now, duration) if duration is not None else None
        changed: set[str] = set()
        for area in area_ids:
            if until is not None:
                self._overrides[area] = until
                local = dt_util.as_local(until)
                self._log(area, f"started; cameras may run until {local:%Y-%m-%d %H:%M}", context)
            elif self._overrides.pop(area, None) is not None:
                self._log(area, "ended", context)
            else:
                continue
            changed.add(area)
        self._changed(changed)

    def _changed(self, areas: set[str]) -> None:
        if not areas:
            return
        self._arm_timer()
        self._store.async_delay_save(self._export, 0)
        self._on_change(areas)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        when = decisions.next_expiry(self._overrides)
        if when is not None and not self._stopped:
            self._timer = async_track_point_in_utc_time(self._hass, self._on_expiry, when)

    @callback
    def _on_expiry(self, now: datetime) -> None:
        self._timer = None
        self._overrides, ended = decisions.split_expired(self._overrides, now)
        for area in sorted(ended):
            self._log(area, "ended (expired)", None)
        self._changed(ended)
        if not ended:
            self._arm_timer()

    def _export(self) -> dict[str, Any]:
        return {"overrides": decisions.export_overrides(self._overrides)}

    def _log(self, area_id: str, message: str, context: Context | None) -> None:
        """A logbook entry on the area's maintenance switch (the user comes from `context`)."""
        subentry_id, title = self._subentries.get(area_id, (None, area_id))
        _LOGGER.info("Camera maintenance of %s %s", title, message)
        if "logbook" not in self._hass.config.components:
            return
        # Imported here: the logbook component pulls in the frontend and the recorder.
        from homeassistant.components.logbook import async_log_entry  # noqa: PLC0415

        entity_id = er.async_get(self._hass).async_get_entity_id(
            SWITCH_DOMAIN, DOMAIN, f"{subentry_id}_{MAINTENANCE_KEY}"
        )
        async_log_entry(
            self._hass,
            f"{title} camera maintenance",
            message,
            domain=DOMAIN,
            entity_id=entity_id,
            context=context,
        )


async def async_privacy_override(call: ServiceCall) -> None:
    """Start or end the maintenance override of areas (`privacy_override` action).

    Raises:
        ServiceValidationError: the hub is not loaded, no area is given, an area has no
            cameras, or the duration is not in (0, MAX_OVERRIDE] seconds.
    """
    privacy = loaded_entry(call.hass).runtime_data.coordinator.privacy
    areas = [str(area) for area in call.data[ATTR_AREA_ID]]
    known = {area for status in privacy.cameras.values() for area in status.areas}
    if not areas:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    if unknown := [area for area in areas if area not in known]:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_cameras",
            translation_placeholders={"areas": ", ".join(unknown)},
        )
    if not call.data[ATTR_ENABLED]:
        privacy.async_set_override(areas, None, call.context)
        return
    duration: timedelta = call.data.get(
        ATTR_DURATION, timedelta(seconds=decisions.DEFAULT_OVERRIDE)
    )
    seconds = duration.total_seconds()
    if not 0 < seconds <= decisions.MAX_OVERRIDE:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="override_duration",
            translation_placeholders={"max_hours": f"{decisions.MAX_OVERRIDE / 3600:g}"},
        )
    privacy.async_set_override(areas, seconds, call.context)
