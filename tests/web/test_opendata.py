"""Open data, the JSON API and the Atom feeds, through httpx against real PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from starlette.routing import Route

from app.asgi import create_app
from app.opendata import routes as opendata
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.participants import register_participant
from app.services.submissions import receive_submission
from app.settings import Settings
from app.workers.projector import build_runner
from domain import (
    Channel,
    Consultation,
    ReasonCode,
    StaffId,
    Submission,
    format_receipt,
    receipt_number,
)
from projections.opendata_queries import all_published
from tests.integration.test_services import online_form, open_consultation
from tests.unit.builders import CLERK, DURING
from tests.web.asgi import served

ATOM = "{http://www.w3.org/2005/Atom}"
FIRST, SECOND = StaffId("moderator-1"), StaffId("moderator-2")
HEADER = [
    "receipt_number",
    "published_at",
    "received_at",
    "channel",
    "region",
    "language",
    "display_name",
    "text",
]
UNSEEN = ("Refusé: propos haineux", "Retiré: j'ai changé d'avis", "En attente de modération")


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url, projector=False)
    async with served(app) as c:
        yield c


@dataclass
class World:
    consultation: Consultation
    published: list[Submission]
    redacted: Submission
    formula: Submission
    letter: Submission
    refused: Submission
    withdrawn: Submission
    pending: Submission

    @property
    def receipts(self) -> set[str]:
        return {s.receipt_number for s in self.published}


async def receive(repository: Repository, consultation: Consultation, **changes: Any) -> Submission:
    receipt = await receive_submission(repository, online_form(consultation, **changes))
    return await repository.get(receipt.submission_id, Submission)


async def marie(repository: Repository) -> UUID:
    """Registered with her name sealed; an opinion of hers may show it, if she says so."""
    participant = uuid4()
    personal = {"name": "Marie L."}
    await register_participant(repository, participant, at=DURING, personal=personal)
    return participant


async def received_by_every_channel(
    repository: Repository, consultation: Consultation
) -> list[Submission]:
    clerk = {"keyed_by": CLERK, "source_reference": "SCAN-0001"}
    by_marie = {"participant_id": await marie(repository), "show_name": True}
    letter = {"channel": Channel.MAIL, "postmarked_at": DURING, "region": "03"}
    call = {"channel": Channel.PHONE, "call_started_at": DURING, "read_back_confirmed": True}
    return [
        await receive(
            repository, consultation, **clerk, **letter, **by_marie, text="Une lettre, « vraie »."
        ),
        await receive(repository, consultation, **clerk, **call, region=None, text="Un appel."),
        await receive(repository, consultation, text='Ligne 1, "citée"\nligne 2 : été'),
        await receive(repository, consultation, text="Mon voisin Jean Tremblay pollue."),
        await receive(repository, consultation, text='=HYPERLINK("http://x.test","clic")'),
        *[await receive(repository, consultation, text=f"Avis n° {n}") for n in range(3)],
    ]


@pytest.fixture
async def world(store: EventStore) -> World:
    """Eight published (one redacted), one refused, one withdrawn after publication, one
    pending; two publications share an instant, so the keysets must break ties."""
    repository = Repository(store, build_mapper())
    consultation = await open_consultation(repository)
    published = await received_by_every_channel(repository, consultation)
    refused, withdrawn, pending = [
        await receive(repository, consultation, text=text) for text in UNSEEN
    ]
    for minutes, submission in enumerate(published):
        if minutes != 3:
            submission.publish(FIRST, DURING + timedelta(minutes=minutes % 7))
    published[3].publish_with_redactions(FIRST, DURING, [(11, 24, ReasonCode("R3"))])
    withdrawn.publish(FIRST, DURING)
    withdrawn.withdraw(withdrawn.participant_id, DURING, consultation.closes_at)
    refused.propose_refusal(FIRST, DURING, ReasonCode("R1"))
    refused.confirm_refusal(SECOND, DURING)
    await repository.save(*published, refused, withdrawn)
    await build_runner(store, Settings.from_env()).catch_up_all()  # opens sealed names
    return World(
        consultation, published, published[3], published[4], published[0], refused, withdrawn,
        pending,
    )  # fmt: skip


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def assert_open(response: httpx.Response) -> None:
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "default-src 'self'" in response.headers["content-security-policy"]


# Open-data files ---------------------------------------------------------------------


async def test_the_csv_holds_exactly_the_published_submissions_as_published(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/consultations/{world.consultation.id}/avis.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert_open(response)
    header, *rows = csv_rows(response)
    assert header == HEADER
    assert sorted(row[0] for row in rows) == sorted(world.receipts)
    texts = {row[0]: row[7] for row in rows}
    assert texts[world.redacted.receipt_number] == "Mon voisin [passage retiré : R3] pollue."
    assert texts[world.published[2].receipt_number] == 'Ligne 1, "citée"\nligne 2 : été'
    for unseen in (*UNSEEN, "Tremblay", str(world.letter.participant_id)):
        assert unseen not in response.text
    letter = next(row for row in rows if row[0] == world.letter.receipt_number)
    assert letter[3:7] == ["mail", "03", "fr", "Marie L."]
    assert letter[2] == "2026-11-10T17:00:00Z"


async def test_a_csv_cell_that_a_spreadsheet_would_run_is_defused(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/consultations/{world.consultation.id}/avis.csv")
    texts = {row[0]: row[7] for row in csv_rows(response)[1:]}
    assert texts[world.formula.receipt_number] == "'" + world.formula.text


async def test_the_json_file_is_an_array_of_the_published_columns_only(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/consultations/{world.consultation.id}/avis.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert_open(response)
    rows = response.json()
    assert {row["receipt_number"] for row in rows} == world.receipts
    assert all(list(row) == HEADER for row in rows)
    texts = {row["receipt_number"]: row["text"] for row in rows}
    assert texts[world.formula.receipt_number] == world.formula.text
    assert texts[world.redacted.receipt_number] == "Mon voisin [passage retiré : R3] pollue."
    assert all(row["published_at"].endswith("Z") for row in rows)
    for unseen in (*UNSEEN, "Tremblay"):
        assert unseen not in response.text


async def test_the_files_stream_page_by_page_and_hold_each_row_once(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opendata, "all_published", partial(all_published, page_size=3))
    base = f"/consultations/{world.consultation.id}"
    rows = (await client.get(base + "/avis.json")).json()
    lines = csv_rows(await client.get(base + "/avis.csv"))[1:]
    for receipts in ([r["receipt_number"] for r in rows], [line[0] for line in lines]):
        assert sorted(receipts) == sorted(world.receipts)
    assert [r["published_at"] for r in rows] == sorted(r["published_at"] for r in rows)


# The JSON API ------------------------------------------------------------------------


async def test_the_api_lists_the_consultation_with_its_counts_and_links(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = (await client.get("/api/consultations")).json()
    ours = next(c for c in listed if c["id"] == str(world.consultation.id))
    assert ours["title"] == world.consultation.title
    assert (ours["received"], ours["published"]) == (11, 8)
    for name, link in ours["links"].items():
        assert (await client.get(link)).status_code == 200, name


async def test_the_api_shows_a_consultation_with_its_questions_and_ways_to_take_part(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/api/consultations/{world.consultation.id}")
    assert_open(response)
    shown = response.json()
    assert shown["questions"] == world.consultation.questions
    assert shown["participation"]["mail"]["postal_address"].startswith("1020, rue")
    assert shown["participation"]["phone"]["number"] == "1 800 555-0100"
    assert shown["report"] is None


async def test_following_next_returns_every_published_submission_exactly_once(
    client: httpx.AsyncClient, world: World
) -> None:
    url: str | None = f"/api/consultations/{world.consultation.id}/submissions?limite=3"
    seen: list[str] = []
    for _ in range(len(world.receipts)):  # three a page: a third as many pages would do
        if url is None:
            break
        page = (await client.get(url)).json()
        seen += [item["receipt_number"] for item in page["items"]]
        url = page["next"]
    assert url is None, "the pages never end: a next page comes round again"
    assert sorted(seen) == sorted(world.receipts)


async def test_the_api_filters_as_the_html_list_does(
    client: httpx.AsyncClient, world: World
) -> None:
    base = f"/api/consultations/{world.consultation.id}/submissions"
    by_mail = (await client.get(base, params={"canal": "mail"})).json()["items"]
    searched = (await client.get(base, params={"q": "pollue"})).json()["items"]
    assert [s["receipt_number"] for s in by_mail] == [world.letter.receipt_number]
    assert [s["text"] for s in searched] == ["Mon voisin [passage retiré : R3] pollue."]
    assert by_mail[0]["links"]["html"].endswith("/avis/" + format_receipt(by_mail[0]["receipt"]))


async def test_a_page_size_is_held_between_1_and_100_and_one_that_is_no_number_is_ignored(
    client: httpx.AsyncClient, world: World
) -> None:
    base = f"/api/consultations/{world.consultation.id}/submissions"
    for typed, size in (("\u00b2", 8), ("9" * 30, 8), ("0", 1), ("-3", 8), ("2", 2)):
        response = await client.get(base, params={"limite": typed})
        assert response.status_code == 200, typed
        assert len(response.json()["items"]) == size, typed


async def test_the_api_ignores_a_cursor_beyond_year_9999_and_control_characters_in_a_search(
    client: httpx.AsyncClient, world: World
) -> None:
    base = f"/api/consultations/{world.consultation.id}/submissions"
    first = (await client.get(base)).json()
    beyond = await client.get(base, params={"apres": f"{'9' * 23}_{uuid4()}"})
    assert (beyond.status_code, beyond.json()) == (200, first)
    searched = (await client.get(base, params={"q": "pollue"})).json()
    for typed in ("pollue\x00", "\x00pollue"):
        response = await client.get(base, params={"q": typed})
        assert (response.status_code, response.json()) == (200, searched)


async def test_no_query_parameter_of_the_open_data_can_cause_a_server_error(
    client: httpx.AsyncClient, world: World
) -> None:
    c = world.consultation.id
    paths = [
        "/api/consultations",
        f"/api/consultations/{c}",
        f"/api/consultations/{c}/submissions",
        f"/api/consultations/{c}/statistics",
        f"/api/submissions/{world.letter.receipt_number}",
        f"/consultations/{c}/avis.csv",
        f"/consultations/{c}/avis.json",
        f"/consultations/{c}/flux.atom",
        "/api/openapi.json",
    ]
    nonsense = ["\x00", "\u00b2", "9" * 30, "-1", f"{'9' * 23}_{uuid4()}"]
    for path in paths:
        for name in ("q", "apres", "limite", "region", "canal", "lang"):
            for value in nonsense:
                response = await client.get(path, params={name: value})
                assert response.status_code == 200, (path, name, value)


async def test_the_statistics_count_every_status_and_reconcile(
    client: httpx.AsyncClient, world: World
) -> None:
    stats = (await client.get(f"/api/consultations/{world.consultation.id}/statistics")).json()
    assert stats["by_status"] == {
        "published": 8, "pending": 1, "refused": 1, "withdrawn": 1, "late": 0, "total": 11
    }  # fmt: skip
    assert stats["reconciles"] is True
    by_channel = {row["channel"]: row["total"] for row in stats["by_channel"]}
    assert by_channel == {"online": 9, "mail": 1, "phone": 1}
    unplaced = next(row for row in stats["by_region"] if row["region"] is None)
    assert unplaced["published"] == 1
    assert sum(row["total"] for row in stats["by_region"]) == stats["received"] == 11


async def test_a_submission_by_receipt_shows_its_text_only_once_published(
    client: httpx.AsyncClient, world: World
) -> None:
    async def shown(submission: Submission) -> dict[str, Any]:
        response = await client.get(f"/api/submissions/{format_receipt(submission.receipt_number)}")
        assert response.status_code == 200
        found: dict[str, Any] = response.json()
        return found

    published, refused, withdrawn = [
        await shown(s) for s in (world.redacted, world.refused, world.withdrawn)
    ]
    assert (published["status"], published["text"]) == (
        "published",
        "Mon voisin [passage retiré : R3] pollue.",
    )
    assert (refused["status"], refused["refusal_reason"], refused["text"]) == (
        "refused",
        "R1",
        None,
    )
    assert (withdrawn["status"], withdrawn["text"], withdrawn["published_at"]) == (
        "withdrawn", None, None
    )  # fmt: skip
    assert (await shown(world.pending))["text"] is None


async def test_unknown_ids_answer_404_in_json(client: httpx.AsyncClient, world: World) -> None:
    unknown = uuid4()
    other_receipt = receipt_number(uuid4())
    paths = [
        f"/api/consultations/{unknown}",
        f"/api/consultations/{unknown}/submissions",
        f"/api/consultations/{unknown}/statistics",
        "/api/submissions/nonsense",
        f"/api/submissions/{other_receipt}",
        f"/consultations/{unknown}/avis.csv",
        f"/consultations/{unknown}/avis.json",
        f"/consultations/{unknown}/flux.atom",
    ]
    for path in paths:
        response = await client.get(path)
        assert (response.status_code, response.json()) == (404, {"error": "not_found"}), path


async def test_html_pages_are_not_opened_to_other_origins(client: httpx.AsyncClient) -> None:
    assert "access-control-allow-origin" not in (await client.get("/")).headers


# The Atom feed -----------------------------------------------------------------------


async def test_the_feed_is_atom_with_one_entry_per_published_submission(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(f"/consultations/{world.consultation.id}/flux.atom")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert_open(response)
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Avis publiés — Avenir de l'eau (fr)"
    assert feed.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}updated") == "2026-11-10T17:06:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert {e.findtext(f"{ATOM}id") for e in entries} == {
        f"urn:uuid:{s.id}" for s in world.published
    }
    entry = next(e for e in entries if e.findtext(f"{ATOM}id") == f"urn:uuid:{world.redacted.id}")
    receipt = format_receipt(world.redacted.receipt_number)
    assert entry.findtext(f"{ATOM}title") == f"Avis {receipt}"
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"http://tribune.test/avis/{receipt}"
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert (content.get("type"), content.text) == (
        "text",
        "Mon voisin [passage retiré : R3] pollue.",
    )


async def test_the_english_feed_is_another_feed_of_the_same_entries(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/consultations/{world.consultation.id}/flux.atom"
    french = ET.fromstring((await client.get(url)).content)
    english = ET.fromstring((await client.get(url, params={"lang": "en"})).content)
    assert english.findtext(f"{ATOM}title") == "Published opinions — Avenir de l'eau (en)"
    assert english.findtext(f"{ATOM}id") != french.findtext(f"{ATOM}id")
    ids = [[e.findtext(f"{ATOM}id") for e in f.findall(f"{ATOM}entry")] for f in (french, english)]
    assert ids[0] == ids[1]


# The OpenAPI document -----------------------------------------------------------------


def documented(route: Route) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)


async def test_the_openapi_document_describes_every_route_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    paths = {documented(r) for r in opendata.routes if isinstance(r, Route)}
    api = {p for p in paths if p.startswith("/api/")}
    assert {p for p in document["paths"] if p.startswith("/api/")} == api
    assert set(document["paths"]) == paths
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document)):
        assert ref in document["components"]["schemas"]


async def test_every_json_answer_matches_its_documented_schema(
    client: httpx.AsyncClient, world: World
) -> None:
    document = (await client.get("/api/openapi.json")).json()
    c, receipt = world.consultation.id, world.letter.receipt_number
    for path, real in [
        ("/api/consultations", "/api/consultations"),
        ("/api/consultations/{consultation_id}", f"/api/consultations/{c}"),
        ("/api/consultations/{consultation_id}/submissions", f"/api/consultations/{c}/submissions"),
        ("/api/consultations/{consultation_id}/statistics", f"/api/consultations/{c}/statistics"),
        ("/api/submissions/{receipt}", f"/api/submissions/{receipt}"),
        ("/consultations/{consultation_id}/avis.json", f"/consultations/{c}/avis.json"),
    ]:
        ok = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert problems((await client.get(real)).json(), ok["schema"], document) == [], path


def problems(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """A small JSON Schema check: types, enums, required and undocumented properties."""
    if "$ref" in schema:
        return problems(value, document["components"]["schemas"][schema["$ref"][21:]], document)
    if "anyOf" in schema:
        found = [problems(value, s, document) for s in schema["anyOf"]]
        return [] if [] in found else [f"{value!r} matches no alternative"]
    if "allOf" in schema:
        merged = [merged_object(s, document) for s in schema["allOf"]]
        properties = {k: v for m in merged for k, v in m["properties"].items()}
        required = [k for m in merged for k in m["required"]]
        schema = {"type": "object", "properties": properties, "required": required}
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool}
    if schema.get("type") == "null" or not isinstance(value, kinds[schema["type"]]):
        return [] if value is None and schema.get("type") == "null" else [f"{value!r} type"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{value!r} not in enum"]
    if isinstance(value, list):
        return [p for item in value for p in problems(item, schema["items"], document)]
    if isinstance(value, dict) and "properties" in schema:
        extra = [f"undocumented {k}" for k in value if k not in schema["properties"]]
        missing = [f"missing {k}" for k in schema["required"] if k not in value]
        present = [(value[k], s) for k, s in schema["properties"].items() if k in value]
        return extra + missing + [p for v, s in present for p in problems(v, s, document)]
    return []


def merged_object(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return merged_object(document["components"]["schemas"][schema["$ref"][21:]], document)
    return schema
