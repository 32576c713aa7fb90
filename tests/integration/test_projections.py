"""Projections against the real store: rows, counts that reconcile, the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest
from eventsourcing.persistence import IntegrityError

from app.dev.demo import load_demo
from app.persistence.db import create_pool
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.persistence.vault import open_sealed
from app.services.submissions import SubmissionForm, receive_submission
from app.settings import Settings
from domain import Channel, Consultation, ReasonCode, StaffId, Submission
from projections.engine import locks
from projections.engine.replay import reset
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.integration.test_projector_processes import snapshot
from tests.integration.test_services import online_form, open_consultation
from tests.unit.builders import DURING
from tests.waiting import until

FIRST, SECOND = StaffId("moderator-1"), StaffId("moderator-2")
CLERK = StaffId("clerk-1")


@pytest.fixture
def repository(store: EventStore) -> Repository:
    return Repository(store, build_mapper())


@pytest.fixture
def runner(store: EventStore) -> Runner:
    return Runner(store, build_mapper(), all_projections(), batch_size=7)


async def receive(
    repository: Repository, consultation: Consultation, **changes: object
) -> Submission:
    form: SubmissionForm = online_form(consultation, **changes)
    receipt = await receive_submission(repository, form)
    return await repository.get(receipt.submission_id, Submission)


async def row(pool: asyncpg.Pool, submission: Submission) -> asyncpg.Record:
    found = await pool.fetchrow(
        "SELECT * FROM public_submissions WHERE submission_id = $1", submission.id
    )
    assert found is not None
    return found


async def test_a_submission_is_public_only_once_published_and_with_its_redactions(
    repository: Repository, runner: Runner, pool: asyncpg.Pool
) -> None:
    consultation = await open_consultation(repository)
    submission = await receive(repository, consultation, text="Mon voisin Jean Tremblay pollue.")
    await runner.catch_up_all()
    assert (await row(pool, submission))["text"] is None
    submission.publish_with_redactions(FIRST, DURING, [(11, 24, ReasonCode("R3"))])
    await repository.save(submission)
    await runner.catch_up_all()
    published = await row(pool, submission)
    assert published["status"] == "published"
    assert published["text"] == "Mon voisin [passage retiré : R3] pollue."
    assert "Tremblay" not in published["text"]


async def test_the_ledger_records_each_decision_with_its_reason_and_a_pseudonym(
    repository: Repository, runner: Runner, pool: asyncpg.Pool
) -> None:
    consultation = await open_consultation(repository)
    submission = await receive(repository, consultation)
    submission.propose_refusal(FIRST, DURING, ReasonCode("R1"))
    await repository.save(submission)
    await runner.catch_up_all()  # the proposal and the confirmation in different batches
    submission.confirm_refusal(SECOND, DURING)
    await repository.save(submission)
    await runner.catch_up_all()
    ledger = await pool.fetch(
        "SELECT decision, reason_codes, moderator FROM public_ledger"
        " WHERE submission_id = $1 ORDER BY notification_id",
        submission.id,
    )
    assert [(r["decision"], r["reason_codes"]) for r in ledger] == [
        ("refusal_proposed", "R1"),
        ("refused", "R1"),
    ]
    assert ledger[0]["moderator"] != ledger[1]["moderator"]
    assert all(
        r["moderator"].startswith("M-") and "moderator" not in r["moderator"] for r in ledger
    )


async def test_counts_follow_every_status_change_and_reconcile(
    repository: Repository, runner: Runner, pool: asyncpg.Pool
) -> None:
    consultation = await open_consultation(repository)
    published, withdrawn, refused = [await receive(repository, consultation) for _ in range(3)]
    await receive(repository, consultation)  # stays pending
    published.publish(FIRST, DURING)
    withdrawn.publish(FIRST, DURING)
    withdrawn.withdraw(withdrawn.participant_id, DURING, consultation.closes_at)
    refused.propose_refusal(FIRST, DURING, ReasonCode("R5"))
    refused.confirm_refusal(SECOND, DURING)
    await repository.save(published, withdrawn, refused)
    await runner.catch_up_all()
    rows = await pool.fetch(
        "SELECT status, sum(n)::int AS n FROM public_counts WHERE consultation_id = $1"
        " GROUP BY status HAVING sum(n) <> 0",
        consultation.id,
    )
    counts = {r["status"]: r["n"] for r in rows}
    assert counts == {"published": 1, "withdrawn": 1, "refused": 1, "received": 1}
    assert (await row(pool, withdrawn))["text"] is None


async def test_a_projection_handles_exactly_the_events_it_declares() -> None:
    for projection in all_projections():
        assert projection.topics
        assert all(topic.startswith("domain.") for topic in projection.topics)


async def test_a_page_can_wait_for_its_own_write_to_be_projected(
    repository: Repository, store: EventStore, pool: asyncpg.Pool
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(
        Runner(store, build_mapper(), all_projections(), poll_interval=60).run(stop)
    )
    try:
        consultation = await open_consultation(repository)
        receipt = await receive_submission(repository, online_form(consultation))
        assert receipt.notification_id is not None
        await store.wait("public_submissions", receipt.notification_id, timeout=5)
        found = await pool.fetchval(
            "SELECT receipt_number FROM public_submissions WHERE submission_id = $1",
            receipt.submission_id,
        )
    finally:
        stop.set()
        await running
    assert found == receipt.receipt_number


async def test_a_rebuild_in_one_pass_over_small_batches_gives_what_following_gave(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    consultation = await open_consultation(repository)
    published, refused, withdrawn, _pending = [
        await receive(repository, consultation) for _ in range(4)
    ]
    published.publish_with_redactions(FIRST, DURING, [(0, 3, ReasonCode("R3"))])
    refused.propose_refusal(FIRST, DURING, ReasonCode("R2"))
    refused.confirm_refusal(SECOND, DURING)
    withdrawn.withdraw(withdrawn.participant_id, DURING, consultation.closes_at)
    await repository.save(published, refused, withdrawn)
    await runner.catch_up_all()
    followed = await snapshot(pool)
    # Batches of 3 events: the next is read while the last is written, and a decision
    # lands in another batch than its submission.
    rebuilding = Runner(store, build_mapper(), all_projections(), rebuild_batch_size=3)
    await rebuilding.rebuild_all(rebuilding.projections)
    assert await snapshot(pool) == followed
    assert len(followed["public_ledger"]) >= 4


async def indexes(pool: asyncpg.Pool) -> list[str]:
    """Every index of the read tables, as defined."""
    tables = [t.name for p in all_projections() for t in p.tables]
    rows = await pool.fetch(
        "SELECT indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) ORDER BY 1", tables
    )
    return [r[0] for r in rows]


async def history_of_four(repository: Repository) -> None:
    consultation = await open_consultation(repository)
    submissions = [await receive(repository, consultation) for _ in range(4)]
    for submission in submissions[:2]:
        submission.publish(FIRST, DURING)
    await repository.save(*submissions[:2])


async def test_a_rebuild_builds_the_read_indexes_at_the_end_as_the_migrations_made_them(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    await history_of_four(repository)
    made = await indexes(pool)
    assert any("USING gin (search)" in index for index in made)
    await runner.rebuild_all(runner.projections)
    assert await indexes(pool) == made
    assert await pool.fetchval("SELECT count(*) FROM projection_deferred_indexes") == 0
    found = await pool.fetchval(
        "SELECT count(*) FROM public_submissions WHERE search @@ plainto_tsquery('tribune_fr', $1)",
        "communs",  # "commun", stemmed, in the two published texts
    )
    published = "SELECT count(*) FROM public_submissions WHERE text LIKE '%commun%'"
    assert found == await pool.fetchval(published) >= 2


async def test_a_rebuild_that_dies_half_way_leaves_its_indexes_to_the_next_projector(
    repository: Repository, store: EventStore, pool: asyncpg.Pool
) -> None:
    await history_of_four(repository)
    made = await indexes(pool)
    dying = Runner(store, build_mapper(), all_projections(), rebuild_batch_size=3)
    submissions = next(p for p in dying.projections if p.name == "public_submissions")
    applied = 0

    def apply_then_die(*args: object) -> None:
        nonlocal applied
        applied += 1
        if applied > 4:
            raise RuntimeError("the rebuild dies")
        type(submissions).apply(submissions, *args)  # type: ignore[arg-type]

    submissions.apply = apply_then_die  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError, match="dies"):
        await dying.rebuild_all(dying.projections)
    assert not any("USING gin (search)" in index for index in await indexes(pool))
    # The projector that takes over builds them before it goes on.
    following = Runner(store, build_mapper(), all_projections(), poll_interval=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(following.run(stop))
    head = await store.max_notification_id()
    await until(at(store, "public_submissions", head), "the projector that took over caught up")
    stop.set()
    await task
    assert await indexes(pool) == made
    assert await pool.fetchval("SELECT count(*) FROM projection_deferred_indexes") == 0
    followed = await snapshot(pool)
    await following.rebuild_all(following.projections)
    assert await snapshot(pool) == followed


async def test_two_runners_reading_from_one_position_apply_an_event_once(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    """As two projectors would if one had lost its lock unknowingly: one of them is refused,
    even when the second read further (a position past the first's would be accepted)."""
    consultation = await open_consultation(repository)
    await runner.catch_up_all()
    for days in (1, 2):
        consultation.extend_deadline(FIRST, DURING, consultation.closes_at + timedelta(days=days))
    await repository.save(consultation)
    first, second = (Runner(store, build_mapper(), all_projections()) for _ in range(2))
    [one, other] = [
        next(p for p in r.projections if p.name == "public_consultations") for r in (first, second)
    ]
    position = await store.max_tracking_id(one.name) or 0
    head = await store.max_notification_id() or 0
    short = await first._reader.read(one.topics, position, 1, head)  # the first extension
    longer = await second._reader.read(one.topics, position, 1000, head)  # both
    assert short is not None
    assert longer is not None
    assert short.position < longer.position
    await first._write(one, short)
    with pytest.raises(IntegrityError):
        await second._write(other, longer)
    assert await store.max_tracking_id(one.name) == short.position


async def test_following_writes_every_projection_of_a_batch_in_one_transaction(
    repository: Repository, store: EventStore, runner: Runner, database_url: str
) -> None:
    """A live batch is a few events and costs its round trips: one read, one transaction,
    one statement moving every position, and no query for what the batch does not need."""
    await history_of_four(repository)
    await runner.catch_up_all()
    submission = await receive(repository, await open_consultation(repository))
    alone = await create_pool(database_url, min_size=1, max_size=1)
    sent: list[str] = []
    try:
        async with alone.acquire() as conn:
            conn.add_query_logger(lambda logged: sent.append(logged.query))
        following = Runner(EventStore(alone), build_mapper(), all_projections())
        held = {p.name: await store.max_tracking_id(p.name) or 0 for p in following.projections}
        assert await following._follow_once(held)
    finally:
        await alone.close()
    assert set(held.values()) == {await store.max_notification_id()}
    assert sum(query.startswith("COMMIT") for query in sent) == 1
    assert sum("notification_tracking" in query for query in sent) == 1
    assert not [q for q in sent if "ANY($1::uuid[])" in q]  # a new submission: nothing to load
    assert (await row(store.pool, submission))["status"] == "received"


async def test_a_projection_refused_in_a_followed_batch_holds_no_other_back(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    await history_of_four(repository)
    await runner.catch_up_all()
    held = {p.name: await store.max_tracking_id(p.name) or 0 for p in runner.projections}
    await receive(repository, await open_consultation(repository))
    await pool.execute(  # as another process would, believing it holds the lock
        "UPDATE notification_tracking SET notification_id = notification_id + 1"
        " WHERE application_name = 'outgoing_email'"
    )
    assert await runner._follow_once(held)
    head = await store.max_notification_id()
    others = {p.name for p in runner.projections} - {"outgoing_email"}
    assert held == dict.fromkeys(others, head)  # outgoing_email given up: it competes again
    for name in others:
        assert await store.max_tracking_id(name) == head


def at(store: EventStore, name: str, head: int | None) -> Callable[[], Awaitable[bool]]:
    """Whether projection `name` has reached `head`."""

    async def reached() -> bool:
        return await store.max_tracking_id(name) == head

    return reached


async def held_by_another(pool: asyncpg.Pool, name: str) -> bool:
    """Whether some connection of the server holds the projection lock `name`."""
    count: int = await pool.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = $1 AND objid = hashtext($2)::oid AND objsubid = 2",
        locks.LOCK_NAMESPACE,
        name,
    )
    return count > 0


async def test_a_rebuild_interrupted_while_waiting_for_a_lock_gives_the_others_back(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    projections = all_projections()
    names = sorted(p.name for p in projections)
    async with pool.acquire() as other:  # another process rebuilding one of them
        assert await locks.try_lock(other, names[1])
        waiting = Runner(store, build_mapper(), projections, retry_interval=0.05)
        rebuild = asyncio.create_task(waiting.rebuild_all(projections))
        await until(lambda: held_by_another(pool, names[0]), f"the rebuild took {names[0]}")
        rebuild.cancel()  # holding names[0], waiting for names[1]
        await asyncio.gather(rebuild, return_exceptions=True)
        await locks.unlock(other, names[1])
    held = await pool.fetchval(  # pg_locks spans the server: other runs' databases too
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        locks.LOCK_NAMESPACE,
    )
    assert held == 0


async def test_a_projection_that_lags_holds_no_other_back(
    repository: Repository, store: EventStore, runner: Runner
) -> None:
    for _ in range(3):
        await history_of_four(repository)
    await runner.catch_up_all()
    lagging = next(p for p in runner.projections if p.name == "public_submissions")
    await reset(store, lagging)  # as after a rebuild that died at its start
    await open_consultation(repository)
    head = await store.max_notification_id() or 0
    following = Runner(
        store, build_mapper(), all_projections(), batch_size=2, poll_interval=0.05, pace=0.2
    )
    stop = asyncio.Event()
    task = asyncio.create_task(following.run(stop))
    try:
        await until(at(store, "public_consultations", head), "the others caught up")
        assert (await store.max_tracking_id(lagging.name) or 0) < head  # still on its way
        await until(at(store, lagging.name, head), "the lagging projection caught up")
    finally:
        stop.set()
        await task


async def test_what_is_stored_before_a_projector_starts_is_applied_without_waiting_for_a_poll(
    repository: Repository, store: EventStore
) -> None:
    await history_of_four(repository)  # before it starts: no NOTIFY will come
    head = await store.max_notification_id()
    slow_poll = Runner(store, build_mapper(), all_projections(), poll_interval=60)
    stop = asyncio.Event()
    task = asyncio.create_task(slow_poll.run(stop))
    try:
        await store.wait("public_submissions", head, timeout=5)
    finally:
        stop.set()
        await task


async def test_a_catch_up_leaves_a_projection_another_process_holds_to_it(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    await runner.catch_up_all()
    before = await store.max_tracking_id("public_consultations")
    await open_consultation(repository)
    async with pool.acquire() as other:  # a projector process applying it
        assert await locks.try_lock(other, "public_consultations")
        try:
            await runner.catch_up_all()
        finally:
            await locks.unlock(other, "public_consultations")
    head = await store.max_notification_id()
    assert await store.max_tracking_id("public_consultations") == before
    assert await store.max_tracking_id("admin_consultations") == head


async def test_the_demo_is_projected_as_it_is_loaded(store: EventStore, database_url: str) -> None:
    """So that the first page `tribune serve` sends shows it."""
    await load_demo(database_url, Settings.from_env(), per_consultation=5)
    head = await store.max_notification_id()
    assert head
    for projection in all_projections():
        assert await store.max_tracking_id(projection.name) == head


async def test_a_put_off_index_that_no_longer_applies_is_given_up_not_retried(
    runner: Runner, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """As after a rebuild that died, then a migration that dropped the indexed column."""
    await pool.execute(
        "INSERT INTO projection_deferred_indexes (projection, index_name, definition)"
        " VALUES ('public_submissions', 'gone_idx',"
        " 'CREATE INDEX gone_idx ON public.public_submissions USING btree (no_such_column)')"
    )
    await runner.catch_up_all()  # the projection is applied, not stopped
    assert await pool.fetchval("SELECT count(*) FROM projection_deferred_indexes") == 0
    assert await pool.fetchval("SELECT to_regclass('gone_idx')") is None
    assert "gone_idx no longer applies" in caplog.text


async def test_a_rebuild_in_small_batches_carries_each_decision_to_the_next_batch(
    repository: Repository, store: EventStore, runner: Runner, pool: asyncpg.Pool
) -> None:
    """A replay applies a batch while the one before is still being written: what a
    decision leaves (a refusal's reason, a corrected text) is known to the next one."""
    consultation = await open_consultation(repository)
    refused, overturned, appealed = [await receive(repository, consultation) for _ in range(3)]
    keyed = await receive(
        repository,
        consultation,
        channel=Channel.MAIL,
        keyed_by=CLERK,
        postmarked_at=DURING,
        source_reference="lettre 12",
    )
    for submission in (refused, appealed):
        submission.propose_refusal(FIRST, DURING, ReasonCode("R2"))
        submission.confirm_refusal(SECOND, DURING)
    overturned.propose_refusal(FIRST, DURING, ReasonCode("R4"))
    overturned.overturn_refusal(SECOND, DURING)
    overturned.publish(SECOND, DURING)
    appealed.appeal(appealed.participant_id, DURING, "Mon avis respecte la charte.")
    appealed.decide_appeal(StaffId("moderator-3"), DURING, granted=True)
    keyed.correct_transcription(CLERK, DURING, "L'eau, un bien commun (texte corrigé).")
    keyed.publish(FIRST, DURING)
    await repository.save(refused, overturned, appealed, keyed)
    await runner.catch_up_all()
    followed = await snapshot(pool)
    assert "texte corrigé" in str(followed["public_submissions"])
    # As production projects (the vault opens the names shown): this module's database
    # also holds the demo, loaded by the production runner.
    projections = all_projections(Settings.from_env().pseudonym_key, open_sealed)
    for size in (1, 2, 3):
        rebuilding = Runner(store, build_mapper(), projections, rebuild_batch_size=size)
        await rebuilding.rebuild_all(rebuilding.projections)
        assert await snapshot(pool) == followed, f"batches of {size}"
