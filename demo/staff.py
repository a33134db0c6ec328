"""The people and organisations of the demo world: teams, staff, agencies."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Max

from accounts.models import Team, User
from accounts.roles import Role
from agencies.models import Agency, CommissionTier
from common.phones import phone_e164
from demo.profiles import WorldProfile
from demo.reference import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, EXPIRING_AGENCY

# How each demo agency is paid: (basis, tiers as (starts at, rate change from its base rate)).
# Days-past-due tiers pay more for older debt; balance tiers pay less for large balances.
COMMISSION_TERMS = (
    (Agency.CommissionBasis.FLAT, ()),
    (
        Agency.CommissionBasis.BALANCE,
        ((Decimal(5000), Decimal("-0.03")), (Decimal(10000), Decimal("-0.05"))),
    ),
    (
        Agency.CommissionBasis.DAYS_PAST_DUE,
        ((Decimal(95), Decimal("0.02")), (Decimal(105), Decimal("0.04"))),
    ),
)


@dataclass
class DemoTeam:
    id: int
    name: str
    collector_ids: list[int] = field(default_factory=list)


@dataclass
class DemoAgency:
    id: int
    name: str
    weight: int
    placement_days: int
    agency: Agency  # its terms: the rate a placement gets is snapshotted from them
    tiers: list[CommissionTier] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)

    def commission_rate_for(self, *, days_past_due: int, balance: Decimal) -> Decimal:
        return self.agency.commission_rate_for(
            days_past_due=days_past_due, balance=balance, tiers=self.tiers
        )


@dataclass
class Login:
    username: str
    role: str
    unit: str


@dataclass
class Staff:
    teams: list[DemoTeam]
    agencies: list[DemoAgency]
    logins: list[Login]


def staff_sizes(debtors: int) -> tuple[int, int, int, int]:
    """(teams, collectors per team, agencies, agents per agency) for a world of `debtors`."""
    teams = 3 + (debtors >= 20_000) + (debtors >= 200_000) + (debtors >= 1_000_000)
    collectors = min(30, max(4, -(-debtors // (teams * 500))))
    agencies = 3 + (debtors >= 50_000) + (debtors >= 500_000)
    agents = min(12, max(2, debtors // 25_000))
    return teams, collectors, agencies, agents


def _next_id(model) -> int:
    return (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def build_staff(
    rng: random.Random,
    debtors: int,
    business_date: dt.date,
    placement_days: int,
    profile: WorldProfile,
) -> Staff:
    """Create the teams, agencies and demo users (all sharing one password hash).

    Agencies keep a case `placement_days`: the ladder's time between the agency stage and
    the next one, so a placement ends when the case would have moved on.
    """
    n_teams, n_collectors, n_agencies, n_agents = staff_sizes(debtors)
    password = make_password(DEMO_PASSWORD)
    team_id, agency_id, user_id = _next_id(Team), _next_id(Agency), _next_id(User)

    teams = [DemoTeam(team_id + i, profile.team_names[i]) for i in range(n_teams)]
    Team.objects.bulk_create(Team(id=t.id, name=t.name) for t in teams)

    agencies: list[DemoAgency] = []
    agency_rows = []
    tier_rows = []
    for i, agency_profile in enumerate(profile.agencies[:n_agencies]):
        expires = (
            business_date + dt.timedelta(days=21)
            if i == EXPIRING_AGENCY
            else business_date + dt.timedelta(days=rng.randint(300, 1100))
        )
        start = business_date - dt.timedelta(days=rng.randint(400, 1100))
        slug = profile.agency_slug(agency_profile)
        basis, steps = COMMISSION_TERMS[i % len(COMMISSION_TERMS)]
        agency = Agency(
            id=agency_id + i,
            name=agency_profile.name,
            licence_number=f"{profile.agency_licence_prefix}{rng.randint(100000, 999999)}",
            licence_expires_on=expires,
            contract_start=start,
            contract_end=business_date + dt.timedelta(days=rng.randint(200, 800)),
            # On the approved list: evaluated a few months before the demo's day.
            evaluated_on=business_date - dt.timedelta(days=60 + 30 * i),
            commission_rate=Decimal(rng.randint(1200, 2500)) / 10000,
            commission_basis=basis,
            capacity=1,
            placement_days=placement_days,
            contact_name=agency_profile.contact_name,
            contact_email=f"operations@{slug}.example",
            contact_phone=phone_e164(f"{profile.agency_phone_prefix}{rng.randint(0, 99):02d}"),
        )
        tiers = [
            CommissionTier(agency=agency, starts_at=starts_at, rate=agency.commission_rate + step)
            for starts_at, step in steps
        ]
        agency_rows.append(agency)
        tier_rows.extend(tiers)
        agencies.append(
            DemoAgency(
                agency.id,
                agency_profile.name,
                agency_profile.weight,
                placement_days,
                agency,
                tiers,
            )
        )
    Agency.objects.bulk_create(agency_rows)
    CommissionTier.objects.bulk_create(tier_rows)

    users: list[User] = []
    memberships: list[tuple[int, Role]] = []
    logins: list[Login] = []

    def person(
        username: str, role: Role, unit: str, zone: str, names: random.Random = rng, **extra
    ) -> int:
        uid = user_id + len(users)
        first, last = profile.staff_name(names)
        users.append(
            User(
                id=uid,
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                time_zone=zone,
                language=profile.staff_language,
                **extra,
            )
        )
        memberships.append((uid, role))
        logins.append(Login(username, role.label, unit))
        return uid

    head_office = profile.head_office_zone
    person("admin", Role.ADMIN, "—", head_office, is_staff=True, is_superuser=True)
    person("compliance", Role.COMPLIANCE_OFFICER, "—", head_office)
    # The manager leads every team: a supervisor's scope over all of them, and write-offs. Named
    # by a generator of its own, so that the rest of the world stays what it was.
    manager = person("manager", Role.MANAGER, "—", head_office, names=random.Random("manager"))
    supervisions = [(team.id, manager) for team in teams]
    collector_no = 0
    for i, team in enumerate(teams):
        uid = person(
            f"supervisor{i + 1}", Role.SUPERVISOR, team.name, profile.team_zones[i], team_id=team.id
        )
        supervisions.append((team.id, uid))
        for _ in range(n_collectors):
            collector_no += 1
            team.collector_ids.append(
                person(
                    f"collector{collector_no}",
                    Role.COLLECTOR,
                    team.name,
                    profile.team_zones[i],
                    team_id=team.id,
                )
            )
    for i, agency in enumerate(agencies):
        zone = profile.agencies[i].time_zone
        person(
            f"agency{i + 1}_manager", Role.AGENCY_MANAGER, agency.name, zone, agency_id=agency.id
        )
        for j in range(n_agents):
            agency.agent_ids.append(
                person(
                    f"agency{i + 1}_agent{j + 1 if j else ''}",
                    Role.AGENCY_COLLECTOR,
                    agency.name,
                    zone,
                    agency_id=agency.id,
                )
            )
    # Last, so that the names drawn for everyone else stay those of the same seed.
    person("legal", Role.LEGAL, "—", head_office)
    User.objects.bulk_create(users)

    groups = dict(Group.objects.filter(name__in=[r.value for r in Role]).values_list("name", "id"))
    missing = {role for _, role in memberships} - groups.keys()
    if missing:
        raise LookupError(f"Role groups missing (run migrate / sync_roles): {sorted(missing)}")
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=uid, group_id=groups[role]) for uid, role in memberships
    )
    Team.supervisors.through.objects.bulk_create(
        Team.supervisors.through(team_id=tid, user_id=uid) for tid, uid in supervisions
    )
    return Staff(teams, agencies, logins)
