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


def median_us(call, iterations: int, runs: int = 5) -> Timing:
    """The median of ``runs`` means of ``iterations`` calls of ``call()``, after a warm-up.

    The median of run means shrugs off a run disturbed by the other processes of a
    shared machine; the warm-up fills caches, pools and the statement cache first.
    """
    for _ in range(iterations // 5):
        call()
    timings = [_run(call, iterations) for _ in range(runs)]
    return Timing(statistics.median(t.wall_us for t in timings), statistics.median(t.cpu_us for t in timings))


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two calls timed in alternating runs, and the median of their per-run ratios."""

    first: Timing
    second: Timing
    wall_ratio: float
    cpu_ratio: float


def compare_us(first, second, iterations: int, runs: int = 9) -> Comparison:
    """Time ``first`` and ``second`` in alternating runs of ``iterations`` calls each.

    A virtual machine's speed drifts by a third over seconds; runs taken side by
    side see the same drift, so the median of their ratios is steadier than the
    ratio of two medians taken one after the other.
    """
    for _ in range(iterations // 5):
        first()
        second()
    pairs = [(_run(first, iterations), _run(second, iterations)) for _ in range(runs)]
    return Comparison(
        Timing(statistics.median(a.wall_us for a, _ in pairs), statistics.median(a.cpu_us for a, _ in pairs)),
        Timing(statistics.median(b.wall_us for _, b in pairs), statistics.median(b.cpu_us for _, b in pairs)),
        statistics.median(a.wall_us / b.wall_us for a, b in pairs),
        statistics.median(a.cpu_us / b.cpu_us for a, b in pairs),
    )


def _run(call, iterations: int) -> Timing:
    started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
    for _ in range(iterations):
        call()
    cpu = (time.process_time_ns() - cpu_started) / iterations / 1000
    return Timing((time.perf_counter_ns() - started) / iterations / 1000, cpu)
