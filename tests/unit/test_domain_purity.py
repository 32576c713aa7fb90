"""The domain stays pure: standard library and eventsourcing.domain only, no clock,
no environment, no randomness. Checked on the source, so it holds before any run."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FORBIDDEN_MODULES = {"os", "random", "secrets", "socket", "subprocess", "time"}
FORBIDDEN_NAMES = {"uuid1", "uuid4", "environ", "getenv", "random", "urandom"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def allowed_module(name: str) -> bool:
    top = name.split(".")[0]
    if name == "eventsourcing.domain" or top == "domain":
        return True
    return top in sys.stdlib_module_names and top not in FORBIDDEN_MODULES


def violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if not allowed_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if not allowed_module(node.module or ""):
                found.append(node.module or "")
            found += [a.name for a in node.names if a.name in FORBIDDEN_NAMES]
        elif isinstance(node, ast.Attribute) and (
            node.attr in FORBIDDEN_NAMES or node.attr in FORBIDDEN_CALLS
        ):
            found.append(node.attr)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(node.id)
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name)
def test_domain_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import asyncpg",
        "from app.persistence.store import EventStore",
        "from eventsourcing.application import Application",
        "import os",
        "import random",
        "from uuid import uuid4",
        "import uuid\nuuid.uuid4()",
        "from datetime import datetime\ndatetime.now()",
        "import datetime\ndatetime.datetime.utcnow()",
        "from datetime import date\ndate.today()",
        "import time\ntime.time()",
        "x.environ['DATABASE_URL']",
    ],
)
def test_the_purity_check_catches_impure_code(source: str) -> None:
    assert violations(source) != []


def test_the_purity_check_allows_the_standard_library_and_the_domain_api() -> None:
    source = (
        "from __future__ import annotations\nimport hashlib\n"
        "from uuid import UUID, uuid5\nfrom eventsourcing.domain import Aggregate\n"
        "from domain.errors import DomainError\nfrom datetime import UTC, datetime\n"
    )
    assert violations(source) == []
