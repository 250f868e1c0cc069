"""Carrying out each camera's privacy mode: the service call, its read-back, retries, failures.

`privacy.PrivacyActuator` decides what each camera's privacy mode must be; this module calls the
target `privacy_targets` resolves (in the same event-loop turn), confirms the result from the
target's state, follows the targets' states, and on failure logs once, fires
`occupancy_manager_privacy_failed`, raises a repair issue and retries with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Final

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.const import STATE_UNAVAILABLE as UNAVAILABLE
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_state_change_event

from . import privacy_targets as targets
from .camera_settings import Actuation
from .const import DOMAIN
from .data import OccupancyConfigEntry
from .engine import privacy as decisions
from .privacy_targets import PrivacyError, Target

_LOGGER = logging.getLogger(__name__)

CALL_TIMEOUT: Final = 30.0
CONFIRM_TIMEOUT: Final = 10.0
EVENT_PRIVACY_FAILED: Final = f"{DOMAIN}_privacy_failed"
ISSUE_PRIVACY_FAILED: Final = "privacy_failed"


@dataclass(slots=True)
class CameraPrivacy:
    """What we know of one camera's privacy mode.

    Attributes:
        areas: the area ids the camera covers.
        wanted: what its areas ask for (True = private); None before the first decision.
        desired: the privacy mode being actuated (differs from `wanted` while a re-enable is
            delayed or after a manual change); None before the first decision.
        confirmed: the state read back from the target; None when unknown or report only.
        manual: the last change came from the user through the switch.
        target: how the camera was last actuated; None before the first attempt.
        last_error: why the last attempt failed (or is unconfirmed), or None.
        attempt: failed attempts in a row for the current decision.
        release_at: when a delayed re-enable is due (aware UTC), or None.
    """

    areas: frozenset[str]
    wanted: bool | None = None
    desired: bool | None = None
    confirmed: bool | None = None
    manual: bool = False
    target: Target | None = None
    last_error: str | None = None
    attempt: int = 0
    release_at: datetime | None = None
    generation: int = field(default=0, repr=False)
    in_flight: int = field(default=0, repr=False)
    unconfirmed: bool = field(default=False, repr=False)
    logged_error: str | None = field(default=None, repr=False)
    issue: bool = field(default=False, repr=False)
    retry: CALLBACK_TYPE | None = field(default=None, repr=False)
    release: CALLBACK_TYPE | None = field(default=None, repr=False)

    @property
    def supported(self) -> bool:
        """False when nothing can make the camera private (report only)."""
        return self.target is None or self.target.method is not Actuation.REPORT_ONLY


class PrivacyCalls:
    """Puts cameras in the privacy mode asked for and proves it; one per hub entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OccupancyConfigEntry,
        cameras: dict[str, CameraPrivacy],
        notify: Callable[[str], None],
    ) -> None:
        """Act on `cameras` (camera entity id -> its state, shared with the caller).

        `notify(camera)` is called whenever a camera's known state changes. No state is
        followed until `start`.
        """
        self._hass = hass
        self._entry = entry
        self._cameras = cameras
        self._notify = notify
        self._tracked: dict[str, set[str]] = defaultdict(set)
        for camera in cameras:
            self._tracked[camera].add(camera)
        self._track_unsub: CALLBACK_TYPE | None = None
        self._started = False
        self._stopped = False

    def start(self) -> None:
        """Follow the cameras' and their targets' states."""
        self._started = True
        self._subscribe()

    def stop(self) -> None:
        """Stop following states, cancel retries and remove the repair issues."""
        self._stopped = True
        if self._track_unsub is not None:
            self._track_unsub()
            self._track_unsub = None
        for camera, status in self._cameras.items():
            _cancel_retry(status)
            if status.issue:
                ir.async_delete_issue(self._hass, DOMAIN, _issue_id(camera))
                status.issue = False

    def actuate(
        self,
        camera: str,
        private: bool,  # noqa: FBT001
        context: Context | None,
        *,
        retry: bool = False,
    ) -> asyncio.Task[None]:
        """Make `camera` private (or let it run); the service call starts before this returns.

        `retry` keeps the count of failed attempts (for the backoff); otherwise it restarts.
        Failures are reported and retried here, never raised; the task ends after the call
        and its read-back.
        """
        status = self._cameras[camera]
        if not retry:
            status.attempt = 0
        status.desired = private
        status.generation += 1
        _cancel_retry(status)
        return self._entry.async_create_background_task(
            self._hass,
            self._async_actuate(camera, private, status.generation, context),
            name=f"occupancy_manager privacy {camera}",
            eager_start=True,
        )

    async def _async_actuate(
        self,
        camera: str,
        private: bool,  # noqa: FBT001
        generation: int,
        context: Context | None,
    ) -> None:
        """Resolve, call and read back; no await before the service call (privacy first)."""
        status = self._cameras[camera]
        status.in_flight += 1
        try:
            target = targets.resolve(self._hass, self._entry.options, camera)
            self._use_target(camera, target)
            if target.entity_id is None:
                self._succeeded(camera, None)
                return
            domain, service = targets.service(target, private)
            targets.check_callable(self._hass, target)
            try:
                async with asyncio.timeout(CALL_TIMEOUT):
                    await self._hass.services.async_call(
                        domain,
                        service,
                        {ATTR_ENTITY_ID: target.entity_id},
                        blocking=True,
                        context=context,
                    )
            except TimeoutError as err:
                msg = f"{domain}.{service} did not finish within {CALL_TIMEOUT:g} s"
                raise PrivacyError(msg) from err
            except (HomeAssistantError, NotImplementedError, ValueError) as err:
                msg = f"{domain}.{service} failed: {str(err) or type(err).__name__}"
                raise PrivacyError(msg) from err
            if generation != status.generation:
                return  # a newer decision superseded this call; its own call reports
            self._read_back(camera, target, private)
        except PrivacyError as err:
            if generation == status.generation:
                self._failed(camera, str(err))
        finally:
            status.in_flight -= 1

    def _read_back(self, camera: str, target: Target, private: bool) -> None:  # noqa: FBT001
        """Confirm the call from the target's state; a switch gets CONFIRM_TIMEOUT to follow.

        Raises:
            PrivacyError: the target contradicts the call.
        """
        observed = targets.read_back(self._hass, target, private)
        if observed is private:
            self._succeeded(camera, private)
            return
        status = self._cameras[camera]
        status.confirmed = observed
        status.unconfirmed = True
        status.retry = async_call_later(
            self._hass, CONFIRM_TIMEOUT, partial(self._on_unconfirmed, camera, status.generation)
        )
        self._notify(camera)

    @callback
    def _on_unconfirmed(self, camera: str, generation: int, _now: datetime) -> None:
        status = self._cameras[camera]
        if generation != status.generation or not status.unconfirmed:
            return
        status.retry = None
        assert status.target is not None  # noqa: S101
        self._failed(
            camera,
            f"{status.target.entity_id} did not confirm privacy mode "
            f"{'on' if status.desired else 'off'} within {CONFIRM_TIMEOUT:g} s",
        )

    def _succeeded(self, camera: str, confirmed: bool | None) -> None:  # noqa: FBT001
        status = self._cameras[camera]
        status.confirmed = confirmed
        status.unconfirmed = False
        status.attempt = 0
        status.last_error = None
        _cancel_retry(status)
        if status.issue:
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(camera))
            status.issue = False
        if status.logged_error is not None:
            _LOGGER.info("Privacy mode of %s is applied again", camera)
            status.logged_error = None
        self._notify(camera)

    def _failed(self, camera: str, error: str) -> None:
        """Record a failed attempt: log once per error, event, repair issue, retry with backoff."""
        status = self._cameras[camera]
        status.attempt += 1
        status.last_error = error
        status.unconfirmed = False
        status.confirmed = targets.observe_now(
            self._hass, status.target, confirmed=status.confirmed
        )
        if error != status.logged_error:
            _LOGGER.warning("Privacy mode of %s not applied, will retry: %s", camera, error)
            status.logged_error = error
        self._hass.bus.async_fire(
            EVENT_PRIVACY_FAILED,
            {
                "camera": camera,
                "areas": sorted(status.areas),
                "desired": status.desired,
                "error": error,
                "attempt": status.attempt,
            },
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            _issue_id(camera),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_PRIVACY_FAILED,
            translation_placeholders={"camera": camera, "error": error},
        )
        status.issue = True
        if not self._stopped:
            status.retry = async_call_later(
                self._hass,
                decisions.retry_delay(status.attempt),
                partial(self._on_retry, camera, status.generation),
            )
        self._notify(camera)

    @callback
    def _on_retry(self, camera: str, generation: int, _now: datetime) -> None:
        status = self._cameras[camera]
        if generation != status.generation or status.desired is None:
            return
        status.retry = None
        self.actuate(camera, status.desired, None, retry=True)

    # Following the targets

    def _use_target(self, camera: str, target: Target) -> None:
        status = self._cameras[camera]
        if status.target == target:
            return
        if status.target is not None and status.target.entity_id not in (None, camera):
            self._tracked[status.target.entity_id].discard(camera)
        status.target = target
        if target.entity_id is not None and camera not in self._tracked[target.entity_id]:
            self._tracked[target.entity_id].add(camera)
            self._subscribe()

    def _subscribe(self) -> None:
        if not self._started or self._stopped:
            return
        if self._track_unsub is not None:
            self._track_unsub()
        entity_ids = [entity for entity, cameras in self._tracked.items() if cameras]
        self._track_unsub = async_track_state_change_event(
            self._hass, entity_ids, self._on_state_change
        )

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        """Show what a target reports; re-apply when it comes back; confirm late changes."""
        entity_id = event.data["entity_id"]
        old, new = event.data["old_state"], event.data["new_state"]
        appeared = new is not None and new.state != UNAVAILABLE
        appeared = appeared and (old is None or old.state == UNAVAILABLE)
        for camera in sorted(self._tracked.get(entity_id, ())):
            status = self._cameras[camera]
            target = status.target
            if target is not None and target.entity_id == entity_id:
                status.confirmed = targets.observe(target, old, new, confirmed=status.confirmed)
            if status.desired is not None and not status.in_flight:
                if status.confirmed is status.desired:
                    if status.last_error or status.unconfirmed:
                        self._succeeded(camera, status.confirmed)
                        continue
                elif appeared and not status.unconfirmed:
                    self.actuate(camera, status.desired, None, retry=True)
            self._notify(camera)


def _cancel_retry(status: CameraPrivacy) -> None:
    if status.retry is not None:
        status.retry()
        status.retry = None
    status.unconfirmed = False


def _issue_id(camera: str) -> str:
    return f"{ISSUE_PRIVACY_FAILED}_{camera}"
