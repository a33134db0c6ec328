"""axe-core, run in the browser on the page a test has open: the accessibility rules a page
must pass (WCAG 2.x A and AA, and axe's best practices), with what breaks them listed readably.

axe-core comes from the npm registry, pinned, and is vendored under
tests/browser/vendor/axe-core/ (`make axe-core` fetches it again): the test tooling carries it,
never the pages. It is given to the page as an init script, which the browser runs outside the
page's Content-Security-Policy, so each page is checked under its own policy, unchanged.
"""

from __future__ import annotations

from pathlib import Path

AXE_VERSION = "4.14.1"
# The release's own integrity (its sri-history.json): a changed file fails the tooling test.
AXE_SHA256 = "sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# The impacts that fail a test; "moderate" and "minor" findings do not.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def axe_prepare(page) -> None:
    """Have axe-core loaded in every document `page` opens from now on."""
    page.add_init_script(path=str(AXE_SCRIPT))


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands: each rule broken, with its impact, its
    help text and the elements that break it."""
    return page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")["violations"]


def serious(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in FAILING_IMPACTS]


def described(violations: list[dict], *, where: str) -> list[str]:
    """One line per element breaking a rule: the page, the impact, the rule and its help, the
    element's selector, and what axe says to fix."""
    return [
        f"{where}: {violation['impact']} {violation['id']} ({violation['help']}) at "
        f"{' '.join(node['target'])}: {' '.join(node.get('failureSummary', '').split())}"
        for violation in violations
        for node in violation["nodes"]
    ]
