"""The npm tools the suite runs (the OpenAPI linters): installed when missing, with the
machine's npm, into .cache/node (git-ignored) exactly as tests/helpers/npm's lock file
pins them, and installed again when that lock file changes."""

import fcntl
import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assessment_service.config import PROJECT_ROOT

PINS = Path(__file__).parent / "npm"
CACHE = PROJECT_ROOT / ".cache" / "node"
# No telemetry, update checks or banners: the tools run offline and quietly.
ENV = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_UPDATE_NOTIFIER": "1", "CI": "true"}


def npm_tool(binary):
    """The path of the pinned npm tool `binary` (node_modules/.bin), installed first if needed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time, should two runs share the folder
        path = CACHE / "node_modules" / ".bin" / binary
        installed = (CACHE / "package-lock.json").exists() and filecmp.cmp(
            PINS / "package-lock.json", CACHE / "package-lock.json", shallow=False
        )
        if not (installed and path.exists()):
            _install()
        if not path.exists():
            pytest.fail(f"npm ci did not install {binary} into {CACHE}")
    return path


def _install():
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm (Node.js) is needed to lint the OpenAPI document: apt-get install nodejs npm")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PINS / name, CACHE / name)
    # Install scripts are not needed by the linters (only telemetry uses one).
    run = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CACHE,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if run.returncode != 0:
        (CACHE / "package-lock.json").unlink(missing_ok=True)  # so the next run tries again
        pytest.fail(f"npm ci failed in {CACHE}: {run.stderr[-2000:]}")
