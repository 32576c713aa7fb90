"""Real projector processes: killed mid-batch, or two at once, the read tables stay exact."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from uuid import uuid4

import asyncpg
import pytest

from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.settings import Settings
from app.workers.projector import build_runner
from domain import Channel, ReasonCode, ReceiptClaim, StaffId, Submission, receipt_number
from projections.registry import all_projections
from tests.integration.test_services import open_consultation
from tests.unit.builders import AUTHOR, DURING

SUBMISSIONS = 3000
NAMES = [p.name for p in all_projections()]


async def write_history(repository: Repository) -> None:
    """Thousands of events: received, then published, refused or withdrawn."""
    consultation = await open_consultation(repository)
    chunk: list[Submission | ReceiptClaim] = []
    for i in range(SUBMISSIONS):
        token = str(uuid4())
        number = receipt_number(Submission.create_id(token))
        s = Submission.receive(
            form_token=token,
            consultation=consultation,
            channel=Channel.ONLINE,
            participant_id=AUTHOR,
            text=f"Avis numéro {i} sur l'eau potable",
            language="fr",
            region=f"{i % 17 + 1:02d}",
            received_at=DURING,
            receipt_number=number,
        )
        if i % 3 == 0:
            s.publish(StaffId("m1"), DURING)
        elif i % 3 == 1:
            s.propose_refusal(StaffId("m1"), DURING, ReasonCode("R2"))
            s.confirm_refusal(StaffId("m2"), DURING)
        chunk += [s, ReceiptClaim(number=number, submission_id=s.id)]
        if len(chunk) >= 400:
            await repository.save(*chunk)
            chunk = []
    await repository.save(*chunk)


@pytest.fixture
async def history(store: EventStore) -> int:
    """Written once per module; each test starts with the projections empty."""
    if not await store.max_notification_id():
        await write_history(Repository(store, build_mapper()))
    async with store.transaction() as conn:
        tables = [t.name for p in all_projections() for t in p.tables]
        await conn.execute(f"TRUNCATE {', '.join(tables)}")
        await conn.execute(
            "DELETE FROM notification_tracking WHERE application_name = ANY($1)", NAMES
        )
    head = await store.max_notification_id()
    assert head is not None
    return head


@pytest.fixture
def projector_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "TRIBUNE_PROJECTION_BATCH": "500"}


def start_projector(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
        process.wait(10)


async def positions(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT application_name, notification_id FROM notification_tracking"
        " WHERE application_name = ANY($1)",
        NAMES,
    )
    return {r[0]: r[1] for r in rows}


async def wait_until(pool: asyncpg.Pool, done: object, seconds: float = 60) -> None:
    for _ in range(int(seconds * 20)):
        if await pool.fetchval(str(done)):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(done)


async def caught_up(pool: asyncpg.Pool, head: int, seconds: float = 90) -> None:
    for _ in range(int(seconds * 10)):
        found = await positions(pool)
        if len(found) == len(NAMES) and min(found.values()) >= head:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(await positions(pool))


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Every read table as sorted text rows (zero counts are no count at all)."""
    found = {}
    for projection in all_projections():
        for table in projection.tables:
            where = " WHERE n <> 0" if table.name == "public_counts" else ""
            rows = await pool.fetch(f"SELECT t::text FROM {table.name} t{where} ORDER BY 1")
            found[table.name] = [r[0] for r in rows]
    return found


async def rebuilt(store: EventStore) -> dict[str, list[str]]:
    runner = build_runner(store, Settings.from_env())  # as `tribune projections rebuild`
    await runner.rebuild_all(runner.projections)  # one pass, every projection at once
    return await snapshot(store.pool)


async def test_a_projector_killed_in_the_middle_of_a_batch_resumes_exactly(
    store: EventStore,
    pool: asyncpg.Pool,
    history: int,
    projector_env: dict[str, str],
    processes: list[subprocess.Popen[bytes]],
) -> None:
    async with pool.acquire() as blocker:
        held = blocker.transaction()
        await held.start()
        # An uncommitted ledger row for a decision two thirds in: the projector's
        # batch that reaches it waits on it, in the middle of its transaction.
        late = await blocker.fetchval(
            "SELECT notification_id FROM stored_events WHERE topic LIKE '%.Published'"
            " ORDER BY 1 OFFSET $1 LIMIT 1",
            SUBMISSIONS // 3 * 2 // 3,
        )
        await blocker.execute(
            "INSERT INTO public_ledger VALUES ($1, $2, $2, 'X', 'blocker', NULL, NULL, now())",
            late,
            uuid4(),
        )
        first = start_projector(projector_env)
        processes.append(first)
        await wait_until(
            pool,
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'tribune-projector'"
            " AND wait_event_type = 'Lock' AND query LIKE '%public_ledger%'",
        )
        first.send_signal(signal.SIGKILL)
        first.wait()
        stopped_at = (await positions(pool))["public_submissions"]
        await held.rollback()
    assert 0 < stopped_at < late  # batches before it committed, the one in flight did not
    processes.append(start_projector(projector_env))
    await caught_up(pool, history)
    applied = await snapshot(pool)
    assert len(applied["public_submissions"]) == SUBMISSIONS
    stop(processes)
    assert applied == await rebuilt(store)


async def test_two_projectors_never_apply_an_event_twice_and_one_takes_over(
    store: EventStore,
    pool: asyncpg.Pool,
    history: int,
    projector_env: dict[str, str],
    processes: list[subprocess.Popen[bytes]],
) -> None:
    processes += [start_projector(projector_env), start_projector(projector_env)]
    await wait_until(pool, "SELECT count(*) > 0 FROM public_submissions")
    holder = await pool.fetchval(
        "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
        " WHERE l.locktype = 'advisory' AND a.application_name = 'tribune-projector' LIMIT 1"
    )
    assert holder is not None
    await pool.execute("SELECT pg_terminate_backend($1)", holder)  # its connection dies
    await caught_up(pool, history)
    applied = await snapshot(pool)
    counts = await pool.fetchval("SELECT sum(n) FROM public_counts")
    assert counts == SUBMISSIONS
    stop(processes)  # the rebuild takes the projections' locks
    assert applied == await rebuilt(store)
