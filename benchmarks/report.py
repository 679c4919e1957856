"""The table: one row per measurement, with its target and whether it was met."""
from __future__ import annotations

import dataclasses
import os
import platform
import sys


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    result: str
    target: str = ""
    met: bool | None = None  # None: no target, only information
    check: bool = False  # a correctness check (SQL statements), not a timing: failing it fails the run

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: ""}[self.met]


def ratio_row(name: str, ratio: float, limit: float) -> Row:
    return Row(name, f"{ratio:.2f}x", f"<= {limit:g}x", ratio <= limit)


def count_row(name: str, count: int, expected: int | None, note: str = "") -> Row:
    result = f"{count}" + (f" ({note})" if note else "")
    if expected is None:
        return Row(name, result)
    return Row(name, result, f"= {expected}", count == expected, check=True)


def table(rows: list[Row]) -> str:
    """A Markdown table, readable on a terminal as it is."""
    header = ("benchmark", "result", "target", "met")
    cells = [header] + [(row.name, row.result, row.target, row.verdict) for row in rows]
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]

    def line(values):
        return "| " + " | ".join(value.ljust(width) for value, width in zip(values, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
                     + [line(values) for values in cells[1:]])


def machine() -> str:
    """nproc, the CPU model and the Python that ran the benchmarks."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
                         model)
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
            f"Python {sys.version.split()[0]} ({platform.python_implementation()}), load average {load}")
