"""Who may see which case: the one scoping function every view, job and export goes through;
and finding cases and debtors by what a person types: a number, an ID, a reference, a name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from accounts.roles import AGENCY_ROLES, SUPERVISING_ROLES, Role
from cases.identity import national_id_hash, normalise_national_id
from cases.models import CardAccount, Case, ContactPoint, Debtor, Payment
from common.phones import phone_e164_or_none
from common.sensitive import CARD, find_secrets

# A national ID searched for travels in addresses as its keyed hash, never as typed.
HASHED_NATIONAL_ID = re.compile(r"id:[0-9a-f]{64}")
# A number on more files than this is a switchboard, not a caller: the rest are not listed.
MOST_FILES_PER_NUMBER = 50


def current_placements() -> QuerySet:
    """Placements not yet recalled. The agencies app declares them on the case (related name
    `placements`); the domain reads them through that relation and never imports the app,
    which sits above it."""
    return Case.placements.rel.related_model.objects.filter(recalled_on__isnull=True)


def case_scope_slices(user) -> list[Q]:
    """Every case `user` may see, as slices whose union is their scope; the one place
    row-level access is decided.

    Collectors: their own cases and their team's unassigned pool, not cases placed with an
    agency. Supervisors and managers: the cases of the teams they supervise. Legal team: the
    cases referred to it or under a legal hold. Agency staff: the current placements of their
    own agency. Compliance officers and admins: all. The slices are
    disjoint and each follows one index, so the work queue can walk them one at a time.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    role = user.role
    if role in (Role.ADMIN, Role.COMPLIANCE_OFFICER):
        return [Q()]
    if role in SUPERVISING_ROLES:
        return [Q(team__in=user.supervised_teams.all())]
    if role == Role.LEGAL:
        # Referred to the legal team, or under the hold of a lawsuit filed.
        return [Q(status=Case.Status.LITIGATION) | Q(legal_hold_since__isnull=False)]
    if role in AGENCY_ROLES:
        if user.agency_id is None:
            return []
        return [Q(placements__agency_id=user.agency_id, placements__recalled_on__isnull=True)]
    if role == Role.COLLECTOR:
        # Placed with an agency: by status, and by a current placement whatever the status
        # (a promise taken by the agency makes the case "promised" while it stays placed).
        in_house = ~Q(status=Case.Status.PLACED) & ~Exists(
            current_placements().filter(case_id=OuterRef("pk"))
        )
        slices = [Q(assigned_to=user) & in_house]
        if user.team_id is not None:
            slices.append(Q(assigned_to__isnull=True, team_id=user.team_id) & in_house)
        return slices
    return []


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may see (the union of case_scope_slices)."""
    slices = case_scope_slices(user)
    if not slices:
        return Case.objects.none()
    return Case.objects.filter(reduce(or_, slices))


def post_write_off_recoveries() -> QuerySet[Payment]:
    """The bank's payments on written-off accounts received after the write-off's date: the
    recoveries, counted apart from what collection brings in. (No case opens on a written-off
    account again, so each payment matches one write-off.)"""
    return Payment.objects.filter(
        account__cases__status=Case.Status.WRITTEN_OFF,
        received_on__gt=F("account__cases__written_off_on"),
    )


def _phone_in(term: str) -> str | None:
    """The term read as a phone number (E.164), if it is written like one: digits, spaces,
    brackets, dashes, dots and a leading plus. A name never is, whatever its letters would
    dial."""
    if not term or any(ch.isalpha() for ch in term):
        return None
    return phone_e164_or_none(term)


def cases_matching(cases: QuerySet[Case], term: str) -> QuerySet[Case]:
    """The cases of `cases` (already scoped to the reader) that `term` finds.

    A term finds a case by its debtor's phone number in any format (compared in E.164, with
    third parties' numbers on the debtor's file), the debtor's national ID typed whole (its
    keyed hash) or its last four, the card's last four, the account reference (as typed or in
    capitals) and the debtor's name (a part of it, any case). The numbers' few matching
    debtors and accounts are read first; the scoped queryset then keeps the cases in the union
    of three indexed lookups (on PostgreSQL the name's follows a trigram index), never one scan
    of every case for an OR across tables.
    """
    term = " ".join(term.split())
    if not term:
        return cases
    if HASHED_NATIONAL_ID.fullmatch(term):
        return cases.filter(debtor__national_id_hash=term.removeprefix("id:"))
    debtor_ids: set[int] = set()
    account_ids: set[int] = set()
    if e164 := _phone_in(term):
        debtor_ids.update(
            ContactPoint.objects.filter(kind__in=ContactPoint.PHONE_KINDS, value=e164).values_list(
                "debtor_id", flat=True
            )[:MOST_FILES_PER_NUMBER]
        )
    national_id = normalise_national_id(term)
    if len(national_id) > 4:
        debtor_ids.update(
            Debtor.objects.filter(national_id_hash=national_id_hash(national_id)).values_list(
                "pk", flat=True
            )
        )
    elif len(national_id) == 4 and len(term) == 4:
        debtor_ids.update(
            Debtor.objects.filter(national_id_last4=national_id).values_list("pk", flat=True)
        )
        if national_id.isdigit():
            account_ids.update(
                CardAccount.objects.filter(card_last4=national_id).values_list("pk", flat=True)
            )
    account_ids.update(
        CardAccount.objects.filter(account_reference__in={term, term.upper()}).values_list(
            "pk", flat=True
        )
    )
    found = Case.objects.filter(debtor__full_name__icontains=term).values("pk")
    if debtor_ids:
        found = found.union(Case.objects.filter(debtor_id__in=debtor_ids).values("pk"))
    if account_ids:
        found = found.union(Case.objects.filter(account_id__in=account_ids).values("pk"))
    return cases.filter(pk__in=found)


def search_term_for_address(term: str) -> str | None:
    """What a search page's address carries instead of `term` when `term` holds a national ID
    or a card number (as common.sensitive finds them): the ID's keyed hash (`id:…`, which
    cases_matching reads back), or the card's last four (only they are stored). None when the
    term may stay as typed. The page redirects to the address with it, so the number is
    neither in the links, the pages nor the history it leaves."""
    secret = next(find_secrets(term), None)
    if secret is None:
        return None
    if secret.reason == CARD:
        return secret.characters[-4:]
    return f"id:{national_id_hash(secret.characters)}"


@dataclass(frozen=True)
class NumberOnFile:
    """A debtor who has the number on file, how (their own or a third party's contact
    points), and their cases the reader may see."""

    debtor: Debtor
    contact_points: list[ContactPoint]
    cases: list[Case]

    @property
    def is_debtors_own(self) -> bool:
        return any(point.owner == ContactPoint.Owner.DEBTOR for point in self.contact_points)


def debtors_with_number(*, user, e164: str) -> list[NumberOnFile]:
    """Who has the number `e164` on file, among the debtors with a case `user` may see.

    A debtor none of whose cases is in the reader's scope is left out entirely: the answer
    never says that a number is known elsewhere. Two indexed reads: the contact points with
    the number, then the reader's cases of their debtors.
    """
    points = list(
        ContactPoint.objects.filter(kind__in=ContactPoint.PHONE_KINDS, value=e164).order_by(
            "debtor_id", "id"
        )[:MOST_FILES_PER_NUMBER]
    )
    if not points:
        return []
    cases = (
        cases_visible_to(user)
        .filter(debtor_id__in={point.debtor_id for point in points})
        .select_related("debtor", "account", "stage", "assigned_to")
        .order_by("debtor__full_name", "debtor_id", "-priority_score", "id")
    )
    by_debtor: dict[int, list[Case]] = {}
    for case in cases:
        by_debtor.setdefault(case.debtor_id, []).append(case)
    return [
        NumberOnFile(
            debtor=found[0].debtor,
            contact_points=[point for point in points if point.debtor_id == debtor_id],
            cases=found,
        )
        for debtor_id, found in by_debtor.items()
    ]
