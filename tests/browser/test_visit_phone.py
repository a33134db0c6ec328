"""A visitor checks in and out of a field visit on a phone-width screen (390 x 844), adding
their position and a photo; the page never scrolls sideways. The screenshots land in
test-artifacts/visit-check-in.png and visit-check-out.png."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zlib

import pytest
import time_machine
from django.urls import reverse

from compliance.models import ComplianceLogEntry
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.compliance.factories import case_under
from tests.factories import PASSWORD, ContactPointFactory, UserFactory
from tests.visits.conftest import NOW, TOMORROW_10
from visits.models import Visit
from visits.services import visit_plan

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

FITS_THE_WIDTH = "() => document.documentElement.scrollWidth <= window.innerWidth"


def assert_no_sideways_scroll(page) -> None:
    """Waits until the laid-out page is no wider than the screen (a timeout fails the test)."""
    page.wait_for_load_state("load")
    page.wait_for_function(FITS_THE_WIDTH)


def small_png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG of a few red pixels, made here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_visitor_checks_in_and_uploads_a_photo_at_390_px(
    live_server, browser_page, settings, tmp_path, team, collector
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    partner = UserFactory(username="partner", role="collector", team=team)
    case = case_under("CN-bank", time_zone="Asia/Shanghai")
    case.team = team
    case.save(update_fields=["team"])
    # A long address must wrap, not push the page sideways.
    address = ContactPointFactory(
        debtor=case.debtor,
        kind="postal",
        value="上海市浦东新区世纪大道一百号环球金融中心十二楼一千二百零一室东塔",
    )
    visit = visit_plan(
        case=case,
        user=collector,
        address=address,
        planned_at=TOMORROW_10,
        visitors=[collector, partner],
        now=NOW,
    ).visit
    photo = small_png()

    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2304, "longitude": 121.4737})
    # The server's clock stands at the visit's planned time (inside the debtor's window).
    with time_machine.travel(TOMORROW_10 - dt.timedelta(minutes=5), tick=True):
        log_in(page, live_server, collector, PASSWORD)
        page.goto(live_server.url + reverse("visits:detail", args=[visit.pk]))
        expect(page.locator("#check-in")).to_be_visible()
        assert_no_sideways_scroll(page)

        page.locator("#add-position").click()
        expect(page.locator("#position-status")).to_have_text("Position added.")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "visit-check-in.png"), full_page=True)
        page.locator("#check-in").click()
        expect(page.locator("#check-out-form")).to_be_visible()
        assert_no_sideways_scroll(page)

        page.get_by_label("Met the debtor").check()
        page.get_by_label("We showed our identification").check()
        page.locator("#id_notes").fill("Met her at home; she will call the bank tomorrow.")
        page.locator("#id_files").set_input_files(
            files=[{"name": "front-door.png", "mimeType": "image/png", "buffer": photo}]
        )
        page.locator("#check-out").click()
        expect(page.locator("#visit-status")).to_have_text("Done")
        expect(page.locator("#visit-evidence")).to_contain_text("front-door.png")
        assert_no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "visit-check-out.png"), full_page=True)

    assert errors == [], errors
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE
    assert visit.checked_in_by == collector
    assert (float(visit.latitude), float(visit.longitude)) == (31.2304, 121.4737)
    contact = ComplianceLogEntry.objects.get(kind="contact", activity=visit.activity)
    assert contact.evidence == [
        {"file": "front-door.png", "bytes": len(photo), "sha256": hashlib.sha256(photo).hexdigest()}
    ]
