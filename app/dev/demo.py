"""Realistic French demo data: three consultations and a few hundred opinions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from app.persistence.db import create_pool
from app.persistence.files import Pdf
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.staff import remember_staff
from app.persistence.store import EventStore
from app.services.consultations import publish_report
from app.services.moderation import propose_refusal, publish_submission, second_opinion
from app.services.participants import keyed_writer_id, register_participant
from app.services.printing import mark_printed
from app.services.submissions import SubmissionForm, receive_submission, withdraw_submission
from app.settings import Settings
from app.workers.projector import build_runner
from domain import REGIONS, Channel, Consultation, ReasonCode, StaffId, Submission

ORGANIZER = StaffId("demo-organizer")
CLERK = StaffId("demo-clerk")
MODERATORS = (StaffId("demo-moderator-1"), StaffId("demo-moderator-2"))
DAY = timedelta(days=1)
REPORT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
FIRST_NAMES = ["Marie", "Jean", "Sophie", "Luc", "Isabelle", "Mathieu", "Nathalie", "Amina"]
LAST_NAMES = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie"]
ADDRESS = "Commission des consultations, 1045, rue des Parlementaires, Québec (Québec) G1A 1A3"

OPINIONS = [
    "L'eau potable doit rester un service public, géré près des citoyens.",
    "Il faut protéger les milieux humides avant d'autoriser de nouveaux projets.",
    "Les régions éloignées ont besoin d'un meilleur accès à Internet haute vitesse.",
    "Je demande que les documents de la consultation soient offerts en gros caractères.",
    "Le transport collectif entre les villes moyennes est presque inexistant.",
    "Les aînés doivent pouvoir participer sans ordinateur, par téléphone ou par la poste.",
    "Une redevance plus élevée sur l'eau embouteillée financerait la protection des lacs.",
    "Les municipalités manquent de moyens pour entretenir leurs réseaux d'aqueduc.",
]
TOPICS = [
    ("L'avenir de l'eau au Québec", "The future of water in Quebec", -20, 25),
    ("Le numérique en région", "Digital access in the regions", 10, 60),
    ("La participation citoyenne", "Citizen participation", -90, -40),
]


def bilingual(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def consultation(fr: str, en: str, opens_at: datetime, closes_at: datetime) -> Consultation:
    c = Consultation.draft(
        uuid4(),
        by=ORGANIZER,
        at=opens_at - 30 * DAY,
        title=bilingual(fr, en),
        summary=bilingual(f"Donnez votre avis : {fr.lower()}.", f"Have your say: {en.lower()}."),
        body=bilingual(
            "La commission entend toutes les opinions, quel que soit le moyen choisi.",
            "The commission hears every opinion, whichever way it is sent.",
        ),
        questions=[bilingual("Quelles sont vos priorités ?", "What are your priorities?")],
        opens_at=opens_at,
        closes_at=closes_at,
        mail_grace_days=7,
        postal_address=ADDRESS,
        phone="1 866 555-0123",
        phone_hours=bilingual(
            "du lundi au vendredi, de 9 h à 17 h", "Monday to Friday, 9 a.m. to 5 p.m."
        ),
    )
    c.schedule(ORGANIZER, opens_at - 20 * DAY)
    return c


def form(rng: random.Random, c: Consultation, at: datetime) -> SubmissionForm:
    channel = rng.choice([Channel.ONLINE, Channel.ONLINE, Channel.MAIL, Channel.PHONE])
    keyed = channel is not Channel.ONLINE
    token = str(UUID(int=rng.getrandbits(128), version=4))  # the same demo each time
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    writer = {"name": name, "postal_address": f"{rng.randrange(1, 999)}, rue Principale"}
    return SubmissionForm(
        form_token=token,
        consultation_id=c.id,
        channel=channel,
        participant_id=keyed_writer_id(token) if keyed else uuid4(),
        writer=writer if keyed else None,
        text=rng.choice(OPINIONS),
        language=rng.choice(["fr", "fr", "fr", "en"]),
        region=rng.choice(sorted(REGIONS)),
        received_at=at + (2 * DAY if channel is Channel.MAIL else timedelta()),
        postmarked_at=at if channel is Channel.MAIL else None,
        call_started_at=at if channel is Channel.PHONE else None,
        keyed_by=CLERK if keyed else None,
        source_reference=f"{channel.value.upper()}-{rng.randrange(10_000):04d}" if keyed else None,
        show_name=rng.random() < 0.3,
        read_back_confirmed=channel is Channel.PHONE,
        brief=REPORT_PDF if not keyed and rng.random() < 0.1 else None,
    )


async def moderate(repository: Repository, rng: random.Random, s: Submission, at: datetime) -> None:
    """Through the moderators' own services, by the demo moderators."""
    first, second = MODERATORS
    roll = rng.random()
    if roll < 0.55:
        await publish_submission(repository, s.id, first, at, [])
    elif roll < 0.65:
        passage = [(0, min(8, len(s.text)), ReasonCode("R3"))]
        await publish_submission(repository, s.id, first, at, passage)
    elif roll < 0.8:
        await propose_refusal(repository, s.id, first, at, ReasonCode("R8"), "")
        await second_opinion(repository, s.id, second, at, confirm=True)
    elif roll < 0.85:
        await withdraw_submission(repository, s.id, s.participant_id, at, at + DAY)


