"""Using the second CPU for CPU-bound pure work (the demo's generation, an import's checks).

`fork_map(fn, items)` runs `fn(items[0])` here and each other item in a forked child process,
and returns the results in order. A child inherits this process's memory (the loaded lookups,
the active language) and must not touch the database: `fn` is pure. Results come back pickled
through a pipe. Without fork (not Linux, one CPU) everything runs here, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Sequence


def can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _child(fn, item, sender) -> None:
    try:
        sender.send((True, fn(item)))
    except BaseException:  # reported to the parent, which raises it
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()
        os._exit(0)  # no atexit handlers, no closing of inherited database connections


def fork_map(fn: Callable, items: Sequence) -> list:
    if len(items) < 2 or not can_fork():
        return [fn(item) for item in items]
    ctx = multiprocessing.get_context("fork")
    children = []
    for item in items[1:]:
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(fn, item, sender), daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver))
    results = [fn(items[0])]
    for process, receiver in children:
        try:
            ok, payload = receiver.recv()
        except EOFError:
            raise RuntimeError("a worker process died") from None
        finally:
            process.join()
        if not ok:
            raise RuntimeError(f"a worker process failed:\n{payload}")
        results.append(payload)
    return results
