"""Arbitrary form data at every citizen route: never a 500, and what is recorded is
exactly what the form said."""

from __future__ import annotations

import hashlib
import string
from typing import Any
from urllib.parse import quote
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.citizen.forms import postal_code
from app.services.participants import unseal_for
from domain import REGIONS, Submission
from domain.values import normalize_line_breaks
from tests.web.journey import Journey

TEXT = st.text(max_size=300)  # any Unicode, control characters and NUL included
FIELDS = st.fixed_dictionaries(
    {
        "answer_0": TEXT,
        "language": st.sampled_from(["fr", "en", "", "xx", "\x00"]),
        "region": st.one_of(st.sampled_from(["", *sorted(REGIONS)]), TEXT),
        "action": st.sampled_from(["verifier", "envoyer", "enregistrer", "modifier", "?"]),
        "form_token": st.one_of(
            st.text(string.ascii_letters + string.digits, min_size=0, max_size=30),  # not ours
            st.text(string.ascii_letters + string.digits + "-_", min_size=32, max_size=32),
        ),
    },
    optional={
        "show_name": st.sampled_from(["on", "off", ""]),
        "postal_code": st.one_of(st.sampled_from(["G1R 4S9", "h2x1y4", "J8Y-3Z5", ""]), TEXT),
        "remove_brief": st.sampled_from(["on", ""]),
    },
)
BRIEF = st.one_of(st.none(), st.binary(max_size=200), st.binary(max_size=200).map(b"%PDF-".__add__))
ROUTES = ("participer", "retirer", "appel", "imprimer", "memoire")


FIRST_SENT: dict[tuple[UUID, str], tuple[dict[str, Any], bytes | None]] = {}
"""What was first sent with each form token, per journey."""


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=FIELDS, route=st.sampled_from(ROUTES), receipt=st.text(max_size=15), brief=BRIEF)
async def test_no_form_data_breaks_a_citizen_route_or_records_anything_else(
    journey: Journey,
    fields: dict[str, Any],
    route: str,
    receipt: str,
    brief: bytes | None,
) -> None:
    data = {"csrf_token": "jeton", **fields}
    files = {"brief": ("m.pdf", brief, "application/pdf")} if brief is not None else None
    if route == "participer":
        url = f"/consultations/{journey.consultation.id}/participer"
        answer = await journey.client.post(url, data=data, files=files)
    elif route in ("imprimer", "memoire"):
        url = f"/mes-avis/{quote(receipt, safe='') or 'X'}/{route}"
        answer = await journey.client.get(url)
    else:
        url = f"/mes-avis/{quote(receipt, safe='') or 'X'}/{route}"
        answer = await journey.client.post(url, data=data)
    assert answer.status_code < 500, answer.text
    if answer.status_code == 303 and fields["action"] == "envoyer" and fields["form_token"]:
        # Examples share the journey's database: a token sent again (by another example)
        # gets the first sending's receipt, and the submission holds what that one sent.
        first = FIRST_SENT.setdefault(
            (journey.consultation.id, fields["form_token"]), (fields, brief)
        )
        fields, brief = first
        submission = await journey.repository.get(
            Submission.create_id(fields["form_token"]), Submission
        )
        assert submission.text == normalize_line_breaks(fields["answer_0"])  # as counted
        assert submission.language.value == fields["language"]
        assert submission.region == (fields["region"] or None)
        assert submission.show_name is (fields.get("show_name") == "on")
        if brief is not None and brief.startswith(b"%PDF-"):  # a valid brief, just attached
            assert submission.brief_sha256 == hashlib.sha256(brief).hexdigest()
        participant = UUID(journey.participant)
        sealed = await unseal_for(journey.repository.store, participant, submission.sealed)
        code = postal_code(fields.get("postal_code", ""))
        assert sealed == ({"postal_code": code} if code else {})
