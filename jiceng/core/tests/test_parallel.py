"""When the platform uses a second CPU (jiceng.core.parallel)."""

import os
import sys

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
