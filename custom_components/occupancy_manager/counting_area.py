"""What one counted area holds: its count, what its sources remember, and how that is stored.

`CountingManager` keeps one `AreaCounter` per counted area and saves `export()` in its `Store`;
`CountingSources` reads the Frigate tracks, beam pair, counter baselines and last event kept here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .counting_flow import CountingSetup
from .engine.counting import (
    AreaCount,
    CounterDelta,
    DirectionalPair,
    LineCrossingCounter,
    PeopleCountDelta,
)

_LOGGER = logging.getLogger(__name__)

LEVEL_NORMAL: Final = "normal"
LEVEL_NEAR: Final = "near"
LEVEL_OVER: Final = "over"


class AreaCounter:
    """The live count of one area and the state of its sources (all restored on restart)."""

    def __init__(self, setup: CountingSetup) -> None:
        """A count of 0 with fresh sources for `setup`."""
        self.setup = setup
        self.count = AreaCount(setup.capacity, setup.near_ratio)
        self.line = (
            LineCrossingCounter(setup.frigate.line, setup.frigate.labels)
            if setup.frigate is not None
            else None
        )
        self.pair = DirectionalPair(setup.window) if setup.beams else None
        self.totals = {
            entity_id: CounterDelta()
            for entity_id in (setup.entries_counter, setup.exits_counter)
            if entity_id is not None
        }
        self.people = PeopleCountDelta()
        self.last_event: datetime | None = None
        """When the event entity's last counted event fired (aware UTC)."""
        self.last_evidence: datetime | None = None
        """When one of the area's sensors last changed (aware UTC)."""
        self.level = LEVEL_NORMAL
        """The capacity level last announced: `normal`, `near` or `over`."""

    def export(self) -> dict[str, Any]:
        """JSON-safe state: the count, Frigate tracks, counter baselines, last event."""
        return {
            "count": self.count.export(),
            "line": self.line.export() if self.line is not None else None,
            "totals": {entity_id: delta.export() for entity_id, delta in self.totals.items()},
            "people": self.people.export(),
            "last_event": _iso(self.last_event),
            "last_evidence": _iso(self.last_evidence),
        }

    def restore(self, record: dict[str, Any], now: datetime) -> None:
        """Load what `export` wrote; a malformed part is logged and starts fresh."""
        line = self.line
        totals = record.get("totals")
        parts: list[tuple[str, object, Callable[[dict[str, Any]], None]]] = [
            ("count", record.get("count"), self.count.restore),
            ("people", record.get("people"), self.people.restore),
        ]
        if line is not None:
            parts.append(("line", record.get("line"), lambda value: line.restore(value, now)))
        for entity_id, delta in self.totals.items():
            value = totals.get(entity_id) if isinstance(totals, dict) else None
            parts.append((entity_id, value, delta.restore))
        for name, value, restore in parts:
            if not isinstance(value, dict):
                continue
            try:
                restore(value)
            except ValueError as err:
                _LOGGER.warning("Stored %s of %s is unreadable (%s)", name, self.setup.area_id, err)
        self.last_event = _time(record.get("last_event"))
        self.last_evidence = _time(record.get("last_evidence"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: object) -> datetime | None:
    parsed = dt_util.parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and parsed.tzinfo is not None else None
