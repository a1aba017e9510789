"""The registry of the areas of the API Loom covers — chat, fine-tuning, models, usage,
requests, and each one to come — each in one package of its own under tui/areas/, found
here. It imports nothing of Loom's, so every layer may ask it (the client, the services,
the simulator's app, the store, the modes, the command line) without an arrow running up
to the areas: what it finds is imported by name, when asked for.

An area is `tui/areas/<name>/`: its API resource and schemas (`api/`), its simulator
routes (`sim/`), its logic and service (`core/`), its screens (`screens/`) and its
commands (`commands.py`), each part optional. Its `__init__.py` declares `AREA = Area(...)`
with the parts as "module:name" strings, so finding every area costs a few small imports
and nothing of an area loads before it is used. The client, the services, the simulator's
app factory, the modes, the palette and the command line loop over `areas()`: adding an
area edits no file outside its own folder. Import contracts (pyproject.toml) keep each
area's parts layered like the whole, and the areas independent of one another: what two
areas share lives in the shared layers (`tui/core`, `tui/api`, `tui/sim`, …).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

AREAS = "tui.areas"
"""The package whose sub-packages are the areas."""


@dataclass(frozen=True, slots=True)
class Mode:
    """A screen of the app that the tab line, its key, the palette and `loom NAME` reach."""

    name: str
    """The mode's name (`App.switch_mode`), and `loom NAME` opens it."""
    title: str
    """What the tab line and the palette call it."""
    screen: str
    """The screen class, as "module:Class" (imported when the mode is first shown)."""
    about: str
    """One line on what it is for (the palette's help)."""
    key: str | None = None
    """A key that goes there from any screen, if any (the palette always does)."""
    short: str = ""
    """A shorter title for a tab line that cannot hold every title (`Tune`)."""
    order: int = 50
    """Where it stands in the tab line (smaller first)."""


@dataclass(frozen=True, slots=True)
class Area:
    """One area of the API, as the rest of Loom finds its parts."""

    name: str
    """Its package name under tui.areas (and its name in messages)."""
    modes: tuple[Mode, ...] = ()
    service: str | None = None
    """Its service (`module:Class`, an `AreaService`), made once per app with the narrow
    context of tui.core.context; what its screens and commands ask for everything."""
    sim_routes: str | None = None
    """A function `(SimState, Gate) -> list[Route]` serving its part of the API."""
    sim_seed: str | None = None
    """A function `(SimState) -> None` that fills the simulator for `loom --demo`."""
    store: str | None = None
    """Its repository class (`module:Class`, made on the store's connection) — the module
    holds the area's own `MIGRATIONS`, applied in order when the store opens."""
    sim_state: str | None = None
    """A function `(SimState) -> state` making the area's own part of the simulator's
    state (reached as `sim.<name>`)."""
    commands: str | None = None
    """A module with `add(commands, options)` and `run(args) -> int` for its command
    family of the `loom` command line."""
    model_facts: str | None = None
    """An async function `(service, model id) -> list[Fact lines]` adding to a model's
    details what this area knows of it (the job that made a fine-tuned model, say)."""
    palette: str | None = None
    """A function `(app) -> Iterable[(words, help, callback)]` of palette entries."""


@functools.cache
def areas() -> tuple[Area, ...]:
    """Every area, in the order of their modes (found once)."""
    found: list[Area] = []
    package = importlib.import_module(AREAS)
    for module in pkgutil.iter_modules(package.__path__):
        if not module.ispkg:
            continue
        area = getattr(importlib.import_module(f"{AREAS}.{module.name}"), "AREA", None)
        if isinstance(area, Area):
            found.append(area)
    return tuple(sorted(found, key=lambda a: min((m.order for m in a.modes), default=99)))


def area(name: str) -> Area:
    """The area of that name (KeyError if there is none)."""
    for each in areas():
        if each.name == name:
            return each
    raise KeyError(name)


def modes() -> tuple[Mode, ...]:
    """Every mode of every area, in tab-line order."""
    return tuple(sorted((m for a in areas() for m in a.modes), key=lambda m: m.order))


def load(reference: str) -> Any:
    """The object a "module:name" string names (imported now)."""
    module, _, name = reference.partition(":")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found
