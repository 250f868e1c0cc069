"""Keyed listener registry: entities follow one area, roll-up or camera and re-render on change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback

type Listener = Callable[[], None]


class KeyedListeners:
    """Listeners by key (an area id, a roll-up node id or a camera entity id)."""

    __slots__ = ("_by_key",)

    def __init__(self) -> None:
        """No listeners yet."""
        self._by_key: dict[str, list[Listener]] = defaultdict(list)

    @callback
    def add(self, key: str, listener: Listener) -> CALLBACK_TYPE:
        """Call `listener()` on every `notify(key)`; returns the unsubscribe callback."""
        self._by_key[key].append(listener)

        @callback
        def remove() -> None:
            self._by_key[key].remove(listener)

        return remove

    @callback
    def notify(self, key: str) -> None:
        """Call the listeners of `key` (those present when the call starts)."""
        for listener in list(self._by_key.get(key, ())):
            listener()
