"""Throwaway services for the scale benchmark: a `chroma run` server and a PostgreSQL cluster on loopback.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# -- services -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """A ``chroma run`` from the venv on a loopback port (as tests/chroma_server.py)."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        self._log = (path / "chroma.log").open("w")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self, timeout: float = 90.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("chroma run did not become ready")

    def peak_rss_mb(self) -> float | None:
        return vm_hwm_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class PostgresCluster:
    """A throw-away PostgreSQL cluster on a loopback port, run as the ``postgres`` user."""

    BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"))

    def __init__(self) -> None:
        self.bin = next((d for d in self.BIN_DIRS if (d / "initdb").exists()), None)
        if self.bin is None or shutil.which("runuser") is None:
            raise RuntimeError("initdb/pg_ctl not found (PostgreSQL 15 server binaries)")
        self.dir = Path(tempfile.mkdtemp(prefix="pdz-scale-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "cluster"
        self._pg("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "120",
                 "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on", "start")

    def _pg(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--",
                                                                       str(self.bin / tool), *args]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def create_database(self, name: str) -> str:
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def database_mb(self, name: str) -> float:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={name}") as conn:
            row = conn.execute("select pg_database_size(%s)", (name,)).fetchone()
        return round(int(row[0]) / 2**20, 1) if row else 0.0

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
