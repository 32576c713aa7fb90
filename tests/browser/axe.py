"""axe-core, run in the page under test, with nothing fetched at test time.

The script comes from PyPI: the wheel `axe-playwright-python` (pinned in the test
extras) ships axe-core's `axe.min.js`. Only that file is used, not the wheel's
Python wrapper. Its content is checked against the SHA-256 of `package/axe.min.js`
in the npm tarball `axe-core@AXE_VERSION` (the wheel's copy only adds one final
newline), so a wheel that carries anything else fails loudly instead of testing
with an unknown script.

Injection goes through `page.evaluate`, i.e. the DevTools protocol's
`Runtime.evaluate`, which the page's Content-Security-Policy does not govern
(`script-src 'self'` blocks an inline `<script>`, and so `add_script_tag(content=...)`).
The page is therefore tested under its real CSP; no `bypass_csp` context is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

AXE_PACKAGE = "axe_playwright_python"
AXE_VERSION = "4.12.1"
# sha256 of package/axe.min.js in the npm tarball axe-core-4.12.1.tgz.
AXE_SHA256 = "66a8aaa95a8b044a7fd74a5435873bf04ff65a1ca75567c921b7509742085a14"

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

Violation = dict[str, Any]


@cache
def axe_source() -> str:
    """The checked text of axe.min.js."""
    raw = files(AXE_PACKAGE).joinpath("axe.min.js").read_bytes().removesuffix(b"\n")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(
            f"{AXE_PACKAGE}/axe.min.js has sha256 {digest}, not that of axe-core "
            f"{AXE_VERSION} ({AXE_SHA256}): check the pinned wheel version"
        )
    return raw.decode("utf-8")


async def axe_violations(page: Page, tags: Sequence[str] = WCAG_TAGS) -> list[Violation]:
    """Runs axe on the page's document, limited to rules with these tags."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    version = await page.evaluate("() => window.axe.version")
    assert version == AXE_VERSION, f"axe {version} in the page, expected {AXE_VERSION}"
    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    results: dict[str, Any] = await page.evaluate(
        "options => window.axe.run(document, options)", options
    )
    violations: list[Violation] = results["violations"]
    return violations


def describe(violations: Iterable[Violation]) -> str:
    """One paragraph a violation: rule, impact, help, and each offending node."""
    parts = []
    for v in violations:
        lines = [f"{v['id']} ({v.get('impact')}): {v['help']}", f"  {v['helpUrl']}"]
        for node in v["nodes"]:
            lines.append(f"  - {', '.join(map(str, node['target']))}: {node['html']}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", "\n      ")
                lines.append(f"      {summary}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
