"""Static files are the pinned ones: nothing from another origin, nothing altered."""

from __future__ import annotations

import hashlib

from app.settings import ROOT

STATIC = ROOT / "static"


def test_every_vendored_file_matches_its_recorded_checksum() -> None:
    lines = (STATIC / "SHA256SUMS").read_text().splitlines()
    assert lines
    for line in lines:
        digest, name = line.split()
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name


def test_htmx_is_the_pinned_version() -> None:
    assert 'version:"2.0.8"' in (STATIC / "htmx.min.js").read_text()
