"""Debian packages and servers for the deployment tests (nginx, PgBouncer)."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from .servers import free_port


def ensure_debian_package(package, binary):
    """The path of `binary`, installing Debian's `package` with apt-get when it is missing.

    Skips the test (with the reason) only when installing is impossible here.
    """
    path = shutil.which(binary) or (os.path.exists(f"/usr/sbin/{binary}") and f"/usr/sbin/{binary}")
    if path:
        return path
    if shutil.which("apt-get") is None:
        pytest.skip(f"{binary} is missing and this machine has no apt-get to install Debian's {package}")
    if os.geteuid() != 0:
        pytest.skip(f"{binary} is missing and installing Debian's {package} needs root (apt-get install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", package]
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600, check=False)
    path = shutil.which(binary) or (os.path.exists(f"/usr/sbin/{binary}") and f"/usr/sbin/{binary}")
    if not path:
        pytest.skip(f"could not install Debian's {package}: {result.stderr.strip()[-500:]}")
    # Where no policy-rc.d holds it back, the package starts its system service: the test
    # starts its own, and must leave nothing running.
    if shutil.which("service"):
        subprocess.run(["service", package, "stop"], capture_output=True, timeout=60, check=False)
    return path


def wait_for_port(port, process, log_path, timeout=20):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {_tail(log_path)}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"did not listen on {port}: {_tail(log_path)}")


def _tail(path):
    try:
        with open(path, errors="replace") as log:
            return log.read()[-2000:]
    except OSError:
        return "(no log)"


class Daemon:
    """A server process in the foreground of its own session, stopped (and reaped) by stop()."""

    def __init__(self, command, port, log_path, **popen):
        self.port = port
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **popen)
        try:
            wait_for_port(port, self.process, log_path)
        except RuntimeError:
            self.stop()
            raise

    def log(self):
        return _tail(self.log_path)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


__all__ = ["Daemon", "ensure_debian_package", "free_port"]
