"""Camera health rules: when a camera counts as connected, and when it is stale.

Pure: no Home Assistant import, no clock reads; every time is passed in as an aware UTC datetime
and every duration is in seconds. Time Home Assistant was not running does not count as unseen
(`downtime`), so a restart after a long shutdown never makes every camera stale at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Sighting:
    """What is known of when a camera was last seen.

    Attributes:
        last_seen: when the camera was last seen (aware UTC); None if never seen.
        downtime: seconds since `last_seen` during which Home Assistant was not running.
    """

    last_seen: datetime | None
    downtime: float = 0.0


def connected(*, available: bool, probe_configured: bool, probe_ok: bool | None) -> bool:
    """Whether a camera is seen now.

    Args:
        available: the camera entity has a state other than unavailable or unknown.
        probe_configured: a TCP probe (host and port) is configured for the camera.
        probe_ok: the last probe's outcome; None if no probe has finished yet.

    Returns:
        True when the entity is available and, if a probe is configured, the last probe
        succeeded (a probe that has not finished yet does not count as success).
    """
    return available and (not probe_configured or probe_ok is True)


def unseen_seconds(sighting: Sighting, now: datetime) -> float | None:
    """Seconds the camera went unseen while Home Assistant was running; None if never seen.

    Never negative: a `last_seen` in the future (the clock was set back) counts as just seen.
    """
    if sighting.last_seen is None:
        return None
    return max(0.0, (now - sighting.last_seen).total_seconds() - max(0.0, sighting.downtime))


def is_stale(sighting: Sighting, now: datetime, max_age: float) -> bool:
    """Whether the camera has gone unseen for longer than `max_age` seconds.

    A camera without a valid last seen is never stale: we cannot tell how long it has been gone.
    """
    unseen = unseen_seconds(sighting, now)
    return unseen is not None and unseen > max_age


def stale_cameras(sightings: Mapping[str, Sighting], now: datetime, max_age: float) -> list[str]:
    """The cameras (keys of `sightings`) that are stale at `now`, sorted."""
    return sorted(camera for camera, seen in sightings.items() if is_stale(seen, now, max_age))
