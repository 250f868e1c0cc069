"""Camera privacy: make cameras private while their areas are occupied.

`engine.privacy` decides; this module keeps each camera's wanted privacy mode, applies it at
once when an area becomes occupied and after the hub's re-enable delay when it becomes free,
holds manual changes made through the switch, and applies the maintenance overrides of
`privacy_override`. `privacy_actuation` carries out and proves each change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from functools import partial

from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from . import privacy_targets as targets
from .camera_settings import CONF_REENABLE_DELAY, DEFAULT_REENABLE_DELAY, Actuation
from .const import DOMAIN
from .data import OccupancyConfigEntry
from .engine import privacy as decisions
from .listeners import KeyedListeners
from .privacy_actuation import CameraPrivacy, PrivacyCalls
from .privacy_override import (
    MAINTENANCE_KEY,
    OVERRIDE_SCHEMA,
    SERVICE_PRIVACY_OVERRIDE,
    MaintenanceOverrides,
    async_privacy_override,
)

# CameraPrivacy and MAINTENANCE_KEY are re-exported for the switch platform.
__all__ = ["MAINTENANCE_KEY", "CameraPrivacy", "PrivacyActuator", "async_register_services"]

type Listener = Callable[[], None]


class PrivacyActuator:
    """Applies privacy decisions to cameras and runs maintenance overrides; one per hub entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OccupancyConfigEntry,
        camera_areas: Mapping[str, Iterable[str]],
        on_change: Callable[[str], None],
    ) -> None:
        """Set up for `camera_areas`: camera entity id -> the area ids it covers.

        `on_change(camera)` is called whenever a camera's known state changes. Nothing is
        subscribed until `async_start` (or the first `async_apply`).
        """
        self._hass = hass
        self._entry = entry
        self._on_change = on_change
        self.cameras: dict[str, CameraPrivacy] = {
            cam: CameraPrivacy(frozenset(areas)) for cam, areas in camera_areas.items()
        }
        self._maintenance = MaintenanceOverrides(hass, entry, self._on_overrides_changed)
        self._occupied: Callable[[str], bool] | None = None
        self._listeners = KeyedListeners()
        self._calls = PrivacyCalls(hass, entry, self.cameras, self._notify)
        self._started = False
        self._stopped = False

    # Lifecycle

    async def async_start(self) -> None:
        """Load the stored maintenance overrides and follow the cameras' and switches' states.

        Call before the first `async_apply`; otherwise the first `async_apply` starts it, and
        overrides loaded later are applied then (a camera may be private for a moment).
        """
        if self._started:
            return
        self._begin()
        await self._maintenance.async_load()

    async def async_stop(self) -> None:
        """Cancel timers and subscriptions and save the overrides; idempotent."""
        if self._stopped or not self._started:
            return
        self._stopped = True
        self._calls.stop()
        for status in self.cameras.values():
            if status.release is not None:
                status.release()
                status.release = None
        await self._maintenance.async_stop()

    def _begin(self) -> None:
        self._started = True
        self._calls.start()
        self._entry.async_on_unload(self.async_stop)

    # The coordinator's interface

    def cameras_of(self, area_ids: Iterable[str]) -> set[str]:
        """The cameras that cover any of `area_ids`."""
        wanted = set(area_ids)
        return {cam for cam, status in self.cameras.items() if status.areas & wanted}

    def areas_of(self, camera: str) -> frozenset[str]:
        """The area ids a camera covers."""
        status = self.cameras.get(camera)
        return status.areas if status else frozenset()

    @callback
    def async_apply(self, occupied: Callable[[str], bool], cameras: Iterable[str]) -> None:
        """Make `cameras` private iff an occupied area without maintenance override covers them.

        `occupied(area_id)` tells whether an area is occupied now. The service calls start in
        this event-loop turn (eager tasks), one per camera, without waiting for each other.
        Engaging privacy is never delayed; letting a camera run again waits the hub option
        `camera_reenable_delay` (seconds). A camera whose areas' verdict did not change is left
        alone, so a manual change through the switch holds until its areas next change.
        """
        self._occupied = occupied
        if not self._started:
            self._begin()
            self._entry.async_create_background_task(
                self._hass,
                self._maintenance.async_load(),
                name="occupancy_manager privacy overrides",
            )
        self._decide(cameras, immediate=False)

    @callback
    def async_retry_pending(self, camera: str) -> None:
        """Apply the desired state again now, e.g. when the camera appears after a restart."""
        status = self.cameras.get(camera)
        if (
            status is None
            or status.desired is None
            or status.in_flight
            or (status.confirmed is status.desired and not status.last_error)
        ):
            return
        self._calls.actuate(camera, status.desired, None, retry=True)

    # Entities' interface

    @callback
    def async_add_listener(self, key: str, listener: Listener) -> CALLBACK_TYPE:
        """Call `listener()` when a camera (key: its entity id) or an area's override changes."""
        return self._listeners.add(key, listener)

    def override_until(self, area_id: str) -> datetime | None:
        """When the area's maintenance override ends (aware UTC), or None without one."""
        return self._maintenance.until(area_id)

    async def async_set_manual(self, camera: str, private: bool, context: Context | None) -> None:  # noqa: FBT001
        """Set a camera's privacy mode by hand (the switch); it holds until its areas change.

        Raises:
            ServiceValidationError: the camera is report only, or must stay private because an
                occupied area without maintenance override covers it.
        """
        status = self.cameras[camera]
        target = targets.resolve_quietly(self._hass, self._entry.options, camera)
        if target is not None and target.method is Actuation.REPORT_ONLY:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="privacy_report_only",
                translation_placeholders={"camera": camera},
            )
        if not private and status.wanted:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="privacy_required",
                translation_placeholders={"camera": camera},
            )
        status.manual = True
        self._set_release(camera, None)
        await self._calls.actuate(camera, private, context)

    @callback
    def async_set_override(
        self, area_ids: Iterable[str], duration: float | None, context: Context | None
    ) -> None:
        """Start a maintenance override of `duration` seconds on areas, or end it (None).

        While it runs, the areas' occupancy does not make their cameras private; the change is
        applied at once and logged in the logbook with the user of `context`.

        Raises:
            ValueError: `duration` is not in (0, MAX_OVERRIDE].
        """
        self._maintenance.async_set(area_ids, duration, context)

    # Decisions

    def _decide(self, cameras: Iterable[str], *, immediate: bool) -> None:
        if self._occupied is None or self._stopped:
            return
        now = dt_util.utcnow()
        delay = self._reenable_delay()
        for camera in cameras:
            status = self.cameras.get(camera)
            if status is None:
                continue
            private = decisions.must_be_private(
                status.areas, self._occupied, self._maintenance.active
            )
            if private is status.wanted and not (immediate and status.release_at):
                continue
            status.wanted = private
            status.manual = False
            decision = decisions.decide(
                private=private,
                desired=status.desired,
                release_at=status.release_at,
                now=now,
                reenable_delay=delay,
                immediate=immediate,
            )
            self._set_release(camera, decision.release_at)
            if decision.call is not None:
                self._calls.actuate(camera, decision.call, None)
            else:
                self._notify(camera)

    def _reenable_delay(self) -> float:
        try:
            return float(self._entry.options.get(CONF_REENABLE_DELAY, DEFAULT_REENABLE_DELAY))
        except TypeError, ValueError:
            return DEFAULT_REENABLE_DELAY

    def _set_release(self, camera: str, when: datetime | None) -> None:
        status = self.cameras[camera]
        if when == status.release_at:
            return
        if status.release is not None:
            status.release()
            status.release = None
        status.release_at = when
        if when is not None:
            status.release = async_track_point_in_utc_time(
                self._hass, partial(self._on_release, camera), when
            )

    @callback
    def _on_release(self, camera: str, _now: datetime) -> None:
        status = self.cameras[camera]
        status.release = None
        status.release_at = None
        if status.wanted is False and status.desired is not False:
            self._calls.actuate(camera, False, None)  # noqa: FBT003

    # Maintenance overrides

    def _on_overrides_changed(self, areas: Collection[str]) -> None:
        self._decide(self.cameras_of(areas), immediate=True)
        for area in areas:
            self._notify(area)

    def _notify(self, key: str) -> None:
        if key in self.cameras:
            self._on_change(key)
        self._listeners.notify(key)


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register the privacy actions (once, at integration setup)."""
    hass.services.async_register(
        DOMAIN, SERVICE_PRIVACY_OVERRIDE, async_privacy_override, schema=OVERRIDE_SCHEMA
    )
