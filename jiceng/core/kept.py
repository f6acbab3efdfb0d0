"""Kept state: tables the services keep in step with the records so that a city-wide read is
one indexed read — the subtree counts (orgs.rollups), each member's dues account
(dues.accounts), the meetings held per organisation and each member's last organisational life
(activities.life). Each kind registers, from its app's AppConfig.ready(), a check (its
differences from a recomputation from the records: an empty list when in step) and a
set-based rebuild; `jiceng rollups --check | --rebuild` runs every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kept:
    name: str  # as the command prints it, e.g. "dues accounts"
    check: Callable[[], list]  # the differences from the records, [] when in step
    rebuild: Callable[[], int]  # recompute from the records; returns the rows written


_registry: dict[str, Kept] = {}


def register(name: str, *, check: Callable[[], list], rebuild: Callable[[], int]) -> None:
    _registry[name] = Kept(name, check, rebuild)


def registered() -> list[Kept]:
    return list(_registry.values())
