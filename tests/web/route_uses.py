"""How each route is used for real, and what shows afterwards that it did what it says:
the answer itself for a page, the site as someone reads it next for a command.

The public's and the citizen's routes here; the organizers' in route_uses_admin.py,
the clerks' in route_uses_desk.py."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from app.persistence.store import EventStore
from domain import Submission, format_receipt
from tests.idp import dev_idp, login
from tests.web.route_world import MINE_TEXT, PDF, PUBLISHED_TEXT, World

Form = dict[str, str]
Files = dict[str, tuple[str, bytes, str]]
Text = str | Callable[[World], str]
"""What a page should show: the same in every world, or taken from the world."""
Params = Callable[[World], dict[str, str]]


@dataclass
class Seen:
    """What a check looks at: the answer, and the site read afterwards."""

    world: World
    answer: httpx.Response
    actor: httpx.AsyncClient
    session: str | None
    """The actor's session cookie, as it was when the request was sent."""
    public: httpx.AsyncClient
    organizer: httpx.AsyncClient
    store: EventStore


Check = Callable[[Seen], Awaitable[None]]
Send = Callable[[httpx.AsyncClient, str, World], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Use:
    params: Params
    check: Check
    form: Callable[[World], Form] | None = None
    files: Files | None = None
    query: Callable[[World], str] | None = None
    """After the path: what a search form (GET) would add."""
    send: Send | None = None
    """Instead of one plain request (a sign-in goes through the provider first)."""


def text_in(text: Text, world: World) -> str:
    return text if isinstance(text, str) else text(world)


# Checks -------------------------------------------------------------------------------


def answer_has(*wanted: Text) -> Check:
    async def check(seen: Seen) -> None:
        assert seen.answer.status_code == 200, seen.answer.status_code
        for text in (text_in(t, seen.world) for t in wanted):
            assert text in seen.answer.text, f"the answer lacks {text!r}"

    return check


async def answer_is_the_pdf(seen: Seen) -> None:
    assert seen.answer.status_code == 200, seen.answer.status_code
    assert seen.answer.content == PDF, "not the PDF that was kept"


def json_has(key: str, value: object) -> Check:
    """`value`, or what it gives for the world when it is a function of it."""

    async def check(seen: Seen) -> None:
        assert seen.answer.status_code == 200, seen.answer.status_code
        expected = value(seen.world) if callable(value) else value
        assert seen.answer.json()[key] == expected, seen.answer.json()[key]

    return check


def page_has(reader: str, path: Text, *wanted: Text, absent: str = "") -> Check:
    """After a command (303), `reader` ("public", "organizer" or "actor") reads `path`."""

    async def check(seen: Seen) -> None:
        assert seen.answer.status_code == 303, seen.answer.status_code
        client = {"public": seen.public, "organizer": seen.organizer, "actor": seen.actor}[reader]
        url = text_in(path, seen.world)
        page = (await client.get(url)).text
        for text in (text_in(t, seen.world) for t in wanted):
            assert text in page, f"{url} does not show {text!r}"
        assert not absent or absent not in page, f"{url} still shows {absent!r}"

    return check


def receipt_shows(receipt: Callable[[World], str], text: str) -> Check:
    """The author's own page of that opinion."""
    return page_has("actor", lambda w: f"/mes-avis/{receipt(w)}", text)


async def sent_to_the_provider(seen: Seen) -> None:
    location = seen.answer.headers.get("location", "")
    assert location.startswith(dev_idp().issuer), location
    assert "code_challenge=" in location


async def signed_in_through_the_provider(
    client: httpx.AsyncClient, path: str, world: World
) -> httpx.Response:
    """The provider's own redirect back to `path`, after Marie signs in there."""
    start = await client.get("/connexion/citizen")
    answer = await login(client, start.headers["location"], "marie", "marie")
    assert answer.request.url.path == path, answer.request.url
    return answer


async def signed_in_as_marie(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    assert "Connecté : Marie Tremblay" in (await seen.actor.get("/")).text


async def session_ended(seen: Seen) -> None:
    assert seen.answer.status_code == 303
    assert seen.session is not None
    rows = await seen.store.pool.fetchval(
        "SELECT count(*) FROM web_sessions WHERE id_hash = $1",
        hashlib.sha256(seen.session.encode()).digest(),
    )
    assert rows == 0, "the session outlived its sign-out"


async def opinion_received(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    receipt = await seen.actor.get(seen.answer.headers["location"])
    assert "Reçu, en attente de modération" in receipt.text
    events = await seen.store.select_events(Submission.create_id(seen.world.form_token))
    assert len(events) == 1, events


# Where -----------------------------------------------------------------------------


def on(consultation: Callable[[World], object], **more: Callable[[World], object]) -> Params:
    """A consultation's id in the path, and any other value."""
    return lambda w: (
        {"consultation_id": str(consultation(w))} | {k: str(v(w)) for k, v in more.items()}
    )


def csrf(fields: Form) -> Callable[[World], Form]:
    return lambda w: {"csrf_token": "jeton", **fields}


def plain(w: World) -> dict[str, str]:
    """No value in the path but, for the sign-in routes, who signs in."""
    return {"kind": "citizen"}


OPEN = on(lambda w: w.open)
PUBLISHED = on(lambda w: w.open, receipt=lambda w: w.published_receipt)
DOCUMENT = on(lambda w: w.open, document_id=lambda w: w.document)

MINE = on(lambda w: w.theirs, receipt=lambda w: w.mine)
TITLE = "Consultation publique (fr)"


def published_receipt(w: World) -> str:
    return w.published_receipt


# The routes ------------------------------------------------------------------------

PUBLIC_USES = {
    "home": Use(plain, answer_has(TITLE)),
    "consultation_show": Use(OPEN, answer_has(TITLE)),
    "submission_list": Use(OPEN, answer_has(PUBLISHED_TEXT)),
    "statistics": Use(OPEN, answer_has("Avis reçus : <strong>2</strong>")),
    "ledger_show": Use(OPEN, answer_has(lambda w: format_receipt(w.published_receipt), "Publié")),
    "submission_show": Use(PUBLISHED, answer_has(PUBLISHED_TEXT)),
    "document_download": Use(DOCUMENT, answer_is_the_pdf),
    "submissions_csv": Use(OPEN, answer_has(published_receipt, PUBLISHED_TEXT)),
    "submissions_json": Use(OPEN, answer_has(published_receipt, PUBLISHED_TEXT)),
    "feed": Use(OPEN, answer_has(lambda w: f"urn:uuid:{w.published}")),
    "api_consultation_list": Use(plain, answer_has(lambda w: str(w.open))),
    "api_consultation_show": Use(OPEN, json_has("id", lambda w: str(w.open))),
    "api_submission_list": Use(OPEN, answer_has(published_receipt)),
    "api_statistics": Use(OPEN, json_has("received", 2)),
    "api_submission_show": Use(PUBLISHED, json_has("text", PUBLISHED_TEXT)),
    "openapi": Use(plain, json_has("openapi", "3.1.0")),
    "charter": Use(plain, answer_has('id="R8"', "Hors sujet")),
    "attachment_download": Use(
        lambda w: {"receipt": format_receipt(w.attached[1])}, answer_is_the_pdf
    ),
    "api_charter": Use(plain, answer_has('"code":"R1"', "Hate speech")),
    "auth_sign_in": Use(plain, sent_to_the_provider),
    "auth_callback": Use(plain, signed_in_as_marie, send=signed_in_through_the_provider),
    "auth_sign_out": Use(plain, session_ended, form=csrf({})),
    "health": Use(plain, answer_has("ok")),
}

CITIZEN_USES = {
    "opinion_form": Use(on(lambda w: w.theirs), answer_has("Question 1 (fr)", 'name="answer_0"')),
    "opinion_post": Use(
        on(lambda w: w.theirs),
        opinion_received,
        form=lambda w: {
            "csrf_token": "jeton",
            "form_token": w.form_token,
            "answer_0": "Mon nouvel avis.",
            "language": "fr",
            "region": "03",
            "action": "envoyer",
        },
    ),
    "my_submissions": Use(plain, answer_has(lambda w: format_receipt(w.mine))),
    "opinion_brief": Use(on(lambda w: w.drafting), answer_is_the_pdf),
    "my_receipt": Use(
        MINE, answer_has(lambda w: format_receipt(w.mine), "Reçu, en attente de modération")
    ),
    "my_receipt_print": Use(MINE, answer_has(MINE_TEXT)),
    "my_brief": Use(MINE, answer_is_the_pdf),
    "my_withdraw": Use(
        on(lambda w: w.theirs, receipt=lambda w: w.withdrawable),
        receipt_shows(lambda w: w.withdrawable, "Retiré par son auteur"),
        form=csrf({}),
    ),
    "my_appeal": Use(
        on(lambda w: w.theirs, receipt=lambda w: w.refused),
        receipt_shows(lambda w: w.refused, "Reçu, en cours d'examen par un autre modérateur"),
        form=csrf({"appeal": "Mon avis portait bien sur la question."}),
    ),
}
