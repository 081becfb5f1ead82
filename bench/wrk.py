"""Driving wrk (Debian's package, installed when missing) and reading its --latency report."""

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_wrk():
    """The path of wrk; installs Debian's package with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: wrk is missing; installing Debian's package with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk could not be installed (apt-get install wrk)")
    return found


@dataclass
class Measurement:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # non-2xx/3xx responses plus socket errors
    learners_reused: int = 0
    load_average: float = 0.0  # the machine's 1-minute load average when it started
    others_cpu_percent: float = 0.0  # share of the machine's CPU that other work took meanwhile

    def as_dict(self):
        return asdict(self)


def _ms(value, unit):
    return float(value) * _UNIT_MS[unit]


def parse(name, output):
    """A Measurement from wrk's text output (run with --latency)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"bench: cannot read wrk's output for {name}:\n{output}")
    failed = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        failed += int(non_2xx.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors:
        # A worker that closes the connection after each response (sync, or keep-alive
        # off) makes wrk count some of those closes as read errors although the response
        # was complete. Connect, write and timeout errors are real failures.
        failed += int(errors.group(1)) + int(errors.group(3)) + int(errors.group(4))
    wrapped = re.search(r"bench: learner list wrapped (\d+) times", output)
    return Measurement(
        name=name,
        requests_per_second=float(rps.group(1)),
        p50_ms=round(_ms(*p50.groups()), 3),
        p99_ms=round(_ms(*p99.groups()), 3),
        requests=int(total.group(1)),
        failed=failed,
        learners_reused=int(wrapped.group(1)) if wrapped else 0,
    )


def run(wrk, name, url, *, seconds, connections, threads, headers=(), script=None, env=None):
    """Load `url` for `seconds` and return the Measurement."""
    command = [wrk, "--latency", f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s", "--timeout=5s"]
    for header in headers:
        command += ["--header", header]
    if script:
        command += ["--script", str(BENCH_DIR / script)]
    command.append(url)
    run_env = {**os.environ, "BENCH_WRK_THREADS": str(threads), **(env or {})}
    completed = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"bench: wrk failed for {name}:\n{completed.stdout}\n{completed.stderr}")
    return parse(name, completed.stdout)
