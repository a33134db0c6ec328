"""A database connection lost while serving (PostgreSQL restarted, a backend terminated): the
request that lost it answers 503 with Retry-After and a page saying to try again, never a 500,
and the next request works on a fresh connection.

Requests here go through Django's own WSGI handler, as under gunicorn: it checks the
connection's health before a request uses it and closes a broken one after the request (the
test client skips both)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.test import RequestFactory
from django.urls import reverse

from collections_site.views import server_error

TRY_AGAIN_TEXT = "The service could not reach its database just now. Try again in a moment."


def serve(path: str, client) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of one GET of `path` with `client`'s cookies."""
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    environ = RequestFactory().get(path, HTTP_COOKIE=cookie).environ
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    response = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(response).decode()
    finally:
        response.close()  # request_finished: the handler closes a connection left broken
    return answer["status"], answer["headers"], body


def backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def terminate_backend(pid: int) -> None:
    """What a restart does to a session: end it from another connection, and wait for it."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
    finally:
        other.close()


@contextmanager
def backend_terminated_before_query(number: int):
    """The connection's backend is terminated just before the `number`-th query it runs."""
    queries = 0

    def terminate_at_number(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        if queries == number:
            terminate_backend(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(terminate_at_number):
        yield


@pytest.fixture
def signed_in(client, collector):
    client.force_login(collector)
    return client


def test_a_lost_database_answers_503_with_retry_after_and_a_try_again_page(rf):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert TRY_AGAIN_TEXT in response.content.decode()


def test_any_other_failure_still_answers_500(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_connections_are_kept_for_a_while_and_checked_before_each_request():
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    if database["ENGINE"].endswith("postgresql"):
        assert 0 < database["CONN_MAX_AGE"] <= 600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_whose_connection_dies_answers_503_and_the_next_one_works(signed_in):
    queue = reverse("workspace:queue")
    assert serve(queue, signed_in)[0] == 200

    with backend_terminated_before_query(2):
        status, headers, body = serve(queue, signed_in)
    assert status == 503
    assert headers["Retry-After"].isdigit()
    assert TRY_AGAIN_TEXT in body

    status, _, body = serve(queue, signed_in)
    assert status == 200
    assert "My queue" in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_between_requests_is_replaced_before_the_next_one(signed_in):
    queue = reverse("workspace:queue")
    assert serve(queue, signed_in)[0] == 200
    lost = backend_pid()

    terminate_backend(lost)

    assert serve(queue, signed_in)[0] == 200
    assert backend_pid() != lost
