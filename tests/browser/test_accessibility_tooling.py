"""The accessibility check itself: the vendored axe-core is the pinned release, and it does
find a violation, reported so that a person sees what to fix and where."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.browser import needs_chromium
from tests.browser.accessibility import (
    AXE_SCRIPT,
    AXE_SHA256,
    AXE_VERSION,
    axe_prepare,
    axe_violations,
    described,
    serious,
)


def test_the_vendored_axe_core_is_the_pinned_release():
    source = AXE_SCRIPT.read_bytes()
    assert source.startswith(f"/*! axe v{AXE_VERSION}\n".encode())
    digest = base64.b64encode(hashlib.sha256(source).digest()).decode()
    assert f"sha256-{digest}" == AXE_SHA256
    assert (AXE_SCRIPT.parent / "LICENSE").read_text().startswith("Mozilla Public License")


@needs_chromium
@pytest.mark.django_db(transaction=True)  # live_server needs committed data
def test_axe_finds_a_field_without_its_label_and_says_where(live_server, browser_page):
    page, errors = browser_page
    axe_prepare(page)
    page.goto(live_server.url + "/portal/")
    assert serious(axe_violations(page)) == []

    page.evaluate("() => document.querySelector('label[for=id_reference]').remove()")
    found = serious(axe_violations(page))

    broken = {violation["id"]: violation["impact"] for violation in found}
    assert broken["label"] == "critical"
    [line] = described([rule for rule in found if rule["id"] == "label"], where="start")
    assert line.startswith(
        "start: critical label (Form elements must have labels) at #id_reference: Fix any of "
        "the following: Element does not have an implicit (wrapped) <label> Element does not "
        "have an explicit <label>"
    )
    assert errors == []
