"""How much of the machine other work took while the bench measured.

The bench and its load generator share 2 cores; anything else running at the same time
(a test suite, a build) lowers every figure. Each measurement records the share of the
machine's CPU time spent by processes that are not the bench's: not the gunicorn under
test, not wrk, not a PostgreSQL backend of the bench database.
"""

import os
import resource
import time

TICKS = os.sysconf("SC_CLK_TCK")


def _machine():
    """(all CPU seconds, idle CPU seconds) since boot, summed over the cores."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    return sum(values) / TICKS, (values[3] + values[4]) / TICKS


def _processes():
    """{pid: (parent pid, CPU seconds, command line)} of every process now."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, command)
    return found


class CpuMeter:
    """Measures the CPU share of other work between start() and stop()."""

    def __init__(self, server_pid, database_name):
        self.server_pid = server_pid
        self.database_name = database_name

    def _ours(self, pid, parent, command):
        return (
            pid in (self.server_pid, os.getpid())
            or parent == self.server_pid
            or f" {self.database_name} " in command
            # The server's own processes (WAL writer, checkpointer, ...) serve every database;
            # a client backend shows its address, "host(port)" or "[local]".
            or (command.startswith("postgres: ") and "(" not in command and "[local]" not in command)
        )

    def start(self):
        self._started = time.monotonic()
        self._machine = _machine()
        self._processes = _processes()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self):
        """Percent of the machine's CPU time (all cores) used by others meanwhile."""
        total, idle = (after - before for after, before in zip(_machine(), self._machine))
        busy = total - idle
        ours = 0.0
        for pid, (parent, seconds, command) in _processes().items():
            if self._ours(pid, parent, command):
                ours += seconds - self._processes.get(pid, (0, 0.0))[1]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, reaped by now
        ours += (children.ru_utime - self._children.ru_utime) + (children.ru_stime - self._children.ru_stime)
        return round(max(0.0, busy - ours) / total * 100, 1) if total > 0 else 0.0
