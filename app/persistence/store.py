"""The event store on asyncpg, keeping the eventsourcing library's recorder contract.

Same tables as the library's PostgresApplicationRecorder and single-row
PostgresTrackingRecorder; same method names and signatures, as coroutines. An
append is one round trip: `tribune_insert_events` (migrations/0001) takes the
table lock, notifies followers and inserts, so notification ids follow commit
order without interleaving.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from uuid import UUID

import asyncpg
from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    Notification,
    OperationalError,
    StoredEvent,
    Tracking,
)

from app.persistence.db import Conn
from app.persistence.subscription import Subscription, wait_for_tracking
from projections.engine.contract import TrackingConflictError

CHANNEL = "stored_events"

_INSERT_EVENTS = "SELECT * FROM tribune_insert_events($1::uuid[], $2, $3, $4)"
_INSERT_TRACKING = "SELECT tribune_insert_tracking($1, $2)"
# Compare and set: positions move only from where their writer read them.
_MOVE_TRACKINGS = (
    "UPDATE notification_tracking SET notification_id = $2"
    " WHERE application_name = ANY($1::text[]) AND notification_id = $3"
    " RETURNING application_name"
)
_FIRST_TRACKINGS = (
    "INSERT INTO notification_tracking SELECT unnest($1::text[]), $2"
    " ON CONFLICT (application_name) DO NOTHING RETURNING application_name"
)
_MAX_NOTIFICATION_ID = "SELECT max(notification_id) FROM stored_events"
_MAX_TRACKING_ID = "SELECT notification_id FROM notification_tracking WHERE application_name = $1"


@contextmanager
def translated_errors() -> Iterator[None]:
    """Raise the library's persistence errors, as its own recorders do."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(str(error)) from error
    except asyncpg.DataError as error:
        raise DataError(str(error)) from error
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as error:
        raise OperationalError(str(error)) from error


def _columns(
    events: Sequence[StoredEvent],
) -> tuple[list[UUID | str], list[int], list[str], list[bytes]]:
    return (
        [e.originator_id for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    )


def _stored_event(row: asyncpg.Record) -> StoredEvent:
    return StoredEvent(
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def _notification(row: asyncpg.Record) -> Notification:
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def _select_events_sql(
    gt: int | None, lte: int | None, desc: bool, limit: int | None
) -> tuple[str, list[int]]:
    sql = "SELECT * FROM stored_events WHERE originator_id = $1"
    params: list[int] = []
    for value, clause in ((gt, "originator_version >"), (lte, "originator_version <=")):
        if value is not None:
            params.append(value)
            sql += f" AND {clause} ${len(params) + 1}"
    sql += " ORDER BY originator_version " + ("DESC" if desc else "ASC")
    if limit is not None:
        params.append(limit)
        sql += f" LIMIT ${len(params) + 1}"
    return sql, params


def _select_notifications_sql(
    start: int | None,
    stop: int | None,
    topics: Sequence[str],
    inclusive_of_start: bool,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    start_op = ">=" if inclusive_of_start else ">"
    for value, template in (
        (start, "notification_id " + start_op + " ${}"),
        (stop, "notification_id <= ${}"),
        (list(topics) or None, "topic = ANY(${})"),
    ):
        if value is not None:
            params.append(value)
            clauses.append(template.format(len(params)))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    params.append(None)  # placeholder for the limit, filled by the caller
    sql = f"SELECT * FROM stored_events{where} ORDER BY notification_id LIMIT ${len(params)}"
    return sql, params


class EventStore:
    """Application, tracking and process recorder in one, on an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A connection in a transaction, for a caller's own statements beside ours."""
        with translated_errors():
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn

    async def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        tracking: Tracking | None = None,
        conn: Conn | None = None,
    ) -> Sequence[int]:
        """Append atomically; with `conn`, inside the caller's transaction."""
        if conn is not None:
            return await self._insert(conn, stored_events, tracking)
        if tracking is None:  # one statement is its own transaction: one round trip
            with translated_errors():
                async with self.pool.acquire() as own:
                    return await self._insert(own, stored_events, None)
        async with self.transaction() as own:
            return await self._insert(own, stored_events, tracking)

    async def _insert(
        self,
        conn: Conn,
        stored_events: Sequence[StoredEvent],
        tracking: Tracking | None,
    ) -> list[int]:
        if tracking is not None:
            await self.insert_tracking(tracking, conn=conn)
        if not stored_events:
            return []
        with translated_errors():
            rows = await conn.fetch(_INSERT_EVENTS, *_columns(stored_events))
        return [row[0] for row in rows]

    async def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        sql, params = _select_events_sql(gt, lte, desc, limit)
        with translated_errors():
            rows = await self.pool.fetch(sql, originator_id, *params)
        return [_stored_event(row) for row in rows]

    async def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        conn: Conn | None = None,
    ) -> Sequence[Notification]:
        sql, params = _select_notifications_sql(start, stop, topics, inclusive_of_start)
        params[-1] = limit
        with translated_errors():
            rows = await (conn or self.pool).fetch(sql, *params)
        return [_notification(row) for row in rows]

    async def max_notification_id(self, *, conn: Conn | None = None) -> int | None:
        with translated_errors():
            value: int | None = await (conn or self.pool).fetchval(_MAX_NOTIFICATION_ID)
        return value

    async def insert_tracking(
        self, tracking: Tracking, *, conn: Conn | None = None, after: int | None = None
    ) -> None:
        """Advance a position; refusing one at or below the recorded position.

        With `after`, refusing it unless the position is exactly `after` (0: none yet):
        see `move_trackings`.
        """
        name, position = tracking.application_name, tracking.notification_id
        if after is not None:
            await self.move_trackings([name], position, after=after, conn=conn)
            return
        with translated_errors():
            recorded = await (conn or self.pool).fetchval(_INSERT_TRACKING, name, position)
        if recorded is None:
            raise TrackingConflictError(f"tracking {name} is already at or past {position}")

    async def move_trackings(
        self, names: Sequence[str], position: int, *, after: int, conn: Conn | None = None
    ) -> None:
        """Move every named position from exactly `after` (0: none yet) to `position`.

        A writer that read from `after` is the only one that applied what lies between,
        even if another process, thinking itself alone, read from there too: if any
        position is elsewhere, TrackingConflictError, an IntegrityError (in a transaction,
        nothing moves).
        """
        sql = _FIRST_TRACKINGS if after == 0 else _MOVE_TRACKINGS
        args = (list(names), position) if after == 0 else (list(names), position, after)
        with translated_errors():
            moved = {row[0] for row in await (conn or self.pool).fetch(sql, *args)}
        if missed := [name for name in names if name not in moved]:
            raise TrackingConflictError(f"tracking {', '.join(missed)} no longer at {after}")

    async def max_tracking_id(self, application_name: str) -> int | None:
        with translated_errors():
            value: int | None = await self.pool.fetchval(_MAX_TRACKING_ID, application_name)
        return value

    async def has_tracking_id(self, application_name: str, notification_id: int | None) -> bool:
        if notification_id is None:
            return True
        position = await self.max_tracking_id(application_name)
        return position is not None and position >= notification_id

    async def wait(
        self,
        application_name: str,
        notification_id: int | None,
        timeout: float = 1.0,
        interrupt: Any = None,
    ) -> None:
        """Until `application_name` has processed `notification_id` (read your writes)."""
        await wait_for_tracking(self, application_name, notification_id, timeout, interrupt)

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription:
        """Notifications after `gt`, now and as they are recorded (LISTEN/NOTIFY)."""
        return Subscription(self, CHANNEL, gt=gt, topics=topics)
