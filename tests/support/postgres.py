"""A throwaway PostgreSQL server on 127.0.0.1 and a free port (Debian's ``postgresql``).

``initdb`` and ``postgres`` refuse to run as root: as root they run as the ``postgres`` user,
in a data folder it owns; as anyone else, as that user."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} missing: apt-get install -y postgresql")
    return found[-1]


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[int]:
    """Yield the port of a server with an empty database ``dagster`` (user ``postgres``, trust
    authentication, loopback only)."""
    folder = Path(tempfile.mkdtemp(prefix="edge_pg_"))
    data, socket_dir = folder / "data", folder / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket_dir, "postgres")
    subprocess.run(
        _as_server_user([_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        _as_server_user(
            [
                _bin("postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(socket_dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ]
        ),  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        deadline = time.monotonic() + 60
        while subprocess.run(ready, capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start on port {port}")
            time.sleep(0.3)
        subprocess.run(
            [_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "dagster"],
            check=True,
            capture_output=True,
        )
        yield port
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
