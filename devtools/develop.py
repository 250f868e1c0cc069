"""Run a real Home Assistant with Occupancy Manager on a replayed real home (`scripts/develop`).

Prepares `config/` (configuration from `devtools/ha_config`, symlinks to the integration and to the
dev-only `occupancy_replay` integration, the replay schedule), starts Home Assistant, onboards it
with the dev-only login `dev`/`dev`, configures Occupancy Manager through its real config flows
over the REST API, and starts the replay. With `--check` it runs headless for a bounded time,
prints what happened and exits non-zero when the integration did nothing or logged errors.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.components.http import config as http_config

from .casas import CasasFormatError, ReplayEvent, SensorSpec, default_dataset, read_events
from .casas import read_mapping as read_casas_mapping

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = REPO_ROOT / "devtools" / "ha_config"
REPLAY_COMPONENT = REPO_ROOT / "devtools" / "ha_custom_components" / "occupancy_replay"
INTEGRATION = REPO_ROOT / "custom_components" / "occupancy_manager"
DOMAIN = "occupancy_manager"
SCHEDULE_FILE = "occupancy_replay.json"
CONSOLE_LOG = "develop-console.log"
# Dev-only credential of the throw-away instance in config/, which listens on 127.0.0.1 only.
USERNAME = "dev"
PASSWORD = "dev"  # noqa: S105
REAL_TIMEOUT = 300.0  # seconds: the timeout the areas would have in real time
MIN_TIMEOUT = 5  # seconds
MORNING = 7  # hour of the default start
STARTUP_LIMIT = 180.0  # seconds for Home Assistant to start
STOP_LIMIT = 60.0  # seconds for Home Assistant to stop before it is killed
WS_LIMIT = 60.0  # seconds for a websocket reply
ON_OFF = frozenset({"on", "off"})
_LOG_RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ ([A-Z]+) ")


class DevelopError(Exception):
    """A step failed; the message says what and what to do."""


def say(text: str, *, err: bool = False) -> None:
    """Write a line to stdout (or stderr) at once."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


# ---------------------------------------------------------------------------- pure helpers


def scaled_timeout(speed: float) -> int:
    """The area timeout in real seconds at `speed`: max(5, 300 / speed), rounded up.

    The home keeps its real-time behaviour: 300 data seconds pass in 300 / speed real seconds.
    """
    return max(MIN_TIMEOUT, math.ceil(REAL_TIMEOUT / speed))


def default_start(events: Sequence[ReplayEvent]) -> datetime:
    """A morning in the data, so that the replay shows activity at once.

    The first event at or after 07:00 on the first full day (the second calendar day; the first
    if the data covers one day only), less 10 seconds, to the second.

    Raises:
        ValueError: there are no events.
    """
    if not events:
        raise ValueError("no events to replay")
    days = sorted({event.at.date() for event in events})
    first_day = days[1] if len(days) > 1 else days[0]
    for event in events:
        if event.at.date() >= first_day and event.at.hour >= MORNING:
            return (event.at - timedelta(seconds=10)).replace(microsecond=0)
    return events[0].at.replace(microsecond=0)


def area_title(area: str) -> str:
    """The display name of a mapping's area id: `living_room` -> `Living Room`."""
    return area.replace("_", " ").title()


def sensor_name(key: str, kind: str) -> str:
    """A readable entity name: `LoungeChair/LivingRoom` -> `Lounge chair living room motion`.

    The location part is dropped when the sensor part starts with it (`Kitchen/KitchenLight`), and
    the kind when the name already ends with it (`OutsideDoor/FrontDoor` -> `... front door`).
    """
    location, _, sensor = key.rpartition("/")
    text = sensor if not location or sensor.startswith(location) else f"{location} {sensor}"
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[_/]+", " ", text).split()
    if not words or words[-1].lower() != kind:
        words.append(kind)
    return " ".join([words[0], *(word.lower() for word in words[1:])])


def build_schedule(
    events: Iterable[ReplayEvent],
    mapping: Mapping[str, SensorSpec],
    start: datetime,
    speed: float,
    source: str,
) -> dict[str, Any]:
    """The JSON object `occupancy_replay` reads: events at or after `start`, as data-second offsets.

    Returns:
        {"start": ISO naive, "speed", "source", "areas": {area id: name},
         "sensors": [{"key", "name", "area", "kind"}], "events": [[offset s, sensor index, 0|1]]}
    """
    index = {key: i for i, key in enumerate(mapping)}
    rows = sorted(
        (round((event.at - start).total_seconds(), 3), index[event.sensor], int(event.on))
        for event in events
        if event.at >= start and event.sensor in index
    )
    areas = sorted({spec.area for spec in mapping.values()})
    return {
        "start": start.isoformat(),
        "speed": speed,
        "source": source,
        "areas": {area: area_title(area) for area in areas},
        "sensors": [
            {"key": key, "name": sensor_name(key, spec.kind), "area": spec.area, "kind": spec.kind}
            for key, spec in mapping.items()
        ],
        "events": [list(row) for row in rows],
    }


