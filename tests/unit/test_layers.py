"""Tribune's modules import only downward, and never in a circle.

The layers, lowest first: domain; projections (the engine below the read models);
app's settings and persistence; services; web plumbing; the audiences (each on its
own) and the workers; the development tools; the composition root (asgi, cli,
auth). Checked on the source, every import included (those inside functions and
under TYPE_CHECKING too), so a shortcut upward fails here before it is ever run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "app")
AUDIENCES = ("public", "opendata", "citizen", "clerk", "moderation", "admin")
RANKS = {
    "domain": 0,
    "projections.engine.contract": 1,
    "projections.engine": 2,
    "projections": 3,
    "app.settings": 4,
    "app.persistence": 5,
    "app.services": 6,
    "app.web": 7,
    **{f"app.{audience}": 8 for audience in AUDIENCES},
    "app.workers": 8,
    "app.dev": 9,
    "app": 10,  # asgi, cli, auth, __main__
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imported(path: Path, known: set[str]) -> Iterator[str]:
    """Tribune modules `path` imports (`from a import b` is `a.b` when b is a module)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    yield full
                elif node.module in known:
                    yield node.module


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: set(imported(path, known)) - {name} for name, path in found.items()}


def layer(module: str) -> str:
    """The longest prefix of `module` that has a rank."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in RANKS:
            return prefix
    raise AssertionError(f"{module} is in no layer")


def upward(importer: str, target: str) -> bool:
    mine, theirs = layer(importer), layer(target)
    if mine == theirs:
        return False
    if mine.removeprefix("app.") in AUDIENCES and theirs.removeprefix("app.") in AUDIENCES:
        return True  # an audience never imports another audience
    return RANKS[theirs] >= RANKS[mine]


def cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    """A path back to `start`, if there is one (depth first)."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for target in edges.get(node, ()):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_import_runs_upward_or_across_audiences() -> None:
    edges = graph()
    wrong = sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets if upward(a, b))
    assert wrong == []


def test_no_module_imports_itself_through_others() -> None:
    edges = graph()
    cycles = [c for name in sorted(edges) if (c := cycle_from(name, edges))]
    assert cycles == []


@pytest.mark.parametrize(
    ("importer", "target", "expected"),
    [
        ("app.persistence.store", "app.web.forms", True),
        ("app.admin.routes", "app.public.routes", True),
        ("projections.submission_queries", "app.persistence.db", True),
        ("projections.engine.runner", "projections.admin", True),
        ("domain.submission", "projections.submission_queries", True),
        ("app.admin.routes", "app.admin.forms", False),
        ("app.citizen.routes", "app.web.forms", False),
        ("app.persistence.store", "projections.engine.contract", False),
    ],
)
def test_the_rule_tells_upward_from_downward(importer: str, target: str, expected: bool) -> None:
    assert upward(importer, target) is expected


def test_a_circle_is_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_from("a", edges) == ["a", "b", "c", "a"]
    assert cycle_from("d", edges) is None
