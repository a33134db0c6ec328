"""Whatever anyone types into a page's address or its search and filter forms, the page answers
with a page or a form error (2xx, 3xx, 400, 404), never a 500.

Every page of tests/test_every_url.py is opened as every role that may open it; the names of
its GET form fields (and the query parameters of its own links: page, sort, order) are read
from the page itself, so a field is fuzzed the day it is added. As every such role, every
field of the page gets each nasty value at once; and each field gets each value on its own
(the others keeping their ordinary values) as the first role that finds it, which keeps the
test within seconds.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.urls import reverse

from accounts.roles import AGENCY_ROLES, Role
from tests.agencies.conftest import bank_day  # noqa: F401  (a fixture)
from tests.test_every_url import QUERY, body, site_routes, url_of, world  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bank_day")]

# Each value already written for a query string: a lone surrogate cannot be encoded otherwise.
NASTY = [
    quote("\x00"),
    quote("x" * 5000),
    quote("-1"),
    quote("-99999999999999999999999"),
    quote("99999999999999999999999"),
    quote("9999-12-31"),
    quote("0000-00-00"),
    quote("1e3"),
    quote("NaN"),
    quote("١٢٣"),
    quote("\u202ertl\u200f"),
    quote("'; DROP TABLE cases_case; --"),
    quote("😀"),
    "%ED%A0%80",  # a lone surrogate
]
# Responses that are downloads: read here as bytes, like the exports they are.
STREAMED_OR_BINARY = ("text/csv", "application/pdf")


class _GetFields(HTMLParser):
    """The names of the fields of the page's GET forms, and of the query of its own links."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea"} and self.in_get_form:
            if attributes.get("name") and attributes.get("type") not in {"submit", "button"}:
                self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            link = urlsplit(attributes["href"])
            if link.query and link.path in {"", self.path}:
                self.names.update(name for name, _ in parse_qsl(link.query))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


def get_fields(url: str, page: str) -> list[str]:
    parser = _GetFields(urlsplit(url).path)
    parser.feed(page)
    return sorted(parser.names | set(QUERY))


def fetch(client, url: str, fields: dict[str, str]):
    response = client.get(url + "?" + "&".join(f"{quote(k)}={v}" for k, v in fields.items()))
    body(response)
    return response


def test_no_page_answers_500_to_anything_typed_into_its_get_fields(client, world, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING)
    ordinary = {name: quote(value) for name, value in QUERY.items()}
    fuzzed_alone: set[tuple[str, str]] = set()  # (route, field): each value tried on its own
    pages, failures = 0, []
    for role in Role:
        client.force_login(world["people"][role])
        arguments = world["agency_arguments" if role in AGENCY_ROLES else "arguments"]
        for name, route, converters in site_routes():
            url = url_of(name, route, converters, arguments)
            opened = client.get(url, QUERY)
            if opened.status_code != 200:
                continue
            pages += 1
            downloaded = opened.get("Content-Type", "").startswith(STREAMED_OR_BINARY)
            fields = sorted(QUERY) if downloaded else get_fields(url, body(opened))
            alone = [field for field in fields if (route, field) not in fuzzed_alone]
            fuzzed_alone.update((route, field) for field in alone)
            for value in NASTY:
                queries = [{**ordinary, field: value} for field in alone]
                for query in [*queries, dict.fromkeys(fields, value)]:
                    where = f"{role}: GET {url} with {query}"
                    try:
                        response = fetch(client, url, query)
                    except Exception as error:
                        failures.append(f"{where} raised {error!r}")
                        continue
                    if response.status_code >= 500:
                        failures.append(f"{where} answered {response.status_code}")
    assert pages > 40
    assert not failures, "\n".join(failures)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert logged == [], [r.getMessage() for r in logged]


def test_the_fields_of_a_get_form_and_of_the_pages_own_links_are_found():
    page = """
        <form method="get"><input name="q"><select name="team"></select>
          <button type="submit" name="go">Go</button></form>
        <form method="post"><input name="reason"></form>
        <a href="?page=2&amp;sort=name">2</a> <a href="/elsewhere/?other=1">x</a>
    """
    assert get_fields("/cases/", page) == sorted({"q", "team", "page", "sort", *QUERY})


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("compliance:log", {"case": HUGE}),
        ("compliance:log", {"debtor": HUGE}),
        ("compliance:log", {"date_to": "9999-12-31"}),
        ("compliance:blocks", {"date_from": "9999-12-31", "date_to": "9999-12-31"}),
        ("compliance:overrides", {"date_to": "9999-12-31"}),
        ("agencies:league_csv", {"date_from": "9999-12-31", "date_to": "9999-12-31"}),
        ("agencies:league", {"date_to": "9999-12-31"}),
        ("agencies:placements", {"agency": HUGE}),
    ],
)
def test_a_date_or_an_id_out_of_range_is_a_form_error_not_a_500(
    client, admin_user, url_name, query
):
    client.force_login(admin_user)
    response = client.get(reverse(url_name), query)
    assert response.status_code in {200, 400}
    body(response)
