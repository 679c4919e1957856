"""Timing: warm up, then the median over several runs of many calls each."""
from __future__ import annotations

import dataclasses
import statistics
import time


@dataclasses.dataclass(frozen=True)
class Timing:
    """Microseconds per call: wall-clock, and CPU time of the whole process.

    On a machine shared with other work the wall clock also counts the time this
    process waited for a CPU; the CPU time does not, so it is the steadier of the
    two when the load average is above the number of CPUs.
    """

    wall_us: float
    cpu_us: float

    def __str__(self):
        return f"{self.wall_us:.1f} µs (CPU {self.cpu_us:.1f} µs)"


def median_us(call, iterations: int, runs: int = 5, warmup: int | None = None) -> Timing:
    """The median of ``runs`` means of ``iterations`` calls of ``call()``, after a warm-up.

    The median of run means shrugs off a run disturbed by the other processes of a
    shared machine; the warm-up fills caches, pools and the statement cache first.
    """
    for _ in range(iterations // 5 if warmup is None else warmup):
        call()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
        for _ in range(iterations):
            call()
        cpus.append((time.process_time_ns() - cpu_started) / iterations / 1000)
        walls.append((time.perf_counter_ns() - started) / iterations / 1000)
    return Timing(statistics.median(walls), statistics.median(cpus))
