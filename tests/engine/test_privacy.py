"""Privacy decisions: which cameras must be private, re-enable delay, backoff, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.occupancy_manager.engine.privacy import (
    DEFAULT_OVERRIDE,
    MAX_OVERRIDE,
    RETRY_CAP,
    Decision,
    decide,
    export_overrides,
    must_be_private,
    next_expiry,
    override_until,
    restore_overrides,
    retry_delay,
    split_expired,
)

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def occupied_in(*areas: str):
    """An occupied() callback for the given occupied areas."""
    return lambda area: area in areas


def test_private_while_any_area_is_occupied() -> None:
    """A camera of two areas is private while either is occupied."""
    assert must_be_private(["kitchen", "hall"], occupied_in("hall"), set())
    assert not must_be_private(["kitchen", "hall"], occupied_in(), set())
    assert not must_be_private([], occupied_in("hall"), set())


def test_override_counts_only_for_its_area() -> None:
    """A shared camera runs only if no occupied area without override covers it."""
    areas = ["kitchen", "hall"]
    occupied = occupied_in("kitchen", "hall")
    assert must_be_private(areas, occupied, {"kitchen"})
    assert not must_be_private(areas, occupied, {"kitchen", "hall"})
    assert not must_be_private(areas, occupied_in("kitchen"), {"kitchen"})


def test_engaging_is_immediate_and_cancels_a_pending_release() -> None:
    """Privacy is never delayed; a pending re-enable is dropped."""
    pending = NOW + timedelta(seconds=30)
    engage = Decision(call=True, release_at=None)
    for desired in (False, None):
        assert (
            decide(private=True, desired=desired, release_at=None, now=NOW, reenable_delay=60)
            == engage
        )
    kept = decide(private=True, desired=True, release_at=pending, now=NOW, reenable_delay=60)
    assert kept == Decision(call=None, release_at=None)


def test_release_waits_the_delay() -> None:
    """Letting a camera run waits the delay, once; without delay it is at once."""
    first = decide(private=False, desired=True, release_at=None, now=NOW, reenable_delay=60)
    assert first == Decision(call=None, release_at=NOW + timedelta(seconds=60))
    again = decide(
        private=False,
        desired=True,
        release_at=first.release_at,
        now=NOW + timedelta(seconds=10),
        reenable_delay=60,
    )
    assert again == first
    assert decide(
        private=False, desired=True, release_at=None, now=NOW, reenable_delay=0
    ) == Decision(call=False, release_at=None)


def test_release_skips_the_delay_when_immediate_or_first() -> None:
    """A maintenance override and the first decision after a restart are not delayed."""
    pending = NOW + timedelta(seconds=60)
    assert decide(
        private=False, desired=True, release_at=pending, now=NOW, reenable_delay=60, immediate=True
    ) == Decision(call=False, release_at=None)
    assert decide(
        private=False, desired=None, release_at=None, now=NOW, reenable_delay=60
    ) == Decision(call=False, release_at=None)


def test_already_running_needs_nothing() -> None:
    """A camera already let run needs no call."""
    assert decide(
        private=False, desired=False, release_at=None, now=NOW, reenable_delay=60
    ) == Decision(call=None, release_at=None)


@given(
    private=st.booleans(),
    desired=st.none() | st.booleans(),
    pending=st.booleans(),
    delay=st.floats(min_value=0, max_value=3600),
    immediate=st.booleans(),
)
def test_never_delays_privacy(
    private: bool, desired: bool | None, pending: bool, delay: float, immediate: bool
) -> None:
    """Whatever the state, a private verdict never leaves a release pending or the camera on."""
    decision = decide(
        private=private,
        desired=desired,
        release_at=NOW + timedelta(seconds=5) if pending else None,
        now=NOW,
        reenable_delay=delay,
        immediate=immediate,
    )
    if private:
        assert decision.release_at is None
        assert decision.call is True or desired is True
    else:
        assert decision.call is not True


def test_retry_delay_doubles_up_to_the_cap() -> None:
    """2, 4, 8 … seconds, never more than 5 minutes."""
    assert [retry_delay(n) for n in range(1, 10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert retry_delay(10_000) == RETRY_CAP
    with pytest.raises(ValueError, match="attempt"):
        retry_delay(0)


def test_override_until() -> None:
    """An override ends after its duration; zero or more than a day is refused."""
    assert override_until(NOW, DEFAULT_OVERRIDE) == NOW + timedelta(minutes=30)
    assert override_until(NOW, MAX_OVERRIDE) == NOW + timedelta(days=1)
    for bad in (0.0, -1.0, MAX_OVERRIDE + 1):
        with pytest.raises(ValueError, match="duration"):
            override_until(NOW, bad)


def test_split_expired_and_next_expiry() -> None:
    """An override ending at `now` has ended; the next expiry is the earliest end."""
    overrides = {"kitchen": NOW, "hall": NOW + timedelta(minutes=5)}
    running, ended = split_expired(overrides, NOW)
    assert running == {"hall": NOW + timedelta(minutes=5)}
    assert ended == {"kitchen"}
    assert next_expiry(overrides) == NOW
    assert next_expiry({}) is None


def test_export_and_restore_round_trip() -> None:
    """Stored overrides come back while they run, for known areas only."""
    overrides = {"kitchen": NOW + timedelta(minutes=5), "hall": NOW + timedelta(minutes=1)}
    stored = export_overrides(overrides)
    assert list(stored) == ["hall", "kitchen"]
    assert restore_overrides(stored, NOW, {"kitchen", "hall"}) == overrides
    later = NOW + timedelta(minutes=2)
    assert restore_overrides(stored, later, {"kitchen", "hall"}) == {
        "kitchen": overrides["kitchen"]
    }
    assert restore_overrides(stored, NOW, {"kitchen"}) == {"kitchen": overrides["kitchen"]}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "x",
        {"kitchen": 5},
        {"kitchen": "not a time"},
        {"kitchen": "2026-11-02T08:05:00"},  # naive
        {"kitchen": (NOW + timedelta(days=2)).isoformat()},  # beyond the longest override
    ],
)
def test_restore_drops_malformed(data: object) -> None:
    """Anything malformed, naive or too far ahead is dropped."""
    assert restore_overrides(data, NOW, {"kitchen"}) == {}


def test_restore_accepts_other_offsets() -> None:
    """An end written with another UTC offset is the same instant."""
    cet = timezone(timedelta(hours=1))
    until = (NOW + timedelta(minutes=5)).astimezone(cet)
    assert restore_overrides({"kitchen": until.isoformat()}, NOW, {"kitchen"}) == {"kitchen": until}
