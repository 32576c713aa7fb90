"""A world in which every route can be used for real: each command's target in the
state that command needs, made through the services and aggregates, then projected.

The citizen's session owns opinions of its own; each organizer command has a
consultation of its own, so that one done cannot stop the next; the clerk's session
keyed letters and a call at the desk, each for one request on it; the moderators'
queue holds, oldest, opinions for the moderator's session to take and to publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx

from app.persistence.files import Pdf
from app.persistence.repository import Repository
from app.services.consultations import attach_document, change_consultation
from app.services.moderation import publish_submission
from app.services.participants import register_participant
from app.services.submissions import SubmissionForm, receive_submission
from app.web.formatting import MONTREAL
from app.web.forms import local_input
from domain import Channel, Consultation, ReceiptClaim, StaffId, Submission
from domain.calibration import DEFAULT_SHARE, sampled
from tests.moderation import publish, refuse
from tests.unit.builders import content

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ORGANIZER = StaffId("o1")
DAY = timedelta(days=1)
PUBLISHED_TEXT = "Gardons la rivière propre pour nos enfants."
MINE_TEXT = "Mon avis à moi, avec un mémoire joint."
LETTER_TEXT = "Une lettre reçue au guichet, merci de la lire."
WRITER = "Gisèle Pelletier"
CORRECTED = "Une lettre reçue au guichet, merci de la relire."
CALIBRATED = "Un avis publié, revu une seconde fois."


def calibrated(token: str) -> bool:
    return sampled(Submission.create_id(token), DEFAULT_SHARE)


WAITING = {"taken": "Un avis qui attend son tour.", "published": "Un avis bientôt publié."}
"""Opinions waiting for a moderator, by what the moderator's session does with each."""
KEYED = ("scanned", "withdraw", "correct", "appeal", "print", "corrected")
"""The letters keyed at the desk, by what the clerk then does with each."""
COMMANDS = (
    "admin_consultation_update",
    "admin_consultation_schedule",
    "admin_consultation_open",
    "admin_consultation_extend",
    "admin_consultation_close_early",
    "admin_consultation_cancel",
    "admin_report_publish",
    "admin_document_attach",
    "admin_document_remove",
    "admin_consultation_double_keying",
)


@dataclass
class World:
    citizen: UUID
    """The participant behind the citizen's session."""
    open: UUID
    """Public and open: a document, one opinion published and one pending (not the citizen's)."""
    document: UUID
    published: UUID
    published_receipt: str
    theirs: UUID
    """Open: where the citizen's own opinions are, and where they send one more."""
    mine: str
    """The citizen's, pending, with a brief."""
    withdrawable: str
    refused: str
    drafting: UUID
    """Open: the citizen's draft here holds a brief."""
    draft: UUID
    """A draft, to read."""
    targets: dict[str, UUID] = field(default_factory=dict)
    """Per organizer command, a consultation in the state it needs."""
    removable: UUID = field(default_factory=uuid4)
    """A document of the consultation `admin_document_remove` acts on."""
    form_token: str = field(default_factory=lambda: str(uuid4()))
    """Of the opinion the citizen sends."""
    new_draft: str = field(default_factory=lambda: str(uuid4()))
    """Of the draft an organizer makes."""
    desk: UUID = field(default_factory=uuid4)
    """Open: where the clerk's session keys letters and a call."""
    keyed: dict[str, str] = field(default_factory=dict)
    """Receipt numbers of the letters (`KEYED`) and the call ("call") keyed there."""
    printable: UUID = field(default_factory=uuid4)
    """The submission of the letter keyed to be printed."""
    twice: UUID = field(default_factory=uuid4)
    """Open, its letters keyed twice: another clerk keyed `to_verify` there."""
    to_verify: str = ""
    to_verify_id: UUID = field(default_factory=uuid4)
    letter_token: str = field(default_factory=lambda: str(uuid4()))
    call_token: str = field(default_factory=lambda: str(uuid4()))
    """Of the letter and the call the clerk keys."""
    extended_to: datetime = field(
        default_factory=lambda: (datetime.now(UTC) + 15 * DAY).replace(second=0, microsecond=0)
    )
    """The closing time an organizer moves `admin_consultation_extend`'s target to."""
    waiting: dict[str, tuple[UUID, str]] = field(default_factory=dict)
    waiting_since: datetime = field(default_factory=lambda: datetime.now(UTC))
    calibrated: tuple[UUID, str] = (UUID(int=0), "")
    attached: tuple[UUID, str] = (UUID(int=0), "")
    """Published with its brief, which a moderator published too."""
    """Published by another moderator, and among those sent back for calibration."""
    """Id and receipt of each `WAITING` opinion; when the first, the queue's oldest, came."""


