"""Benchmark: who is calling? The incoming-call screen's number lookup on PostgreSQL.

The world is bench/pipeline.py's (N debtors, each with a mobile and a postal address, an
account and an open case) with one more phone each: a home number, or for one debtor in ten a
third party's mobile (a UK or a mainland Chinese number): N debtors, 3N contact points. The
cases are shared among ten teams' pools; the lookup is made as a collector of one team, so
most numbers belong to debtors outside their scope and must show nothing.

Timed: what the screen does with a number typed in one of several formats (`(212) 200-0042`,
`+1 555-000-0042`, `001 555 000 0042`, `0086 138 …`, `+44 7…`): parse it to E.164, then
read who has it on file among the collector's cases, for a sample of random numbers of the
world. Then the case list's search for a part of a name (`btor 48213`: eleven debtors of the
million), its first page of cases, as a compliance officer, who sees every case. The floor,
measured in the same run: one contact point fetched by its primary key.

Usage: `make bench-lookup` or
`DATABASE_URL=postgres://... python bench/lookup.py [--debtors 1000000] [--keep-world]`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.pipeline import build_world, sql  # noqa: E402
from bench.workspace import percentile  # noqa: E402
from cases.models import Case, ContactPoint  # noqa: E402
from cases.selectors import cases_matching, cases_visible_to, debtors_with_number  # noqa: E402
from common.phones import phone_e164  # noqa: E402

TEAMS = 10
GOAL_P95_MS = 50.0
PAGE = 50


def add_third_phones() -> None:
    """A third phone for every debtor: a home number, or for one in ten a third party's mobile
    (UK or mainland China, alternately); and every case in one of ten teams' pools."""
    sql(
        """INSERT INTO cases_contactpoint (created_at, updated_at, kind, value, owner,
               third_party_name, third_party_relationship, sms_consent, email_consent, opted_out,
               do_not_contact, employer_prohibits_contact, verified, invalid, debtor_id)
           SELECT now(), now(), CASE WHEN d.id % 10 = 0 THEN 'mobile' ELSE 'home' END,
                  CASE WHEN d.id % 20 = 0 THEN '+86138' || lpad(d.id::text, 8, '0')
                       WHEN d.id % 10 = 0 THEN '+447' || lpad(d.id::text, 9, '0')
                       ELSE '+1212' || (2000000 + d.id) END,
                  CASE WHEN d.id % 10 = 0 THEN 'third_party' ELSE 'debtor' END,
                  CASE WHEN d.id % 10 = 0 THEN 'Contact ' || d.id ELSE '' END,
                  CASE WHEN d.id % 10 = 0 THEN 'emergency contact' ELSE '' END,
                  false, false, false, false, false, false, false, d.id
           FROM cases_debtor d"""
    )
    teams = [Team.objects.get_or_create(name=f"Bench team {n}")[0].pk for n in range(TEAMS)]
    sql(
        "UPDATE cases_case SET team_id = (%(teams)s::bigint[])[1 + (id / 200) %% %(count)s], "
        "assigned_to_id = NULL",
        {"teams": teams, "count": TEAMS},
    )
    sql("VACUUM ANALYZE")


def as_typed(debtor_id: int, rng: random.Random) -> str:
    """One of the world's numbers, written as a caller's number is typed or pasted."""
    n = debtor_id
    if n % 10 == 0 and rng.random() < 0.5:  # the third party's number
        if n % 20 == 0:
            national = f"138{n:08d}"
            return rng.choice(
                [f"0086 {national[:3]} {national[3:7]} {national[7:]}", f"+86 {national}"]
            )
        national = f"7{n:09d}"
        return rng.choice([f"+44 {national[:4]} {national[4:]}", f"0044 {national}"])
    if n % 10 != 0 and rng.random() < 0.5:  # the home number, written nationally
        line = f"{2_000_000 + n}"
        return rng.choice(
            [f"(212) {line[:3]}-{line[3:]}", f"212.{line[:3]}.{line[3:]}", f"1 212 {line}"]
        )
    line = f"{n:07d}"  # the mobile (a +1 555 number, a fiction range: written with its code)
    return rng.choice(
        [
            f"+1 555-{line[:3]}-{line[3:]}",
            f"001 555 {line[:3]} {line[3:]}",
            f"+1 (555) {line[:3]} {line[3:]}",
            f"+1555{line}",
        ]
    )


