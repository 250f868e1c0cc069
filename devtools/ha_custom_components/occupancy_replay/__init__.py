"""Occupancy Replay: a development-only integration that plays a recorded home into Home Assistant.

It creates the home's areas, one binary sensor per recorded sensor and one on/off camera per area,
then (on the `occupancy_replay.start` action) replays the recorded events at a chosen speed.
`scripts/develop` writes the schedule file and configures it; it is not meant for real homes.

configuration.yaml:

    occupancy_replay:
      schedule: occupancy_replay.json   # relative to the config directory
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import probatio
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, ServiceCall, SupportsResponse, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .replayer import Replayer, parse_schedule

_LOGGER = logging.getLogger(__name__)

DOMAIN = "occupancy_replay"
CONF_SCHEDULE = "schedule"
DATA_REPLAYER: HassKey[ReplayData] = HassKey(DOMAIN)
PLATFORMS = (Platform.BINARY_SENSOR, Platform.CAMERA, Platform.SENSOR)

CONFIG_SCHEMA = probatio.Schema(
    {DOMAIN: probatio.Schema({probatio.Required(CONF_SCHEDULE): cv.string})},
    extra=probatio.ALLOW_EXTRA,
)


class ReplayData:
    """What the platforms share: the replayer and area id (schedule) -> area registry id."""

    def __init__(self, replayer: Replayer, area_ids: dict[str, str]) -> None:
        """Hold `replayer` and the schedule's area ids mapped to registry area ids."""
        self.replayer = replayer
        self.area_ids = area_ids


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Read the schedule, create the areas and entities, and register the actions.

    Returns False (setup fails with a logged reason) when the schedule cannot be read.
    """
    path = Path(hass.config.path(config[DOMAIN][CONF_SCHEDULE]))
    try:
        raw = await hass.async_add_executor_job(_read_json, path)
        schedule = parse_schedule(raw)
    except (OSError, ValueError) as err:
        _LOGGER.error("Cannot read the replay schedule %s: %s", path, err)  # noqa: TRY400
        return False

    area_reg = ar.async_get(hass)
    area_ids = {key: area_reg.async_get_or_create(name).id for key, name in schedule.areas.items()}
    replayer = Replayer(hass, schedule)
    hass.data[DATA_REPLAYER] = ReplayData(replayer, area_ids)

    @callback
    def _stop(_event: Event) -> None:
        replayer.async_stop()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop)

    async def _start(_call: ServiceCall) -> dict[str, Any]:
        replayer.async_start()
        return replayer.status()

    async def _status(_call: ServiceCall) -> dict[str, Any]:
        return replayer.status()

    hass.services.async_register(
        DOMAIN, "start", _start, supports_response=SupportsResponse.OPTIONAL
    )
    hass.services.async_register(DOMAIN, "status", _status, supports_response=SupportsResponse.ONLY)
    for platform in PLATFORMS:
        hass.async_create_task(
            async_load_platform(hass, platform, DOMAIN, {}, config),
            f"occupancy_replay {platform}",
        )
    return True


def _read_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        data = json.load(stream)
    if not isinstance(data, dict):
        raise ValueError("the schedule is not a JSON object")  # noqa: TRY004
    return data
