"""Projection throughput: a full replay (`tribune projections rebuild`) and a catch-up.

    python bench/projection.py [--dsn DSN] [--events N] [--quick] [--batch B ...] [--keep]
    python bench/projection.py --reuse [--dsn DSN] [--batch B ...] [--profile PATH]

Without --dsn, an embedded PostgreSQL is started in var/bench-pgdata (shared with
bench/append.py). The database `bench_projection` is dropped, created and migrated at
the start and dropped at the end (unless --keep). With --reuse, the database a --keep
run left is replayed again as it is (no history built, no catch-up), as often as there
are batch sizes.

N events of a realistic history are built from domain aggregates (a few consultations,
then submissions on all three channels with their receipt claims, moderated later) and
appended through EventStore.insert_events; M more are held back for the catch-up. For
each batch size (--batch, repeatable; default Runner.rebuild_batch_size, the events a
replay or a catch-up reads at a time):

    projection replay events=<N> seconds=<s> rate=<events/s> batch=<B> client_cpu=<s>
        [server_cpu=<s>, when the server runs on this machine]
    projection replay names=<projections> seconds=<s>
    projection catchup events=<M> seconds=<s> rate=<events/s> batch=<B>

The replay is `tribune projections rebuild`: runner.rebuild_all(projections), every
projection in one pass; its rate is every event in the store (those a projection skips
included) over the time until all are done. The catch-up appends the M events, then
times runner.catch_up_all(). The read tables are checked against the events afterwards,
and the M events deleted again before the next batch size, so every batch size replays
the same N events.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import heapq
import pstats
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: `python bench/projection.py`
    sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
from eventsourcing.domain import Aggregate  # noqa: E402
from eventsourcing.persistence import Mapper, StoredEvent  # noqa: E402

from app import databases  # noqa: E402
from app.dev.embedded import embedded_dsn, start_embedded  # noqa: E402
from app.persistence.db import create_pool  # noqa: E402
from app.persistence.mapping import build_mapper  # noqa: E402
from app.persistence.migrate import migrate_database  # noqa: E402
from app.persistence.store import EventStore  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.workers.projector import build_runner, rebuild_connections  # noqa: E402
from bench.procstat import local_server, tree_cpu_seconds  # noqa: E402
from domain import (  # noqa: E402
    REGIONS,
    Channel,
    Consultation,
    ReasonCode,
    ReceiptClaim,
    StaffId,
    Submission,
    receipt_number,
)
from projections.engine.runner import Runner  # noqa: E402

PGDATA = REPO / "var" / "bench-pgdata"
DATABASE = "bench_projection"
DEFAULT_EVENTS, DEFAULT_CATCHUP = 1_000_000, 100_000
QUICK_EVENTS, QUICK_CATCHUP = 20_000, 5_000
INSERT_BATCH = 1000  # stored events per insert_events call
SEED = 20261128

# The fate of each submission, drawn when it is received.
PUBLISHED, REDACTED_SHARE = 0.60, 0.2  # a fifth of the publications withhold passages
REFUSED, WITHDRAWN = 0.15, 0.05  # the rest (20 %) stays pending
CHANNELS = ((Channel.ONLINE, 0.70), (Channel.MAIL, 0.20), (Channel.PHONE, 0.10))
# Moderation comes this many submissions later (a few hundred to 15 000 events).
LAG = (200, 5000)
CONFIRM_LAG = (20, 2000)

MONTREAL = timezone(timedelta(hours=-5))
OPENS_AT = datetime(2026, 9, 1, 9, 0, tzinfo=MONTREAL)
CLOSES_AT = datetime(2026, 12, 18, 17, 0, tzinfo=MONTREAL)
ORGANIZER = StaffId("organizer-1")
CLERKS = [StaffId(f"clerk-{i}") for i in range(1, 9)]
MODERATORS = [StaffId(f"moderator-{i}") for i in range(1, 13)]
REGION_CODES = sorted(REGIONS)

FRENCH = [
    "L'eau potable doit rester un bien commun, géré par les municipalités.",
    "Je vis à la campagne et le puits de ma famille s'est asséché deux étés de suite.",
    "Les compteurs d'eau dans les résidences me semblent une mesure juste et nécessaire.",
    "Il faudrait d'abord réparer les fuites des conduites avant de taxer les citoyens.",
    "Nos lacs souffrent des algues bleu-vert; les engrais agricoles en sont la cause.",
    "Je demande que les entreprises d'embouteillage paient le vrai prix de l'eau prélevée.",
    "La consultation arrive trop tard : les décisions semblent déjà prises.",
    "Mes enfants se baignent dans la rivière; je veux savoir si l'eau est sûre.",
    "Les redevances devraient servir à protéger les milieux humides de la région.",
    "Un registre public des prélèvements, mis à jour chaque mois, serait bienvenu.",
    "Les petites municipalités n'ont pas les moyens d'entretenir leurs usines de filtration.",
    "J'ai travaillé trente ans à l'usine de traitement : le personnel manque partout.",
    "Pourquoi ne pas récupérer l'eau de pluie pour l'arrosage des parcs et des jardins?",
    "Les Premières Nations doivent être consultées en premier, et pas seulement informées.",
    "Le plomb dans les vieilles entrées de service inquiète beaucoup de parents du quartier.",
    "Je suis agriculteur; l'irrigation coûte déjà cher et les règles changent sans cesse.",
    "La fonte des neiges arrive plus tôt chaque année et les nappes ne se rechargent plus.",
    "Il faut des amendes réelles pour les déversements d'eaux usées dans le fleuve.",
    "Merci d'avoir ouvert cette consultation par la poste et par téléphone aussi.",
    "Les données de qualité de l'eau devraient être publiées en format ouvert.",
    "Une tarification progressive protégerait les ménages modestes du gaspillage des autres.",
    "Les terrains de golf consomment énormément d'eau pendant les canicules.",
    "Je propose un fonds régional pour remplacer les installations septiques désuètes.",
    "Les berges s'érodent; on devrait replanter des arbres le long des cours d'eau.",
]
ENGLISH = [
    "Drinking water must remain a public good, managed by the municipalities.",
    "Our well ran dry two summers in a row and nobody could tell us why.",
    "Fix the leaking pipes first, then talk to citizens about paying more.",
    "Bottling companies should pay the real price of the water they take.",
    "Please publish the water quality data in an open format every month.",
    "Thank you for accepting opinions by mail and by phone as well.",
]

Save = list[StoredEvent]  # one transaction's events, as Repository.save would append them
Action = Callable[[], Save]


# -- History -------------------------------------------------------------------------


def bilingual(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def opinion(rng: random.Random, sentences: Sequence[str]) -> str:
    """Sentences in random order until 300 to 800 characters."""
    target = rng.randint(300, 800)
    parts: list[str] = []
    length = 0
    while length < target:
        sentence = rng.choice(sentences)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)[:target].rstrip()


def redactions(rng: random.Random, text: str) -> list[tuple[int, int, ReasonCode]]:
    """One or two withheld passages (personal information, mostly)."""
    first = rng.randint(0, len(text) // 3)
    spans = [(first, first + rng.randint(8, 40), ReasonCode.PERSONAL_INFORMATION)]
    if rng.random() < 0.3:
        second = rng.randint(len(text) // 2, len(text) - 20)
        spans.append((second, second + rng.randint(5, 19), rng.choice(list(ReasonCode))))
    return spans


def make_consultations(rng: random.Random, count: int = 5) -> list[Consultation]:
    consultations = []
    for i in range(count):
        c = Consultation.draft(
            UUID(int=rng.getrandbits(128), version=4),
            by=ORGANIZER,
            at=OPENS_AT - timedelta(days=30),
            title=bilingual(f"Avenir de l'eau, volet {i + 1}", f"Future of water, part {i + 1}"),
            summary=bilingual("Résumé de la consultation.", "Summary of the consultation."),
            body=bilingual(" ".join(FRENCH[:6]), " ".join(ENGLISH)),
            questions=[bilingual(f"Question {q} ?", f"Question {q}?") for q in range(1, 4)],
            opens_at=OPENS_AT,
            closes_at=CLOSES_AT,
            mail_grace_days=14,
            postal_address="1020, rue des Parlementaires, Québec (Québec)",
            phone="1 800 555-0100",
            phone_hours=bilingual("9 h à 17 h", "9 a.m. to 5 p.m."),
        )
        c.edit(ORGANIZER, OPENS_AT - timedelta(days=20), summary=bilingual("Résumé.", "Summary."))
        c.schedule(ORGANIZER, OPENS_AT - timedelta(days=10))
        consultations.append(c)
    return consultations


class History:
    """An endless, reproducible stream of saves, in the order the app would append them."""

    def __init__(self, mapper: Mapper[UUID], expected_submissions: int, seed: int = SEED) -> None:
        self.mapper = mapper
        self.rng = random.Random(seed)
        self.expected = max(expected_submissions, 1)
        self.consultations = make_consultations(self.rng)
        self.weights = [5, 3, 2, 1, 1][: len(self.consultations)]
        self._due: list[tuple[int, int, Action]] = []
        self._sequence = 0

    def stored(self, *aggregates: Aggregate) -> Save:
        return [self.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]

    def saves(self) -> Iterator[Save]:
        yield self.stored(*self.consultations)
        step = 0
        while True:
            while self._due and self._due[0][0] <= step:
                yield heapq.heappop(self._due)[2]()
            yield self.receive(step)
            step += 1

    def later(self, step: int, action: Action) -> None:
        self._sequence += 1
        heapq.heappush(self._due, (step, self._sequence, action))

    def receive(self, step: int) -> Save:
        """A submission and its receipt claim, saved together as receive_submission does."""
        rng = self.rng
        window = CLOSES_AT - OPENS_AT - timedelta(days=6)
        received_at = OPENS_AT + timedelta(days=3) + window * min(step / self.expected, 1.0)
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        english = rng.random() < 0.1
        token = str(UUID(int=rng.getrandbits(128), version=4))
        keyed_by = None if channel is Channel.ONLINE else rng.choice(CLERKS)
        submission = Submission.receive(
            form_token=token,
            consultation=rng.choices(self.consultations, self.weights)[0],
            channel=channel,
            participant_id=UUID(int=rng.getrandbits(128), version=4),
            text=opinion(rng, ENGLISH if english else FRENCH),
            language="en" if english else "fr",
            region=None if rng.random() < 0.1 else rng.choice(REGION_CODES),
            received_at=received_at,
            postmarked_at=received_at - timedelta(days=2) if channel is Channel.MAIL else None,
            call_started_at=(
                received_at - timedelta(minutes=12) if channel is Channel.PHONE else None
            ),
            keyed_by=keyed_by,
            source_reference=f"SCAN-{step:07d}" if channel is Channel.MAIL else None,
            show_name=rng.random() < 0.3,
            receipt_number=receipt_number(Submission.create_id(token)),
            read_back_confirmed=channel is Channel.PHONE,
        )
        claim = ReceiptClaim(number=submission.receipt_number, submission_id=submission.id)
        self.decide(step, submission, received_at)
        return self.stored(submission, claim)

    def decide(self, step: int, s: Submission, received_at: datetime) -> None:
        rng = self.rng
        fate = rng.random()
        when = step + rng.randint(*LAG)
        at = received_at + timedelta(hours=rng.randint(1, 48))
        first, second = rng.sample(MODERATORS, 2)
        if fate < PUBLISHED:
            spans = redactions(rng, s.text) if rng.random() < REDACTED_SHARE else []

            def publish() -> Save:
                s.publish_with_redactions(first, at, spans)
                return self.stored(s)

            self.later(when, publish)
        elif fate < PUBLISHED + REFUSED:
            reason = rng.choice(list(ReasonCode))
            confirm_at = when + rng.randint(*CONFIRM_LAG)

            def confirm() -> Save:
                s.confirm_refusal(second, at + timedelta(hours=3))
                return self.stored(s)

            def propose() -> Save:
                s.propose_refusal(first, at, reason, "Contraire à la charte.")
                self.later(confirm_at, confirm)
                return self.stored(s)

            self.later(when, propose)
        elif fate < PUBLISHED + REFUSED + WITHDRAWN:

            def withdraw() -> Save:
                s.withdraw(s.participant_id, received_at + timedelta(hours=1), CLOSES_AT)
                return self.stored(s)

            self.later(when, withdraw)


def take(events: Iterator[StoredEvent], count: int, size: int = INSERT_BATCH) -> Iterator[Save]:
    """The next `count` events of the stream, in chunks of `size`."""
    while count > 0:
        chunk = [next(events) for _ in range(min(size, count))]
        count -= len(chunk)
        yield chunk


async def append(store: EventStore, conn: Any, chunks: Iterator[Save]) -> int:
    """Insert each chunk while the next one is built (the server works meanwhile)."""
    pending: asyncio.Task[Sequence[int]] | None = None
    total = 0
    for chunk in chunks:
        if pending is not None:
            await pending
        pending = asyncio.create_task(store.insert_events(chunk, conn=conn))
        await asyncio.sleep(0)  # let it send the statement before building the next chunk
        total += len(chunk)
    if pending is not None:
        await pending
    return total


# -- Measurements ---------------------------------------------------------------------


async def fresh_database(server_dsn: str) -> str:
    return await databases.create_database(server_dsn, DATABASE)


async def drop_database(server_dsn: str) -> None:
    await databases.drop_database(server_dsn, DATABASE)


async def settle(conn: Any) -> None:
    """Vacuum, analyze and checkpoint after the load, so none of it lands in a timing."""
    await conn.execute("VACUUM (ANALYZE) stored_events")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute("CHECKPOINT")


async def check(conn: Any, names: Sequence[str]) -> None:
    """The read tables agree with the events, and every projection is at the head."""
    head = await conn.fetchval("SELECT max(notification_id) FROM stored_events")
    rows = await conn.fetch(
        "SELECT application_name, notification_id FROM notification_tracking"
        " WHERE application_name = ANY($1)",
        list(names),
    )
    positions = {r[0]: r[1] for r in rows}
    if positions != dict.fromkeys(names, head):
        raise RuntimeError(f"projections at {positions}, head is {head}")
    grouped = await conn.fetch("SELECT topic, count(*) FROM stored_events GROUP BY topic")
    topics: dict[str, int] = {r[0]: r[1] for r in grouped}

    def events(name: str) -> int:
        return sum(n for topic, n in topics.items() if topic.endswith(f"Submission.{name}"))

    decisions = sum(events(n) for n in ("Published", "RefusalProposed", "Refused", "Withdrawn"))
    expected = {
        "submissions": events("Received"),
        "texts": events("Received"),
        "counted": events("Received"),
        "published": events("Published"),
        "ledger": decisions,
        "consultations": sum(n for t, n in topics.items() if t.endswith("Consultation.Drafted")),
    }
    found = dict(
        await conn.fetchrow(
            "SELECT (SELECT count(*) FROM public_submissions) AS submissions,"
            " (SELECT count(*) FROM private_submission_texts) AS texts,"
            " (SELECT coalesce(sum(n), 0) FROM public_counts) AS counted,"
            " (SELECT count(*) FROM public_submissions WHERE status = 'published') AS published,"
            " (SELECT count(*) FROM public_ledger) AS ledger,"
            " (SELECT count(*) FROM public_consultations) AS consultations"
        )
        or {}
    )
    if found != expected:
        raise RuntimeError(f"read tables {found}, events say {expected}")


async def replay_again(dsn: str, batches: Sequence[int], profile_path: str | None) -> None:
    """--reuse: the kept database replayed again, once per batch size."""
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        events: int = await pool.fetchval("SELECT count(*) FROM stored_events")
    finally:
        await pool.close()
    profile = cProfile.Profile() if profile_path else None
    for batch in batches:
        pool = await create_pool(dsn, min_size=1, max_size=rebuild_connections())
        try:
            runner = runner_for(pool, batch)
            await timed_replay(runner, events, batch, profile, " (reused)")
        finally:
            await pool.close()
    if profile is not None and profile_path:
        profile.dump_stats(profile_path)


def runner_for(pool: asyncpg.Pool, batch: int) -> Runner:
    """As the app builds it, reading `batch` events at a time in a replay and a catch-up."""
    runner = build_runner(EventStore(pool), Settings.from_env())
    return dataclasses.replace(runner, rebuild_batch_size=batch)


async def timed_replay(
    runner: Runner, events: int, batch: int, profile: cProfile.Profile | None, note: str = ""
) -> float:
    """`runner.rebuild_all`, timed (and profiled), with its line printed; its seconds.

    With the server on this machine, its CPU time too: every process of it, its
    connections, its writers and checkpoints, and the autovacuum (server_cpu=)."""
    server = local_server(await runner.store.pool.fetchval("SELECT pg_backend_pid()"))
    server_cpu = tree_cpu_seconds(server) if server else 0.0
    cpu, started = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    await runner.rebuild_all(runner.projections)
    if profile is not None:
        profile.disable()
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    measured = f" server_cpu={tree_cpu_seconds(server) - server_cpu:.2f}" if server else ""
    print(
        f"projection replay events={events} seconds={total:.2f}"
        f" rate={rate(events, total)} batch={batch} client_cpu={cpu:.2f}{measured}{note}",
        flush=True,
    )
    return total


def rate(events: int, seconds: float) -> int:
    return round(events / seconds) if seconds > 0 else 0


async def measure(
    dsn: str, batch: int, base: int, tail: Sequence[Save], profile: cProfile.Profile | None
) -> None:
    """One replay and one catch-up with `batch`; the tail is deleted again afterwards."""
    # As `tribune projections rebuild`: the same pool, every projection at once.
    pool = await create_pool(dsn, min_size=1, max_size=rebuild_connections())
    try:
        store = EventStore(pool)
        runner = runner_for(pool, batch)
        total = await timed_replay(runner, base, batch, profile)
        names = ",".join(p.name for p in runner.projections)
        print(f"projection replay names={names} seconds={total:.2f}", flush=True)
        async with pool.acquire() as conn:
            appended = await append(store, conn, iter(tail))
        started, cpu = time.perf_counter(), time.process_time()
        await runner.catch_up_all()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"projection catchup events={appended} seconds={seconds:.2f}"
            f" rate={rate(appended, seconds)} batch={batch} client_cpu={cpu:.2f}",
            flush=True,
        )
        async with pool.acquire() as conn:
            await check(conn, [p.name for p in runner.projections])
            # The same N events for the next batch size.
            await conn.execute("DELETE FROM stored_events WHERE notification_id > $1", base)
            await conn.execute("VACUUM stored_events")
    finally:
        await pool.close()


async def run(
    server_dsn: str,
    events: int,
    catchup: int,
    batches: Sequence[int],
    keep: bool,
    profile_path: str | None,
) -> None:
    dsn = await fresh_database(server_dsn)
    try:
        mapper = build_mapper(Settings.from_env().cipher_key)
        history = History(mapper, expected_submissions=round((events + catchup) / 2.95))
        stream = (e for save in history.saves() for e in save)
        started = time.perf_counter()
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            store = EventStore(pool)
            async with pool.acquire() as conn:
                base = await append(store, conn, take(stream, events))
            built = time.perf_counter() - started
            tail = list(take(stream, catchup))
            print(
                f"generated events={base}+{catchup} seconds={time.perf_counter() - started:.1f}"
                f" (built and appended {base} in {built:.1f})",
                flush=True,
            )
            started = time.perf_counter()
            async with pool.acquire() as conn:
                await settle(conn)
            print(f"vacuum analyze checkpoint seconds={time.perf_counter() - started:.1f}")
        finally:
            await pool.close()
        del history, stream
        profile = cProfile.Profile() if profile_path else None
        for batch in batches:
            await measure(dsn, batch, base, tail, profile)
        if profile is not None and profile_path:
            profile.dump_stats(profile_path)
            pstats.Stats(profile_path).sort_stats("tottime").print_stats(25)
    finally:
        if not keep:
            await drop_database(server_dsn)


def positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--dsn", help="a PostgreSQL server (default: embedded, var/bench-pgdata)")
    parser.add_argument("--events", type=positive, help=f"events replayed ({DEFAULT_EVENTS})")
    parser.add_argument("--catchup", type=positive, help=f"events caught up ({DEFAULT_CATCHUP})")
    parser.add_argument("--quick", action="store_true", help="20 000 + 5 000 events")
    parser.add_argument(
        "--batch", type=positive, action="append", help="replay batch size (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database")
    parser.add_argument("--reuse", action="store_true", help="replay a kept database again")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the replays into PATH")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    events = args.events or (QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    catchup = args.catchup or (QUICK_CATCHUP if args.quick else DEFAULT_CATCHUP)
    batches: list[int] = args.batch or [Runner.rebuild_batch_size]
    server_dsn: str | None = args.dsn
    if not server_dsn:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # platformdirs' notice
        # Stopped when this process exits (the library registers that at start).
        server_dsn = embedded_dsn(start_embedded(PGDATA))
    print(f"projection batch sizes={','.join(map(str, batches))}", flush=True)
    if args.reuse:
        dsn = databases.with_database(server_dsn, DATABASE)
        asyncio.run(migrate_database(dsn))  # kept by an older version, say
        asyncio.run(replay_again(dsn, batches, args.profile))
        return
    asyncio.run(run(server_dsn, events, catchup, batches, args.keep, args.profile))


if __name__ == "__main__":
    main()
