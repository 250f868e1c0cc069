"""Hub options for cameras: per-camera actuation and probe, re-enable delay, stale removal.

Stored in the hub entry's options (edited in the options flow):

    camera_settings: {camera entity id: {
        actuation: "auto" | "privacy_switch" | "camera" | "switch" | "report_only",
        switch_entity: str | None,     # for "switch": the user's switch entity
        switch_inverted: bool,         # for "switch": ON means the camera runs (privacy off)
        probe_host: str | None,        # optional TCP heartbeat probe
        probe_port: int | None,
    }}
    camera_reenable_delay: seconds before a camera comes back after vacancy (default 0)
    camera_probe_interval: seconds between TCP probes (default 60)
    camera_auto_remove_enabled: bool (default False)
    camera_auto_remove_hours: hours without last seen before removal (default 24)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

CONF_CAMERA_SETTINGS: Final = "camera_settings"
CONF_ACTUATION: Final = "actuation"
CONF_SWITCH_ENTITY: Final = "switch_entity"
CONF_SWITCH_INVERTED: Final = "switch_inverted"
CONF_PROBE_HOST: Final = "probe_host"
CONF_PROBE_PORT: Final = "probe_port"
CONF_REENABLE_DELAY: Final = "camera_reenable_delay"
CONF_PROBE_INTERVAL: Final = "camera_probe_interval"
CONF_AUTO_REMOVE_ENABLED: Final = "camera_auto_remove_enabled"
CONF_AUTO_REMOVE_HOURS: Final = "camera_auto_remove_hours"

DEFAULT_REENABLE_DELAY: Final = 0.0
DEFAULT_PROBE_INTERVAL: Final = 60.0
DEFAULT_AUTO_REMOVE_ENABLED: Final = False
DEFAULT_AUTO_REMOVE_HOURS: Final = 24.0
MAX_PORT: Final = 65535


class Actuation(StrEnum):
    """How a camera is made private.

    AUTO picks, in order: the camera's own privacy switch on its device, `camera.turn_off`
    when it supports ON_OFF, else report only.
    """

    AUTO = "auto"
    PRIVACY_SWITCH = "privacy_switch"
    CAMERA = "camera"
    SWITCH = "switch"
    REPORT_ONLY = "report_only"


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """One camera's settings, with defaults for anything missing or malformed."""

    actuation: Actuation = Actuation.AUTO
    switch_entity: str | None = None
    switch_inverted: bool = False
    probe_host: str | None = None
    probe_port: int | None = None


def camera_settings(options: Mapping[str, Any], camera: str) -> CameraSettings:
    """The settings of `camera` (entity id) from the hub options; defaults when absent."""
    raw = options.get(CONF_CAMERA_SETTINGS, {}).get(camera)
    if not isinstance(raw, Mapping):
        return CameraSettings()
    try:
        actuation = Actuation(raw.get(CONF_ACTUATION, Actuation.AUTO))
    except ValueError:
        actuation = Actuation.AUTO
    port = raw.get(CONF_PROBE_PORT)
    return CameraSettings(
        actuation=actuation,
        switch_entity=raw.get(CONF_SWITCH_ENTITY) or None,
        switch_inverted=bool(raw.get(CONF_SWITCH_INVERTED, False)),
        probe_host=raw.get(CONF_PROBE_HOST) or None,
        probe_port=int(port) if isinstance(port, int | float) and 0 < port <= MAX_PORT else None,
    )
