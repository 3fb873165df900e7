"""Run the project's commands as a user would: a subprocess with a scratch instance and file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
REPLAY_AS_OF = "2026-04-20T12:00:00-04:00"


def scratch_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The replay defaults with a temp DAGSTER_HOME (holding the project's dagster.yaml) and a
    temp DuckDB file, so a test never touches the developer's instance."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EDGE_", "KALSHI_", "DAGSTER_"))
    }
    env.update(
        DAGSTER_HOME=str(home),
        EDGE_DUCKDB_PATH=str(tmp_path / "edge.duckdb"),
        EDGE_DEPLOYMENT="replay",
        EDGE_AS_OF=REPLAY_AS_OF,
    )
    env.update(overrides)
    return env


def run_command(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / args[0]), *args[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DagsterProcess:
    """A Dagster service (``dagster dev``, ``dagster-webserver``, ``dagster-daemon``) in its own
    process group, so stopping it stops its children (code server, run workers) too."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / args[0]), *args[1:]],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


class DagsterWebserver(DagsterProcess):
    """``dagster dev`` (webserver, daemon and code server) or ``dagster-webserver`` alone, on
    127.0.0.1 and a free port; GraphQL at ``url``."""

    def __init__(self, env: dict[str, str], log_path: Path, command: str = "dagster dev") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([*command.split(), "-h", "127.0.0.1", "-p", str(self.port)], env, log_path)

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.process.args} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"no answer on {self.url} in {timeout} s")

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise AssertionError(answer["errors"])
        return answer["data"]
