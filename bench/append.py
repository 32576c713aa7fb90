"""Append throughput: Tribune's EventStore (asyncpg) against the library's own recorder.

    python bench/append.py [--dsn DSN] [--events N] [--quick]

Without --dsn, an embedded PostgreSQL is started in var/bench-pgdata. Both sides write
to the same server, each into a fresh database created and migrated with our
migrations before every case (the library's PostgresApplicationRecorder finds our
tables as its own). Both write the same pre-built events (~1 KB of state each); the
events are checked to be all there afterwards. One line per case:

    append <case> ours=<events/s> theirs=<events/s> ratio=<ours/theirs>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: `python bench/append.py`
    sys.path.insert(0, str(REPO))

from eventsourcing.persistence import StoredEvent  # noqa: E402
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore  # noqa: E402

from app.dev.databases import create_database as fresh_database  # noqa: E402
from app.dev.databases import drop_database  # noqa: E402
from app.dev.embedded import embedded_dsn, start_embedded  # noqa: E402
from app.persistence.db import connect, create_pool  # noqa: E402
from app.persistence.store import EventStore  # noqa: E402

PGDATA = REPO / "var" / "bench-pgdata"
WRITERS = 25
BATCH = 100
STATE_BYTES = 1024
TOPIC = "bench.append:Happened"
WARMUP_EVENTS = 50
# Events per case; each case's size is chosen for a few seconds per side.
DEFAULT_EVENTS = {"sequential": 5_000, "concurrent25": 15_000, "batch100": 60_000}
QUICK_EVENTS = {"sequential": 200, "concurrent25": 500, "batch100": 2_000}
CASES = tuple(DEFAULT_EVENTS)

# A transaction's worth of events: one event, or one batch of one aggregate's events.
Batches = list[list[StoredEvent]]


@dataclass(frozen=True)
class Case:
    name: str
    writers: int
    batches: Batches

    @property
    def events(self) -> int:
        return sum(len(batch) for batch in self.batches)


# Times one side: (database DSN, case, warm-up batches) -> seconds.
Runner = Callable[[str, Case, Batches], float]


def make_state(n: int) -> bytes:
    """A JSON body of STATE_BYTES, incompressible padding included."""
    head = json.dumps({"n": n, "pad": ""}).encode()
    pad = os.urandom(STATE_BYTES).hex()[: STATE_BYTES - len(head)]
    return json.dumps({"n": n, "pad": pad}).encode()


def make_batches(events: int, batch_size: int) -> Batches:
    """`events` events in transactions of `batch_size`, one new aggregate per transaction."""
    batches: Batches = []
    for start in range(0, events, batch_size):
        originator_id = uuid4()
        size = min(batch_size, events - start)
        batches.append(
            [StoredEvent(originator_id, v + 1, TOPIC, make_state(start + v)) for v in range(size)]
        )
    return batches


def make_case(name: str, events: int) -> Case:
    if name == "sequential":
        return Case(name, 1, make_batches(events, 1))
    if name == "concurrent25":
        return Case(name, WRITERS, make_batches(events, 1))
    if name == "batch100":
        return Case(name, 1, make_batches(events, BATCH))
    raise ValueError(name)


async def count_events(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM stored_events")
    finally:
        await conn.close()
    return count


def split(batches: Batches, writers: int) -> list[Batches]:
    """Round-robin shares, one per writer."""
    return [batches[i::writers] for i in range(writers)]


async def run_ours(dsn: str, case: Case, warmup: Batches) -> float:
    """Seconds for our EventStore to append the case's batches."""
    pool = await create_pool(dsn, min_size=case.writers, max_size=case.writers)
    try:
        store = EventStore(pool)

        async def writer(share: Batches) -> None:
            for batch in share:
                await store.insert_events(batch)

        await asyncio.gather(*(writer(share) for share in split(warmup, case.writers)))
        started = time.perf_counter()
        await asyncio.gather(*(writer(share) for share in split(case.batches, case.writers)))
        return time.perf_counter() - started
    finally:
        await pool.close()


def library_datastore(dsn: str, pool_size: int) -> PostgresDatastore:
    parts = urlsplit(dsn)
    host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
    return PostgresDatastore(
        dbname=parts.path.lstrip("/"),
        host=host,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        pool_size=pool_size,
        max_overflow=0,
    )


def run_theirs(dsn: str, case: Case, warmup: Batches) -> float:
    """Seconds for the library's recorder (default mode) to append, one thread per writer."""
    datastore = library_datastore(dsn, case.writers)
    try:
        recorder = PostgresApplicationRecorder(datastore)
        datastore.pool.open(wait=True)

        def in_threads(shares: list[Batches]) -> float:
            errors: list[BaseException] = []
            barrier = threading.Barrier(len(shares) + 1)

            def writer(share: Batches) -> None:
                barrier.wait()
                try:
                    for batch in share:
                        recorder.insert_events(batch)
                except BaseException as error:
                    errors.append(error)

            threads = [threading.Thread(target=writer, args=(share,)) for share in shares]
            for thread in threads:
                thread.start()
            barrier.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            if errors:
                raise errors[0]
            return elapsed

        if case.writers == 1:  # no thread: as an application would call it
            for batch in warmup:
                recorder.insert_events(batch)
            started = time.perf_counter()
            for batch in case.batches:
                recorder.insert_events(batch)
            return time.perf_counter() - started
        in_threads(split(warmup, case.writers))
        return in_threads(split(case.batches, case.writers))
    finally:
        datastore.close()


def measure(server_dsn: str, case: Case, side: str, run: Runner) -> int:
    """Events per second for one side, on a fresh database; checks every event landed."""
    name = f"bench_append_{side}"
    dsn = asyncio.run(fresh_database(server_dsn, name))
    batch_size = len(case.batches[0])
    warmup = make_batches(max(WARMUP_EVENTS, case.writers * batch_size), batch_size)
    try:
        seconds = run(dsn, case, warmup)
        found = asyncio.run(count_events(dsn))
    finally:
        asyncio.run(drop_database(server_dsn, name))
    expected = case.events + sum(len(b) for b in warmup)
    if found != expected:
        raise RuntimeError(f"{side} {case.name}: {found} events stored, {expected} expected")
    return round(case.events / seconds)


def run_ours_blocking(dsn: str, case: Case, warmup: Batches) -> float:
    return asyncio.run(run_ours(dsn, case, warmup))


def run_cases(server_dsn: str, sizes: dict[str, int], names: Sequence[str]) -> None:
    for name in names:
        case = make_case(name, sizes[name])
        ours = measure(server_dsn, case, "ours", run_ours_blocking)
        theirs = measure(server_dsn, case, "theirs", run_theirs)
        print(f"append {name} ours={ours} theirs={theirs} ratio={ours / theirs:.2f}", flush=True)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--dsn", help="a PostgreSQL server (default: embedded, var/bench-pgdata)")
    parser.add_argument("--events", type=positive, help="events per case (default: per case)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--case", action="append", choices=CASES, help="only these cases")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = dict(QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    if args.events is not None:
        sizes = dict.fromkeys(sizes, args.events)
    server_dsn: str | None = args.dsn
    if not server_dsn:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # platformdirs' notice
        # Stopped when this process exits (the library registers that at start).
        server_dsn = embedded_dsn(start_embedded(PGDATA))
    run_cases(server_dsn, sizes, args.case or CASES)


if __name__ == "__main__":
    main()
