"""How a camera is made private: which entity to call, with which service, and what it reports.

A camera is made private through its own privacy switch (found on its device in the entity
registry), `camera.turn_off`, a switch the user chose, or not at all (report only). This module
resolves that target from the per-camera setting, names the service call, and reads the
privacy mode back from the target's state; `privacy_actuation` issues the calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_OFF, STATE_ON
from homeassistant.const import STATE_UNAVAILABLE as UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er

from .camera_settings import Actuation, camera_settings

CAMERA_DOMAIN: Final = "camera"
SWITCH_DOMAIN: Final = "switch"
# CameraEntityFeature.ON_OFF (homeassistant/components/camera/const.py). Importing the camera
# package would load its image libraries even in homes without cameras.
CAMERA_ON_OFF: Final = 1
CAMERA_STATE_OFF: Final = "off"

PRIVACY_SWITCHES: Final[Mapping[tuple[str, str | None], bool]] = {
    ("reolink", "privacy_mode"): False,
    ("unifiprotect", "privacy_mode"): False,
    ("tuya", "privacy_mode"): False,
    ("shelly", "camera_privacy"): False,
    ("ezviz", "privacy"): False,
    ("imou", "close_camera"): False,
    # Bosch SHC's camera switches (keys camera360, cameraoutdoorgen2) carry no translation_key;
    # ON means privacy mode is disabled.
    ("bosch_shc", None): True,
}
"""Camera privacy switches by (entity registry platform, translation_key) -> inverted."""
PRIVACY_SWITCH_NAMES: Final[Mapping[tuple[str, str], bool]] = {("amcrest", "Privacy Mode"): False}
"""Privacy switches without translation_key, by (platform, original_name) -> inverted."""


class PrivacyError(Exception):
    """Privacy mode could not be applied or confirmed; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """How one camera is made private.

    Attributes:
        method: the resolved actuation (never AUTO).
        entity_id: the entity called (the camera or a switch); None when report only.
        inverted: for switches, ON means the camera runs (privacy off).
    """

    method: Actuation
    entity_id: str | None = None
    inverted: bool = False


def resolve(hass: HomeAssistant, options: Mapping[str, Any], camera: str) -> Target:
    """How `camera` is made private now: its setting in the hub `options`, else AUTO's first match.

    Raises:
        PrivacyError: the chosen method has nothing to act on (yet).
    """
    settings = camera_settings(options, camera)
    match settings.actuation:
        case Actuation.REPORT_ONLY:
            return Target(Actuation.REPORT_ONLY)
        case Actuation.SWITCH:
            if not settings.switch_entity:
                msg = "no switch is chosen for this camera"
                raise PrivacyError(msg)
            return Target(Actuation.SWITCH, settings.switch_entity, settings.switch_inverted)
        case Actuation.CAMERA:
            return Target(Actuation.CAMERA, camera)
    found = privacy_switch(hass, camera)
    if found is not None:
        return found
    if settings.actuation is Actuation.PRIVACY_SWITCH:
        msg = "no privacy switch found on the camera's device"
        raise PrivacyError(msg)
    state = hass.states.get(camera)
    if state is None or state.state == UNAVAILABLE:
        msg = f"{camera} is not available"
        raise PrivacyError(msg)
    if state.attributes.get(ATTR_SUPPORTED_FEATURES, 0) & CAMERA_ON_OFF:
        return Target(Actuation.CAMERA, camera)
    return Target(Actuation.REPORT_ONLY)


def resolve_quietly(hass: HomeAssistant, options: Mapping[str, Any], camera: str) -> Target | None:
    """Like `resolve`, but None where `resolve` raises."""
    try:
        return resolve(hass, options, camera)
    except PrivacyError:
        return None


