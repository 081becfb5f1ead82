"""deploy/nginx.conf run for real, on loopback ports: for the bench and the deployment tests."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from assessment_service.config import PROJECT_ROOT


def nginx_config(upstream_ports, listen_port, directory):
    """deploy/nginx.conf with the given ports and paths, inside a minimal main config."""
    site = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstream_ports)
    site, upstreams = re.subn(r"^\s*server 127\.0\.0\.1:8000[^;]*;\n", servers, site, flags=re.MULTILINE)
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen_port};", site)
    site, logs = re.subn(r"access_log \S+;", f"access_log {directory}/access.log;", site)
    assert (upstreams, listens, logs) == (1, 1, 1), "deploy/nginx.conf no longer has the lines this replaces"
    temp_paths = "".join(
        f"    {kind}_temp_path {directory}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        # As root, nginx's workers would switch to nobody, who cannot enter a private tmp dir.
        ("user root;\n" if os.geteuid() == 0 else "")
        # Debian's nginx.conf has 768 connections per worker; a slow client holds one, and
        # one proxied request two.
        + f"worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log warn;\n"
        + "events { worker_connections 2048; }\n"
        + "http {\n    default_type application/octet-stream;\n"
        + temp_paths
        + site
        + "}\n"
    )


def nginx_binary():
    """Debian's nginx, installed with apt-get when it is missing."""
    found = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "nginx"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    if shutil.which("service"):
        # Where no policy-rc.d holds it back, the package starts its system service.
        subprocess.run(["service", "nginx", "stop"], capture_output=True, timeout=60, check=False)
    return shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """nginx with deploy/nginx.conf on a free loopback port in front of `upstream_ports`."""

    def __init__(self, upstream_ports, directory):
        self.directory = Path(directory)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.config = self.directory / "nginx.conf"
        self.config.write_text(nginx_config(upstream_ports, self.port, self.directory))
        self.process = None

    def __enter__(self):
        command = [
            nginx_binary(),
            "-p",
            str(self.directory),
            "-e",
            f"{self.directory}/error.log",
            "-c",
            str(self.config),
            "-g",
            "daemon off;",
        ]
        with open(self.directory / "nginx.out", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.directory / 'error.log').read_text()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"nginx did not listen on {self.port}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
