"""Sign-in and sign-out through our app against the real OpenID Connect provider."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from joserfc.errors import InvalidClaimError

from app.asgi import create_app
from app.auth import build_oauth, claims_options
from app.dev import idp as devidp
from app.settings import Provider, Settings
from tests.idp import dev_idp, login, logout
from tests.web.asgi import served

COOKIE = "tribune_session"


def providers() -> tuple[Provider, Provider]:
    idp = dev_idp()
    citizen, staff = devidp.CITIZEN_CLIENT, devidp.STAFF_CLIENT
    return (
        Provider(idp.issuer, citizen.client_id, citizen.client_secret),
        Provider(idp.issuer, staff.client_id, staff.client_secret),
    )


def settings() -> Settings:
    citizen, staff = providers()
    return replace(Settings.from_env(), citizen_provider=citizen, staff_provider=staff)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url, settings(), projector=False)
    async with served(app) as c:
        yield c


async def start_sign_in(client: httpx.AsyncClient, kind: str) -> str:
    response = await client.get(f"/connexion/{kind}")
    assert response.status_code == 302
    return response.headers["location"]


async def test_a_citizen_signs_in_with_pkce_and_becomes_a_participant(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    authorize_url = await start_sign_in(client, "citizen")
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    assert query["state"]
    callback = await login(client, authorize_url, "marie", "marie")
    assert callback.status_code == 303
    page = await client.get("/")
    assert "Connecté : Marie Tremblay" in page.text
    registered = await pool.fetchval(
        "SELECT count(*) FROM stored_events WHERE topic LIKE '%Participant.Registered'"
    )
    assert registered == 1
    raw = await pool.fetch("SELECT state FROM stored_events")
    assert not any(b"marie.tremblay@example.org" in r["state"] for r in raw)


async def test_each_staff_role_signs_in_with_its_roles(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    for username, roles in [
        ("greffier", ["clerk"]),
        ("moderatrice", ["moderator"]),
        ("organisatrice", ["organizer"]),
    ]:
        client.cookies.clear()
        await login(client, await start_sign_in(client, "staff"), username, username)
        session_id = client.cookies[COOKIE]
        data = await pool.fetchval(
            "SELECT data FROM web_sessions WHERE id_hash = sha256($1::text::bytea)", session_id
        )
        assert json.loads(data)["roles"] == roles


async def test_the_session_id_changes_at_sign_in(client: httpx.AsyncClient) -> None:
    authorize_url = await start_sign_in(client, "citizen")
    before = client.cookies[COOKIE]
    await login(client, authorize_url, "jean", "jean")
    assert client.cookies[COOKIE] != before


async def test_a_forged_state_is_refused(client: httpx.AsyncClient) -> None:
    authorize_url = await start_sign_in(client, "citizen")
    parts = urlsplit(authorize_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-state"
    forged = urlunsplit(parts._replace(query=urlencode(query)))
    callback = await login(client, forged, "marie", "marie")
    assert callback.status_code == 400
    assert "pas abouti" in callback.text
    assert "Se déconnecter" not in (await client.get("/")).text


async def test_a_wrong_nonce_is_refused(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    authorize_url = await start_sign_in(client, "citizen")
    session_id = client.cookies[COOKIE]
    # What our session remembered is changed: the ID token's nonce no longer matches.
    await pool.execute(
        "UPDATE web_sessions SET data = regexp_replace(data::text,"
        ' \'"nonce": "[^"]+"\', \'"nonce": "another"\')::jsonb'
        " WHERE id_hash = sha256($1::text::bytea)",
        session_id,
    )
    callback = await login(client, authorize_url, "marie", "marie")
    assert callback.status_code == 400


async def staff_id_token() -> tuple[dict[str, object], str, object]:
    """A real token response for the staff client, the code caught at the callback."""
    oauth = build_oauth(settings())
    staff = oauth.create_client("staff")
    redirect_uri = "http://tribune.test/auth/staff/callback"
    nonce, verifier = "nonce-for-the-test", "v" * 64
    found = await staff.create_authorization_url(redirect_uri, nonce=nonce, code_verifier=verifier)
    caught: list[httpx.URL] = []

    def relying_party(request: httpx.Request) -> httpx.Response:
        caught.append(request.url)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(relying_party)) as rp:
        await login(rp, found["url"], "moderatrice", "moderatrice")
    code = caught[0].params["code"]
    token = await staff.fetch_access_token(
        code=code, redirect_uri=redirect_uri, code_verifier=verifier
    )
    return token, nonce, staff


async def test_a_token_for_another_audience_or_from_another_issuer_is_refused() -> None:
    citizen, staff = providers()
    token, nonce, client = await staff_id_token()
    parse = client.parse_id_token  # type: ignore[attr-defined]
    assert (await parse(token, nonce, claims_options=claims_options(staff)))["sub"]
    elsewhere = replace(staff, issuer="https://autre-fournisseur.example")
    for options in (claims_options(citizen), claims_options(elsewhere)):
        with pytest.raises(InvalidClaimError):
            await parse(token, nonce, claims_options=options)


async def test_signing_out_ends_the_session_here_and_at_the_provider(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient() as idp_session:
        await login(
            client, await start_sign_in(client, "citizen"), "marie", "marie", idp=idp_session
        )
        signed_in_as = client.cookies[COOKIE]
        page = await client.get("/")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        out = await client.post("/deconnexion", data={"csrf_token": token})
        assert out.status_code == 303
        end_session = out.headers["location"]
        assert "id_token_hint=" in end_session
        back = await logout(client, end_session, idp=idp_session)
        assert back.status_code == 200
        assert "Se connecter" in (await client.get("/")).text
        again = await idp_session.get(await start_sign_in(client, "citizen"), follow_redirects=True)
        assert 'name="password"' in again.text  # the provider asks for the password again
    gone = "SELECT count(*) = 0 FROM web_sessions WHERE id_hash = sha256($1::text::bytea)"
    assert await pool.fetchval(gone, signed_in_as)


@pytest.mark.parametrize("kind", ["citizen", "staff"])
@pytest.mark.parametrize("typed", ["/%00", "/x%00y", "/%0D%0ASet-Cookie:%20x=1"])
async def test_a_page_to_return_to_with_a_control_character_is_dropped_not_a_crash(
    client: httpx.AsyncClient, kind: str, typed: str
) -> None:
    response = await client.get(f"/connexion/{kind}?suivant={typed}")
    assert response.status_code == 302
    assert "Set-Cookie: x" not in response.headers.get("location", "")
