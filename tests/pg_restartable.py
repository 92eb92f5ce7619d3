"""A private throwaway PostgreSQL server that a test may stop and start again (the
session's shared ``pg_server`` must never go down): connection-loss tests."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from tests import pg_server as pg


@dataclass
class RestartableServer:
    """A server of its own (see ``tests.pg_server.start``) with :meth:`stop` and
    :meth:`start` keeping its data, port and socket folder."""

    server: pg.Server

    def _ctl(self, *args: str) -> None:
        server = self.server
        assert server.bin_dir is not None
        assert server.data_dir is not None
        command = [*server._as_user, str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir)]
        done = subprocess.run([*command, *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise pg.ServerUnavailableError(f"pg_ctl {args[-1]}: {done.stderr.strip()}")

    def stop(self) -> None:
        """Shut the server down (clients are disconnected; nothing is lost)."""
        self._ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start it again on the same port."""
        server = self.server
        assert server.data_dir is not None
        root = server.data_dir.parent
        options = (
            f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._ctl("-o", options, "-l", str(root / "server.log"), "-w", "-t", "30", "start")

    def terminate_sessions(self, database: str) -> None:
        """Kill every connection to ``database`` (as a network blip or an admin would)."""
        with self.server.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )

    def close(self) -> None:
        """Stop for good and delete its files."""
        self.server.stop()


def start_restartable() -> RestartableServer:
    """A new private server (a few seconds to start)."""
    return RestartableServer(pg.start())