async def load_demo(dsn: str, settings: Settings, per_consultation: int = 120) -> str:
    pool = await create_pool(dsn, min_size=1, max_size=4)
    repository = Repository(EventStore(pool), build_mapper(settings.cipher_key))
    rng, now, received = random.Random(2026), datetime.now(UTC), 0
    try:
        for fr, en, start, end in TOPICS:
            c = consultation(fr, en, now + start * DAY, now + end * DAY)
            await repository.save(c)
            if start < 0:
                received += await _submissions(repository, rng, c, now, per_consultation)
            if end < -10:
                await _report(repository, c, now)
        # Projected now, so that the first page served shows it (not a page rendered
        # before the projector caught up, and kept for a few seconds).
        await build_runner(EventStore(pool), settings).catch_up_all()
    finally:
        await pool.close()
    return f"demo data: {len(TOPICS)} consultations, {received} submissions"


async def _report(repository: Repository, c: Consultation, now: datetime) -> None:
    """A short report as a real PDF, stored with the event that publishes it."""
    summary = bilingual(
        "Nous avons entendu un appel clair à une participation sans ordinateur.",
        "We heard a clear call for taking part without a computer.",
    )
    await publish_report(repository, c.id, ORGANIZER, now, summary, Pdf("rapport.pdf", REPORT_PDF))


async def _submissions(
    repository: Repository, rng: random.Random, c: Consultation, now: datetime, count: int
) -> int:
    last = min(now, c.closes_at) - 3 * DAY
    span = (last - c.opens_at).total_seconds()
    keyed: list[UUID] = []
    decided = c.opens_at
    # In the order they came, each decided a day after it was received and after the one
    # before: the ledger, newest first, then reads in the order of its dates.
    for at in sorted(c.opens_at + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)):
        submission_form = form(rng, c, at)
        if submission_form.writer is None:  # online: registered when they signed in
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            personal = {"name": name, "email": f"{name.split()[0].lower()}@courriel.example"}
            await register_participant(
                repository, submission_form.participant_id, at=at, personal=personal
            )
        else:  # keyed by a clerk: their acknowledgments went out with the day's mail
            keyed.append(Submission.create_id(submission_form.form_token))
        receipt = await receive_submission(repository, submission_form)
        if not receipt.first_time:  # the demo loaded once already: its opinions stand
            continue
        submission = await repository.get(receipt.submission_id, Submission)
        decided = max(decided + timedelta(minutes=1), submission_form.received_at + DAY)
        await moderate(repository, rng, submission, decided)
    if keyed:
        await mark_printed(repository, CLERK, datetime.now(UTC), keyed, keyed)
        await remember_staff(repository.store.pool, CLERK, "Paul Lefebvre (démo)")
    for staff_id, name in zip(
        MODERATORS, ("Sophie Bouchard (démo)", "Luc Morin (démo)"), strict=True
    ):
        await remember_staff(repository.store.pool, staff_id, name)
    return count
