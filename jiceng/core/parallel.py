"""Using the second CPU for CPU-bound pure work (the demo's generation, an import's checks).

`fork_imap(fn, items)` yields `fn(item)` for each item, in order: the first computed here, the
others one after the other in one forked child, each result as soon as it is there, so the
caller can use the first results (e.g. write them) while the child still works on the rest. The
child inherits this process's memory (the loaded lookups, the active language) and must not
touch the database: `fn` is pure. Results come back pickled through a pipe. Without fork (not
Linux, one CPU) everything runs here, with the same results.

`second_cpu_free()` says whether a second process would have a CPU to itself right now, from a
short sample of the machine's idle time: callers fork only then, since on a busy machine the
two processes would share the same CPUs and the pipe between them would only add work.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence


def can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


# Fork only if the rest of the machine leaves this much of two CPUs idle (others use at most
# half a CPU).
IDLE_FOR_SECOND_CPU = 1.5
IDLE_SAMPLE_S = 0.1


def idle_cpus(sample: float = IDLE_SAMPLE_S) -> float | None:
    """How many CPUs the machine left idle over the next `sample` seconds (this process sleeps
    meanwhile, so its own work does not count): from /proc/stat; None where there is none."""

    def idle_and_total() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = list(map(int, stat.readline().split()[1:9]))
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait; user … steal

    try:
        idle0, total0 = idle_and_total()
        time.sleep(sample)
        idle1, total1 = idle_and_total()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    return (idle1 - idle0) / (total1 - total0) * (os.cpu_count() or 1)


def second_cpu_free() -> bool:
    """Whether forking would put the second process on a CPU of its own: the rest of the
    machine leaves at least IDLE_FOR_SECOND_CPU CPUs idle. (The load average cannot say:
    it lags by a minute and counts this process's own work of the last minute.)"""
    if not can_fork():
        return False
    idle = idle_cpus()
    if idle is None:
        return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1
    return idle >= IDLE_FOR_SECOND_CPU


def _streaming_child(fn, items, sender) -> None:
    """Compute each item's result and hand it to a thread that sends it: a result is larger
    than the pipe, so sending blocks until the parent reads, which it may do only later (it
    is busy with its own item); meanwhile this thread computes the next result."""
    outbox: queue.SimpleQueue = queue.SimpleQueue()

    def post() -> None:
        while (message := outbox.get()) is not None:
            sender.send(message)

    poster = threading.Thread(target=post, daemon=True)
    poster.start()
    try:
        for item in items:
            outbox.put((True, fn(item)))
    except BaseException:
        outbox.put((False, traceback.format_exc()))
    finally:
        outbox.put(None)
        poster.join()
        sender.close()
        os._exit(0)


def fork_imap(fn: Callable, items: Sequence, *, fork: bool = True) -> Iterator:
    """Yield `fn(item)` for each item, in order: the first computed here, the others in one
    forked child that sends each result when it is ready (everything here if `fork` is false
    or the machine cannot fork). A caller that stops early, or raises, stops the child."""
    if len(items) < 2 or not fork or not can_fork():
        for item in items:
            yield fn(item)
        return
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_streaming_child, args=(fn, items[1:], sender), daemon=True)
    process.start()
    sender.close()
    try:
        yield fn(items[0])
        for _item in items[1:]:
            try:
                ok, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("a worker process died") from None
            if not ok:
                raise RuntimeError(f"a worker process failed:\n{payload}")
            yield payload
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
