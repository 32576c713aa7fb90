"""A citizen's drafts: one per person and consultation, saved at every post of the form.

The personal fields are sealed with the person's key, so a draft holds none in clear;
a form token that is not ours is never stored. A draft is forgotten once its form is
sent, and kept (shown to copy) when the consultation closes before it was.
"""

from __future__ import annotations

import json
from uuid import UUID

from starlette.requests import Request

from app.citizen.forms import OpinionForm, new_form, participant_of, usable_token
from app.services.participants import seal_for, unseal_for
from app.web.sessions import session_of
from projections.consultation_queries import Consultation


class _Keep:
    """The draft's brief stays as it was."""


KEEP = _Keep()
BriefChange = bytes | None | _Keep
SEALED = "_sealed"
"""Where a draft keeps its personal fields, sealed with the person's key."""


async def load_draft(request: Request, consultation: Consultation) -> OpinionForm:
    row = await request.state.pool.fetchrow(
        "SELECT data, form_token, length(brief) AS brief_size FROM citizen_drafts"
        " WHERE participant_id = $1 AND consultation_id = $2",
        participant_of(session_of(request)),
        consultation.id,
    )
    if row is None:
        return new_form()
    values = await _draft_values(request, row["data"])
    values["form_token"] = usable_token(row["form_token"])
    return OpinionForm(values, brief_size=row["brief_size"])


async def _draft_data(request: Request, values: dict[str, str]) -> str:
    """The values as JSON, the postal code sealed: a draft keeps no personal field in clear."""
    data = {k: v for k, v in values.items() if k != SEALED}
    if code := data.pop("postal_code", ""):
        participant = participant_of(session_of(request))
        data[SEALED] = await seal_for(request.state.store, participant, {"postal_code": code}) or ""
    return json.dumps(data)


async def _draft_values(request: Request, data: str) -> dict[str, str]:
    values: dict[str, str] = json.loads(data)
    participant = participant_of(session_of(request))
    values.update(await unseal_for(request.state.store, participant, values.pop(SEALED, None)))
    return values


async def save_draft(
    request: Request, consultation: Consultation, form: OpinionForm, brief: BriefChange
) -> None:
    """The values as typed; the brief replaced, removed or kept as it was (`KEEP`)."""
    form.values["form_token"] = usable_token(form.values.get("form_token", ""))
    row = await request.state.pool.fetchrow(
        "INSERT INTO citizen_drafts (participant_id, consultation_id, form_token, data, brief)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (participant_id, consultation_id)"
        " DO UPDATE SET data = excluded.data, form_token = excluded.form_token, saved_at = now(),"
        " brief = CASE WHEN $6 THEN excluded.brief ELSE citizen_drafts.brief END"
        " RETURNING length(brief) AS size, coalesce(encode(sha256(brief), 'hex'), '') AS sha256",
        participant_of(session_of(request)),
        consultation.id,
        form.values["form_token"],
        await _draft_data(request, form.values),
        None if brief is KEEP else brief,
        brief is not KEEP,
    )
    form.brief_size, form.brief_sha256 = row["size"], row["sha256"]


async def draft_brief(request: Request, consultation_id: UUID) -> bytes | None:
    brief: bytes | None = await request.state.pool.fetchval(
        "SELECT brief FROM citizen_drafts WHERE participant_id = $1 AND consultation_id = $2",
        participant_of(session_of(request)),
        consultation_id,
    )
    return brief


async def forget_draft(request: Request, c: Consultation, form_token: str) -> None:
    """The draft of a form now sent. Every post of the form saves the draft before it
    looks for the receipt, so each one that ends on the receipt forgets it again: a
    double click never leaves behind a draft whose used token would swallow the next
    opinion."""
    await request.state.pool.execute(
        "DELETE FROM citizen_drafts"
        " WHERE participant_id = $1 AND consultation_id = $2 AND form_token = $3",
        participant_of(session_of(request)),
        c.id,
        form_token,
    )
