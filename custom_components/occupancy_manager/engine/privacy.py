"""Camera privacy decisions: which cameras must be private, when they may run again, retries.

Pure: no Home Assistant import and no clock read; every time is passed in (aware UTC) and every
duration is in seconds. The Home Assistant side (`privacy.py`) turns these decisions into
service calls.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

RETRY_BASE: Final = 2.0
"""Seconds before the first retry of a failed actuation; each further retry waits twice as long."""
RETRY_CAP: Final = 300.0
"""The longest wait between two retries (seconds)."""
DEFAULT_OVERRIDE: Final = 1800.0
"""Length of a maintenance override when none is given (seconds)."""
MAX_OVERRIDE: Final = 86400.0
"""The longest maintenance override (seconds)."""


def must_be_private(
    areas: Iterable[str], occupied: Callable[[str], bool], overridden: Container[str]
) -> bool:
    """Whether a camera covering `areas` must be private.

    It must while any of its areas is occupied and not under a maintenance override: a camera
    shared by two areas runs only if no occupied area without an override covers it.
    """
    return any(occupied(area) and area not in overridden for area in areas)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one camera after its areas changed.

    Attributes:
        call: the privacy mode to actuate now (True = private), or None for no call now.
        release_at: when the camera is to be let run (aware UTC), or None for no pending
            re-enable; a pending re-enable not repeated here is cancelled.
    """

    call: bool | None
    release_at: datetime | None


def decide(
    *,
    private: bool,
    desired: bool | None,
    release_at: datetime | None,
    now: datetime,
    reenable_delay: float,
    immediate: bool = False,
) -> Decision:
    """Turn the areas' verdict into an actuation, delaying only the re-enable.

    Args:
        private: what the areas ask for now (`must_be_private`).
        desired: the privacy mode last actuated (None before the first decision).
        release_at: the pending re-enable, if any.
        now: the current time (aware UTC).
        reenable_delay: seconds a camera stays private after its areas no longer need it.
        immediate: skip the re-enable delay (a maintenance override, the first decision).

    Engaging privacy is never delayed and cancels a pending re-enable. A camera that has no
    decision yet runs at once: after a restart its areas' restored occupancy is already known.
    """
    if private:
        return Decision(call=None if desired is True else True, release_at=None)
    if desired is False:
        return Decision(call=None, release_at=None)
    if desired is None or immediate or reenable_delay <= 0:
        return Decision(call=False, release_at=None)
    if release_at is not None:
        return Decision(call=None, release_at=release_at)
    return Decision(call=None, release_at=now + timedelta(seconds=reenable_delay))


def retry_delay(attempt: int, base: float = RETRY_BASE, cap: float = RETRY_CAP) -> float:
    """Seconds to wait after the `attempt`-th failure in a row (1-based): 2, 4, 8 … up to `cap`.

    Raises:
        ValueError: `attempt` is below 1.
    """
    if attempt < 1:
        msg = f"attempt must be 1 or more, got {attempt}"
        raise ValueError(msg)
    return float(min(cap, base * 2 ** min(attempt - 1, 32)))


def override_until(now: datetime, duration: float) -> datetime:
    """When a maintenance override of `duration` seconds started at `now` ends.

    Raises:
        ValueError: `duration` is not in (0, MAX_OVERRIDE].
    """
    if not 0 < duration <= MAX_OVERRIDE:
        msg = f"override duration must be in (0, {MAX_OVERRIDE:g}] seconds, got {duration:g}"
        raise ValueError(msg)
    return now + timedelta(seconds=duration)


def split_expired(
    overrides: Mapping[str, datetime], now: datetime
) -> tuple[dict[str, datetime], set[str]]:
    """The overrides still running after `now`, and the areas whose override ended by `now`."""
    running = {area: until for area, until in overrides.items() if until > now}
    return running, set(overrides) - set(running)


def next_expiry(overrides: Mapping[str, datetime]) -> datetime | None:
    """The earliest end of the running overrides, or None when there is none."""
    return min(overrides.values(), default=None)


def export_overrides(overrides: Mapping[str, datetime]) -> dict[str, str]:
    """JSON-safe form: area id -> ISO 8601 end time."""
    return {area: until.isoformat() for area, until in sorted(overrides.items())}


def restore_overrides(data: Any, now: datetime, areas: Container[str]) -> dict[str, datetime]:
    """The overrides stored by `export_overrides` that still run at `now`.

    Entries of unknown areas, malformed or naive times and ended overrides are dropped; so is an
    end further than MAX_OVERRIDE from `now` (a clock that jumped back must not extend one).
    """
    if not isinstance(data, Mapping):
        return {}
    latest = now + timedelta(seconds=MAX_OVERRIDE)
    restored: dict[str, datetime] = {}
    for area, raw in data.items():
        if area not in areas or not isinstance(raw, str):
            continue
        try:
            until = datetime.fromisoformat(raw)
        except ValueError:
            continue
        if until.tzinfo is not None and now < until <= latest:
            restored[area] = until
    return restored
