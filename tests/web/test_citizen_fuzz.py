"""Arbitrary form data at every citizen route: never a 500, and what is recorded is
exactly what the form said."""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import REGIONS, Submission
from tests.web.journey import Journey

TEXT = st.text(max_size=300)  # any Unicode, control characters and NUL included
FIELDS = st.fixed_dictionaries(
    {
        "answer_0": TEXT,
        "language": st.sampled_from(["fr", "en", "", "xx", "\x00"]),
        "region": st.one_of(st.sampled_from(["", *sorted(REGIONS)]), TEXT),
        "action": st.sampled_from(["verifier", "envoyer", "enregistrer", "modifier", "?"]),
        "form_token": st.text(string.ascii_letters + string.digits, min_size=0, max_size=30),
    },
    optional={"show_name": st.sampled_from(["on", "off", ""])},
)
ROUTES = ("participer", "retirer", "appel")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=FIELDS, route=st.sampled_from(ROUTES), receipt=st.text(max_size=15))
async def test_no_form_data_breaks_a_citizen_route_or_records_anything_else(
    journey: Journey,
    fields: dict[str, Any],
    route: str,
    receipt: str,
) -> None:
    data = {"csrf_token": "jeton", **fields}
    if route == "participer":
        url = f"/consultations/{journey.consultation.id}/participer"
    else:
        url = f"/mes-avis/{quote(receipt, safe='') or 'X'}/{route}"
    answer = await journey.client.post(url, data=data)
    assert answer.status_code < 500, answer.text
    if answer.status_code == 303 and fields["action"] == "envoyer" and fields["form_token"]:
        submission = await journey.repository.get(
            Submission.create_id(fields["form_token"]), Submission
        )
        assert submission.text == fields["answer_0"]
        assert submission.language.value == fields["language"]
        assert submission.region == (fields["region"] or None)
        assert submission.show_name is (fields.get("show_name") == "on")
