"""Who is where: occupant sensors whose state names an area (Bermuda, ESPresense, trackers).

A source's state is matched against the managed areas' ids, names and aliases (case-insensitive).
Anything else (`home`, `not_home`, a zone, `unknown`) places the person in no managed area. The
person's id is the source entity id; the name shown is its friendly name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import area_registry as ar

from .areas import AreaSetup
from .const import CONF_OCCUPANT_SENSORS, CONF_PET_SENSORS
from .data import OccupancyConfigEntry


class IdentityTracker:
    """Maps occupant sensor states to managed areas for one hub entry."""

    def __init__(
        self, hass: HomeAssistant, entry: OccupancyConfigEntry, areas: Mapping[str, AreaSetup]
    ) -> None:
        """Read the hub options (occupant and pet sensors) and index the areas' names."""
        self._hass = hass
        options = entry.options
        pets = set(_ids(options.get(CONF_PET_SENSORS)))
        self.pets = frozenset(pets)
        self.sources = frozenset(_ids(options.get(CONF_OCCUPANT_SENSORS))) | self.pets
        self._names: dict[str, str] = {}
        area_reg = ar.async_get(hass)
        for area_id, setup in areas.items():
            self._names[area_id.casefold()] = area_id
            self._names[setup.title.casefold()] = area_id
            if (entry_ := area_reg.async_get_area(area_id)) is not None:
                self._names[entry_.name.casefold()] = area_id
                for alias in entry_.aliases:
                    self._names[alias.casefold()] = area_id
        self._where: dict[str, str | None] = {}

    def current(self) -> Iterator[tuple[str, str | None, bool]]:
        """(person, area id or None, is pet) for every source, from the state machine now."""
        for source in sorted(self.sources):
            yield self.locate(source, self._hass.states.get(source))

    def locate(self, source: str, state: State | None) -> tuple[str, str | None, bool]:
        """Where a source says its person is; remembers it for `where`."""
        area_id = None if state is None else self._names.get(state.state.casefold())
        self._where[source] = area_id
        return source, area_id, source in self.pets

    def where(self, person: str) -> str | None:
        """The area a person was last placed in by `locate`."""
        return self._where.get(person)

    def name(self, person: str) -> str:
        """A display name: the source's friendly name without a trailing " Area"."""
        state = self._hass.states.get(person)
        name = state.name if state is not None else person
        return name.removesuffix(" Area").removesuffix(" area")


def _ids(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
