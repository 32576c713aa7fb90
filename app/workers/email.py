"""Sending the email the `outgoing_email` projection asks for, away from any request.

`run_sender` loops beside the projector; each round `send_pending` claims the mail
that is due (FOR UPDATE SKIP LOCKED, then a claim in `email_deliveries` that counts
the attempt and sets the next one, so several processes never send one mail twice),
opens the recipient's address through the vault, and sends it over SMTP, or writes
`<outbox>/<id>.eml` when no SMTP host is set (development). A failure waits longer
each time, up to `max_attempts`; an erased person, or one without an email address,
gets nothing. Delivery is at least once: a crash between sending and recording sends
the mail again, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import aiosmtplib
import asyncpg

from app.persistence.db import Conn
from app.persistence.vault import open_sealed
from app.services.notices import render
from app.settings import EmailSettings

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 3600


class UndeliverableError(Exception):
    """Nothing to send to: erased, no email address, or an address refused for good."""


class NotProjectedYetError(Exception):
    """The person's row is not projected yet: try again later."""


@dataclass
class Scanned:
    """Mail ids this process has seen claimed: new mail is looked for after `below`.

    Without it, each claim walked every mail of the last `max_age` days to find the
    few not yet tried, so a burst of N mails cost N²/limit row visits (seen in the
    pages bench: an idle projector process kept PostgreSQL 75 % busy). It starts at 0
    in each process, so a claim lost with a crashed process is found after a restart;
    retries are found apart, through `email_deliveries_due_idx`. See `_new_mail`.
    """

    below: int = 0


@dataclass(frozen=True)
class Claimed:
    email_id: int
    attempts: int
    row: asyncpg.Record


async def send_pending(
    pool: asyncpg.Pool,
    settings: EmailSettings,
    limit: int = 50,
    now: datetime | None = None,
    stop: asyncio.Event | None = None,
    scanned: Scanned | None = None,
) -> int:
    """Try the mail that is due (up to `limit`); return how many were claimed.

    With `stop` set midway, the rest waits for its next attempt (shutdown is not held up
    by a slow server).
    """
    now = now or datetime.now(UTC)
    claimed = await _claim(pool, settings, limit, now, scanned or Scanned())
    for mail in claimed:
        if stop is not None and stop.is_set():
            break
        await _deliver(pool, settings, mail)
    return len(claimed)


async def run_sender(
    pool: asyncpg.Pool, settings: EmailSettings, stop: asyncio.Event, interval: float = 2.0
) -> None:
    """Until `stop`: send what is due, then look again every `interval` seconds."""
    scanned = Scanned()
    while not stop.is_set():
        try:
            while await send_pending(pool, settings, stop=stop, scanned=scanned):
                if stop.is_set():
                    break
                pass
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("mail sender interrupted; retrying", exc_info=True)
        except Exception:  # never take the projector (same task group) down with it
            log.exception("mail sender failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _claim(
    pool: asyncpg.Pool, settings: EmailSettings, limit: int, now: datetime, scanned: Scanned
) -> list[Claimed]:
    async with pool.acquire() as conn, conn.transaction():
        retries = await conn.fetch(
            "SELECT m.email_id FROM email_deliveries d JOIN outgoing_email m USING (email_id)"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND m.created_at > $2"
            " ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF m SKIP LOCKED",
            limit,
            now - settings.max_age,
            now,
        )
        new, reached = await _new_mail(conn, limit - len(retries), now - settings.max_age, scanned)
        due = [*(r["email_id"] for r in retries), *new]
        if not due:
            scanned.below = reached
            return []
        # The claim re-checks the latest delivery row: another process that claimed the
        # mail meanwhile has moved next_attempt_at on, and this one takes nothing.
        attempts = await conn.fetch(
            "INSERT INTO email_deliveries AS d (email_id, status, attempts, next_attempt_at)"
            " SELECT id, 'pending', 1, $2::timestamptz + make_interval(secs => $3)"
            " FROM unnest($1::bigint[]) AS id"
            " ON CONFLICT (email_id) DO UPDATE SET attempts = d.attempts + 1,"
            " next_attempt_at = $2::timestamptz"
            " + make_interval(secs => least($3 * power(2, d.attempts), $4))"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= $2"
            " RETURNING email_id, attempts",
            due,
            now,
            settings.retry_seconds,
            MAX_DELAY_SECONDS,
        )
        tries = {r["email_id"]: r["attempts"] for r in attempts}
        rows = await conn.fetch(
            "SELECT m.*, k.key, p.participant_id IS NOT NULL AS projected, p.sealed,"
            " c.title::text AS title FROM outgoing_email m"
            " LEFT JOIN participant_keys k USING (participant_id)"
            " LEFT JOIN private_participants p USING (participant_id)"
            " LEFT JOIN public_consultations c USING (consultation_id)"
            " WHERE m.email_id = ANY($1::bigint[]) ORDER BY m.email_id",
            list(tries),
        )
    scanned.below = reached  # once the claim is committed: a failed one is looked at again
    return [Claimed(r["email_id"], tries[r["email_id"]], r) for r in rows]


