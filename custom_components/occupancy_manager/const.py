"""Constants shared by the Home Assistant side of Occupancy Manager."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "occupancy_manager"
HUB_TITLE: Final = "Occupancy Manager"

SUBENTRY_AREA: Final = "area"
SUBENTRY_COUNTING: Final = "counting"

# Area subentry data keys.
CONF_AREA_ID: Final = "area_id"
CONF_TRIGGER_SENSORS: Final = "trigger_sensors"
CONF_SUSTAIN_SENSORS: Final = "sustain_sensors"
CONF_SUSTAIN_STARTS: Final = "sustain_starts_occupancy"
CONF_TIMEOUT: Final = "timeout"
CONF_CAMERAS: Final = "cameras"
CONF_VACANCY_SENSORS: Final = "vacancy_sensors"
CONF_DOOR_SENSORS: Final = "door_sensors"

# Section "timing" of the area subentry.
CONF_TIMING: Final = "timing"
CONF_STRATEGY: Final = "strategy"
CONF_RULES: Final = "rules"
CONF_MIN_TIMEOUT: Final = "min_timeout"
CONF_MAX_TIMEOUT: Final = "max_timeout"
CONF_SUSTAIN_TIMEOUT: Final = "sustain_timeout"
CONF_GRACE_PERIOD: Final = "grace_period"

# Section "hierarchy" of the area subentry.
CONF_HIERARCHY: Final = "hierarchy"
CONF_PARENT_AREA: Final = "parent_area"
CONF_CONTRIBUTES: Final = "contributes"
CONF_FOLLOW_PARENT: Final = "follow_parent"
CONF_WASP_IN_BOX: Final = "wasp_in_box"

# Hub options: identity.
CONF_OCCUPANT_SENSORS: Final = "occupant_sensors"
CONF_PET_SENSORS: Final = "pet_sensors"

DEFAULT_TIMEOUT: Final = {"hours": 0, "minutes": 5, "seconds": 0}
DEFAULT_SUSTAIN_STARTS: Final = True
DEFAULT_MIN_TIMEOUT: Final = {"hours": 0, "minutes": 2, "seconds": 0}
DEFAULT_MAX_TIMEOUT: Final = {"hours": 0, "minutes": 10, "seconds": 0}
DEFAULT_STRATEGY: Final = "fixed"

# Device classes discovered per role.
TRIGGER_DEVICE_CLASSES: Final = frozenset({"motion"})
SUSTAIN_DEVICE_CLASSES: Final = frozenset({"occupancy", "presence"})
DOOR_DEVICE_CLASSES: Final = frozenset({"door", "garage_door"})

HOME_NODE: Final = "home"
FLOOR_PREFIX: Final = "floor:"

STORAGE_VERSION: Final = 1
STORAGE_SAVE_DELAY: Final = 10  # seconds; transitions are also saved at stop

EVENT_OCCUPIED: Final = f"{DOMAIN}_occupied"
EVENT_VACANT: Final = f"{DOMAIN}_vacant"
