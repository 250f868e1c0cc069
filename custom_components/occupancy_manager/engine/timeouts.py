"""Timeout policies: fixed, time-of-day rules, adaptive (learned), with per-area bounds.

Seed 000 ("occupancy timer system"): time-of-day rules such as night 3 min and peak hours x1.5;
adaptive = 2 x the mean session duration learned from history; every strategy is bounded
(default 2-10 min). The bounds limit what a strategy chooses (time of day, adaptive); a fixed
timeout, and explicit per-role or per-sensor timeouts, are the user's own numbers and literal.
"""

from __future__ import annotations

import re
from datetime import datetime

from .model import StrategyKind, TimeOfDayRule, TimeoutPolicy


def area_timeout(
    policy: TimeoutPolicy,
    base: float,
    local_now: datetime,
    learned_mean: float | None,
    learned_timeout: float | None = None,
) -> float:
    """The area timeout in seconds at `local_now` (an aware datetime in the home's zone).

    Adaptive strategy: `learned_timeout` (seconds, set by the host's learner) when given, else
    `adaptive_factor` x `learned_mean` (the mean session duration in seconds), else `base`.
    Time-of-day and adaptive results are clamped to the policy's bounds.
    """
    if policy.kind is StrategyKind.FIXED:
        return base
    timeout = base
    if policy.kind is StrategyKind.TIME_OF_DAY:
        hour = local_now.hour + local_now.minute / 60 + local_now.second / 3600
        for rule in policy.rules:
            if rule.matches(hour):
                timeout = (
                    rule.timeout if rule.timeout is not None else base * (rule.multiplier or 0)
                )
                break
    elif policy.kind is StrategyKind.ADAPTIVE and learned_timeout is not None:
        timeout = learned_timeout
    elif policy.kind is StrategyKind.ADAPTIVE and learned_mean is not None:
        timeout = policy.adaptive_factor * learned_mean
    return min(max(timeout, policy.min_timeout), policy.max_timeout)


class RunningMean:
    """Mean session duration for the adaptive strategy.

    The exact mean of the first `window` sessions, then an exponential moving average with
    weight 1/window, so it adapts over time.
    """

    __slots__ = ("count", "mean", "window")

    def __init__(self, window: int = 50, mean: float | None = None, count: int = 0) -> None:
        """Start empty, or from a stored `mean` over `count` sessions."""
        self.window = window
        self.mean = mean
        self.count = count

    def add(self, duration: float) -> None:
        """Learn one session duration (seconds)."""
        self.count += 1
        if self.mean is None:
            self.mean = duration
            return
        weight = 1 / min(self.count, self.window)
        self.mean += (duration - self.mean) * weight


_RULE = re.compile(
    r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s+"
    r"(?:x\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(s|m|min|h)?)\s*$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, None: 60}


def parse_rules(text: str) -> tuple[TimeOfDayRule, ...]:
    """Parse time-of-day rules, one per line: `22:00-06:00 3m` (timeout) or `7-9 x1.5` (multiplier).

    Times are local hours with optional minutes; durations take s, m (default) or h. Blank lines
    and lines starting with `#` are skipped.

    Raises:
        ValueError: a line that is not a rule; the message starts with its 1-based number.
    """
    rules: list[TimeOfDayRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _RULE.match(line)
        if match is None:
            raise ValueError(
                f"{number}: {line.strip()!r} is not like '22:00-06:00 3m' or '7-9 x1.5'"
            )
        h1, m1, h2, m2, factor, amount, unit = match.groups()
        start, end = int(h1) + int(m1 or 0) / 60, int(h2) + int(m2 or 0) / 60
        try:
            if factor is not None:
                rules.append(TimeOfDayRule(start, end, multiplier=float(factor)))
            else:
                seconds = float(amount) * _UNIT_SECONDS[unit.lower() if unit else None]
                rules.append(TimeOfDayRule(start, end, timeout=seconds))
        except ValueError as err:
            raise ValueError(f"{number}: {err}") from None
    return tuple(rules)