def privacy_switch(hass: HomeAssistant, camera: str) -> Target | None:
    """The camera's own privacy switch, from the switches on its device in the registry."""
    ent_reg = er.async_get(hass)
    camera_entry = ent_reg.async_get(camera)
    if camera_entry is None or camera_entry.device_id is None:
        return None
    for entry in sorted(
        er.async_entries_for_device(ent_reg, camera_entry.device_id),
        key=lambda e: e.entity_id,
    ):
        if entry.domain != SWITCH_DOMAIN or entry.disabled_by is not None:
            continue
        inverted = PRIVACY_SWITCHES.get((entry.platform, entry.translation_key))
        if inverted is None and entry.translation_key is None and entry.original_name:
            inverted = PRIVACY_SWITCH_NAMES.get((entry.platform, entry.original_name))
        if inverted is not None:
            return Target(Actuation.PRIVACY_SWITCH, entry.entity_id, inverted)
    return None


def check_callable(hass: HomeAssistant, target: Target) -> None:
    """Check that the target (with an entity id) can take the call now.

    Raises:
        PrivacyError: the target is missing or unavailable, or a camera has no on/off support.
    """
    assert target.entity_id is not None  # noqa: S101
    state = hass.states.get(target.entity_id)
    if state is None or state.state == UNAVAILABLE:
        msg = f"{target.entity_id} is not available"
        raise PrivacyError(msg)
    if target.method is Actuation.CAMERA and not (
        state.attributes.get(ATTR_SUPPORTED_FEATURES, 0) & CAMERA_ON_OFF
    ):
        msg = "the camera cannot be turned off (no on/off support)"
        raise PrivacyError(msg)


def service(target: Target, private: bool) -> tuple[str, str]:  # noqa: FBT001
    """The (domain, service) that puts `target` in privacy mode `private`."""
    if target.method is Actuation.CAMERA:
        return CAMERA_DOMAIN, "turn_off" if private else "turn_on"
    return SWITCH_DOMAIN, "turn_on" if private is not target.inverted else "turn_off"


def read_back(hass: HomeAssistant, target: Target, private: bool) -> bool | None:  # noqa: FBT001
    """The privacy mode the target (with an entity id) reports right after a successful call.

    A camera's successful call is its confirmation (`private`); a switch's state may not have
    followed yet, so its current reading is returned (None when neither on nor off).

    Raises:
        PrivacyError: a camera still reports "off" after `camera.turn_on`.
    """
    assert target.entity_id is not None  # noqa: S101
    state = hass.states.get(target.entity_id)
    if target.method is Actuation.CAMERA:
        if not private and state is not None and state.state == CAMERA_STATE_OFF:
            msg = f"{target.entity_id} still reports off after camera.turn_on"
            raise PrivacyError(msg)
        return private
    return observe_switch(target, state)


def observe_switch(target: Target, state: State | None) -> bool | None:
    """Privacy mode as a switch reports it; None when it reports neither on nor off."""
    if state is None or state.state not in (STATE_ON, STATE_OFF):
        return None
    return (state.state == STATE_ON) is not target.inverted


def observe(
    target: Target, old: State | None, new: State | None, *, confirmed: bool | None
) -> bool | None:
    """The privacy mode a target's state change tells, else what was known before.

    A camera tells it only through the state "off"; core cameras never report it, so for them
    the successful call stays the confirmation until the camera becomes unavailable.
    """
    if target.method is not Actuation.CAMERA:
        return observe_switch(target, new)
    if new is None or new.state == UNAVAILABLE:
        return None
    if new.state == CAMERA_STATE_OFF:
        return True
    if old is not None and old.state == CAMERA_STATE_OFF:
        return False
    return confirmed


def observe_now(
    hass: HomeAssistant, target: Target | None, *, confirmed: bool | None
) -> bool | None:
    """The privacy mode the target reports now; for a camera that is not "off", `confirmed`."""
    if target is None or target.entity_id is None:
        return None
    state = hass.states.get(target.entity_id)
    if target.method is not Actuation.CAMERA:
        return observe_switch(target, state)
    if state is None or state.state == UNAVAILABLE:
        return None
    return True if state.state == CAMERA_STATE_OFF else confirmed
