"""Demo data contributed by other apps.

An app that has demo records (meetings, development records, projects, ...) registers one
`Extension` from its AppConfig.ready():

    from jiceng.demo import extensions
    extensions.register(extensions.Extension(
        key="recruitment", label="development pipeline", order=10,
        estimate=lambda ctx: ctx.branches, build=demo.build))

The demo build runs every registered extension, in `order`, after the organisations, members
and accounts exist and before the subtree rollups are rebuilt, each as its own progress phase.
`build(ctx, phase)` writes its rows set-based (`jiceng.core.bulk.Inserter`), must be
deterministic for a given `ctx.seed`, `ctx.scale` and `ctx.as_of`, and calls `phase.update()`
as it goes; whatever it returns is stored in `BuildResult.extensions[key]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jiceng.core.progress import Phase


@dataclass(frozen=True)
class Context:
    seed: int
    scale: float
    as_of: date
    parallel: bool


@dataclass(frozen=True)
class Extension:
    key: str
    label: str
    build: Callable[[Context, Phase], Any]
    estimate: Callable[[Context], int] = lambda ctx: 1
    order: int = 100


_registry: dict[str, Extension] = {}


def register(ext: Extension) -> None:
    _registry[ext.key] = ext


def registered() -> list[Extension]:
    return sorted(_registry.values(), key=lambda e: (e.order, e.key))
