"""One camera per area that can be turned off and on (CameraEntityFeature.ON_OFF), like demo's.

Its picture is a generated SVG card with the area and the replayed time, so no image libraries,
ffmpeg or streams are involved.
"""

from __future__ import annotations

from html import escape
from typing import override

from homeassistant.components.camera import Camera
from homeassistant.components.camera.const import CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from . import DATA_REPLAYER
from .entity import ReplayEntity
from .replayer import Replayer

_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">
<rect width="640" height="360" fill="{background}"/>
<text x="32" y="72" font-family="sans-serif" font-size="40" fill="#ffffff">{area}</text>
<text x="32" y="128" font-family="sans-serif" font-size="26" fill="#dddddd">{status}</text>
<text x="32" y="176" font-family="monospace" font-size="22" fill="#bbbbbb">{clock}</text>
</svg>"""


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,  # noqa: ARG001
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add a camera for every area of the schedule (loaded by discovery only)."""
    if discovery_info is None:
        return
    data = hass.data[DATA_REPLAYER]
    async_add_entities(
        ReplayCamera(data.replayer, key, name, data.area_ids[key])
        for key, name in data.replayer.schedule.areas.items()
    )


class ReplayCamera(ReplayEntity, Camera):
    """A camera that is on (streaming) or off (private); turning it on or off always works."""

    _attr_supported_features = CameraEntityFeature.ON_OFF

    def __init__(self, replayer: Replayer, area_key: str, area_name: str, area_id: str) -> None:
        """The camera of the schedule's area `area_key`, in registry area `area_id`."""
        Camera.__init__(self)
        ReplayEntity.__init__(self, f"camera_{area_key}", f"{area_name} camera", area_id)
        self._replayer = replayer
        self._area_name = area_name
        self.content_type = "image/svg+xml"
        self._attr_is_on = True
        self._attr_is_streaming = True

    @override
    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes:
        """An SVG card: the area, whether the camera is live or private, the replayed time."""
        now = self._replayer.data_time()
        private = not self.is_on
        return _SVG.format(
            background="#37474f" if private else "#1b5e20",
            area=escape(self._area_name),
            status="Privacy mode: camera off" if private else "Live",
            clock=escape(now.strftime("%Y-%m-%d %H:%M:%S") if now else "replay not started"),
        ).encode()

    @override
    async def async_turn_off(self) -> None:
        """Turn the camera off (privacy)."""
        self._attr_is_on = False
        self._attr_is_streaming = False
        self.async_write_ha_state()

    @override
    async def async_turn_on(self) -> None:
        """Turn the camera back on."""
        self._attr_is_on = True
        self._attr_is_streaming = True
        self.async_write_ha_state()
