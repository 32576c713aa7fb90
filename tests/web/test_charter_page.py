"""The charter page, the ledger's reasons and the open data all read the charter from
its one source: each reason code with its label and explanation, in both languages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from markupsafe import escape

from app.asgi import create_app
from app.persistence.store import EventStore
from domain import ReceiptClaim
from domain.charter import CHARTER
from tests.moderation import refuse
from tests.web.asgi import served
from tests.web.clerk_desk import Desk, desk, key_letter, receipt_in

__all__ = ["desk"]


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(database_url, projector=False)) as c:
        yield c


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_charter_page_lists_every_reason_from_the_source(
    client: httpx.AsyncClient, language: str
) -> None:
    page = await client.get("/charte", params={"lang": language})
    assert page.status_code == 200
    for code, texts in CHARTER.items():
        assert f'id="{code.value}"' in page.text
        assert str(escape(texts[language].explanation)) in page.text


async def test_the_open_data_gives_the_charter_in_both_languages(client: httpx.AsyncClient) -> None:
    charter = (await client.get("/api/charter")).json()
    assert [r["code"] for r in charter] == [code.value for code in CHARTER]
    assert charter[2]["en"]["label"] == "Other people's personal information"
    third = list(CHARTER.values())[2]
    assert charter[2]["fr"] == third["fr"]._asdict()


async def test_a_refusal_names_its_reason_from_the_charter_on_the_ledger_and_at_suivi(
    desk: Desk, store: EventStore
) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    claim = await desk.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    await store.wait("public_submissions", await refuse(desk.repository, claim.submission_id), 5)
    ledger = await desk.client.get(f"/consultations/{desk.open.id}/registre")
    assert 'href="http://tribune.test/charte#R8">R8 — Hors sujet</a>' in ledger.text
    status = await desk.client.get("/suivi", params={"numero": receipt, "lang": "en"})
    assert "R8 — Off-topic" in status.text
