"""Email to online participants, through a real SMTP server running in the test process."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.persistence.vault import open_sealed
from app.services.participants import erase_participant, register_participant
from app.services.submissions import receive_submission
from app.settings import EmailSettings
from app.workers.email import Scanned, run_sender, send_pending
from domain import Channel, ReasonCode, Submission, format_receipt
from projections.email import OutgoingEmail
from projections.engine.runner import Runner
from projections.public_consultations import PublicConsultations
from projections.public_submissions import PublicSubmissions
from tests.integration.test_services import online_form, open_consultation
from tests.unit.builders import CLERK, CLOSES_AT, DURING, MODERATOR, SECOND_MODERATOR

NOW = datetime.now(UTC)


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    """A real SMTP server on a free local port, which a test can stop and start again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(smtp: SmtpServer, tmp_path: Path) -> EmailSettings:
    return EmailSettings(
        outbox=tmp_path / "outbox", smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none"
    )


@pytest.fixture
def repository(store: EventStore) -> Repository:
    return Repository(store, build_mapper())


@pytest.fixture
def runner(store: EventStore) -> Runner:
    projections = [PublicConsultations(), PublicSubmissions(b"test", open_sealed), OutgoingEmail()]
    return Runner(store, build_mapper(), projections)


async def person(repository: Repository, name: str = "Marie-Ève Tremblay") -> tuple[UUID, str]:
    """A registered participant with an email address of their own."""
    participant_id = uuid4()
    email = f"p{participant_id.hex[:12]}@courriel.example"
    personal = {"name": name, "email": email}
    await register_participant(repository, participant_id, at=NOW, personal=personal)
    return participant_id, email


async def submit(repository: Repository, participant_id: UUID, **changes: Any) -> Submission:
    consultation = await open_consultation(repository)
    form = replace(online_form(consultation), participant_id=participant_id, **changes)
    receipt = await receive_submission(repository, form)
    return await repository.get(receipt.submission_id, Submission)


async def deliveries(pool: asyncpg.Pool, submission: Submission) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT m.kind, d.status, d.attempts, d.last_error FROM outgoing_email m"
        " LEFT JOIN email_deliveries d USING (email_id) WHERE m.submission_id = $1"
        " ORDER BY m.email_id",
        submission.id,
    )
    return [dict(r) for r in rows]


async def all_sent(pool: asyncpg.Pool, settings: EmailSettings, rounds: int = 20) -> None:
    """Rounds of sending until one finds nothing more to send."""
    for _ in range(rounds):
        if not await send_pending(pool, settings):
            return
    pytest.fail(f"mail still waiting to be sent after {rounds} rounds")


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    content: str = part.get_content()
    return content


