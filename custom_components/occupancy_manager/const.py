"""Constants shared by the Home Assistant side of Occupancy Manager."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "occupancy_manager"
HUB_TITLE: Final = "Occupancy Manager"

SUBENTRY_AREA: Final = "area"

# Area subentry data keys.
CONF_AREA_ID: Final = "area_id"
CONF_TRIGGER_SENSORS: Final = "trigger_sensors"
CONF_SUSTAIN_SENSORS: Final = "sustain_sensors"
CONF_SUSTAIN_STARTS: Final = "sustain_starts_occupancy"
CONF_TIMEOUT: Final = "timeout"
CONF_CAMERAS: Final = "cameras"

DEFAULT_TIMEOUT: Final = {"hours": 0, "minutes": 5, "seconds": 0}
DEFAULT_SUSTAIN_STARTS: Final = True

# Device classes discovered per role.
TRIGGER_DEVICE_CLASSES: Final = frozenset({"motion"})
SUSTAIN_DEVICE_CLASSES: Final = frozenset({"occupancy", "presence"})

STORAGE_VERSION: Final = 1
STORAGE_SAVE_DELAY: Final = 10  # seconds; transitions are also saved at stop

EVENT_OCCUPIED: Final = f"{DOMAIN}_occupied"
EVENT_VACANT: Final = f"{DOMAIN}_vacant"