async def consultation(
    repository: Repository, title: str, opens: timedelta, closes: timedelta, scheduled: bool = True
) -> UUID:
    """Drafted (and scheduled) the day before it opens, or today for one still to open."""
    now = datetime.now(UTC)
    fields = content(
        title={"fr": f"{title} (fr)", "en": f"{title} (en)"},
        opens_at=now + opens,
        closes_at=now + closes,
    )
    drafted_at = min(now, now + opens) - DAY
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=drafted_at, **fields)
    if scheduled:
        c.schedule(ORGANIZER, drafted_at)
    await repository.save(c)
    return c.id


async def opinion(
    repository: Repository,
    consultation_id: UUID,
    by: UUID,
    text: str,
    brief: bytes | None = None,
    at: datetime | None = None,
    token: str | None = None,
) -> tuple[UUID, str]:
    """Received online (now, unless `at`); its id and receipt number."""
    form = SubmissionForm(
        form_token=token or str(uuid4()),
        consultation_id=consultation_id,
        channel=Channel.ONLINE,
        participant_id=by,
        text=text,
        language="fr",
        region="03",
        received_at=at or datetime.now(UTC),
        brief=brief,
    )
    receipt = await receive_submission(repository, form)
    return receipt.submission_id, receipt.receipt_number


async def document(repository: Repository, consultation_id: UUID, title: str) -> UUID:
    """Attached as an organizer does, the PDF kept with its event; its id."""
    at, titles = datetime.now(UTC), {"fr": f"{title} (fr)", "en": f"{title} (en)"}
    await attach_document(repository, consultation_id, ORGANIZER, at, titles, Pdf("a.pdf", PDF))
    c = await repository.get(consultation_id, Consultation)
    found: UUID = c.documents[-1]["id"]
    return found


async def build_world(repository: Repository, citizen: UUID) -> World:
    now = datetime.now(UTC)
    await register_participant(repository, citizen, at=now, personal={"name": "Marie"})
    public = await consultation(repository, "Consultation publique", -DAY, 20 * DAY)
    someone = uuid4()
    published, published_receipt = await opinion(repository, public, someone, PUBLISHED_TEXT)
    await publish(repository, published)
    await opinion(repository, public, someone, "Encore en attente de modération.")
    theirs = await consultation(repository, "Celle de la citoyenne", -DAY, 20 * DAY)
    _, mine = await opinion(repository, theirs, citizen, MINE_TEXT, brief=PDF)
    _, withdrawable = await opinion(repository, theirs, citizen, "Un avis que je retire.")
    refused_id, refused = await opinion(repository, theirs, citizen, "Un avis refusé.")
    await refuse(repository, refused_id)
    world = World(
        citizen=citizen,
        open=public,
        document=await document(repository, public, "Document public"),
        published=published,
        published_receipt=published_receipt,
        theirs=theirs,
        mine=mine,
        withdrawable=withdrawable,
        refused=refused,
        drafting=await consultation(repository, "Un brouillon d'avis", -DAY, 20 * DAY),
        draft=await consultation(repository, "Un brouillon", 2 * DAY, 10 * DAY, scheduled=False),
    )
    world.desk = await consultation(repository, "Au guichet", -DAY, 20 * DAY)
    world.twice = await consultation(repository, "Lettres saisies deux fois", -DAY, 20 * DAY)
    await change_consultation(
        repository, world.twice, lambda c: c.set_double_keying(ORGANIZER, now, required=True)
    )
    world.targets = {name: await target(repository, name) for name in COMMANDS}
    world.removable = await document(
        repository, world.targets["admin_document_remove"], "Document à retirer"
    )
    await awaiting_moderation(repository, world)
    return world


async def awaiting_moderation(repository: Repository, world: World) -> None:
    """Received days ago, the queue's oldest; none keyed by the moderator, who may take each."""
    where = await consultation(repository, "En modération", -10 * DAY, 20 * DAY)
    world.waiting_since = datetime.now(UTC) - 9 * DAY
    for days, name in enumerate(WAITING):
        at = world.waiting_since + days * DAY
        brief = PDF if name == "taken" else None
        world.waiting[name] = await opinion(repository, where, uuid4(), WAITING[name], brief, at)
    world.attached = await opinion(repository, where, uuid4(), "Avec son mémoire.", PDF)
    await publish_submission(
        repository,
        world.attached[0],
        StaffId("moderator-first"),
        datetime.now(UTC),
        [],
        attachment=(True, None),
    )
    token = next(t for t in (f"calibrated-{i}" for i in range(9999)) if calibrated(t))
    world.calibrated = await opinion(repository, where, uuid4(), CALIBRATED, token=token)
    first = StaffId("moderator-first")
    await publish_submission(repository, world.calibrated[0], first, datetime.now(UTC), [])


