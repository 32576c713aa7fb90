"""Following an opinion with nothing but its receipt number (`/suivi`): no sign-in, any
channel. The number is read forgivingly (case, spaces, hyphens, O for 0, I and L for
1); its check character tells a typo from a number no one holds. It shows the status
only: never a name, an address, or the text of an opinion not published.

Looking up is limited per address, so that numbers cannot be tried by the thousand.
"""

from __future__ import annotations

from limits import parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.web.ratelimit import refused
from app.web.templating import render
from domain import InvalidReceiptNumberError, normalize_receipt
from projections.submission_queries import submission_and_consultation

LOOKUPS_PER_ADDRESS = parse("20/minute")


async def status_lookup(request: Request) -> Response:
    typed = request.query_params.get("numero", "").strip()[:40]
    if not typed:
        return render(request, "public/status_lookup.html", {"typed": ""})
    address = request.client.host if request.client else "unknown"
    limited = await refused(request, LOOKUPS_PER_ADDRESS, "status_lookup", address)
    if limited is not None:
        return limited
    try:
        number = normalize_receipt(typed)
    except InvalidReceiptNumberError:
        context = {"typed": typed, "error": "receipt_typo"}
        return render(request, "public/status_lookup.html", context, status=400)
    found = await submission_and_consultation(request.state.reads, number)
    if found is None:
        context = {"typed": typed, "error": "receipt_unknown"}
        return render(request, "public/status_lookup.html", context, status=404)
    s, c = found
    return render(request, "public/status_lookup.html", {"typed": typed, "s": s, "c": c})


routes = [Route("/suivi", status_lookup, name="status_lookup")]
