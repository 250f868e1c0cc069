"""Camera heartbeat (last seen, optional TCP probe) and stale-camera removal.

A managed camera is *seen* while its entity is available and, when a probe is configured, its
last TCP probe succeeded. Last seen is persisted (`helpers.storage.Store`) so that stale detection
survives restarts; time Home Assistant was down does not count as unseen (`engine.health`).
A camera unseen for longer than the configured hours is removed from our devices and from its
areas, with an event and a notification; when it comes back the user is told and may add it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, Final

import probatio
from homeassistant.components import persistent_notification
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from . import camera_health
from .camera_health import CameraHealth, RemovedCamera, iso, tcp_probe
from .camera_settings import (
    CONF_AUTO_REMOVE_ENABLED,
    CONF_AUTO_REMOVE_HOURS,
    CONF_PROBE_INTERVAL,
    DEFAULT_AUTO_REMOVE_ENABLED,
    DEFAULT_AUTO_REMOVE_HOURS,
    DEFAULT_PROBE_INTERVAL,
    camera_settings,
)
from .const import CONF_CAMERAS, DOMAIN, SUBENTRY_AREA
from .coordinator import OccupancyCoordinator
from .data import OccupancyConfigEntry, loaded_entry
from .engine import health
from .entity import camera_key, camera_name
from .listeners import KeyedListeners

_LOGGER = logging.getLogger(__name__)

STORE_VERSION: Final = 1
EVENT_CAMERA_REMOVED: Final = f"{DOMAIN}_camera_removed"
SERVICE_CHECK_CAMERAS: Final = "check_cameras"
DEVICE_PREFIX: Final = "camera_"
STALE_CHECK_INTERVAL: Final = timedelta(hours=1)
SAVE_INTERVAL: Final = timedelta(minutes=15)
MIN_PROBE_INTERVAL: Final = 10.0  # seconds
MAX_PROBE_TIMEOUT: Final = 10.0  # seconds

type Listener = Callable[[], None]


class CameraManager:
    """Heartbeat, last seen and stale removal for the hub's managed cameras."""

    def __init__(
        self, hass: HomeAssistant, entry: OccupancyConfigEntry, coordinator: OccupancyCoordinator
    ) -> None:
        """Nothing is subscribed until `async_start`."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.health: dict[str, CameraHealth] = {}
        self.removed: dict[str, RemovedCamera] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.cameras"
        )
        self._listeners = KeyedListeners()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._probe_task: asyncio.Task[None] | None = None
        self._stop_unsub: CALLBACK_TYPE | None = None
        self._saved_at = dt_util.utcnow()

    @property
    def probe_interval(self) -> float:
        """Seconds between heartbeats (TCP probes and last seen refresh)."""
        value = self.entry.options.get(CONF_PROBE_INTERVAL, DEFAULT_PROBE_INTERVAL)
        return max(MIN_PROBE_INTERVAL, float(value))

    @property
    def stale_after(self) -> float:
        """Seconds unseen after which a camera is stale (hub option, in hours)."""
        return (
            float(self.entry.options.get(CONF_AUTO_REMOVE_HOURS, DEFAULT_AUTO_REMOVE_HOURS)) * 3600
        )

    @property
    def auto_remove(self) -> bool:
        """Whether stale cameras are removed (hub option, off by default)."""
        return bool(self.entry.options.get(CONF_AUTO_REMOVE_ENABLED, DEFAULT_AUTO_REMOVE_ENABLED))

    async def async_start(self) -> None:
        """Restore last seen, look at every camera now, then follow them and start the timers."""
        now = dt_util.utcnow()
        for camera in self.coordinator.privacy.cameras:
            self.health[camera] = CameraHealth()
        camera_health.restore(await self._store.async_load(), now, self.health, self.removed)
        self._remove_orphan_devices()
        for camera in self.health:
            self._evaluate(camera, now)
        self._saved_at = now
        self._store.async_delay_save(self._data)
        self._stop_unsub = self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        watched = [*self.health, *self.removed]
        if watched:
            self._unsubs.append(
                async_track_state_change_event(self.hass, watched, self._on_state_change)
            )
        if not self.health:
            return
        self._unsubs += [
            async_track_time_interval(
                self.hass,
                self._on_heartbeat,
                timedelta(seconds=self.probe_interval),
                name="occupancy_manager camera heartbeat",
                cancel_on_shutdown=True,
            ),
            async_track_time_interval(
                self.hass,
                self._on_stale_check,
                STALE_CHECK_INTERVAL,
                name="occupancy_manager stale cameras",
                cancel_on_shutdown=True,
            ),
        ]
        self._start_probes()

    async def async_stop(self) -> None:
        """Stop the timers and probes and save last seen now."""
        self._unsubscribe()
        if self._probe_task is not None:
            self._probe_task.cancel()
            self._probe_task = None
        await self._store.async_save(self._data())

    @callback
    def async_add_listener(self, camera: str, listener: Listener) -> CALLBACK_TYPE:
        """Call `listener()` whenever the health of `camera` changes; returns unsub."""
        return self._listeners.add(camera, listener)

    def probe_target(self, camera: str) -> tuple[str, int] | None:
        """The (host, port) the camera's heartbeat probes, or None."""
        settings = camera_settings(self.entry.options, camera)
        if settings.probe_host and settings.probe_port:
            return settings.probe_host, settings.probe_port
        return None

    def returned_cameras(self, area_id: str) -> list[str]:
        """Cameras of `area_id` removed as stale that have been seen again since (to offer)."""
        return sorted(
            camera
            for camera, removed in self.removed.items()
            if removed.notified and area_id in removed.areas
        )

    async def async_check(self, cameras: Iterable[str] | None = None) -> dict[str, Any]:
        """Probe now, then remove stale cameras (if enabled); the `check_cameras` action.

        Args:
            cameras: managed camera entity ids to check; all when None.

        Returns:
            {"cameras": {entity_id: {"connected", "last_seen" (iso or None), "stale",
            "removed"}}}.
        """
        wanted = sorted(self.health if cameras is None else cameras)
        await self._async_probe([c for c in wanted if self.probe_target(c)])
        now = dt_util.utcnow()
        for camera in wanted:
            self._evaluate(camera, now)
        stale = health.stale_cameras({c: self._sighting(c) for c in wanted}, now, self.stale_after)
        report = {
            camera: {
                "connected": self.health[camera].connected,
                "last_seen": iso(self.health[camera].last_seen),
                "stale": camera in stale,
                "removed": self.auto_remove and camera in stale,
            }
            for camera in wanted
        }
        if self.auto_remove and stale:
            await self._async_remove_stale(stale, now)
        return {"cameras": report}

    async def async_remove_device(self, device_entry: dr.DeviceEntry) -> bool:
        """Whether the user may delete `device_entry`: only our camera devices.

        The camera is dropped from its areas' lists and from our store, so that it is not
        created again; the hub reloads. Area and hub devices go with their entries (False).
        """
        keys = {
            value.removeprefix(DEVICE_PREFIX)
            for domain, value in device_entry.identifiers
            if domain == DOMAIN and value.startswith(DEVICE_PREFIX)
        }
        if not keys:
            return False
        cameras = {c for c in (*self.health, *self.removed) if camera_key(self.hass, c) in keys}
        for camera in cameras:
            self.health.pop(camera, None)
            self.removed.pop(camera, None)
        _LOGGER.info("Camera device removed by the user: %s", ", ".join(sorted(cameras)))
        await self._store.async_save(self._data())
        self._drop_from_areas(cameras)
        return True

    def _sighting(self, camera: str) -> health.Sighting:
        status = self.health[camera]
        return health.Sighting(status.last_seen, status.downtime)

    @callback
    def _evaluate(self, camera: str, now: datetime) -> None:
        """Read the camera's state, decide whether it is seen, and tell its entities."""
        status = self.health.get(camera)
        if status is None:
            return
        before = (status.connected, status.last_seen, status.probe_ok, status.last_probe)
        state = self.hass.states.get(camera)
        status.available = state is not None and state.state not in (
            STATE_UNAVAILABLE,
            STATE_UNKNOWN,
        )
        target = self.probe_target(camera)
        if target is None:
            status.probe_ok = None
            status.probe_error = None
        status.connected = health.connected(
            available=status.available,
            probe_configured=target is not None,
            probe_ok=status.probe_ok,
        )
        if status.connected:
            status.last_seen = now
            status.downtime = 0.0
        if before != (status.connected, status.last_seen, status.probe_ok, status.last_probe):
            self._listeners.notify(camera)

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        camera = event.data["entity_id"]
        new_state = event.data["new_state"]
        if camera in self.health:
            self._evaluate(camera, dt_util.utcnow())
        elif (
            (removed := self.removed.get(camera)) is not None
            and not removed.notified
            and new_state is not None
            and new_state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        ):
            removed.notified = True
            self.entry.async_create_background_task(
                self.hass, self._async_notify_returned(camera, removed), name=f"{DOMAIN} returned"
            )
            self._store.async_delay_save(self._data)

    @callback
    def _on_heartbeat(self, now: datetime) -> None:
        """Refresh cameras without a probe now; probed ones when their probe finishes."""
        for camera in self.health:
            if self.probe_target(camera) is None:
                self._evaluate(camera, now)
        self._start_probes()
        if now - self._saved_at >= SAVE_INTERVAL:
            self._saved_at = now
            self._store.async_delay_save(self._data)

    @callback
    def _start_probes(self) -> None:
        if self._probe_task is not None and not self._probe_task.done():
            return
        probed = [camera for camera in self.health if self.probe_target(camera)]
        if probed:
            self._probe_task = self.entry.async_create_background_task(
                self.hass, self._async_probe(probed), name=f"{DOMAIN} camera probes"
            )

    async def _async_probe(self, cameras: list[str]) -> None:
        """Probe `cameras` concurrently; each result is applied as soon as it is known."""
        timeout = min(MAX_PROBE_TIMEOUT, self.probe_interval / 2)

        async def probe(camera: str, host: str, port: int) -> None:
            error = await tcp_probe(host, port, timeout)
            status = self.health.get(camera)
            if status is None:
                return
            if error is not None and error != status.probe_error:
                _LOGGER.info("Heartbeat probe of %s failed: %s", camera, error)
            status.probe_ok = error is None
            status.probe_error = error
            status.last_probe = dt_util.utcnow()
            self._evaluate(camera, status.last_probe)

        targets = [(c, self.probe_target(c)) for c in cameras]
        await asyncio.gather(*(probe(c, *t) for c, t in targets if t is not None))

    @callback
    def _on_stale_check(self, now: datetime) -> None:
        if not self.auto_remove:
            return
        if stale := health.stale_cameras(
            {c: self._sighting(c) for c in self.health}, now, self.stale_after
        ):
            self.entry.async_create_background_task(
                self.hass, self._async_remove_stale(stale, now), name=f"{DOMAIN} stale cameras"
            )

    async def _async_remove_stale(self, cameras: list[str], now: datetime) -> None:
        """Remove stale cameras: device, event, notification, store, then the areas' lists.

        Updating the area subentries reloads the hub (which stops this manager), so it comes
        last, after everything else is saved, and nothing is awaited after it.
        """
        dev_reg = dr.async_get(self.hass)
        texts = await self._async_texts()
        cameras = [
            c
            for c in cameras
            if c in self.health and health.is_stale(self._sighting(c), now, self.stale_after)
        ]
        if not cameras:
            return
        for camera in cameras:
            status = self.health.pop(camera)
            areas = tuple(sorted(self.coordinator.privacy.areas_of(camera)))
            name = camera_name(self.hass, camera)
            key = camera_key(self.hass, camera)
            device = dev_reg.async_get_device_by_identifier(
                (DOMAIN, DEVICE_PREFIX + key), self.entry.entry_id
            )
            if device is not None:
                dev_reg.async_remove_device(device.id)
            self.removed[camera] = RemovedCamera(name, areas, now)
            _LOGGER.warning("Camera %s was not seen since %s; removed", camera, status.last_seen)
            self.hass.bus.async_fire(
                EVENT_CAMERA_REMOVED,
                {
                    "entity_id": camera,
                    "name": name,
                    "areas": list(areas),
                    "last_seen": iso(status.last_seen),
                },
            )
            persistent_notification.async_create(
                self.hass,
                _format(
                    texts,
                    "camera_removed",
                    name=name,
                    entity_id=camera,
                    areas=self._area_titles(areas),
                    last_seen=_local(status.last_seen),
                ),
                _format(texts, "camera_removed_title", name=name),
                f"{DOMAIN}_camera_removed_{key}",
            )
        self._unsubscribe()
        await self._store.async_save(self._data())
        self._drop_from_areas(set(cameras))

    async def _async_notify_returned(self, camera: str, removed: RemovedCamera) -> None:
        texts = await self._async_texts()
        persistent_notification.async_create(
            self.hass,
            _format(
                texts,
                "camera_returned",
                name=removed.name,
                entity_id=camera,
                areas=self._area_titles(removed.areas),
            ),
            _format(texts, "camera_returned_title", name=removed.name),
            f"{DOMAIN}_camera_returned_{camera_key(self.hass, camera)}",
        )

    async def _async_texts(self) -> dict[str, str]:
        return await async_get_translations(
            self.hass, self.hass.config.language, "exceptions", {DOMAIN}
        )

    def _area_titles(self, area_ids: Iterable[str]) -> str:
        titles = [area.title if (area := self.coordinator.areas.get(a)) else a for a in area_ids]
        return ", ".join(titles) or "-"

    @callback
    def _drop_from_areas(self, cameras: set[str]) -> None:
        """Remove `cameras` from every area subentry's camera list (reloads the hub)."""
        entries = self.hass.config_entries
        for subentry in list(self.entry.get_subentries_of_type(SUBENTRY_AREA)):
            listed = subentry.data.get(CONF_CAMERAS) or []
            if isinstance(listed, list) and cameras & set(listed):
                entries.async_update_subentry(
                    self.entry,
                    subentry,
                    data={**subentry.data, CONF_CAMERAS: [c for c in listed if c not in cameras]},
                )

    def _remove_orphan_devices(self) -> None:
        """Remove our camera devices whose camera is no longer managed (stale devices)."""
        dev_reg = dr.async_get(self.hass)
        managed = {DEVICE_PREFIX + camera_key(self.hass, c) for c in self.health}
        for device in dr.async_entries_for_config_entry(dev_reg, self.entry.entry_id):
            ours = {v for d, v in device.identifiers if d == DOMAIN and v.startswith(DEVICE_PREFIX)}
            if ours and not ours & managed:
                dev_reg.async_remove_device(device.id)

    def _data(self) -> dict[str, Any]:
        return camera_health.dump(self.health, self.removed, dt_util.utcnow())

    def _unsubscribe(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._stop_unsub is not None:
            self._stop_unsub()
            self._stop_unsub = None

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Save at shutdown (Store flushes a pending save at the final write)."""
        self._stop_unsub = None
        self._store.async_delay_save(self._data)


def _format(texts: Mapping[str, str], key: str, **placeholders: str) -> str:
    """A translated text from the `exceptions` category, with its placeholders filled."""
    template = texts.get(f"component.{DOMAIN}.exceptions.{key}.message", key)
    with suppress(KeyError, IndexError, ValueError):
        return template.format(**placeholders)
    return template


def _local(value: datetime | None) -> str:
    return dt_util.as_local(value).strftime("%Y-%m-%d %H:%M") if value is not None else "-"


async def _async_check_cameras(call: ServiceCall) -> ServiceResponse:
    manager = loaded_entry(call.hass).runtime_data.cameras
    cameras: list[str] | None = call.data.get(ATTR_ENTITY_ID)
    if cameras is not None and (unknown := [c for c in cameras if c not in manager.health]):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="camera_not_managed",
            translation_placeholders={"cameras": ", ".join(unknown)},
        )
    report = await manager.async_check(cameras)
    return report if call.return_response else None


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register `check_cameras` (once, at integration setup)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHECK_CAMERAS,
        _async_check_cameras,
        schema=probatio.Schema({probatio.Optional(ATTR_ENTITY_ID): cv.entity_ids}),
        supports_response=SupportsResponse.OPTIONAL,
    )
