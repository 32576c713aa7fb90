"""The development OpenID Connect provider, for real: Node, oidc-provider, its forms.

The relying party is a stand-in (an httpx MockTransport that records the callback);
the provider is the one `tribune serve` and the web tests use.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from app.dev.idp import CITIZEN_CLIENT, DEMO_ACCOUNTS, STAFF_CLIENT, DemoClient, demo_account
from tests.idp import (
    IdpLoginError,
    authorize,
    dev_idp,
    login,
    logout,
    parse_forms,
    pkce_pair,
    start_idp,
)

RP = "http://tribune.test"


def recording_rp() -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """The relying party's side: records what the browser brings back."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="relying party")

    return httpx.AsyncClient(transport=httpx.MockTransport(handle)), seen


@pytest.fixture
async def idp() -> AsyncIterator[httpx.AsyncClient]:
    """A browser's jar for the provider (one provider session per test)."""
    async with httpx.AsyncClient(base_url=dev_idp().issuer, timeout=10) as client:
        yield client


@pytest.fixture
async def discovery(idp: httpx.AsyncClient) -> dict[str, Any]:
    response = await idp.get("/.well-known/openid-configuration")
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def authorization_request(
    endpoint: str,
    client: DemoClient,
    *,
    base: str = RP,
    challenge: str | None,
    scope: str | None = None,
    nonce: str | None = "n-0S6_WzA2Mj",
    **extra: str,
) -> tuple[str, str]:
    """(URL, state) of an authorization code request."""
    state = secrets.token_urlsafe(12)
    params = {
        "client_id": client.client_id,
        "response_type": "code",
        "scope": scope or client.scope,
        "redirect_uri": base + client.callback_path,
        "state": state,
        **({"nonce": nonce} if nonce else {}),
        **({"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}),
        **extra,
    }
    return f"{endpoint}?{urlencode(params)}", state


def callback_params(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.url.query.decode()).items()}


async def redeem(
    idp: httpx.AsyncClient,
    discovery: dict[str, Any],
    client: DemoClient,
    code: str,
    verifier: str,
    *,
    base: str = RP,
) -> httpx.Response:
    return await idp.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": base + client.callback_path,
            "code_verifier": verifier,
        },
        auth=(client.client_id, client.client_secret),
    )


async def verified_claims(idp: httpx.AsyncClient, discovery: dict[str, Any], token: str) -> Any:
    keys = KeySet.import_key_set((await idp.get(discovery["jwks_uri"])).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    return decoded.claims


async def sign_in(
    idp: httpx.AsyncClient,
    discovery: dict[str, Any],
    client: DemoClient,
    username: str,
    *,
    base: str = RP,
) -> dict[str, Any]:
    """A whole authorization code + PKCE sign-in; the verified ID token's claims."""
    verifier, challenge = pkce_pair()
    url, state = authorization_request(
        discovery["authorization_endpoint"], client, base=base, challenge=challenge
    )
    rp, seen = recording_rp()
    async with rp:
        answer = await login(rp, url, username, demo_account(username).password, idp=idp)
    assert answer.text == "relying party"
    [callback] = seen
    assert str(callback.url).startswith(base + client.callback_path + "?")
    params = callback_params(callback)
    assert params["state"] == state
    assert params["iss"] == discovery["issuer"]  # RFC 9207
    tokens = await redeem(idp, discovery, client, params["code"], verifier, base=base)
    assert tokens.status_code == 200, tokens.text
    claims: dict[str, Any] = await verified_claims(idp, discovery, tokens.json()["id_token"])
    assert claims["iss"] == discovery["issuer"]
    assert claims["aud"] == client.client_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    return claims


async def test_discovery_document(discovery: dict[str, Any]) -> None:
    idp = dev_idp()
    assert discovery["issuer"] == idp.issuer
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["end_session_endpoint"] == f"{idp.issuer}/session/end"
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "email", "roles"} <= set(discovery["scopes_supported"])
    assert "roles" in discovery["claims_supported"]


