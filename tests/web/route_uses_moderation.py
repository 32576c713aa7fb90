"""The moderators' queue (/moderation) used for real by the moderator's session: the
queue seen, its oldest opinion taken (leased), read and given back, another published;
what shows afterwards that each did what it says."""

from __future__ import annotations

from uuid import UUID

import httpx

from app.web.formatting import day
from domain import Calibration
from tests.web.route_uses import (
    Check,
    Params,
    Seen,
    Use,
    answer_has,
    answer_is_the_pdf,
    csrf,
    page_has,
    plain,
)
from tests.web.route_world import CALIBRATED, WAITING, World

QUEUE = "/moderation/"


def waiting(name: str) -> Params:
    return lambda w: {"submission_id": str(w.waiting[name][0])}


async def leases_of(seen: Seen, name: str) -> list[str]:
    """Who holds a lease on that opinion, still running."""
    rows = await seen.store.pool.fetch(
        "SELECT moderator FROM moderation_leases WHERE submission_id = $1 AND expires_at > now()",
        seen.world.waiting[name][0],
    )
    return [row["moderator"] for row in rows]


async def took_the_oldest(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    location = seen.answer.headers["location"]
    assert location.endswith(f"/moderation/avis/{seen.world.waiting['taken'][0]}"), location
    assert await leases_of(seen, "taken") == ["m1"], "no lease for the moderator"


async def taking_it_first(c: httpx.AsyncClient, path: str, w: World) -> httpx.Response:
    """As a moderator does: "take the next one" (the oldest, `taken`), then the route."""
    await c.post(f"{QUEUE}suivant", data={"csrf_token": "jeton"})
    if path.endswith("/rendre"):
        return await c.post(path, data={"csrf_token": "jeton"})
    return await c.get(path)


async def given_back(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    assert seen.answer.headers["location"].endswith("?fait=rendu")
    assert await leases_of(seen, "taken") == [], "the lease outlived its release"
    stage = await seen.store.pool.fetchval(
        "SELECT stage FROM moderation_items WHERE submission_id = $1",
        seen.world.waiting["taken"][0],
    )
    assert stage == "first", f"no longer waiting in the queue: {stage}"


def published(name: str) -> Check:
    """Read by anyone at its public address; its last event, Published."""
    public = page_has("public", lambda w: f"/avis/{w.waiting[name][1]}", WAITING[name])

    async def check(seen: Seen) -> None:
        await public(seen)
        assert seen.answer.headers["location"].endswith("?fait=publish")
        events = await seen.store.select_events(seen.world.waiting[name][0])
        assert events[-1].topic.endswith(".Published"), events[-1].topic

    return check


def calibrated(w: World) -> dict[str, str]:
    return {"submission_id": str(w.calibrated[0])}


async def took_the_calibration(seen: Seen) -> None:
    """The oldest calibration item (the world's, or another of its submissions sampled
    too), now held by the moderator."""
    location = seen.answer.headers.get("location", "")
    assert "/moderation/calibration/" in location, location
    held = await seen.store.pool.fetchval(
        "SELECT moderator FROM calibration_leases WHERE submission_id = $1",
        UUID(location.rsplit("/", 1)[1]),
    )
    assert held == "m1", "no calibration lease for the moderator"


async def taking_calibration_first(c: httpx.AsyncClient, path: str, w: World) -> httpx.Response:
    """As a moderator does: take calibration items until `calibrated` comes (any other
    submission of the world may have been sampled too: those are decided on), then the
    route."""
    for _ in range(10):
        taken = await c.post(f"{QUEUE}calibration", data={"csrf_token": "jeton"})
        location = taken.headers.get("location", "")
        if location.endswith(str(w.calibrated[0])) or "fait=vide" in location:
            break
        await c.post(location + "/decision", data={"csrf_token": "jeton", "action": "publish"})
    if path.endswith("/decision"):
        return await c.post(path, data={"csrf_token": "jeton", "action": "publish"})
    return await c.get(path)


async def recorded(seen: Seen) -> None:
    assert seen.answer.headers.get("location", "").endswith("?fait=calibre"), seen.answer
    events = await seen.store.select_events(Calibration.create_id(seen.world.calibrated[0]))
    assert [e.topic.rsplit(".", 1)[1] for e in events] == ["Recorded"]


MODERATION_USES = {
    "moderation:home": Use(
        plain, answer_has("Première décision", lambda w: day(w.waiting_since, "fr"))
    ),
    "moderation:queue_next": Use(plain, took_the_oldest, form=csrf({})),
    "moderation:item_show": Use(
        waiting("taken"), answer_has(WAITING["taken"]), send=taking_it_first
    ),
    "moderation:item_decide": Use(
        waiting("published"), published("published"), form=csrf({"action": "publish"})
    ),
    "moderation:item_release": Use(waiting("taken"), given_back, send=taking_it_first),
    "moderation:dashboard": Use(plain, answer_has("Avis en attente", "Résultats par moyen")),
    "moderation:item_attachment": Use(waiting("taken"), answer_is_the_pdf, send=taking_it_first),
    "moderation:calibration_next": Use(plain, took_the_calibration, form=csrf({})),
    "moderation:calibration_show": Use(
        calibrated, answer_has("Avis de calibration", CALIBRATED), send=taking_calibration_first
    ),
    "moderation:calibration_decide": Use(
        calibrated, recorded, form=csrf({"action": "publish"}), send=taking_calibration_first
    ),
}
