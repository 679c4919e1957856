"""Timing: warm up, then the median over several runs of many calls each."""
from __future__ import annotations

import statistics
import time


def median_us(call, iterations: int, runs: int = 5, warmup: int | None = None) -> float:
    """Microseconds per ``call()``: the median of ``runs`` means of ``iterations`` calls.

    The median of run means shrugs off a run disturbed by the other processes of a
    shared machine; the warm-up fills caches, pools and the statement cache first.
    """
    for _ in range(iterations // 5 if warmup is None else warmup):
        call()
    means = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        for _ in range(iterations):
            call()
        means.append((time.perf_counter_ns() - started) / iterations / 1000)
    return statistics.median(means)
