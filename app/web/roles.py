"""Who may do what: checked on the server for every staff and citizen route."""

from __future__ import annotations

import functools
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.web.pagecache import Endpoint
from app.web.sessions import session_of
from app.web.templating import render
from domain import StaffId

ROLES = ("clerk", "moderator", "organizer")


def roles_of(request: Request) -> set[str]:
    session = session_of(request)
    if session.get("kind") == "citizen":
        return {"citizen"}
    if session.get("kind") == "staff":
        return set(session.get("roles", [])) & set(ROLES)
    return set()


def staff_id(request: Request) -> StaffId:
    """Who acts, as the events record them (a route that calls it requires a role)."""
    return StaffId(session_of(request)["staff_id"])


def require(*allowed: str) -> Callable[[Endpoint], Endpoint]:
    """Anonymous: to sign-in, then back. Signed in without the role: a 403 page."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def check(request: Request) -> Response:
            held = roles_of(request)
            if not held:
                kind = "citizen" if "citizen" in allowed else "staff"
                target = request.url_for("auth_sign_in", kind=kind)
                path = request.url.path
                return RedirectResponse(f"{target}?suivant={path}", status_code=303)
            if not held & set(allowed):
                return render(request, "errors/403_role.html", status=403)
            return await endpoint(request)

        return check

    return decorate