def form_values(data_schema: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The values a flow form shows pre-filled: each field's suggested value, else its default.

    A section (`"type": "expandable"`) becomes a nested dict of its fields.
    """
    values: dict[str, Any] = {}
    for entry in data_schema:
        description = entry.get("description") or {}
        if entry.get("type") == "expandable":
            values[entry["name"]] = form_values(entry["schema"])
        elif "suggested_value" in description:
            values[entry["name"]] = description["suggested_value"]
        elif "default" in entry:
            values[entry["name"]] = entry["default"]
    return values


def scaled_durations(data_schema: Iterable[Mapping[str, Any]], speed: float) -> dict[str, Any]:
    """Duration fields of a form scaled to `speed`, so that the replayed home keeps its timing.

    `timeout` becomes `scaled_timeout(speed)`; any other duration field with a default becomes
    default / speed, rounded up, and at least MIN_TIMEOUT seconds if its name ends in `timeout`
    and it is not 0. Fields without a default keep what the form holds.
    Sections become nested dicts. Defaults, not current values, are scaled, so reconfiguring
    does not compound the scaling.

    Returns:
        field name -> {"hours": 0, "minutes": 0, "seconds": s} (or a nested dict for a section).
    """
    scaled: dict[str, Any] = {}
    for entry in data_schema:
        name = entry["name"]
        if entry.get("type") == "expandable":
            if inner := scaled_durations(entry["schema"], speed):
                scaled[name] = inner
        elif "duration" in (entry.get("selector") or {}) and "default" in entry:
            if name == "timeout":
                seconds = scaled_timeout(speed)
            else:
                seconds = math.ceil(timedelta(**entry["default"]).total_seconds() / speed)
                if name.endswith("timeout") and seconds:
                    seconds = max(MIN_TIMEOUT, seconds)
            scaled[name] = {"hours": 0, "minutes": 0, "seconds": seconds}
    return scaled


def merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` updated with `changes`, nested dicts merged key by key."""
    out = dict(base)
    for key, value in changes.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and "seconds" not in value:
            out[key] = merged(old, value)
        else:
            out[key] = value
    return out


def error_records(log_text: str) -> list[str]:
    """The ERROR and CRITICAL records of a Home Assistant log, each with its traceback lines."""
    records: list[str] = []
    current: list[str] | None = None
    for line in log_text.splitlines():
        if match := _LOG_RECORD.match(line):
            current = [line] if match.group(1) in {"ERROR", "CRITICAL"} else None
            if current is not None:
                records.append("")
        elif current is not None:
            current.append(line)
        if current is not None:
            records[-1] = "\n".join(current)
    return records


@dataclass(slots=True)
class Tally:
    """What the check saw, from Home Assistant's event bus.

    Attributes:
        transitions: occupancy transitions (on<->off) per area id.
        privacy_changes: privacy switch changes per camera entity id.
        camera_calls: `camera.*` service calls per "service entity_id".
        camera_area: camera entity id -> the area id of its privacy switch.
    """

    transitions: Counter[str] = field(default_factory=Counter)
    privacy_changes: Counter[str] = field(default_factory=Counter)
    camera_calls: Counter[str] = field(default_factory=Counter)
    camera_area: dict[str, str] = field(default_factory=dict)

    def problems(self, integration_errors: Sequence[str]) -> list[str]:
        """Why the check fails: no transition, no camera call, or errors from the integration."""
        found = []
        if not sum(self.transitions.values()):
            found.append("no occupancy transition happened")
        if not sum(self.camera_calls.values()):
            found.append("no camera service call happened")
        if integration_errors:
            found.append(f"{len(integration_errors)} error(s) logged from {DOMAIN}")
        return found

    def done_when(self, min_areas: int = 4) -> bool:
        """At least `min_areas` areas had transitions and a privacy switch of theirs changed."""
        followed = {
            area for camera, area in self.camera_area.items() if self.privacy_changes[camera]
        }
        return len({area for area in followed if self.transitions[area]}) >= min_areas


# ------------------------------------------------------------------- config/ and the process


def prepare_config(config: Path, port: int, schedule: Mapping[str, Any]) -> None:
    """Write config/: the template files, the HTTP port, the schedule, the component symlinks.

    The onboarding step "core_config" is marked done up front (only in a new config/): the
    location comes from configuration.yaml, and that step's HTTP view would also set up the
    onboarding integrations (met, radio_browser, google_translate), which pip-install packages
    and go to the network.
    """
    config.mkdir(parents=True, exist_ok=True)
    for source in TEMPLATE_DIR.iterdir():
        if source.is_file():
            shutil.copyfile(source, config / source.name)
    _write_http_store(config / ".storage" / "http", port)
    (config / SCHEDULE_FILE).write_text(json.dumps(schedule), encoding="utf-8")
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    for target in (INTEGRATION, REPLAY_COMPONENT):
        link = components / target.name
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == target:
                continue
            link.unlink()
        link.symlink_to(os.path.relpath(target, components), target_is_directory=True)
    onboarding = config / ".storage" / "onboarding"
    if not onboarding.exists():
        store = {"version": 4, "minor_version": 1, "key": "onboarding"}
        onboarding.write_text(json.dumps(store | {"data": {"done": ["core_config"]}}))


def _write_http_store(path: Path, port: int) -> None:
    """Make 127.0.0.1:`port` the confirmed ("stable") HTTP server config in HA's store.

    Since 2026.10 the HTTP server is configured in the UI: YAML is migrated once into a pending
    config that reverts (with a restart) unless confirmed in the UI, and is ignored afterwards.
    The other settings are kept, or HA's defaults (its own schema) in a new store.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    stable = old.get("data", {}).get("stable") or http_config.HTTP_STORAGE_SCHEMA({}) | {
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    stable |= {"server_host": ["127.0.0.1"], "server_port": port}
    store = {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    path.write_text(json.dumps(store, indent=2), encoding="utf-8")


def check_port(port: int) -> None:
    """Make sure 127.0.0.1:`port` can be bound now.

    Raises:
        DevelopError: the port is in use.
    """
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise DevelopError(
                f"port {port} is in use (another Home Assistant?); stop it or pass --port"
            ) from None


async def start_hass(config: Path) -> asyncio.subprocess.Process:
    """Start Home Assistant on `config` in its own session, its console output on a pipe.

    `--skip-pip`: nothing is installed at runtime; requirements come from requirements_test.txt.
    """
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "homeassistant",
        "--config",
        str(config),
        "--skip-pip",
        cwd=config,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )


async def pump_console(stream: asyncio.StreamReader, sink: Path, *, show: bool) -> None:
    """Copy Home Assistant's console output to `sink`; with `show`, echo the interesting part.

    Shown: records of custom integrations (with their tracebacks) and the first line of any
    other ERROR or CRITICAL record. Everything is in config/home-assistant.log as well.
    """
    showing = False
    with sink.open("wb") as out:
        async for raw in stream:
            out.write(raw)
            out.flush()
            if not show:
                continue
            line = raw.decode(errors="replace").rstrip()
            if match := _LOG_RECORD.match(line):
                showing = "[custom_components." in line
                if showing or match.group(1) in {"ERROR", "CRITICAL"}:
                    say(line)
            elif showing:
                say(line)


async def stop_hass(process: asyncio.subprocess.Process) -> None:
    """Stop Home Assistant with SIGTERM (a clean shutdown); kill it after STOP_LIMIT seconds."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_LIMIT)
    except TimeoutError:
        process.kill()
        await process.wait()


# ---------------------------------------------------------------------------- talking to HA


class HomeAssistantClient:
    """REST and websocket access to the running instance with the dev user's access token."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        """Talk to http://127.0.0.1:`port`; no token until `async_login`."""
        self.session = session
        self.url = f"http://127.0.0.1:{port}"
        self.client_id = f"{self.url}/"
        self.tokens: dict[str, Any] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._handlers: dict[int, Callable[[dict[str, Any]], None]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def rest(self, method: str, path: str, payload: Any = None) -> Any:
        """Send a JSON request; returns the decoded JSON reply.

        Raises:
            DevelopError: HTTP status >= 400 (with the body).
        """
        headers = {}
        if token := self.tokens.get("access_token"):
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method, self.url + path, json=payload, headers=headers
        ) as response:
            text = await response.text()
            if response.status >= 400:  # noqa: PLR2004
                raise DevelopError(f"{method} {path} -> HTTP {response.status}: {text[:300]}")
            return json.loads(text) if text else None

    async def wait_until_up(self, process: asyncio.subprocess.Process) -> None:
        """Wait for the HTTP server to answer.

        Raises:
            DevelopError: Home Assistant exited, or did not answer within STARTUP_LIMIT seconds.
        """
        deadline = time.monotonic() + STARTUP_LIMIT
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise DevelopError(f"Home Assistant exited with code {process.returncode}")
            try:
                async with self.session.get(f"{self.url}/manifest.json"):
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
        raise DevelopError(f"Home Assistant did not answer within {STARTUP_LIMIT:.0f} s")

    async def async_login(self) -> None:
        """Onboard (creating `dev`) or log in as `dev`; then finish the other onboarding steps."""
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            # The onboarding views exist only until onboarding is done.
            onboarding = await response.json() if response.status == 200 else []  # noqa: PLR2004
        steps = {step["step"]: step["done"] for step in onboarding}
        steps = steps or dict.fromkeys(("user", "analytics", "integration"), True)
        if not steps.get("user"):
            reply = await self.rest(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": "Developer",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )
            code = reply["auth_code"]
        else:
            flow = await self.rest(
                "POST",
                "/auth/login_flow",
                {
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": f"{self.url}/?auth_callback=1",
                },
            )
            reply = await self.rest(
                "POST",
                f"/auth/login_flow/{flow['flow_id']}",
                {
                    "client_id": self.client_id,
                    "username": USERNAME,
                    "password": PASSWORD,
                },
            )
            if reply.get("type") != "create_entry":
                raise DevelopError(
                    f"login as {USERNAME!r} failed: {reply.get('errors')}; "
                    "delete config/ to start from a fresh instance"
                )
            code = reply["result"]
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as response:
            self.tokens = await response.json()
        self.tokens["expires"] = int((time.time() + self.tokens["expires_in"]) * 1000)
        if not steps.get("analytics"):
            await self.rest("POST", "/api/onboarding/analytics")
        if not steps.get("integration"):
            await self.rest(
                "POST",
                "/api/onboarding/integration",
                {
                    "client_id": self.client_id,
                    "redirect_uri": f"{self.url}/?auth_callback=1",
                },
            )

    async def wait_running(self) -> None:
        """Wait until Home Assistant reports the state RUNNING (all integrations set up)."""
        deadline = time.monotonic() + STARTUP_LIMIT
        while (await self.rest("GET", "/api/config"))["state"] != "RUNNING":
            if time.monotonic() > deadline:
                raise DevelopError("Home Assistant did not finish starting")
            await asyncio.sleep(0.5)

    async def ws_connect(self) -> None:
        """Open and authenticate the websocket; a reader task dispatches replies and events."""
        self._ws = await self.session.ws_connect(f"{self.url}/api/websocket", max_msg_size=0)
        await self._ws.receive_json()
        await self._ws.send_json({"type": "auth", "access_token": self.tokens["access_token"]})
        if (reply := await self._ws.receive_json())["type"] != "auth_ok":
            raise DevelopError(f"websocket authentication failed: {reply}")
        self._reader = asyncio.create_task(self._read())

    async def ws(self, command: str, **fields: Any) -> Any:
        """Send a websocket command; returns its result.

        Raises:
            DevelopError: the command failed or got no reply within WS_LIMIT seconds.
        """
        assert self._ws is not None  # noqa: S101
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._ws.send_json({"id": self._next_id, "type": command, **fields})
        try:
            return await asyncio.wait_for(future, WS_LIMIT)
        except TimeoutError:
            raise DevelopError(f"no reply to {command} within {WS_LIMIT:.0f} s") from None

    async def subscribe(self, event_type: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call `handler(event)` for every bus event of `event_type`."""
        self._handlers[self._next_id + 1] = handler
        await self.ws("subscribe_events", event_type=event_type)

    async def close(self) -> None:
        """Close the websocket."""
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def _read(self) -> None:
        assert self._ws is not None  # noqa: S101
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            for item in data if isinstance(data, list) else [data]:
                if item["type"] == "event" and (handler := self._handlers.get(item["id"])):
                    handler(item["event"])
                elif item["type"] == "result" and (future := self._pending.pop(item["id"], None)):
                    if item["success"]:
                        future.set_result(item["result"])
                    else:
                        future.set_exception(DevelopError(f"websocket: {item['error']}"))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(DevelopError("the websocket closed"))


# ------------------------------------------------------------------- configuring the integration

FLOWS = "/api/config/config_entries/flow"
SUBENTRY_FLOWS = "/api/config/config_entries/subentries/flow"
DISCOVERED = ("trigger_sensors", "sustain_sensors")


async def replay_areas(client: HomeAssistantClient) -> dict[str, str]:
    """Area registry id -> name of every area that holds an `occupancy_replay` binary sensor."""
    registry = await client.ws("config/entity_registry/list")
    used = {
        entry["area_id"]
        for entry in registry
        if entry["platform"] == "occupancy_replay"
        and entry["entity_id"].startswith("binary_sensor.")
    }
    names = {area["area_id"]: area["name"] for area in await client.ws("config/area_registry/list")}
    return {area_id: names.get(area_id, area_id) for area_id in sorted(used - {None})}


async def configure(client: HomeAssistantClient, areas: Iterable[str], speed: float) -> str:
    """Create the hub entry if needed and configure every area through the real flows.

    Every area's durations are scaled to `speed` (see `scaled_durations`).

    An area that has a subentry is reconfigured (its stored sensors, the new timeout); if that
    form is rejected, e.g. because the stored sensors are gone, the subentry is replaced. A new
    area is added with the sensors and cameras the sensors step pre-fills by discovery.

    Returns:
        The hub's config entry id.

    Raises:
        DevelopError: a flow did not end as expected (the message has the flow's reply).
    """
    entries = await client.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    if entries:
        entry_id: str = entries[0]["entry_id"]
    else:
        form = await client.rest("POST", FLOWS, {"handler": DOMAIN, "show_advanced_options": False})
        reply = await client.rest("POST", f"{FLOWS}/{form['flow_id']}", {})
        _expect(reply, "create_entry", "the hub flow")
        entry_id = reply["result"]["entry_id"]
    existing = {
        sub["unique_id"]: sub["subentry_id"]
        for sub in await client.ws("config_entries/subentries/list", entry_id=entry_id)
        if sub["subentry_type"] == "area"
    }
    for area_id in areas:
        if subentry_id := existing.get(area_id):
            form = await client.rest(
                "POST", SUBENTRY_FLOWS, {"handler": [entry_id, "area"], "subentry_id": subentry_id}
            )
            reply = await _submit(client, form, speed)
            if reply["type"] == "abort":
                continue
            await client.rest("DELETE", f"{SUBENTRY_FLOWS}/{form['flow_id']}")
            await client.ws(
                "config_entries/subentries/delete", entry_id=entry_id, subentry_id=subentry_id
            )
        form = await client.rest("POST", SUBENTRY_FLOWS, {"handler": [entry_id, "area"]})
        form = await client.rest(
            "POST", f"{SUBENTRY_FLOWS}/{form['flow_id']}", {"area_id": area_id}
        )
        _expect(form, "form", f"the area flow for {area_id}")
        if not any(form_values(form["data_schema"]).get(key) for key in DISCOVERED):
            raise DevelopError(f"the area flow discovered no sensors in {area_id}: {form}")
        reply = await _submit(client, form, speed)
        _expect(reply, "create_entry", f"the area flow for {area_id}")
    return entry_id


async def _submit(
    client: HomeAssistantClient, form: Mapping[str, Any], speed: float
) -> dict[str, Any]:
    """Submit an area form as pre-filled, with its durations scaled to `speed`."""
    schema = form["data_schema"]
    values = merged(form_values(schema), scaled_durations(schema, speed))
    reply: dict[str, Any] = await client.rest("POST", f"{SUBENTRY_FLOWS}/{form['flow_id']}", values)
    return reply


def _expect(reply: Mapping[str, Any], kind: str, what: str) -> None:
    if reply.get("type") != kind:
        raise DevelopError(f"{what} ended with {reply.get('type')}, not {kind}: {reply}")


async def our_entities(
    client: HomeAssistantClient, entry_id: str, areas: Iterable[str]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Our entities (entity id -> area id) and their states, once settled.

    An entity without an area subentry (e.g. the whole home's) stands for itself. Each added or
    reconfigured area reloads the hub entry, so this waits (up to 30 s) until the entry is
    loaded, every area has an occupancy sensor, and the set of our entities with a state is the
    same on two polls in a row.
    """
    deadline = time.monotonic() + 30
    previous: set[str] | None = None
    while True:
        subentries = await client.ws("config_entries/subentries/list", entry_id=entry_id)
        area_of = {sub["subentry_id"]: sub["unique_id"] for sub in subentries}
        ours = {
            entry["entity_id"]: area_of.get(entry["config_subentry_id"]) or entry["entity_id"]
            for entry in await client.ws("config/entity_registry/list")
            if entry["platform"] == DOMAIN
        }
        states = [state for state in await client.ws("get_states") if state["entity_id"] in ours]
        entry = (await client.ws("config_entries/get_single", entry_id=entry_id))["config_entry"]
        present = {state["entity_id"] for state in states}
        occupied_areas = {
            ours[state["entity_id"]]
            for state in states
            if state["attributes"].get("device_class") == "occupancy"
        }
        settled = entry["state"] == "loaded" and set(areas) <= occupied_areas
        if (settled and present == previous) or time.monotonic() > deadline:
            return ours, states
        previous = present if settled else None
        await asyncio.sleep(0.5)


class Monitor:
    """Counts occupancy transitions, privacy switch changes and camera calls from bus events.

    An entity of ours is recognised by its state: an occupancy sensor by its device class, a
    privacy switch by its `camera` attribute; entities that appear later are picked up too.
    """

    def __init__(
        self,
        ours: Mapping[str, str],
        states: Iterable[Mapping[str, Any]],
        clock: Callable[[], str] | None,
    ) -> None:
        """Watch `ours` (entity id -> area id); with a `clock` (data time), print changes live."""
        self.ours = dict(ours)
        self.occupancy: dict[str, str] = {}
        self.switches: dict[str, str] = {}
        self.clock = clock
        self.tally = Tally()
        for state in states:
            self._learn(state["entity_id"], state["attributes"])

    def on_state(self, event: Mapping[str, Any]) -> None:
        """A state_changed event."""
        data = event["data"]
        entity_id = data["entity_id"]
        if entity_id not in self.ours or not data.get("new_state"):
            return
        self._learn(entity_id, data["new_state"]["attributes"])
        old = (data.get("old_state") or {}).get("state")
        new = data["new_state"]["state"]
        if old is None or new not in ON_OFF or old == new:
            return
        if (area := self.occupancy.get(entity_id)) and old in ON_OFF:
            self.tally.transitions[area] += 1
            self._say(f"{area}: {'occupied' if new == 'on' else 'vacant'}")
        elif camera := self.switches.get(entity_id):
            self.tally.privacy_changes[camera] += 1
            self._say(f"{camera}: privacy mode {new}")

    def _learn(self, entity_id: str, attributes: Mapping[str, Any]) -> None:
        area = self.ours[entity_id]
        if attributes.get("device_class") == "occupancy":
            self.occupancy[entity_id] = area
        elif entity_id.startswith("switch.") and (camera := attributes.get("camera")):
            self.switches[entity_id] = camera
            self.tally.camera_area[camera] = (attributes.get("areas") or [area])[0]

    def on_call(self, event: Mapping[str, Any]) -> None:
        """A call_service event."""
        data = event["data"]
        if data.get("domain") != "camera":
            return
        targets = (data.get("service_data") or {}).get("entity_id") or ["(no entity)"]
        for target in [targets] if isinstance(targets, str) else targets:
            self.tally.camera_calls[f"{data['service']} {target}"] += 1

    def _say(self, text: str) -> None:
        if self.clock is not None:
            say(f"  [{self.clock()}] {text}")


def summary(
    tally: Tally,
    areas: Mapping[str, str],
    status: Mapping[str, Any],
    integration_errors: Sequence[str],
    other_errors: Sequence[str],
) -> list[str]:
    """The --check report, line by line."""
    lines = [
        (
            f"Replayed {status.get('events_replayed')} of {status.get('events_total')} events at "
            f"{status.get('speed')}x, data time {status.get('start')} -> {status.get('data_time')}"
        ),
        f"Areas ({len(areas)}):",
        f"  {'area':<16}{'transitions':>12}  {'camera':<32}{'privacy changes':>16}",
    ]
    cameras_of: dict[str, list[str]] = {}
    for camera, area in tally.camera_area.items():
        cameras_of.setdefault(area, []).append(camera)
    for area_id in areas:
        for i, camera in enumerate(sorted(cameras_of.get(area_id, [])) or ["-"]):
            moves = f"{tally.transitions[area_id]:>12}" if i == 0 else " " * 12
            changes = tally.privacy_changes[camera] if camera != "-" else "-"
            lines.append(f"  {area_id if i == 0 else '':<16}{moves}  {camera:<32}{changes:>16}")
    calls: Counter[str] = Counter()
    for key, count in tally.camera_calls.items():
        calls[key.split()[0]] += count
    lines.append(
        f"Camera service calls: {sum(calls.values())} "
        f"({', '.join(f'{name} {count}' for name, count in sorted(calls.items())) or 'none'})"
    )
    lines.append(f"Errors logged from {DOMAIN}: {len(integration_errors)}")
    lines.extend(f"  {record.splitlines()[0]}" for record in integration_errors[:5])
    lines.append(f"Other errors in the Home Assistant log: {len(other_errors)}")
    lines.extend(f"  {record.splitlines()[0][:160]}" for record in other_errors[:5])
    met = "met" if tally.done_when() else "NOT met"
    lines.append(f"Done-when (transitions in >= 4 areas, privacy switches following): {met}")
    return lines


# ---------------------------------------------------------------------------- screenshot


async def screenshot(client: HomeAssistantClient, page: str, out: Path) -> None:
    """Save a PNG of `page` (a frontend path) as the dev user, with headless Debian chromium.

    The login is the user's tokens put into the frontend's localStorage (`hassTokens`) through
    the Chrome DevTools Protocol; nothing but aiohttp is used.

    Raises:
        DevelopError: chromium is not installed or did not answer.
    """
    if (chromium := shutil.which("chromium")) is None:
        raise DevelopError("--screenshot needs Debian's chromium (apt-get install chromium)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = tempfile.mkdtemp(prefix="develop-chromium-")
    args = [
        f"--remote-debugging-port={port}",
        f"--user-data-dir={profile}",
        "--headless=new",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1400,1000",
        "about:blank",
    ]
    if os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    browser = await asyncio.create_subprocess_exec(
        chromium, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        targets: list[dict[str, Any]] = []
        for _ in range(60):
            try:
                async with client.session.get(f"http://127.0.0.1:{port}/json/list") as reply:
                    targets = [t for t in await reply.json() if t["type"] == "page"]
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
        if not targets:
            raise DevelopError("chromium did not open its debugging port")
        async with client.session.ws_connect(
            targets[0]["webSocketDebuggerUrl"], max_msg_size=0
        ) as cdp:
            await _cdp(cdp, "Page.navigate", url=f"{client.url}/manifest.json")
            tokens = client.tokens | {"hassUrl": client.url, "clientId": client.client_id}
            script = f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))})"
            await _cdp(cdp, "Runtime.evaluate", expression=script)
            await _cdp(cdp, "Page.navigate", url=f"{client.url}{page}")
            connected = "document.querySelector('home-assistant')?.hass?.connected === true"
            for _ in range(60):
                reply = await _cdp(cdp, "Runtime.evaluate", expression=connected)
                if reply.get("result", {}).get("value") is True:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(5)  # panels and cards load lazily after the connection
            shot = await _cdp(cdp, "Page.captureScreenshot", format="png")
        await asyncio.to_thread(_write_bytes, out, base64.b64decode(shot["data"]))
    finally:
        browser.kill()
        await browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _cdp(cdp: aiohttp.ClientWebSocketResponse, method: str, **params: Any) -> Any:
    """Send one DevTools Protocol command and return its result, skipping events."""
    ident = int(time.monotonic() * 1000)
    await cdp.send_json({"id": ident, "method": method, "params": params})
    while True:
        message = await cdp.receive_json()
        if message.get("id") == ident:
            return message.get("result", {})


# ---------------------------------------------------------------------------- main


@dataclass(slots=True)
class Run:
    """One run's inputs and what it saw."""

    args: argparse.Namespace
    schedule: dict[str, Any]
    config: Path
    areas: dict[str, str] = field(default_factory=dict)
    monitor: Monitor | None = None
    status: dict[str, Any] = field(default_factory=dict)


async def session(
    run: Run, client: HomeAssistantClient, process: asyncio.subprocess.Process
) -> None:
    """Log in, configure Occupancy Manager, start the replay; then watch (--check) or wait."""
    args = run.args
    await client.wait_until_up(process)
    await client.async_login()
    await client.wait_running()
    await client.ws_connect()
    run.areas = await replay_areas(client)
    if not run.areas:
        raise DevelopError("occupancy_replay created no sensors; see config/home-assistant.log")
    timeout = scaled_timeout(args.speed)
    entry_id = await configure(client, run.areas, args.speed)
    ours, states = await our_entities(client, entry_id, run.areas)
    started = time.monotonic()
    start = datetime.fromisoformat(run.schedule["start"])

    def clock() -> str:
        return (start + timedelta(seconds=(time.monotonic() - started) * args.speed)).strftime(
            "%m-%d %H:%M:%S"
        )

    run.monitor = Monitor(ours, states, None if args.check else clock)
    await client.subscribe("state_changed", run.monitor.on_state)
    await client.subscribe("call_service", run.monitor.on_call)
    await client.ws(
        "call_service",
        domain="occupancy_replay",
        service="start",
        service_data={},
        return_response=True,
    )
    started = time.monotonic()
    say(f"Home Assistant: {client.url}  (login {USERNAME} / {PASSWORD}, a dev-only account)")
    say(
        f"Replaying {run.schedule['source']} from {start} at {args.speed}x; "
        f"{len(run.areas)} areas ({', '.join(run.areas)}), timeout {timeout} s "
        f"(= {timeout * args.speed:.0f} s of the home's time)",
    )
    if not args.check:
        say(
            "Ctrl-C stops Home Assistant. Changes follow as [data time] lines; the full log is "
            f"{run.config / 'home-assistant.log'}",
        )
        await process.wait()
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), args.seconds)
    reply = await client.ws(
        "call_service",
        domain="occupancy_replay",
        service="status",
        service_data={},
        return_response=True,
    )
    run.status = reply["response"]
    if args.screenshot:
        await screenshot(client, args.page, args.screenshot)
        say(f"Saved {args.screenshot}")


