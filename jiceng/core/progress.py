"""A text progress bar per phase on stderr, for long commands (the demo build, imports)."""

from __future__ import annotations

import sys
import time


class Progress:
    """One text progress bar per phase, with elapsed seconds, on `stream` (stderr).

    On a terminal the bar is redrawn in place (at most ten times a second); elsewhere (CI logs,
    tests) only each phase's final line is written.
    """

    def __init__(self, stream=None, enabled: bool = True, width: int = 30):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.width = width
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())

    def phase(self, label: str, total: int = 1) -> Phase:
        return Phase(self, label, total)


class Phase:
    def __init__(self, progress: Progress, label: str, total: int):
        self.progress = progress
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.started = time.perf_counter()
        self.elapsed = 0.0
        self._drawn = 0.0

    def __enter__(self) -> Phase:
        self.started = time.perf_counter()
        self._draw(force=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.elapsed = time.perf_counter() - self.started
        if exc_type is None:
            self.done = self.total
        self._draw(force=True, final=True, failed=exc_type is not None)

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def update(self, done: int) -> None:
        self.done = min(done, self.total)
        self._draw()

    def line(self, failed: bool = False) -> str:
        elapsed = time.perf_counter() - self.started
        width = self.progress.width
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "." * (width - filled)
        pct = int(100 * self.done / self.total)
        tail = "  failed" if failed else ""
        return f"{self.label:<14} [{bar}] {pct:3d}%  {elapsed:6.1f}s{tail}"

    def _draw(self, force: bool = False, final: bool = False, failed: bool = False) -> None:
        p = self.progress
        if not p.enabled:
            return
        now = time.perf_counter()
        if p.live:
            if force or now - self._drawn >= 0.1:
                self._drawn = now
                p.stream.write("\r" + self.line(failed) + ("\n" if final else ""))
                p.stream.flush()
        elif final:
            p.stream.write(self.line(failed) + "\n")
            p.stream.flush()
