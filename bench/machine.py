"""What a benchmark ran on, printed with its figures: ratios hold across machines, but a
reader still wants to know which one (and how many cores) a figure came from."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def describe(*engines: str) -> str:
    """CPU, cores, Python, the given engine versions and the OS, in one line."""
    parts = [f"{cpu_model()}, {os.cpu_count()} cores (nproc)", f"Python {platform.python_version()}", *engines]
    return ", ".join([*parts, f"{platform.system()} {platform.release()}"])
