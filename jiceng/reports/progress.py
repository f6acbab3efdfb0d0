"""Live progress of a snapshot being taken, shared between the worker and the page through
the cache (the snapshot is written in one transaction, invisible to the page until the end;
see jiceng/transfer/progress.py, whose pattern this follows)."""

import time

from django.core.cache import cache

TTL = 24 * 3600
STALE_AFTER = 180  # seconds without news from a running snapshot: its process has died


def _key(snapshot_id: int) -> str:
    return f"jiceng:snapshot:{snapshot_id}"


def report(snapshot_id: int, phase: str, done: int, total: int) -> None:
    state = {"phase": str(phase), "done": done, "total": total, "at": time.time()}
    cache.set(_key(snapshot_id), state, TTL)


def read(snapshot_id: int) -> dict:
    """{"phase", "done", "total", "at", "percent", "stale"}; empty if nothing was reported."""
    state = cache.get(_key(snapshot_id)) or {}
    if state:
        total = state.get("total") or 0
        state["percent"] = int(100 * state["done"] / total) if total else 0
        state["stale"] = time.time() - state.get("at", 0) > STALE_AFTER
    return state


def clear(snapshot_id: int) -> None:
    cache.delete(_key(snapshot_id))
