"""Camera health rules: connected, unseen time (minus downtime) and stale (literal datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.occupancy_manager.engine.health import (
    Sighting,
    connected,
    is_stale,
    stale_cameras,
    unseen_seconds,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DAY = 24 * 3600.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Engine tests run without a `hass` instance."""


@pytest.mark.parametrize(
    ("available", "probe_configured", "probe_ok", "expected"),
    [
        (True, False, None, True),
        (False, False, None, False),
        (True, True, True, True),
        (True, True, False, False),
        (True, True, None, False),  # the first probe has not finished yet
        (False, True, True, False),
    ],
)
def test_connected(
    *, available: bool, probe_configured: bool, probe_ok: bool | None, expected: bool
) -> None:
    assert (
        connected(available=available, probe_configured=probe_configured, probe_ok=probe_ok)
        is expected
    )


def test_never_seen_is_never_stale() -> None:
    never = Sighting(None)
    assert unseen_seconds(never, T0) is None
    assert not is_stale(never, T0 + timedelta(days=365), DAY)


def test_stale_only_after_more_than_max_age() -> None:
    seen = Sighting(T0)
    assert not is_stale(seen, T0 + timedelta(hours=24), DAY)
    assert is_stale(seen, T0 + timedelta(hours=24, seconds=1), DAY)


def test_downtime_does_not_count_as_unseen() -> None:
    seen = Sighting(T0, downtime=10 * 3600.0)
    assert unseen_seconds(seen, T0 + timedelta(hours=25)) == 15 * 3600.0
    assert not is_stale(seen, T0 + timedelta(hours=25), DAY)
    assert is_stale(seen, T0 + timedelta(hours=35), DAY)


def test_last_seen_in_the_future_counts_as_just_seen() -> None:
    seen = Sighting(T0 + timedelta(hours=2), downtime=-5.0)
    assert unseen_seconds(seen, T0) == 0.0
    assert not is_stale(seen, T0, 0.0)


def test_stale_cameras_sorted_and_filtered() -> None:
    now = T0 + timedelta(hours=30)
    sightings = {
        "camera.z": Sighting(T0),
        "camera.a": Sighting(T0 + timedelta(hours=1)),
        "camera.fresh": Sighting(now - timedelta(minutes=1)),
        "camera.never": Sighting(None),
    }
    assert stale_cameras(sightings, now, DAY) == ["camera.a", "camera.z"]
    assert stale_cameras({}, now, DAY) == []
