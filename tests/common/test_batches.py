"""Keyset batches: every matching row once, in id order, with the query asked again for each
batch so that rows which stopped matching in between are left out."""

from __future__ import annotations

import pytest

from accounts.models import Team
from common.batches import in_batch, keyset_batches
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_every_row_comes_once_in_id_order_a_batch_at_a_time():
    teams = TeamFactory.create_batch(5)
    batches = list(keyset_batches(Team.objects.all(), ("name",), 2))
    assert [len(rows) for rows in batches] == [2, 2, 1]
    assert [row for rows in batches for row in rows] == [(team.pk, team.name) for team in teams]


def test_a_row_that_stops_matching_before_its_batch_is_left_out():
    first, second, third = TeamFactory.create_batch(3)
    seen = []
    for rows in keyset_batches(Team.objects.filter(name__startswith="Team"), (), 1):
        seen.extend(pk for (pk,) in rows)
        Team.objects.filter(pk=second.pk).update(name="Renamed")
    assert seen == [first.pk, third.pk]


def test_in_batch_matches_exactly_the_ids_of_the_batch():
    teams = TeamFactory.create_batch(5)
    ids = [teams[1].pk, teams[3].pk]
    assert sorted(Team.objects.filter(in_batch(ids)).values_list("pk", flat=True)) == ids
    assert not Team.objects.filter(in_batch([])).exists()
