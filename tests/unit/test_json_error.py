"""The API's error bodies: every status has a code, standard or not."""

from __future__ import annotations

import json

import pytest

from app.web.open_common import json_error


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (404, "not_found"),
        (405, "method_not_allowed"),
        (418, "i_m_a_teapot"),
        (499, "client_error"),
        (500, "internal_server_error"),
        (599, "server_error"),
    ],
)
def test_every_status_has_an_error_code_and_keeps_its_status(status: int, code: str) -> None:
    response = json_error(status)
    assert response.status_code == status
    assert json.loads(bytes(response.body)) == {"error": code}
