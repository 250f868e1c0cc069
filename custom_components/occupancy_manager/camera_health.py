"""What the camera heartbeat knows of each camera, the TCP probe, and how both are stored.

Stored with `helpers.storage.Store` under `occupancy_manager.<entry_id>.cameras`:

    {"saved_at": iso,
     "cameras": {entity_id: {"last_seen": iso | None, "downtime": seconds}},
     "removed": {entity_id: {"name": str, "areas": [area_id], "removed_at": iso,
                             "notified": bool}}}
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util


@dataclass(slots=True)
class CameraHealth:
    """What the heartbeat knows of one managed camera.

    Attributes:
        last_seen: when the camera was last seen (aware UTC), None if never.
        downtime: seconds since `last_seen` during which Home Assistant was not running.
        connected: seen at the last evaluation (entity available and probe, if any, ok).
        available: the entity had a state other than unavailable or unknown.
        probe_ok: outcome of the last TCP probe; None without a probe or before the first one.
        last_probe: when the last probe finished (aware UTC).
        probe_error: why the last probe failed, or None.
    """

    last_seen: datetime | None = None
    downtime: float = 0.0
    connected: bool = False
    available: bool = False
    probe_ok: bool | None = None
    last_probe: datetime | None = None
    probe_error: str | None = None


@dataclass(slots=True)
class RemovedCamera:
    """A camera removed as stale, remembered to tell the user when it comes back.

    Attributes:
        name: its display name at removal.
        areas: the area ids it covered.
        removed_at: when it was removed (aware UTC).
        notified: the user was told that it is back.
    """

    name: str
    areas: tuple[str, ...]
    removed_at: datetime
    notified: bool = False


async def tcp_probe(host: str, port: int, limit: float) -> str | None:
    """Open and close a TCP connection to `host`:`port` within `limit` seconds.

    Returns None on success, else a short reason ("timeout" or the OS error); never raises.
    """
    try:
        async with asyncio.timeout(limit):
            _reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return "timeout"
    except OSError as err:
        return err.strerror or type(err).__name__
    writer.close()
    with suppress(OSError):
        await writer.wait_closed()
    return None


def restore(
    stored: object,
    now: datetime,
    health: Mapping[str, CameraHealth],
    removed: dict[str, RemovedCamera],
) -> None:
    """Fill `health` (managed cameras) and `removed` from stored data; malformed parts are skipped.

    The time between the stored `saved_at` and `now` counts as downtime, so it is not unseen
    time. Removed cameras that are managed again (in `health`) are forgotten.
    """
    if not isinstance(stored, Mapping):
        return
    saved_at = parse(stored.get("saved_at"))
    gap = max(0.0, (now - saved_at).total_seconds()) if saved_at else 0.0
    for camera, raw in _mapping(stored.get("cameras")).items():
        status = health.get(camera)
        if status is None or not isinstance(raw, Mapping):
            continue
        status.last_seen = parse(raw.get("last_seen"))
        if status.last_seen is not None:
            status.downtime = gap + _seconds(raw.get("downtime"))
    for camera, raw in _mapping(stored.get("removed")).items():
        if camera in health or not isinstance(raw, Mapping):
            continue
        areas = raw.get("areas")
        removed[camera] = RemovedCamera(
            name=str(raw.get("name") or camera),
            areas=tuple(str(a) for a in areas) if isinstance(areas, list) else (),
            removed_at=parse(raw.get("removed_at")) or now,
            notified=bool(raw.get("notified", False)),
        )


def dump(
    health: Mapping[str, CameraHealth], removed: Mapping[str, RemovedCamera], now: datetime
) -> dict[str, Any]:
    """The JSON-safe data to store (see the module docstring), dated `now`."""
    return {
        "saved_at": now.isoformat(),
        "cameras": {
            camera: {"last_seen": iso(status.last_seen), "downtime": status.downtime}
            for camera, status in health.items()
        },
        "removed": {
            camera: {
                "name": gone.name,
                "areas": list(gone.areas),
                "removed_at": gone.removed_at.isoformat(),
                "notified": gone.notified,
            }
            for camera, gone in removed.items()
        },
    }


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of `value`, or None."""
    return value.isoformat() if value is not None else None


def parse(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO string, or None if missing, naive or malformed."""
    if not isinstance(value, str):
        return None
    parsed = dt_util.parse_datetime(value)
    return dt_util.as_utc(parsed) if parsed is not None and parsed.tzinfo is not None else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seconds(value: object) -> float:
    """A stored non-negative number of seconds; 0 if missing or malformed."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return 0.0
