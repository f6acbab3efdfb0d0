"""Live progress of an import, shared between the worker and the web through the cache.

Progress cannot go into the database: the import writes inside one long transaction, and a
row updated there is invisible to the page until the end (on SQLite the write lock would also
block it). The cache (settings.CACHES: a file cache on one machine) is outside transactions.
"""

import time

from django.core.cache import cache

TTL = 24 * 3600
STALE_AFTER = 180  # seconds without news from a running job: its process has died


def _key(job_id: int) -> str:
    return f"jiceng:import:{job_id}"


class Reporter:
    """A progress(phase, done, total) callback that writes at most twice a second."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.time()
        if now - self._last < 0.5 and done < total:
            return
        self._last = now
        cache.set(
            _key(self.job_id), {"phase": str(phase), "done": done, "total": total, "at": now}, TTL
        )


def beat(job_id: int, phase: str) -> None:
    cache.set(_key(job_id), {"phase": str(phase), "done": 0, "total": 0, "at": time.time()}, TTL)


def read(job_id: int) -> dict:
    """{"phase", "done", "total", "at", "percent", "stale"}; empty if nothing was reported."""
    state = cache.get(_key(job_id)) or {}
    if state:
        total = state.get("total") or 0
        state["percent"] = int(100 * state["done"] / total) if total else 0
        state["stale"] = time.time() - state.get("at", 0) > STALE_AFTER
    return state


def clear(job_id: int) -> None:
    cache.delete(_key(job_id))