async def _new_mail(
    conn: Conn, wanted: int, since: datetime, scanned: Scanned
) -> tuple[list[int], int]:
    """Up to `wanted` mail ids never tried, past `scanned.below`; and where it can move.

    Past the last one taken, or, when fewer were found, to the highest mail id of the
    same snapshot: every visible mail up to it is claimed, being claimed (locked), or
    too old. Mail is written by the projector in batches of rising ids, so none can
    appear below it later (but a rebuild of `outgoing_email`, whose mail was claimed
    before). Without moving on when nothing is new, every round walked all recent mail.
    """
    if wanted <= 0:
        return [], scanned.below
    [found] = await conn.fetch(  # one row: the ids found, and the highest mail id
        "WITH new AS (SELECT m.email_id FROM outgoing_email m"
        " LEFT JOIN email_deliveries d USING (email_id)"
        " WHERE m.email_id > $3 AND m.created_at > $2 AND d.email_id IS NULL"
        " ORDER BY m.email_id LIMIT $1 FOR UPDATE OF m SKIP LOCKED)"
        " SELECT array(SELECT email_id FROM new ORDER BY email_id) AS ids,"
        " (SELECT max(email_id) FROM outgoing_email) AS head",
        wanted,
        since,
        scanned.below,
    )
    ids: list[int] = found["ids"]
    reached = ids[-1] if len(ids) == wanted else found["head"] or 0
    return ids, max(scanned.below, reached)


async def _deliver(pool: asyncpg.Pool, settings: EmailSettings, mail: Claimed) -> None:
    address: str | None = None
    try:
        recipient = _recipient(mail.row)
        address = recipient.addr_spec
        await _send(settings, mail.email_id, _message(settings, mail, recipient))
    except UndeliverableError as error:
        await _record(pool, mail, "undeliverable", str(error))
    except aiosmtplib.SMTPRecipientsRefused as error:
        await _record(pool, mail, "undeliverable", _scrubbed(error, address))
    except (NotProjectedYetError, aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        log.warning("mail %s, attempt %s: %s", mail.email_id, mail.attempts, type(error).__name__)
        await _retry_later(pool, settings, mail, _scrubbed(error, address))
    except Exception as error:  # a bug in one mail stops neither the others nor the projector
        log.exception("mail %s, attempt %s", mail.email_id, mail.attempts)
        await _retry_later(pool, settings, mail, _scrubbed(error, address))
    else:
        await _record(pool, mail, "sent", None)


async def _retry_later(
    pool: asyncpg.Pool, settings: EmailSettings, mail: Claimed, error: str
) -> None:
    """The next attempt is already set by the claim; after the last one, give up."""
    gave_up = mail.attempts >= settings.max_attempts
    await _record(pool, mail, "failed" if gave_up else "pending", error)


def _recipient(row: asyncpg.Record) -> Address:
    """The address opened through the vault, at the last moment."""
    if row["key"] is None:
        raise UndeliverableError("erased")
    if not row["projected"]:
        raise NotProjectedYetError("participant not projected yet")
    fields = open_sealed(row["key"], row["sealed"])
    if fields is None:
        raise UndeliverableError("erased")
    email = (fields.get("email") or "").strip()
    if not email:
        raise UndeliverableError("no email address")
    try:
        return Address(display_name=fields.get("name") or "", addr_spec=email)
    except ValueError:
        raise UndeliverableError("invalid email address") from None


def _message(settings: EmailSettings, mail: Claimed, recipient: Address) -> EmailMessage:
    row = mail.row
    site = settings.public_url
    follow = f"{site.rstrip('/')}/avis/{row['receipt_number']}" if site else None
    text = render(
        row["kind"],
        row["language"],
        row["receipt_number"],
        json.loads(row["title"]) if row["title"] else None,
        row["reasons"],
        follow,
    )
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = text.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = settings.sender.rpartition("@")[2].rstrip(">").strip() or "tribune.localhost"
    message["Message-ID"] = f"<mail-{mail.email_id}@{domain}>"  # the same on every retry
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text.body)
    message["Content-Language"] = row["language"]  # after set_content, which clears Content-*
    return message


async def _send(settings: EmailSettings, email_id: int, message: EmailMessage) -> None:
    if settings.smtp_host is None:
        await asyncio.to_thread(_write_eml, settings.outbox, email_id, message)
        return
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        timeout=settings.timeout,
    )


def _write_eml(outbox: Path, email_id: int, message: EmailMessage) -> None:
    """Written whole, then renamed: a reader never sees half a message."""
    outbox.mkdir(parents=True, exist_ok=True)
    partial = outbox / f".{email_id}.eml.partial"
    partial.write_bytes(message.as_bytes())
    partial.replace(outbox / f"{email_id}.eml")


def _scrubbed(error: BaseException, address: str | None) -> str:
    """The error as text, without the address an SMTP server may quote back."""
    text = f"{type(error).__name__}: {error}"[:500]
    return text.replace(address, "<recipient>") if address else text


async def _record(pool: asyncpg.Pool, mail: Claimed, status: str, error: str | None) -> None:
    await pool.execute(
        "UPDATE email_deliveries SET status = $2, last_error = $3,"
        " sent_at = CASE WHEN $2 = 'sent' THEN now() END WHERE email_id = $1",
        mail.email_id,
        status,
        error,
    )