async def run_hass(run: Run) -> int | None:
    """Start Home Assistant, run the session, and stop it; returns its exit code (100: restart)."""
    process = await start_hass(run.config)
    assert process.stdout is not None  # noqa: S101
    console = asyncio.create_task(
        pump_console(process.stdout, run.config / CONSOLE_LOG, show=not run.args.check)
    )
    try:
        async with aiohttp.ClientSession() as http:
            client = HomeAssistantClient(http, run.args.port)
            try:
                await session(run, client, process)
            finally:
                await client.close()
    finally:
        await stop_hass(process)
        await console
    return process.returncode


def report(run: Run) -> int:
    """Print the --check summary from what the run saw and the log; returns the exit code."""
    log = run.config / "home-assistant.log"
    records = error_records(log.read_text(errors="replace")) if log.exists() else []
    ours = [record for record in records if DOMAIN in record]
    others = [record for record in records if DOMAIN not in record]
    tally = run.monitor.tally if run.monitor else Tally()
    say("\n".join(summary(tally, run.areas, run.status, ours, others)))
    if problems := tally.problems(ours):
        say(f"CHECK FAILED: {'; '.join(problems)}", err=True)
        return 1
    say("CHECK OK")
    return 0


async def main_async(run: Run) -> int:
    """Run until done (--check) or until Home Assistant stops; restart it when asked to.

    SIGTERM stops Home Assistant cleanly, as Ctrl-C does.
    """
    if (task := asyncio.current_task()) is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    while True:
        code = await run_hass(run)
        if run.args.check:
            return report(run)
        if code != 100:  # noqa: PLR2004 - homeassistant.const.RESTART_EXIT_CODE
            say(f"Home Assistant exited with code {code}")
            return code or 0
        say("Home Assistant asked for a restart; starting it again")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of scripts/develop."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--speed",
        type=float,
        default=10.0,
        help="data seconds per real second (default 10; --check: 600)",
    )
    parser.add_argument("--start", help="data time to start at, ISO (default: a morning)")
    parser.add_argument("--events", type=Path, help="CASAS event file (with --mapping)")
    parser.add_argument("--mapping", type=Path, help="sensor -> area mapping file (with --events)")
    parser.add_argument("--port", type=int, default=8123, help="HTTP port (default 8123)")
    parser.add_argument("--check", action="store_true", help="run headless, summarise, exit")
    parser.add_argument(
        "--seconds", type=float, default=90.0, help="--check: real seconds of replay (default 90)"
    )
    parser.add_argument("--screenshot", type=Path, help="--check: save a PNG of --page at the end")
    parser.add_argument("--page", default="/occupancy-dev", help="frontend path for --screenshot")
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if "--speed" not in (argv if argv is not None else sys.argv[1:]) and args.check:
        args.speed = 600.0
    if args.speed <= 0:
        parser.error("--speed must be > 0")
    if args.screenshot and not args.check:
        parser.error("--screenshot goes with --check")
    if (args.events is None) != (args.mapping is None):
        parser.error("--events and --mapping go together")
    return args


