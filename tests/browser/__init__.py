"""What the browser tests share: Debian's Chromium driven by Playwright, never a download.

Without /usr/bin/chromium (`bash tests/browser/ensure_chromium.sh`, as root) or the
`playwright` package the browser tests skip and say why. Every wait is on a condition, with
time-outs long enough for a machine busy with other work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

CHROMIUM = Path("/usr/bin/chromium")
# The system's fonts and the letters' CJK font (pipeline/fonts), for Chinese pages.
CHROMIUM_ENV = {"FONTCONFIG_FILE": str(Path(__file__).parent / "fonts.conf")}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Upper bounds on waits for a condition: reached only when something is wrong.
NAVIGATION_TIMEOUT_MS = 60_000
EXPECT_TIMEOUT_MS = 30_000

# Reports every Content-Security-Policy refusal the page sees, with the directive and the place
# that broke it, through a function the fixture exposes: counted even when a refusal is not
# echoed on the console (and the console's own message names no source file).
POLICY_VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportPolicyViolation(
    "CSP refused " + (event.blockedURI || "inline") + " (" + event.effectiveDirective + ") at "
      + event.sourceFile + ":" + event.lineNumber + ":" + event.columnNumber
  );
});
"""

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: run `bash tests/browser/ensure_chromium.sh` as root",
)


def log_in(page, live_server, user, password: str) -> None:
    """Log in through the form, typing as a person would once the username has the focus."""
    expect = pytest.importorskip("playwright.sync_api").expect
    login = reverse("accounts:login")
    page.goto(live_server.url + login)
    username = page.locator("input[name=username]")
    expect(username).to_be_focused()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: login not in url)
