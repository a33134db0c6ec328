"""The shared template partials: page links that keep the list's filters, and tabs that mark the
current page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def pagination(url: str, page_number: int, rows: int = 120) -> str:
    page = Paginator(range(rows), 50).get_page(page_number)
    request = RequestFactory().get(url)
    return render_to_string("common/_pagination.html", {"page": page}, request=request)


def test_the_page_links_keep_the_filters_and_change_only_the_page():
    html = pagination("/compliance/?decision=blocked&q=smith&page=2", 2)
    assert 'href="?decision=blocked&amp;q=smith&amp;page=1"' in html
    assert 'href="?decision=blocked&amp;q=smith&amp;page=3"' in html
    assert "Page 2 of 3" in html


def test_the_first_page_has_no_previous_link_and_the_last_no_next():
    first = pagination("/cases/?status=all", 1)
    assert "Previous" not in first
    assert 'href="?status=all&amp;page=2"' in first
    last = pagination("/cases/?status=all&page=3", 3)
    assert "Next" not in last
    assert 'href="?status=all&amp;page=2"' in last


def test_a_single_page_shows_no_page_links():
    assert pagination("/cases/", 1, rows=50).strip() == ""


def test_the_current_tab_is_marked_and_the_others_are_plain_links():
    tabs = [("Log", "/compliance/", False), ("Blocks", "/compliance/blocks/", True)]
    html = render_to_string("common/_tabs.html", {"tabs": tabs})
    assert '<a class="nav-link" href="/compliance/">Log</a>' in html
    assert (
        '<a class="nav-link active" href="/compliance/blocks/" aria-current="page">Blocks</a>'
        in html
    )