async def test_an_online_submission_gets_a_confirmation_then_the_outcome_in_french(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    receipt = format_receipt(submission.receipt_number)
    await runner.catch_up_all()
    assert smtp.inbox.to(email) == []  # nothing is sent by the projection itself

    assert await send_pending(pool, settings) >= 1
    [confirmation] = smtp.inbox.to(email)
    assert receipt in confirmation["Subject"]
    assert "Avis reçu" in confirmation["Subject"]
    assert "Marie-Ève Tremblay" in str(confirmation["To"])
    assert confirmation["Content-Language"] == "fr"
    text = body(confirmation)
    assert receipt in text
    assert "« Avenir de l'eau (fr) »" in text
    assert "Et maintenant ?" in text

    submission.publish(MODERATOR, DURING)
    await repository.save(submission)
    await runner.catch_up_all()
    await send_pending(pool, settings)
    [_, outcome] = smtp.inbox.to(email)
    assert outcome["Subject"] == f"Votre avis {receipt} est publié"
    assert "est maintenant publié" in body(outcome)
    assert [d["status"] for d in await deliveries(pool, submission)] == ["sent", "sent"]


async def test_an_english_submission_gets_english_mail_and_a_refusal_gives_its_reason(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository, "Jack Smith")
    submission = await submit(repository, author, language="en")
    submission.propose_refusal(MODERATOR, DURING, ReasonCode.OFF_TOPIC)
    submission.confirm_refusal(SECOND_MODERATOR, DURING)
    await repository.save(submission)
    await runner.catch_up_all()
    await send_pending(pool, settings)

    confirmation, refusal = smtp.inbox.to(email)
    receipt = format_receipt(submission.receipt_number)
    assert confirmation["Subject"] == f"Opinion received: {receipt}"
    assert '"Avenir de l\'eau (en)"' in body(confirmation)
    assert "What happens next?" in body(confirmation)
    assert refusal["Subject"] == f"Your opinion {receipt} is not published"
    assert "Reason: R8 (off-topic)" in body(refusal)
    assert "appeal once" in body(refusal)


async def test_a_letter_writer_who_gave_an_email_is_told_by_email_and_a_caller_without_not(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    writer, writer_email = await person(repository)
    caller = uuid4()
    await register_participant(repository, caller, at=NOW, personal={"name": "Robert"})
    letter = await submit(
        repository, writer, channel=Channel.MAIL, keyed_by=CLERK, postmarked_at=DURING
    )
    call = await submit(
        repository,
        caller,
        channel=Channel.PHONE,
        keyed_by=CLERK,
        call_started_at=DURING,
        read_back_confirmed=True,
    )
    letter.publish(MODERATOR, DURING)
    await repository.save(letter)
    await runner.catch_up_all()
    await send_pending(pool, settings)

    assert [m["Subject"] for m in smtp.inbox.to(writer_email)] == [
        f"Avis reçu : {format_receipt(letter.receipt_number)}",
        f"Votre avis {format_receipt(letter.receipt_number)} est publié",
    ]
    assert {d["status"] for d in await deliveries(pool, call)} == {"undeliverable"}


async def test_a_mail_waits_while_the_server_is_down_and_goes_when_it_is_back(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    await runner.catch_up_all()
    smtp.stop()

    await send_pending(pool, settings)
    [pending] = await deliveries(pool, submission)
    assert (pending["status"], pending["attempts"]) == ("pending", 1)
    assert pending["last_error"]
    assert email not in pending["last_error"]
    await send_pending(pool, settings)  # not due yet: the next attempt waits
    assert (await deliveries(pool, submission))[0]["attempts"] == 1
    later = datetime.now(UTC) + timedelta(seconds=settings.retry_seconds + 1)
    await send_pending(pool, settings, now=later)
    assert (await deliveries(pool, submission))[0]["attempts"] == 2

    smtp.start()
    much_later = later + timedelta(seconds=4 * settings.retry_seconds)
    await send_pending(pool, settings, now=much_later)
    [sent] = await deliveries(pool, submission)
    assert (sent["status"], sent["attempts"]) == ("sent", 3)
    assert len(smtp.inbox.to(email)) == 1


async def test_a_mail_that_keeps_failing_is_given_up_with_its_error_kept(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    await runner.catch_up_all()
    smtp.stop()
    settings = replace(settings, max_attempts=2)
    await send_pending(pool, settings)
    await send_pending(pool, settings, now=datetime.now(UTC) + timedelta(hours=2))
    [failed] = await deliveries(pool, submission)
    assert (failed["status"], failed["attempts"]) == ("failed", 2)
    assert failed["last_error"].startswith("SMTPConnectError")

    smtp.start()
    await send_pending(pool, settings, now=datetime.now(UTC) + timedelta(hours=4))
    assert smtp.inbox.to(email) == []


async def test_a_rebuild_of_the_projection_sends_nothing_twice(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    submission.publish(MODERATOR, DURING)
    await repository.save(submission)
    await runner.catch_up_all()
    await send_pending(pool, settings)
    assert len(smtp.inbox.to(email)) == 2

    [projection] = [p for p in runner.projections if isinstance(p, OutgoingEmail)]
    await runner.rebuild(projection)
    await runner.catch_up_all()
    assert len(await deliveries(pool, submission)) == 2  # the rows are back, same ids
    await all_sent(pool, settings)
    assert len(smtp.inbox.to(email)) == 2


async def test_an_erased_participant_gets_nothing_and_no_table_holds_an_address(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    await runner.catch_up_all()
    await erase_participant(repository, author, NOW)
    await runner.catch_up_all()
    await send_pending(pool, settings)

    assert smtp.inbox.to(email) == []
    [undeliverable] = await deliveries(pool, submission)
    assert (undeliverable["status"], undeliverable["last_error"]) == ("undeliverable", "erased")

    kept, kept_email = await person(repository)
    await submit(repository, kept)
    await runner.catch_up_all()
    await send_pending(pool, settings)
    assert len(smtp.inbox.to(kept_email)) == 1  # an address was opened, used, not stored
    tables = await pool.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    assert {"outgoing_email", "email_deliveries"} <= {t["table_name"] for t in tables}
    for table in tables:
        rows = await pool.fetch(f'SELECT t::text AS row FROM "{table["table_name"]}" t')
        for row in rows:
            assert email not in row["row"]
            assert kept_email not in row["row"]


async def test_without_an_smtp_host_each_mail_is_written_to_the_outbox(
    repository: Repository, runner: Runner, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    settings = EmailSettings(outbox=tmp_path / "outbox")
    author, email = await person(repository)
    submission = await submit(repository, author)
    await runner.catch_up_all()
    await all_sent(pool, settings)

    [email_id] = await pool.fetch(
        "SELECT email_id FROM outgoing_email WHERE submission_id = $1", submission.id
    )
    written = tmp_path / "outbox" / f"{email_id[0]}.eml"
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert email in str(message["To"])
    assert format_receipt(submission.receipt_number) in message["Subject"]
    assert not list((tmp_path / "outbox").glob(".*"))  # no half-written file left
    assert [d["status"] for d in await deliveries(pool, submission)] == ["sent"]


async def test_the_withdrawal_is_confirmed(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    author, email = await person(repository)
    submission = await submit(repository, author)
    submission.withdraw(author, DURING, closes_at=DURING + timedelta(days=1))
    await repository.save(submission)
    await runner.catch_up_all()
    await send_pending(pool, settings)
    assert [m["Subject"].split(" :")[0] for m in smtp.inbox.to(email)] == [
        "Avis reçu",
        "Avis retiré",
    ]


async def test_the_sender_loop_sends_in_the_background_until_stopped(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    stop = asyncio.Event()
    sender = asyncio.create_task(run_sender(pool, settings, stop, interval=0.05))
    try:
        author, email = await person(repository)
        await submit(repository, author)
        await runner.catch_up_all()
        for _ in range(100):
            if smtp.inbox.to(email):
                break
            await asyncio.sleep(0.05)
        assert len(smtp.inbox.to(email)) == 1, "the sender loop sent nothing within 5 s"
    finally:
        stop.set()
        await asyncio.wait_for(sender, 5)


async def test_new_mail_is_looked_for_past_what_was_claimed_and_retries_below_it_still_go(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    first_author, _ = await person(repository)
    first = await submit(repository, first_author)
    await runner.catch_up_all()
    smtp.stop()
    scanned = Scanned()
    assert await send_pending(pool, settings, scanned=scanned) == 1  # tried, failed
    after_first = scanned.below
    first_id = await pool.fetchval(
        "SELECT email_id FROM outgoing_email WHERE submission_id = $1", first.id
    )
    assert after_first >= first_id  # fewer than asked: every mail up to the head was seen

    smtp.start()
    second_author, second_email = await person(repository)
    second = await submit(repository, second_author)
    await runner.catch_up_all()
    scanned.below = first_id  # as if every mail up to the first were claimed long ago
    later = datetime.now(UTC) + timedelta(seconds=settings.retry_seconds + 1)
    assert await send_pending(pool, settings, now=later, scanned=scanned) == 2
    assert (await deliveries(pool, first))[0]["status"] == "sent"  # a retry, below it
    assert (await deliveries(pool, second))[0]["status"] == "sent"  # new, past it
    assert scanned.below > first_id
    assert len(smtp.inbox.to(second_email)) == 1


async def test_with_nothing_new_the_next_look_starts_past_every_mail_seen(
    repository: Repository, runner: Runner, pool: asyncpg.Pool, settings: EmailSettings
) -> None:
    """Otherwise each round, every 2 s, walked all mail of the last days (1 M in the bench)."""
    author, _ = await person(repository)
    await submit(repository, author)
    await runner.catch_up_all()
    await all_sent(pool, settings)  # every mail of the module, sent
    scanned = Scanned()
    assert await send_pending(pool, settings, scanned=scanned) == 0
    assert scanned.below == await pool.fetchval("SELECT max(email_id) FROM outgoing_email")


async def test_a_late_letter_writer_with_an_email_is_told_it_is_late_not_that_it_will_be_read(
    repository: Repository,
    runner: Runner,
    pool: asyncpg.Pool,
    settings: EmailSettings,
    smtp: SmtpServer,
) -> None:
    writer, email = await person(repository)
    late = await submit(
        repository,
        writer,
        channel=Channel.MAIL,
        keyed_by=CLERK,
        postmarked_at=CLOSES_AT,
        received_at=CLOSES_AT + timedelta(days=1),
    )
    assert late.status.value == "late"
    await runner.catch_up_all()
    await send_pending(pool, settings)
    (told,) = smtp.inbox.to(email)
    assert told["Subject"] == f"Lettre reçue en retard : {format_receipt(late.receipt_number)}"
    assert "ne sera pas publiée" in body(told)
