"""Config subentry flow for people counting in an area (sources, line, capacity)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult


class CountingSubentryFlowHandler(ConfigSubentryFlow):
    """Placeholder; filled in by the people counting issue."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:  # noqa: ARG002
        """Not available yet."""
        return self.async_abort(reason="not_implemented")