def load(args: argparse.Namespace) -> dict[str, Any]:
    """Read the data and build the schedule.

    Raises:
        DevelopError: no data set, an unreadable file, or a start outside the data.
    """
    if args.events is None:
        found = default_dataset(REPO_ROOT)
        if found is None:
            raise DevelopError(
                "no default data set here (the CASAS AL home in ../shared/data). Pass a CASAS "
                "event file and its mapping: scripts/develop --events FILE --mapping MAP.tsv "
                "(mapping format: devtools/mappings/casas_al_smarthome.tsv)"
            )
        args.events, args.mapping = found
    try:
        mapping = read_casas_mapping(args.mapping)
        events = list(read_events(args.events, mapping))
    except (OSError, CasasFormatError) as err:
        raise DevelopError(str(err)) from None
    if not events:
        raise DevelopError(f"{args.events} has no events of the sensors in {args.mapping}")
    try:
        start = datetime.fromisoformat(args.start) if args.start else default_start(events)
    except ValueError:
        raise DevelopError(
            f"--start {args.start!r} is not an ISO time like 2011-06-16T07:00"
        ) from None
    start = start.replace(tzinfo=None)
    first_day = datetime.combine(events[0].at.date(), datetime.min.time())
    if not first_day <= start <= events[-1].at:
        raise DevelopError(f"--start {start} is outside the data ({first_day} .. {events[-1].at})")
    return build_schedule(events, mapping, start, args.speed, str(args.events))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of scripts/develop; returns the exit code (2: bad input or setup)."""
    args = parse_args(argv)
    try:
        schedule = load(args)
        check_port(args.port)
        prepare_config(args.config, args.port, schedule)
    except DevelopError as err:
        say(f"scripts/develop: {err}", err=True)
        return 2
    run = Run(args, schedule, args.config)
    try:
        return asyncio.run(main_async(run))
    except KeyboardInterrupt, asyncio.CancelledError:
        say("\nStopped.")
        return 0
    except DevelopError as err:
        say(f"scripts/develop: {err}", err=True)
        tail = args.config / CONSOLE_LOG
        if tail.exists():
            say(f"Last lines of {tail}:", err=True)
            say("\n".join(tail.read_text(errors="replace").splitlines()[-20:]), err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