async def target(repository: Repository, command: str) -> UUID:
    """A consultation that `command` can act on."""
    title = command.removeprefix("admin_")
    if command in ("admin_consultation_extend", "admin_consultation_close_early"):
        return await consultation(repository, title, -DAY, 5 * DAY)  # open
    if command == "admin_report_publish":
        return await consultation(repository, title, -30 * DAY, -20 * DAY)  # past its letters
    if command == "admin_consultation_cancel":
        return await consultation(repository, title, 2 * DAY, 10 * DAY)  # upcoming
    return await consultation(repository, title, 2 * DAY, 10 * DAY, scheduled=False)


async def draft_with_brief(citizen: httpx.AsyncClient, world: World) -> None:
    """The citizen saves a draft with a brief, through the form as a browser would."""
    url = f"/consultations/{world.drafting}/participer"
    data = {
        "csrf_token": "jeton",
        "form_token": str(uuid4()),
        "answer_0": "Un avis pas encore envoyé.",
        "language": "fr",
        "action": "enregistrer",
    }
    files = {"brief": ("memoire.pdf", PDF, "application/pdf")}
    saved = await citizen.post(url, data=data, files=files)
    assert saved.status_code == 303, saved.text


def letter(world: World, form_token: str, consultation_id: UUID | None = None) -> dict[str, str]:
    """A letter as a clerk keys it, received and postmarked today."""
    today = datetime.now(MONTREAL).date().isoformat()
    return {
        "csrf_token": "jeton",
        "form_token": form_token,
        "consultation_id": str(consultation_id or world.desk),
        "received_on": today,
        "postmarked_on": today,
        "name": WRITER,
        "postal_address": "12, rue des Érables\nRimouski (Québec)  G5L 1A1",
        "region": "01",
        "language": "fr",
        "text": LETTER_TEXT,
        "show_name": "not_stated",
    }


def call(world: World, form_token: str) -> dict[str, str]:
    """A call as a clerk keys it, begun ten minutes ago, read back to the caller."""
    return {
        "csrf_token": "jeton",
        "form_token": form_token,
        "consultation_id": str(world.desk),
        "call_started_at": local_input(datetime.now(UTC) - timedelta(minutes=10)),
        "name": "Robert Gagnon",
        "phone": "418 555-0123",
        "language": "fr",
        "text": "Un appel au guichet.",
        "read_back": "on",
    }


async def keyed_at_the_desk(
    clerk: httpx.AsyncClient, other: httpx.AsyncClient, repository: Repository, world: World
) -> int:
    """Through the desk's forms, the clerk keys the letters and the call, and corrects
    one letter; another clerk keys a letter to be keyed twice. A moderator refuses the
    letter to appeal: the position of that refusal."""
    for name in KEYED:
        scan = {"scan": ("lettre.pdf", PDF, "application/pdf")} if name == "scanned" else None
        world.keyed[name] = await keyed_letter(clerk, letter(world, str(uuid4())), scan)
    sent = await clerk.post("/saisie/appel", data=call(world, str(uuid4())))
    assert sent.status_code == 303, sent.text
    world.keyed["call"] = receipt_in(sent.headers["location"])
    fix = {"csrf_token": "jeton", "text": CORRECTED}
    fixed = await clerk.post(f"/saisie/avis/{world.keyed['corrected']}/correction", data=fix)
    assert fixed.status_code == 303, fixed.text
    scan = {"scan": ("lettre.pdf", PDF, "application/pdf")}
    world.to_verify = await keyed_letter(other, letter(world, str(uuid4()), world.twice), scan)
    world.to_verify_id = await submission_of(repository, world.to_verify)
    world.printable = await submission_of(repository, world.keyed["print"])
    return await refuse(repository, await submission_of(repository, world.keyed["appeal"]))


async def keyed_letter(
    clerk: httpx.AsyncClient, data: dict[str, str], scan: dict[str, tuple[str, bytes, str]] | None
) -> str:
    sent = await clerk.post("/saisie/lettre", data=data, files=scan)
    assert sent.status_code == 303, sent.text
    return receipt_in(sent.headers["location"])


def receipt_in(url: str) -> str:
    """The receipt number a keying answered with (`?dernier=` or `/appel/`)."""
    found = re.search(r"(?:dernier=|/appel/)([0-9A-Z]{9})", url)
    assert found, url
    return found[1]


async def submission_of(repository: Repository, receipt: str) -> UUID:
    claim = await repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    submission_id: UUID = claim.submission_id
    return submission_id