def collector() -> User:
    team = Team.objects.get(name="Bench team 0")
    user, _ = User.objects.get_or_create(username="bench-lookup-collector", defaults={"team": team})
    user.team = team
    user.save(update_fields=["team"])
    user.groups.add(Group.objects.get(name=Role.COLLECTOR))
    return User.objects.get(pk=user.pk)


def officer() -> User:
    user, _ = User.objects.get_or_create(username="bench-lookup-officer")
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return User.objects.get(pk=user.pk)


def report(label: str, values: list[float]) -> float:
    p50, p95, p99 = (percentile(values, share) for share in (0.50, 0.95, 0.99))
    print(
        f"  {label:<34} n={len(values):>6,}  p50 {p50:7.3f} ms  p95 {p95:7.3f} ms  "
        f"p99 {p99:7.3f} ms  mean {statistics.fmean(values):7.3f} ms",
        flush=True,
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep-world", action="store_true", help="Reuse the world already built.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    print(f"Number lookup benchmark: {args.debtors:,} debtors on PostgreSQL", flush=True)
    began = time.perf_counter()
    points = ContactPoint.objects.count() if args.keep_world else 0
    if not args.keep_world or Case.objects.count() != args.debtors or points != 3 * args.debtors:
        build_world(args.debtors)
        add_third_phones()
        print(f"  built the world in {time.perf_counter() - began:.1f} s", flush=True)
    print(f"  contact points: {ContactPoint.objects.count():,}", flush=True)
    user = collector()
    rng = random.Random(args.seed)
    typed = [as_typed(rng.randint(1, args.debtors), rng) for _ in range(args.lookups)]
    max_point = ContactPoint.objects.order_by("-pk").values_list("pk", flat=True)[0]
    floor_ids = [rng.randint(1, max_point) for _ in range(args.lookups)]
    for number in typed[:50]:  # warm the connection and the statements, as a web worker is
        debtors_with_number(user=user, e164=phone_e164(number))

    floor, lookups, found, shown = [], [], 0, 0
    for number, point_id in zip(typed, floor_ids, strict=True):
        began = time.perf_counter()
        ContactPoint.objects.filter(pk=point_id).first()
        floor.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        matches = debtors_with_number(user=user, e164=phone_e164(number))
        lookups.append((time.perf_counter() - began) * 1000)
        found += bool(matches)
        shown += sum(len(match.cases) for match in matches)

    names, everyone = [], cases_visible_to(officer())
    for _ in range(args.lookups // 4):
        term = f"btor {rng.randint(1, args.debtors // 10)}"
        began = time.perf_counter()
        list(cases_matching(everyone, term).values_list("pk", flat=True)[:PAGE])
        names.append((time.perf_counter() - began) * 1000)

    print(f"  {args.lookups:,} numbers; in the collector's scope: {found:,} ({shown:,} cases)")
    floor_p95 = report("floor: a contact point by its key", floor)
    p95 = report("lookup: parse + who has it", lookups)
    print(f"  ratio p95 lookup / floor: {p95 / floor_p95:.1f}")
    names_p95 = report("search: part of a name, a page", names)
    print(f"  ratio p95 name search / floor: {names_p95 / floor_p95:.1f}")
    ok = p95 < GOAL_P95_MS
    print(f"  lookup p95 {p95:.2f} ms (goal < {GOAL_P95_MS:.0f} ms)", "ok" if ok else "MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
