"""When the platform uses a second CPU (jiceng.core.parallel)."""

import os
import sys
import time

import pytest

from jiceng.core import parallel

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/stat")


@linux_only
def test_idle_cpus_is_measured_between_none_and_every_cpu():
    idle = parallel.idle_cpus(sample=0.05)
    assert idle is not None
    assert 0 <= idle <= (os.cpu_count() or 1) + 0.01


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (2.0, True),  # an idle machine
        (1.6, True),  # others use less than half a CPU
        (1.0, False),  # another process has a CPU to itself: both would share one
        (0.2, False),
    ],
)
def test_a_second_process_is_forked_only_when_the_rest_of_the_machine_leaves_a_cpu(
    monkeypatch, idle, expected
):
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "idle_cpus", lambda sample=0.1: idle)
    assert parallel.second_cpu_free() is expected


def test_without_proc_stat_the_load_average_decides(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "idle_cpus", lambda sample=0.1: None)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.4, 0.4))
    assert parallel.second_cpu_free() is True
    monkeypatch.setattr(os, "getloadavg", lambda: (1.7, 1.0, 1.0))
    assert parallel.second_cpu_free() is False


def test_never_forks_where_it_cannot(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    monkeypatch.setattr(parallel, "idle_cpus", lambda sample=0.1: 2.0)
    assert parallel.second_cpu_free() is False


def _where(item):
    if item == "fail":
        raise ValueError("bad item")
    if item == "slow":
        time.sleep(60)
    return item, os.getpid()


fork_only = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two CPUs")


@fork_only
def test_fork_imap_yields_in_order_the_first_item_here_the_rest_from_one_child():
    results = list(parallel.fork_imap(_where, ["a", "b", "c", "d"]))
    assert [item for item, _pid in results] == ["a", "b", "c", "d"]
    pids = [pid for _item, pid in results]
    assert pids[0] == os.getpid()
    assert len(set(pids[1:])) == 1 and pids[1] != os.getpid()


def test_fork_imap_without_fork_computes_everything_here():
    results = list(parallel.fork_imap(_where, ["a", "b", "c"], fork=False))
    assert results == [("a", os.getpid()), ("b", os.getpid()), ("c", os.getpid())]


@fork_only
def test_a_failure_in_the_child_is_raised_here_after_the_results_before_it():
    results = parallel.fork_imap(_where, ["a", "b", "fail", "d"])
    assert next(results)[0] == "a"
    assert next(results)[0] == "b"
    with pytest.raises(RuntimeError, match="bad item"):
        next(results)


@fork_only
def test_stopping_early_stops_the_child():
    results = parallel.fork_imap(_where, ["a", "b", "slow"])
    next(results)
    _item, child = next(results)
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 10  # killed, not waited for
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
