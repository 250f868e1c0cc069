"""Import the pure occupancy engine on its own, without the integration's Home Assistant side.

A plain `import custom_components.occupancy_manager.engine` first runs the integration's
`__init__`, which imports Home Assistant. Tools that only need the engine (replays, benchmarks)
load its package directly from its directory instead, as `devtools._engine`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ENGINE_DIR = (
    Path(__file__).resolve().parents[1] / "custom_components" / "occupancy_manager" / "engine"
)
PACKAGE = "devtools._engine"


def load_engine() -> ModuleType:
    """The engine package (loaded once per process, then taken from `sys.modules`).

    Raises:
        ImportError: the engine directory has no loadable `__init__.py`.
    """
    if (loaded := sys.modules.get(PACKAGE)) is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(
        PACKAGE, ENGINE_DIR / "__init__.py", submodule_search_locations=[str(ENGINE_DIR)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the occupancy engine from {ENGINE_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    return module


def engine_module(name: str) -> ModuleType:
    """A submodule of the engine package, e.g. `engine_module("sessions")`.

    Raises:
        ModuleNotFoundError: the engine has no such submodule.
    """
    load_engine()
    return importlib.import_module(f"{PACKAGE}.{name}")
