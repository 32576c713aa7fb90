"""Sign-in with OpenID Connect (authlib): citizens at the government provider, staff
at the body's own. Authorization code with PKCE (S256), state and nonce; the ID
token's issuer and audience are always checked (authlib's defaults check neither
the audience nor, once claims_options are passed, the issuer).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.persistence.staff import remember_staff
from app.services.participants import register_participant
from app.settings import Provider, Settings
from app.web.csrf import protected
from app.web.sessions import session_of
from app.web.templating import render
from domain import Participant

SCOPES = {"citizen": "openid profile email", "staff": "openid profile email roles"}
ROLES = ("clerk", "moderator", "organizer")


def build_oauth(settings: Settings) -> OAuth:
    oauth = OAuth()
    for name, provider in (
        ("citizen", settings.citizen_provider),
        ("staff", settings.staff_provider),
    ):
        if provider is not None:
            oauth.register(
                name,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.issuer.rstrip("/")
                + "/.well-known/openid-configuration",
                client_kwargs={"scope": SCOPES[name], "code_challenge_method": "S256"},
            )
    return oauth


def claims_options(provider: Provider) -> dict[str, Any]:
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
    }


def identity_hash(issuer: str, subject: str) -> str:
    """Who signed in, without keeping the provider's identifier in the clear."""
    return hashlib.sha256(f"{issuer}\x00{subject}".encode()).hexdigest()


def client(request: Request, kind: str) -> Any:
    oauth: OAuth = request.app.state.oauth
    found = oauth.create_client(kind) if kind in SCOPES else None
    if found is None:
        raise HTTPException(404)  # no such provider configured
    return found


async def sign_in(request: Request) -> Response:
    kind = request.path_params["kind"]
    callback = request.url_for("auth_callback", kind=kind)
    request.session["next"] = _safe_next(request.query_params.get("suivant"))
    response: Response = await client(request, kind).authorize_redirect(request, callback)
    return response


async def callback(request: Request) -> Response:
    kind = request.path_params["kind"]
    settings: Settings = request.app.state.settings
    provider = settings.citizen_provider if kind == "citizen" else settings.staff_provider
    assert provider is not None
    if await _cancelled(request, kind):
        return _cancelled_page(request, kind)
    try:
        token = await client(request, kind).authorize_access_token(
            request, claims_options=claims_options(provider)
        )
    except (OAuthError, JoseError, KeyError, TypeError) as error:
        context = {"reason": type(error).__name__}
        return render(request, "auth/sign_in_failed.html", context, status=400)
    claims = token["userinfo"]
    session = session_of(request)
    next_url = session.get("next") or "/"
    session.clear()
    session.rotate()
    session["id_token"] = token.get("id_token", "")  # the hint for RP-initiated logout
    session["kind"] = kind
    session["name"] = claims.get("name", "")
    if kind == "citizen":
        await _citizen(request, provider, claims)
    else:
        session["staff_id"] = identity_hash(provider.issuer, claims["sub"])[:16]
        session["roles"] = [r for r in claims.get("roles", []) if r in ROLES]
        await remember_staff(request.state.pool, session["staff_id"], session["name"])
    return RedirectResponse(next_url, status_code=303)


async def _cancelled(request: Request, kind: str) -> bool:
    """The person said no at the provider: their choice, not a failure. Only an answer
    to the sign-in we started (its state is ours) counts; any other stays an error."""
    error, state = request.query_params.get("error"), request.query_params.get("state")
    if error != "access_denied" or not state:
        return False
    framework = client(request, kind).framework
    if await framework.get_state_data(request.session, state) is None:
        return False
    await framework.clear_state_data(request.session, state)
    return True


def _cancelled_page(request: Request, kind: str) -> Response:
    """Where the person was going is kept in the way to try again."""
    next_url = session_of(request).get("next") or "/"
    retry = f"{request.url_for('auth_sign_in', kind=kind)}?{urlencode({'suivant': next_url})}"
    return render(request, "auth/sign_in_cancelled.html", {"retry": retry})


async def _citizen(request: Request, provider: Provider, claims: dict[str, Any]) -> None:
    hashed = identity_hash(provider.issuer, claims["sub"])
    participant_id = Participant.create_id(hashed)
    personal = {"name": claims.get("name", ""), "email": claims.get("email", "")}
    await register_participant(
        request.state.repository,
        participant_id,
        at=datetime.now(UTC),
        personal=personal,
        identity_hash=hashed,
    )
    request.session["participant_id"] = str(participant_id)


@protected
async def sign_out(request: Request) -> Response:
    session = session_of(request)
    kind, id_token = session.get("kind"), session.get("id_token")
    session.end()
    home = str(request.url_for("home"))
    if kind not in ("citizen", "staff") or not id_token:
        return RedirectResponse(home, status_code=303)
    response: Response = await client(request, kind).logout_redirect(
        request, post_logout_redirect_uri=home, id_token_hint=id_token
    )
    response.status_code = 303
    return response


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect, nor a control character (a NUL
    cannot be stored with the session: it was a 500)."""
    if value and value.startswith("/") and not value.startswith("//") and value.isprintable():
        return value
    return "/"


routes = [
    Route("/connexion/{kind:str}", sign_in, name="auth_sign_in"),
    Route("/auth/{kind:str}/callback", callback, name="auth_callback"),
    Route("/deconnexion", sign_out, methods=["POST"], name="auth_sign_out"),
]
