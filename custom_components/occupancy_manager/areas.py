"""Read area subentries into engine configuration, tolerating malformed stored data.

The hierarchy is built from Home Assistant's registries: each area rolls up into its parent area
(when that area is managed too) or else its floor; floors roll up into the home.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import floor_registry as fr

from .const import (
    CONF_AREA_ID,
    CONF_CAMERAS,
    CONF_CONTRIBUTES,
    CONF_DOOR_SENSORS,
    CONF_FOLLOW_PARENT,
    CONF_GRACE_PERIOD,
    CONF_HIERARCHY,
    CONF_MAX_TIMEOUT,
    CONF_MIN_TIMEOUT,
    CONF_PARENT_AREA,
    CONF_RULES,
    CONF_STRATEGY,
    CONF_SUSTAIN_SENSORS,
    CONF_SUSTAIN_STARTS,
    CONF_SUSTAIN_TIMEOUT,
    CONF_TIMEOUT,
    CONF_TIMING,
    CONF_TRIGGER_SENSORS,
    CONF_VACANCY_SENSORS,
    CONF_WASP_IN_BOX,
    DEFAULT_MAX_TIMEOUT,
    DEFAULT_MIN_TIMEOUT,
    DEFAULT_SUSTAIN_STARTS,
    DEFAULT_TIMEOUT,
    FLOOR_PREFIX,
    HOME_NODE,
)
from .engine import (
    AreaConfig,
    NodeKind,
    SensorConfig,
    SensorRole,
    StrategyKind,
    TimeoutPolicy,
)
from .engine.timeouts import parse_rules

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AreaSetup:
    """One configured area: its subentry, engine config and cameras."""

    subentry_id: str
    title: str
    config: AreaConfig
    cameras: tuple[str, ...]

    @property
    def area_id(self) -> str:
        """The HA area registry id."""
        return self.config.area_id


@dataclass(frozen=True, slots=True)
class RollupSetup:
    """A floor or the home: a node without sensors that rolls up its children."""

    node_id: str
    name: str
    kind: NodeKind


def area_from_subentry(subentry: ConfigSubentry) -> AreaSetup:
    """Build an `AreaSetup` from an area subentry's data (no parent yet).

    Missing or malformed values fall back to defaults (logged), so a hand-edited or older
    stored entry still loads. The area id falls back to the subentry's unique_id.
    """
    data = subentry.data
    area_id = str(data.get(CONF_AREA_ID) or subentry.unique_id or subentry.subentry_id)
    timing = _section(data, CONF_TIMING)
    hierarchy = _section(data, CONF_HIERARCHY)
    seen: set[str] = set()
    sensors: list[SensorConfig] = []
    starts = bool(data.get(CONF_SUSTAIN_STARTS, DEFAULT_SUSTAIN_STARTS))
    for key, role, may_start in (
        (CONF_TRIGGER_SENSORS, SensorRole.TRIGGER, True),
        (CONF_SUSTAIN_SENSORS, SensorRole.SUSTAIN, starts),
        (CONF_VACANCY_SENSORS, SensorRole.VACANCY, False),
        (CONF_DOOR_SENSORS, SensorRole.DOOR, False),
    ):
        for entity_id in _entity_ids(data, key):
            if entity_id not in seen:
                seen.add(entity_id)
                sensors.append(SensorConfig(entity_id, role, starts_occupancy=may_start))
    role_timeouts: dict[SensorRole, float] = {}
    if timing.get(CONF_SUSTAIN_TIMEOUT):
        role_timeouts[SensorRole.SUSTAIN] = duration_seconds(
            timing[CONF_SUSTAIN_TIMEOUT], area_id, DEFAULT_TIMEOUT
        )
    config = AreaConfig(
        area_id,
        tuple(sensors),
        timeout=duration_seconds(data.get(CONF_TIMEOUT), area_id, DEFAULT_TIMEOUT),
        role_timeouts=role_timeouts,
        policy=_policy(timing, area_id),
        grace_period=_seconds(timing.get(CONF_GRACE_PERIOD)),
        wasp_in_box=bool(hierarchy.get(CONF_WASP_IN_BOX, False)),
        contributes=bool(hierarchy.get(CONF_CONTRIBUTES, True)),
        follow_parent=bool(hierarchy.get(CONF_FOLLOW_PARENT, False)),
    )
    return AreaSetup(
        subentry.subentry_id, subentry.title, config, tuple(_entity_ids(data, CONF_CAMERAS))
    )


def parent_area_of(subentry: ConfigSubentry) -> str | None:
    """The parent area chosen for an area subentry, if any."""
    parent = _section(subentry.data, CONF_HIERARCHY).get(CONF_PARENT_AREA)
    return parent if isinstance(parent, str) and parent else None


def build_hierarchy(
    hass: HomeAssistant, areas: Mapping[str, AreaSetup], parents: Mapping[str, str | None]
) -> tuple[list[AreaConfig], dict[str, RollupSetup]]:
    """Engine configs for the areas, their floors and the home.

    An area's parent is its chosen parent area if that area is managed (and no cycle results),
    else its floor from the area registry, else the home. Floors with a managed area and the home
    become roll-up nodes (`floor:<floor_id>`, `home`).
    """
    area_reg = ar.async_get(hass)
    floor_reg = fr.async_get(hass)
    rollups: dict[str, RollupSetup] = {HOME_NODE: RollupSetup(HOME_NODE, "Home", NodeKind.HOME)}
    resolved: dict[str, str] = {}
    for area_id in areas:
        parent = parents.get(area_id)
        if parent is not None and parent in areas and not _cycles(area_id, parent, parents):
            resolved[area_id] = parent
            continue
        if parent is not None:
            _LOGGER.warning(
                "Parent area %s of %s is not managed or loops; using its floor", parent, area_id
            )
        entry = area_reg.async_get_area(area_id)
        floor = floor_reg.async_get_floor(entry.floor_id) if entry and entry.floor_id else None
        if floor is None:
            resolved[area_id] = HOME_NODE
            continue
        node_id = FLOOR_PREFIX + floor.floor_id
        rollups.setdefault(node_id, RollupSetup(node_id, floor.name, NodeKind.FLOOR))
        resolved[area_id] = node_id
    configs = [AreaConfig(HOME_NODE, kind=NodeKind.HOME)]
    configs += [
        AreaConfig(r.node_id, parent=HOME_NODE, kind=r.kind)
        for r in rollups.values()
        if r.kind is NodeKind.FLOOR
    ]
    configs += [_with_parent(setup.config, resolved[area_id]) for area_id, setup in areas.items()]
    return configs, rollups


def duration_seconds(value: Any, area_id: object, default: Mapping[str, int]) -> float:
    """Seconds of a DurationSelector dict such as {"hours": 0, "minutes": 5, "seconds": 0}.

    A malformed or negative value gives `default` and a warning.
    """
    try:
        seconds = timedelta(**value).total_seconds()
    except TypeError, ValueError:
        seconds = -1.0
    if seconds < 0:
        _LOGGER.warning("Area %s has an invalid duration %r; using %s", area_id, value, default)
        return timedelta(**default).total_seconds()
    return seconds


def _policy(timing: Mapping[str, Any], area_id: str) -> TimeoutPolicy:
    low = duration_seconds(
        timing.get(CONF_MIN_TIMEOUT, DEFAULT_MIN_TIMEOUT), area_id, DEFAULT_MIN_TIMEOUT
    )
    high = duration_seconds(
        timing.get(CONF_MAX_TIMEOUT, DEFAULT_MAX_TIMEOUT), area_id, DEFAULT_MAX_TIMEOUT
    )
    kind_value = str(timing.get(CONF_STRATEGY))
    kind = (
        StrategyKind(kind_value)
        if kind_value in StrategyKind._value2member_map_
        else StrategyKind.FIXED
    )
    try:
        rules = parse_rules(str(timing.get(CONF_RULES) or ""))
    except ValueError as err:
        _LOGGER.warning("Area %s has invalid time-of-day rules (%s); ignoring them", area_id, err)
        rules = ()
    if low > high:
        low, high = high, low
    return TimeoutPolicy(kind=kind, rules=rules, min_timeout=low, max_timeout=high)


def _with_parent(config: AreaConfig, parent: str) -> AreaConfig:
    return AreaConfig(
        config.area_id,
        config.sensors,
        timeout=config.timeout,
        role_timeouts=config.role_timeouts,
        policy=config.policy,
        grace_period=config.grace_period,
        wasp_in_box=config.wasp_in_box,
        parent=parent,
        contributes=config.contributes,
        follow_parent=config.follow_parent,
    )


def _cycles(area_id: str, parent: str, parents: Mapping[str, str | None]) -> bool:
    seen = {area_id}
    current: str | None = parent
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _seconds(value: object) -> float:
    return float(value) if isinstance(value, int | float) and value > 0 else 0.0


def _entity_ids(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        return []
    return list(dict.fromkeys(v for v in value if isinstance(v, str)))
