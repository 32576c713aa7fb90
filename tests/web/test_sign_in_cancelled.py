"""Cancelling at the real identity provider is the person's choice, not an error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import pytest

from app.asgi import create_app
from tests.idp import parse_forms
from tests.web.asgi import served
from tests.web.test_sign_in import settings


@pytest.fixture
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url, settings(), projector=False)
    async with served(app) as c:
        yield c


async def cancel(client: httpx.AsyncClient, authorize_url: str) -> httpx.Response:
    """Press "Annuler" at the provider, as a person with JavaScript off; our answer."""
    provider = urlsplit(authorize_url).netloc
    async with httpx.AsyncClient(timeout=10) as idp:
        page = await idp.get(authorize_url, follow_redirects=True)
        abort = next(f for f in parse_forms(page.text).forms if f.action.endswith("/abort"))
        response = await idp.post(urljoin(str(page.url), abort.action), data=abort.fields)
        for _ in range(10):  # redirects at the provider, then back to us
            if not response.is_redirect:
                break
            target = urljoin(str(response.request.url), response.headers["location"])
            if urlsplit(target).netloc != provider:
                return await client.get(target)
            response = await idp.get(target)
    raise AssertionError(f"the provider did not send the person back: {response.status_code}")


async def start(client: httpx.AsyncClient, going_to: str) -> str:
    response = await client.get("/connexion/citizen", params={"suivant": going_to})
    assert response.status_code == 302
    return str(response.headers["location"])


async def test_cancelling_at_the_provider_says_so_and_offers_to_try_again_to_the_same_page(
    app_client: httpx.AsyncClient,
) -> None:
    going_to = "/mes-avis"
    answer = await cancel(app_client, await start(app_client, going_to))
    assert answer.status_code == 200, answer.text
    assert "Connexion annulée" in answer.text
    assert "n'a pas pu être vérifiée" not in answer.text
    retry = f'href="http://tribune.test/connexion/citizen?{urlencode({"suivant": going_to})}"'
    assert retry in answer.text
    again = await app_client.get(f"/connexion/citizen?{urlencode({'suivant': going_to})}")
    assert again.status_code == 302  # the link starts a new sign-in
    assert "Se déconnecter" not in (await app_client.get("/")).text


async def test_a_cancellation_that_answers_no_sign_in_of_ours_is_still_refused(
    app_client: httpx.AsyncClient,
) -> None:
    authorize_url = await start(app_client, "/mes-avis")
    parts = urlsplit(authorize_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-state"
    forged = urlunsplit(parts._replace(query=urlencode(query)))
    answer = await cancel(app_client, forged)
    assert answer.status_code == 400
    assert "pas abouti" in answer.text


async def test_a_cancellation_is_answered_only_once(app_client: httpx.AsyncClient) -> None:
    first = await cancel(app_client, await start(app_client, "/mes-avis"))
    assert first.status_code == 200
    replayed = await app_client.get(str(first.request.url))
    assert replayed.status_code == 400
