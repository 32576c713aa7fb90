"""CPU time of local processes, read from /proc (Linux): what a benchmark's parts cost."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is [0])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU time of one process (0 once it is gone); with `reaped`, also that
    of its children it has waited for (a server's connections that have ended)."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def process_tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def local_server(backend: int) -> int | None:
    """The PostgreSQL server (its first process) behind a connection's backend process id,
    when the server runs on this machine; None when it does not."""
    try:
        if Path(f"/proc/{backend}/comm").read_text().strip() != "postgres":
            return None
        return int(_stat(backend)[1])
    except (OSError, IndexError, ValueError):
        return None


def tree_cpu_seconds(root: int) -> float:
    """Every process under `root` (itself included, and the children it has reaped)."""
    return sum(cpu_seconds(pid, reaped=pid == root) for pid in process_tree(root))
