"""Camera privacy actuation: turn cameras off while any of their areas is occupied.

Minimal form (issue 2): cameras that support `CameraEntityFeature.ON_OFF` are switched with
`camera.turn_off` (private) and `camera.turn_on`. The privacy switch shows the state confirmed by a
successful service call, never the wish; failures are logged with the camera and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .data import OccupancyConfigEntry

_LOGGER = logging.getLogger(__name__)

CAMERA_DOMAIN = "camera"
# CameraEntityFeature.ON_OFF (homeassistant/components/camera/const.py). Importing the camera
# package would load its image libraries even in homes without cameras.
CAMERA_ON_OFF = 1


@dataclass(slots=True)
class CameraPrivacy:
    """What we know of one camera's privacy mode.

    Attributes:
        desired: what the areas ask for (True = private); None before the first decision.
        confirmed: the state a successful service call confirmed; None if never confirmed.
        manual: the last change came from the user through the switch.
        last_error: why the last actuation failed, or None.
    """

    desired: bool | None = None
    confirmed: bool | None = None
    manual: bool = False
    last_error: str | None = None
    supported: bool = True


class PrivacyActuator:
    """Applies privacy decisions to cameras; one instance per hub entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OccupancyConfigEntry,
        camera_areas: Mapping[str, Iterable[str]],
        on_change: Callable[[str], None],
    ) -> None:
        """Set up for `camera_areas`: camera entity id -> the area ids it covers.

        `on_change(camera)` is called whenever a camera's known state changes.
        """
        self._hass = hass
        self._entry = entry
        self._camera_areas = {cam: frozenset(areas) for cam, areas in camera_areas.items()}
        self._on_change = on_change
        self.cameras: dict[str, CameraPrivacy] = {cam: CameraPrivacy() for cam in camera_areas}

    def cameras_of(self, area_ids: Iterable[str]) -> set[str]:
        """The cameras that cover any of `area_ids`."""
        wanted = set(area_ids)
        return {cam for cam, areas in self._camera_areas.items() if areas & wanted}

    def areas_of(self, camera: str) -> frozenset[str]:
        """The area ids a camera covers."""
        return self._camera_areas.get(camera, frozenset())

    @callback
    def async_apply(self, occupied: Callable[[str], bool], cameras: Iterable[str]) -> None:
        """Make `cameras` private iff any of their areas is occupied.

        The service calls start in this event-loop turn (eager tasks), one per camera, without
        waiting for each other. A camera whose desired state did not change is left alone, so a
        manual change through the switch holds until its areas next change.
        """
        for camera in cameras:
            private = any(occupied(area) for area in self._camera_areas[camera])
            status = self.cameras[camera]
            if status.desired is private:
                continue
            status.desired = private
            status.manual = False
            self._start(camera, private, None)

    @callback
    def async_retry_pending(self, camera: str) -> None:
        """Apply the desired state again, e.g. when the camera entity appears after a restart."""
        status = self.cameras.get(camera)
        if status and status.desired is not None and status.confirmed is not status.desired:
            self._start(camera, status.desired, None)

    async def async_set_manual(self, camera: str, private: bool, context: Context | None) -> None:  # noqa: FBT001
        """Set a camera's privacy mode by hand (the switch); it holds until its areas change."""
        status = self.cameras[camera]
        status.desired = private
        status.manual = True
        await self._async_actuate(camera, private, context)

    def _start(self, camera: str, private: bool, context: Context | None) -> None:  # noqa: FBT001
        self._entry.async_create_background_task(
            self._hass,
            self._async_actuate(camera, private, context),
            name=f"occupancy_manager privacy {camera}",
            eager_start=True,
        )

    async def _async_actuate(self, camera: str, private: bool, context: Context | None) -> None:  # noqa: FBT001
        status = self.cameras[camera]
        state = self._hass.states.get(camera)
        if state is None or state.state == STATE_UNAVAILABLE:
            self._fail(camera, "camera is not available; will apply when it is")
            return
        features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0)
        if not features & CAMERA_ON_OFF:
            status.supported = False
            self._fail(camera, "camera cannot be turned off (no on/off support)")
            return
        status.supported = True
        service = "turn_off" if private else "turn_on"
        try:
            await self._hass.services.async_call(
                CAMERA_DOMAIN, service, {ATTR_ENTITY_ID: camera}, blocking=True, context=context
            )
        except (HomeAssistantError, NotImplementedError) as err:
            self._fail(camera, f"camera.{service} failed: {err or type(err).__name__}")
            return
        if status.desired is not private:
            return  # a newer decision superseded this call; its own call reports
        status.confirmed = private
        status.last_error = None
        self._on_change(camera)

    def _fail(self, camera: str, reason: str) -> None:
        status = self.cameras[camera]
        if status.last_error != reason:
            _LOGGER.warning("Privacy mode of %s not applied: %s", camera, reason)
        status.last_error = reason
        self._on_change(camera)


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register the privacy actions (once, at integration setup)."""
