"""Rate limits stop a script with a clear page and Retry-After; reading is never limited;
an account sends ten opinions an hour, and a form sent again is not counted again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from app.asgi import create_app
from app.citizen.routes import SUBMISSIONS_PER_ACCOUNT
from app.settings import Settings
from tests.web.asgi import served
from tests.web.journey import Journey, form_of, send_opinion


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(Settings.from_env(), rate_per_address="5/minute")
    async with served(create_app(database_url, settings, projector=False)) as c:
        yield c


async def test_a_burst_of_forms_from_one_address_is_told_when_to_come_back(
    client: httpx.AsyncClient,
) -> None:
    answers = [(await client.post("/deconnexion", data={})).status_code for _ in range(6)]
    assert answers[:5] == [403] * 5  # refused for their missing token, but counted
    limited = await client.post("/deconnexion", data={})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert "Trop de demandes" in limited.text


async def test_reading_pages_is_never_limited(client: httpx.AsyncClient) -> None:
    for _ in range(20):
        assert (await client.get("/")).status_code == 200


async def test_https_deployments_send_strict_transport_security(database_url: str) -> None:
    settings = replace(Settings.from_env(), secure_cookies=True)
    async with served(
        create_app(database_url, settings, projector=False), base_url="https://tribune.test"
    ) as c:
        response = await c.get("/")
    assert "max-age=" in response.headers["strict-transport-security"]


# Ten opinions an hour per account --------------------------------------------------------


async def received(j: Journey) -> int:
    """Opinions received, by the event store (a refused sending records nothing)."""
    count: int = await j.pool.fetchval(
        "SELECT count(*) FROM stored_events WHERE topic LIKE '%Submission.Received'"
    )
    return count


async def ten_sent(j: Journey, count: int = SUBMISSIONS_PER_ACCOUNT.amount) -> None:
    for n in range(count):
        sent = await send_opinion(j, text=f"Mon avis n° {n + 1}.")
        assert sent.status_code == 303, (n, sent.text)


async def test_an_eleventh_opinion_within_the_hour_is_refused_with_its_text_kept(
    j: Journey,
) -> None:
    before = await received(j)
    await ten_sent(j)
    eleventh = await send_opinion(j, text="Un onzième avis, à garder.")
    assert eleventh.status_code == 429, eleventh.text
    assert "Trop de demandes" in eleventh.text
    assert 3000 < int(eleventh.headers["retry-after"]) <= 3601  # the hour, not a minute
    assert "votre texte est conservé dans votre brouillon" in eleventh.text
    minutes = -(-int(eleventh.headers["retry-after"]) // 60)
    assert f"Vous pourrez l'envoyer dans {minutes} minutes" in eleventh.text.replace("&#39;", "'")
    assert (
        f'href="http://tribune.test/consultations/{j.consultation.id}/participer"' in eleventh.text
    )
    assert await received(j) == before + 10
    form = await j.client.get(f"/consultations/{j.consultation.id}/participer")
    assert "Un onzième avis, à garder.</textarea>" in form.text  # to send once the hour is up


async def test_a_form_sent_again_is_counted_once_against_the_hour(j: Journey) -> None:
    before = await received(j)
    await ten_sent(j, count=9)
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": "Mon dixième.", "language": "fr"}
    assert (await j.client.post(url, data={**data, "action": "verifier"})).status_code == 200
    sending = {**data, "action": "envoyer"}
    at_once = await asyncio.gather(*(j.client.post(url, data=sending) for _ in range(5)))
    assert [a.status_code for a in at_once] == [303] * 5  # a click repeated: one tenth
    again = await j.client.post(url, data=sending)  # the browser's resubmission, later
    assert (again.status_code, again.headers["location"]) == (303, at_once[0].headers["location"])
    assert await received(j) == before + 10
    assert (await send_opinion(j, text="Un onzième.")).status_code == 429
