"""A throwaway PostgreSQL server in a temporary folder, for tests and benchmarks.

It uses the PostgreSQL binaries of the machine (``/usr/lib/postgresql/*/bin`` or the
``PATH``); ``.ci/setup-postgres.sh`` installs them when they are missing. ``initdb``
refuses to run as root, so as root the cluster is created and run as the ``postgres``
system user (via ``runuser``). It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TempPostgres", "find_pg_bin"]


def find_pg_bin() -> Path | None:
    """Folder holding ``initdb``, ``pg_ctl`` and ``pgbench``, newest version first."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TempPostgres:
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager).

    Attributes:
        fsync: Keep PostgreSQL's durability settings (off only for quick tests).
        settings: Extra ``postgres -c`` settings.
    """

    fsync: bool = True
    settings: dict[str, str] = field(default_factory=dict)
    port: int = 0
    folder: Path | None = None
    bin: Path | None = None
    _flags: str = ""

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database as the ``postgres`` user."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> TempPostgres:
        """Create the cluster and start the server.

        Raises:
            RuntimeError: no PostgreSQL binaries, or the server did not start.
        """
        self.bin = find_pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries not found; run .ci/setup-postgres.sh")
        self.folder = Path(tempfile.mkdtemp(prefix="gigawatt-pg-"))
        os.chmod(self.folder, 0o777)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.port = _free_port()
        opts = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.folder),
            "max_connections": "200",
            "shared_buffers": "256MB",
            "fsync": "on" if self.fsync else "off",
            "synchronous_commit": "on" if self.fsync else "off",
            "full_page_writes": "on" if self.fsync else "off",
            **self.settings,
        }
        self._flags = " ".join(f"-c {k}={v}" for k, v in opts.items())
        return self.resume()

    def resume(self) -> TempPostgres:
        """Start the server of the cluster again after :meth:`pause` (same port and data).

        Raises:
            RuntimeError: the server did not start.
        """
        assert self.folder is not None and self.bin is not None
        result = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-o",
            self._flags,
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if result.returncode != 0:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log[-2000:]}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not accept connections")

    def pause(self, *, check: bool = True) -> None:
        """Stop the server at once (as a crash would), keeping its data for :meth:`resume`."""
        assert self.folder is not None and self.bin is not None
        data = str(self.folder / "data")
        self._run(
            str(self.bin / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop", check=check
        )

    def pgbench(self, *args: str) -> str:
        """Run pgbench against this server and return its output."""
        assert self.bin is not None
        result = self._run(
            str(self.bin / "pgbench"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            *args,
        )
        return result.stdout + result.stderr

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        if self.folder is None or self.bin is None:
            return
        self.pause(check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
