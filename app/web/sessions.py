"""Server-side sessions in PostgreSQL, behind an HttpOnly, SameSite=Lax cookie.

A reader of public pages gets no session at all; one is made the first time
something is stored (sign-in's state and nonce, a CSRF token). Revoking a session
is deleting or marking its row: the next request finds nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import asyncpg
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ANONYMOUS_IDLE = 2 * 3600
UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a pooled connection cut in the middle of a query
    # A new connection refused: shutting down, starting up, or not accepting connections.
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,
)
ABSOLUTE = 12 * 3600


@dataclass(frozen=True)
class Timeouts:
    """Idle timeout by kind of person (seconds); an absolute limit for all."""

    staff: int = 30 * 60
    citizen: int = 2 * 3600
    absolute: int = ABSOLUTE


def _hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


class Session(dict[str, Any]):
    """The session's data; `rotate()` and `end()` act on the stored session."""

    def __init__(self, session_id: str | None, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.session_id = session_id
        self.loaded = dict(data)
        self.rotate_requested = False
        self.ended = False

    def rotate(self) -> None:
        """A new id at sign-in, so an id planted before sign-in is worth nothing."""
        self.rotate_requested = True

    def end(self) -> None:
        self.ended = True
        self.clear()

    @property
    def idle_seconds(self) -> int:
        kind = self.get("kind")
        timeouts = Timeouts()
        return timeouts.staff if kind == "staff" else timeouts.citizen if kind else ANONYMOUS_IDLE


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure
        self.cookie = "__Host-tribune_session" if secure else "tribune_session"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pool = scope["state"]["pool"]
        try:
            session = await self._load(pool, _cookie(scope, self.cookie))
        except UNREACHABLE:
            # The page still answers (a form comes back with its text); nothing is saved.
            session, scope["database_down"] = Session(None, {}), True
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session.get("kind"):  # a page for one person: kept by no cache
                    headers["cache-control"] = "no-store"
                cookie = None if scope.get("database_down") else await self._save(pool, session)
                if cookie is not None:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _load(self, pool: Any, session_id: str | None) -> Session:
        if not session_id:
            return Session(None, {})
        row = await pool.fetchrow(
            "UPDATE web_sessions SET seen_at = now() WHERE id_hash = $1 AND revoked_at IS NULL"
            " AND expires_at > now() AND seen_at + make_interval(secs => idle_seconds) > now()"
            " RETURNING data",
            _hash(session_id),
        )
        if row is None:
            return Session(None, {})
        return Session(session_id, json.loads(row["data"]))

    async def _save(self, pool: Any, session: Session) -> str | None:
        """The Set-Cookie header value when the cookie must change, else None."""
        if session.ended:
            await _delete(pool, session.session_id)
            return self._cookie_header("", 0)
        if session.session_id and session.rotate_requested:
            await _delete(pool, session.session_id)
            session.session_id = None
        if session.session_id is None:
            return await self._create(pool, session) if session else None
        if dict(session) != session.loaded:
            await pool.execute(
                "UPDATE web_sessions SET data = $2, idle_seconds = $3 WHERE id_hash = $1",
                _hash(session.session_id),
                json.dumps(dict(session)),
                session.idle_seconds,
            )
        return None

    async def _create(self, pool: Any, session: Session) -> str:
        session.session_id = secrets.token_urlsafe(32)
        await pool.execute(
            "INSERT INTO web_sessions (id_hash, data, idle_seconds, expires_at)"
            " VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
            _hash(session.session_id),
            json.dumps(dict(session)),
            session.idle_seconds,
            ABSOLUTE,
        )
        return self._cookie_header(session.session_id, ABSOLUTE)

    def _cookie_header(self, value: str, max_age: int) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[self.cookie] = value
        morsel = cookie[self.cookie]
        morsel["path"], morsel["max-age"], morsel["httponly"] = "/", str(max_age), True
        morsel["samesite"] = "Lax"
        if self.secure:
            morsel["secure"] = True
        return morsel.OutputString()


def session_of(request: Any) -> Session:
    """The request's session, typed as ours (Starlette types it as a plain dict)."""
    session = request.scope["session"]
    assert isinstance(session, Session)
    return session


def csrf_token(request: Any) -> str:
    """The session's CSRF token, made on first use (which makes the session)."""
    session = session_of(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            jar.load(value.decode("latin-1"))
            if name in jar:
                return jar[name].value
    return None


async def _delete(pool: Any, session_id: str | None) -> None:
    if session_id:
        await pool.execute("DELETE FROM web_sessions WHERE id_hash = $1", _hash(session_id))


async def revoke(pool: Any, session_id: str) -> None:
    """Ends a session from outside (an administrator, a stolen device)."""
    await pool.execute(
        "UPDATE web_sessions SET revoked_at = now() WHERE id_hash = $1", _hash(session_id)
    )
