"""The test run's OpenID Connect provider (tools/dev-idp), and a sign-in driven with httpx.

`dev_idp()` starts the real provider once per run, on first use. `login()` walks an
authorization URL through its login form, as a person with JavaScript off would,
up to the relying party's redirect URI.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import secrets
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from app.dev import idp as devidp

# The base URL of the httpx ASGI tests, and any loopback port (a browser test's
# live server picks its own).
REDIRECT_BASES = ("http://tribune.test", "http://127.0.0.1:*", "http://localhost:*")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_idp(data_dir: Path, port: int | None = None) -> devidp.DevIdp:
    """A provider of one's own (e.g. to restart it); `stop()` it."""
    port = port or free_port()
    return devidp.start(
        port=port,
        issuer=f"http://127.0.0.1:{port}",
        redirect_bases=REDIRECT_BASES,
        data_dir=data_dir,
    )


@cache
def dev_idp() -> devidp.DevIdp:
    """The run's provider: started once, on first use; stopped when the run ends."""
    folder = Path(tempfile.mkdtemp(prefix="tribune-idp-"))
    idp = start_idp(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(idp.stop)  # last registered, first run
    return idp


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class IdpLoginError(AssertionError):
    """The provider did not let the person through (its page's text is in the message)."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    # The first named submit button (a form posts its name/value when clicked).
    submit: tuple[str, str] | None = None
    has_password: bool = False


class _Forms(HTMLParser):
    """The forms of a page, their hidden/text inputs and first named button; and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.alerts: list[str] = []
        self._current: Form | None = None
        self._in_alert = 0
        self._ignored = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._ignored += 1
        elif tag == "form":
            self._current = Form(action=a.get("action", ""), method=a.get("method", "get"))
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "password":
                self._current.has_password = True
            if kind in ("submit", "image"):
                self._current.submit = self._current.submit or (a["name"], a.get("value", ""))
            elif kind not in ("checkbox", "radio") or "checked" in a:
                self._current.fields[a["name"]] = a.get("value", "")
        elif (
            tag == "button"
            and self._current is not None
            and a.get("name")
            and a.get("type", "submit").lower() == "submit"
            and self._current.submit is None
        ):
            self._current.submit = (a["name"], a.get("value", ""))
        if a.get("role") == "alert" or self._in_alert:
            self._in_alert += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._ignored = max(0, self._ignored - 1)
        elif tag == "form":
            self._current = None
        if self._in_alert:
            self._in_alert -= 1

    def handle_data(self, data: str) -> None:
        if self._in_alert and not self._ignored and data.strip():
            self.alerts.append(data.strip())


def parse_forms(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser


def _origin(url: str | httpx.URL) -> tuple[str, str]:
    parts = urlsplit(str(url))
    return parts.scheme, parts.netloc


@asynccontextmanager
async def _idp_client(given: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if given is not None:
        yield given
    else:
        async with httpx.AsyncClient(timeout=10) as fresh:
            yield fresh


async def _walk(
    client: httpx.AsyncClient,
    idp: httpx.AsyncClient,
    response: httpx.Response,
    credentials: dict[str, str] | None,
    max_steps: int,
) -> httpx.Response:
    """Follow the provider's redirects and forms until they lead off the provider."""
    provider = _origin(response.request.url)
    posted_credentials = False
    for _ in range(max_steps):
        url = response.request.url
        if response.is_redirect:
            target = urljoin(str(url), response.headers["location"])
            if _origin(target) != provider:
                return await client.get(target)
            response = await idp.get(target)
            continue
        if response.status_code not in (200, 400, 422) or "html" not in response.headers.get(
            "content-type", ""
        ):
            raise IdpLoginError(f"unexpected answer {response.status_code} at {url}", response)
        page = parse_forms(response.text)
        login_form = next((f for f in page.forms if f.has_password), None)
        if login_form is not None:
            if credentials is None or posted_credentials:
                reason = " ".join(page.alerts) or "the login form came back"
                raise IdpLoginError(f"sign-in refused at {url}: {reason}", response)
            form, data = login_form, {**login_form.fields, **credentials}
            posted_credentials = True
        elif page.forms:
            form, data = page.forms[0], dict(page.forms[0].fields)
        else:
            raise IdpLoginError(f"no way forward at {url} ({response.status_code})", response)
        if form.submit:
            data.setdefault(*form.submit)
        target = urljoin(str(url), form.action or str(url))
        if _origin(target) != provider:  # response_mode=form_post back to the relying party
            return await client.post(target, data=data)
        if form.method.lower() == "post":
            response = await idp.post(target, data=data)
        else:
            response = await idp.get(target, params=data)
    raise IdpLoginError(f"more than {max_steps} steps at the provider", response)


async def login(
    client: httpx.AsyncClient,
    authorize_url: str,
    username: str,
    password: str,
    *,
    idp: httpx.AsyncClient | None = None,
    max_steps: int = 20,
) -> httpx.Response:
    """Sign in at the provider from `authorize_url`; the relying party's answer to its callback.

    Requests to the provider go through `idp` (a fresh client, so a fresh provider
    session, when None): an ASGI test client only reaches the app. Requests to the
    relying party (the callback, with the code) go through `client`, without following
    its redirects. Pass the same `idp` to `logout()` to end that provider session.
    Raises `IdpLoginError` (with the form's message) when the provider refuses.
    """
    async with _idp_client(idp) as session:
        first = await session.get(authorize_url)
        return await _walk(
            client, session, first, {"login": username, "password": password}, max_steps
        )


async def authorize(
    client: httpx.AsyncClient,
    authorize_url: str,
    *,
    idp: httpx.AsyncClient,
    max_steps: int = 20,
) -> httpx.Response:
    """Like `login()` for a person already signed in at the provider (single sign-on)."""
    first = await idp.get(authorize_url)
    return await _walk(client, idp, first, None, max_steps)


async def logout(
    client: httpx.AsyncClient,
    end_session_url: str,
    *,
    idp: httpx.AsyncClient | None = None,
    max_steps: int = 10,
) -> httpx.Response:
    """Confirm an RP-initiated logout ("Sign me out"); the relying party's answer to
    `post_logout_redirect_uri` (or the provider's "signed out" page when there is none)."""
    async with _idp_client(idp) as session:
        response = await session.get(end_session_url)
        for _ in range(max_steps):
            if response.is_redirect:
                target = urljoin(str(response.request.url), response.headers["location"])
                if _origin(target) != _origin(end_session_url):
                    return await client.get(target)
                response = await session.get(target)
                continue
            page = parse_forms(response.text)
            if response.status_code != 200 or not page.forms:
                return response
            form = page.forms[0]
            data = dict(form.fields)
            if form.submit:
                data.setdefault(*form.submit)
            response = await session.post(
                urljoin(str(response.request.url), form.action), data=data
            )
        raise IdpLoginError(f"more than {max_steps} steps at the provider", response)


def provider_env() -> dict[str, str]:
    """Environment for a `tribune serve` child: this run's provider, not its own."""
    idp = dev_idp()
    env = {}
    for prefix, registered in (
        ("CITIZEN_OIDC", devidp.CITIZEN_CLIENT),
        ("STAFF_OIDC", devidp.STAFF_CLIENT),
    ):
        env[f"{prefix}_ISSUER"] = idp.issuer
        env[f"{prefix}_CLIENT_ID"] = registered.client_id
        env[f"{prefix}_CLIENT_SECRET"] = registered.client_secret
    return env