async def test_staff_sign_in_with_pkce_gives_roles_in_the_id_token(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    claims = await sign_in(idp, discovery, STAFF_CLIENT, "cheffe")
    cheffe = demo_account("cheffe")
    assert claims["sub"] == cheffe.sub
    assert claims["name"] == "Claire Gauthier"
    assert claims["email"] == cheffe.email
    assert claims["email_verified"] is True
    assert claims["roles"] == ["moderator", "organizer"]


async def test_citizen_sign_in_has_no_roles(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    claims = await sign_in(idp, discovery, CITIZEN_CLIENT, "marie")
    assert claims["sub"] == demo_account("marie").sub
    assert claims["name"] == "Marie Tremblay"
    assert "roles" not in claims


@pytest.mark.parametrize("base", ["http://127.0.0.1:54321", "http://localhost:8123"])
async def test_any_loopback_port_is_a_redirect_base_in_tests(
    idp: httpx.AsyncClient, discovery: dict[str, Any], base: str
) -> None:
    claims = await sign_in(idp, discovery, STAFF_CLIENT, "greffier", base=base)
    assert claims["roles"] == ["clerk"]


async def test_single_sign_on_then_the_code_is_bound_to_the_verifier(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    await sign_in(idp, discovery, STAFF_CLIENT, "moderatrice")
    # Signed in at the provider: the next request comes straight back with a code.
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"], STAFF_CLIENT, challenge=challenge
    )
    rp, seen = recording_rp()
    async with rp:
        await authorize(rp, url, idp=idp)
    code = callback_params(seen[0])["code"]
    wrong_verifier, _ = pkce_pair()
    refused = await redeem(idp, discovery, STAFF_CLIENT, code, wrong_verifier)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


async def test_authorization_without_code_challenge_is_refused(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    url, state = authorization_request(
        discovery["authorization_endpoint"], CITIZEN_CLIENT, challenge=None
    )
    response = await idp.get(url)
    assert response.is_redirect
    params = callback_params(httpx.Request("GET", response.headers["location"]))
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert params["state"] == state


async def test_authorization_without_nonce_is_refused(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"], CITIZEN_CLIENT, challenge=challenge, nonce=None
    )
    response = await idp.get(url)
    params = callback_params(httpx.Request("GET", response.headers["location"]))
    assert params["error"] == "invalid_request"
    assert "nonce" in params["error_description"]


async def test_unregistered_redirect_uri_is_refused_without_redirecting(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    _, challenge = pkce_pair()
    for base in ("http://evil.test", "http://127.0.0.1.evil.test:8000"):
        url, _ = authorization_request(
            discovery["authorization_endpoint"], CITIZEN_CLIENT, base=base, challenge=challenge
        )
        response = await idp.get(url)
        assert response.status_code == 400
        assert "redirect_uri" in response.text
    # A registered base, but the other client's callback.
    url, _ = authorization_request(
        discovery["authorization_endpoint"], CITIZEN_CLIENT, challenge=challenge
    )
    response = await idp.get(url.replace("%2Fcitizen%2F", "%2Fstaff%2F"))
    assert response.status_code == 400


async def test_citizen_client_cannot_ask_for_roles(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"],
        CITIZEN_CLIENT,
        challenge=challenge,
        scope="openid profile roles",
    )
    response = await idp.get(url)
    params = callback_params(httpx.Request("GET", response.headers["location"]))
    assert params["error"] == "invalid_scope"


async def test_wrong_password_shows_the_form_again_with_an_error(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"], STAFF_CLIENT, challenge=challenge
    )
    form_page = await idp.get(url, follow_redirects=True)
    assert form_page.status_code == 200
    form = next(f for f in parse_forms(form_page.text).forms if f.has_password)
    action = str(form_page.url.join(form.action))
    again = await idp.post(action, data={"login": "greffier", "password": "nope"})
    assert again.status_code == 422
    page = parse_forms(again.text)
    assert "Nom d\u2019utilisateur ou mot de passe incorrect." in page.alerts
    assert "Wrong username or password." in page.alerts
    form = next(f for f in page.forms if f.has_password)
    assert form.fields["login"] == "greffier"  # nothing lost
    assert '<label for="password">' in again.text
    # The same interaction goes on with the right password.
    rp, seen = recording_rp()
    async with rp:
        done = await idp.post(action, data={"login": "greffier", "password": "greffier"})
        assert done.status_code == 303
        await authorize(rp, str(done.url.join(done.headers["location"])), idp=idp)
    assert "code" in callback_params(seen[0])


async def test_a_citizen_cannot_sign_in_on_the_staff_client_nor_staff_on_the_citizen_one(
    discovery: dict[str, Any],
) -> None:
    _, challenge = pkce_pair()
    for client, username, message in [
        (STAFF_CLIENT, "marie", "est un compte citoyen"),
        (CITIZEN_CLIENT, "greffier", "est un compte du personnel"),
    ]:
        url, _ = authorization_request(
            discovery["authorization_endpoint"], client, challenge=challenge
        )
        rp, seen = recording_rp()
        async with rp:
            with pytest.raises(IdpLoginError, match=message) as refused:
                await login(rp, url, username, username)
        assert refused.value.response.status_code == 422
        assert seen == []


async def test_signed_in_as_a_citizen_the_staff_client_asks_for_a_staff_account(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    await sign_in(idp, discovery, CITIZEN_CLIENT, "jean")
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"], STAFF_CLIENT, challenge=challenge
    )
    rp, seen = recording_rp()
    async with rp:
        with pytest.raises(IdpLoginError, match="est un compte citoyen"):
            await authorize(rp, url, idp=idp)
    assert seen == []
    # Signing in there with a staff account switches the provider session.
    claims = await sign_in(idp, discovery, STAFF_CLIENT, "organisatrice")
    assert claims["roles"] == ["organizer"]


async def test_rp_initiated_logout_ends_the_provider_session(
    idp: httpx.AsyncClient, discovery: dict[str, Any]
) -> None:
    await sign_in(idp, discovery, CITIZEN_CLIENT, "marie")
    end_session = (
        discovery["end_session_endpoint"]
        + "?"
        + urlencode(
            {
                "client_id": CITIZEN_CLIENT.client_id,
                "post_logout_redirect_uri": f"{RP}/",
                "state": "bye",
            }
        )
    )
    confirm = await idp.get(end_session)
    assert confirm.status_code == 200
    assert "Me déconnecter" in confirm.text
    rp, seen = recording_rp()
    async with rp:
        await logout(rp, end_session, idp=idp)
    assert str(seen[0].url) == f"{RP}/?state=bye"
    # Signed out: the next authorization asks for the password again.
    _, challenge = pkce_pair()
    url, _ = authorization_request(
        discovery["authorization_endpoint"], CITIZEN_CLIENT, challenge=challenge
    )
    page = await idp.get(url, follow_redirects=True)
    assert any(f.has_password for f in parse_forms(page.text).forms)


async def test_unregistered_post_logout_redirect_is_refused(idp: httpx.AsyncClient) -> None:
    response = await idp.get(
        "/session/end",
        params={
            "client_id": CITIZEN_CLIENT.client_id,
            "post_logout_redirect_uri": "http://evil.test/",
        },
    )
    assert response.status_code == 400


def test_demo_accounts_cover_every_role() -> None:
    staff = [a for a in DEMO_ACCOUNTS if a.kind == "staff"]
    assert {role for a in staff for role in a.roles} == {"clerk", "moderator", "organizer"}
    assert sum(a.roles == ("moderator",) for a in staff) == 2
    assert any(len(a.roles) > 1 for a in staff)
    assert {a.username for a in DEMO_ACCOUNTS if a.kind == "citizen"} >= {"marie", "jean"}


def test_the_signing_key_survives_a_restart(tmp_path: Path) -> None:
    def key_ids() -> list[str]:
        with start_idp(tmp_path) as idp:
            jwks = httpx.get(f"{idp.issuer}/jwks").json()
        return [key["kid"] for key in jwks["keys"]]

    first = key_ids()
    assert len(first) == 1
    assert key_ids() == first
    assert (tmp_path / "jwks.json").stat().st_mode & 0o077 == 0
