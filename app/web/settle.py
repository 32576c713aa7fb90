"""Read your writes: after a command, the next page should show what was just done."""

from __future__ import annotations

import logging

from starlette.requests import Request

log = logging.getLogger(__name__)
PATIENCE = 2.0
"""Seconds a page waits for each read model; past it, it shows what is there."""


async def settle(request: Request, position: int | None, *read_models: str) -> None:
    """Wait (briefly) until each read model holds the events up to `position`."""
    if position is None:
        return
    for name in read_models:
        try:
            await request.state.store.wait(name, position, timeout=PATIENCE)
        except TimeoutError:
            log.warning("%s has not reached %s yet; the page may lag", name, position)
