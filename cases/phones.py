"""Phone numbers already stored, brought to E.164 (the data migration's work, kept here so that
it is tested like any other code).

Works in batches: one read and one bulk update per batch. A number that does not parse stays as
it was written (nothing is lost; it is simply not found by number). A number whose E.164 form
the same debtor already has under the same kind stays too: two rows may not hold one number,
and neither is deleted.
"""

from __future__ import annotations

from django.db.models import Model, Q

from common.phones import phone_e164_or_none

PHONE_KINDS = ("mobile", "home", "work")
# Already in E.164: a plus and digits only. Everything else is parsed.
E164_LOOKING = r"^\+[0-9]+$"
BATCH = 2000


def normalise_stored_phone_numbers(
    contact_point_model: type[Model], debtor_model: type[Model]
) -> tuple[int, int]:
    """Rewrite contact points' phone numbers and attorneys' numbers in E.164; the models are
    passed in (a migration's historical ones). Returns (contact points, debtors) changed."""
    points = contact_point_model.objects.filter(kind__in=PHONE_KINDS).exclude(
        value__regex=E164_LOOKING
    )
    changed_points = 0
    last_id = 0
    while batch := list(
        points.filter(pk__gt=last_id)
        .order_by("pk")
        .values_list("pk", "debtor_id", "kind", "value")[:BATCH]
    ):
        last_id = batch[-1][0]
        targets = {
            pk: (debtor_id, kind, e164)
            for pk, debtor_id, kind, value in batch
            if (e164 := phone_e164_or_none(value)) is not None
        }
        taken = set(
            contact_point_model.objects.filter(
                debtor_id__in={debtor_id for debtor_id, _, _ in targets.values()},
                value__in={e164 for _, _, e164 in targets.values()},
            ).values_list("debtor_id", "kind", "value")
        )
        updates = []
        for pk, key in targets.items():
            if key not in taken:
                taken.add(key)
                updates.append(contact_point_model(pk=pk, value=key[2]))
        contact_point_model.objects.bulk_update(updates, ["value"])
        changed_points += len(updates)

    debtors = debtor_model.objects.exclude(
        Q(attorney_phone="") | Q(attorney_phone__regex=E164_LOOKING)
    )
    changed_debtors = 0
    last_id = 0
    while batch := list(
        debtors.filter(pk__gt=last_id).order_by("pk").values_list("pk", "attorney_phone")[:BATCH]
    ):
        last_id = batch[-1][0]
        updates = [
            debtor_model(pk=pk, attorney_phone=e164)
            for pk, raw in batch
            if (e164 := phone_e164_or_none(raw)) is not None
        ]
        debtor_model.objects.bulk_update(updates, ["attorney_phone"])
        changed_debtors += len(updates)
    return changed_points, changed_debtors
