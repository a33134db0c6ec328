"""Benchmark: one day's pipeline over N open cases on PostgreSQL, against two yardsticks.

- the floor: one hand-written SQL statement doing the same stage transition (move every
  case to the highest stage it reached, write its stage entry, queue its SMS or letter);
- the naive way: a per-case ORM loop, timed on a sample and scaled to N.

The day is the heaviest there is: every case is new to the ladder, so every one of them
moves. Usage: `make bench` or
`DATABASE_URL=postgres://... python bench/pipeline.py --cases 1000000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cases.models import Case, Stage, StageEntry, Strategy  # noqa: E402
from compliance.truncation import log_truncation_allowed  # noqa: E402
from pipeline.models import OutboundMessage  # noqa: E402
from pipeline.services import pipeline_run_day  # noqa: E402

BUSINESS_DATE = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)
LADDER_DAYS = 150  # due dates spread over 1..150 days past due


def sql(statement: str, params: list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def build_world(cases: int) -> None:
    """N debtors, each with a consented mobile and a postal address, an overdue account and
    an open case not yet on the ladder. Built with generate_series: seconds, not minutes."""
    with log_truncation_allowed():  # the cascade reaches the compliance log
        sql(
            "TRUNCATE cases_debtor, cases_contactpoint, cases_cardaccount, cases_case, "
            "cases_stageentry, cases_outboundmessage, cases_pipelinerun, cases_activity, "
            "cases_payment, cases_promisetopay, agencies_placement RESTART IDENTITY CASCADE"
        )
    sql(
        """INSERT INTO cases_debtor (created_at, updated_at, full_name, national_id_hash,
               national_id_last4, time_zone, language, is_vulnerable, vulnerability_note,
               is_deceased, estate_representative, is_bankrupt, has_attorney, attorney_name,
               attorney_phone, attorney_email, cease_communication, dispute_pending, is_unreachable)
           SELECT now(), now(), 'Debtor ' || g, md5(g::text) || md5((-g)::text),
                  lpad((g %% 10000)::text, 4, '0'), 'America/New_York', 'en', false, '', false, '',
                  false, false, '', '', '', false, false, false
           FROM generate_series(1, %s) g""",
        [cases],
    )
    sql(
        """INSERT INTO cases_contactpoint (created_at, updated_at, kind, value, owner,
               third_party_name, third_party_relationship, sms_consent, email_consent, opted_out,
               do_not_contact, employer_prohibits_contact, verified, invalid, debtor_id)
           SELECT now(), now(), kind,
                  CASE kind WHEN 'mobile' THEN '+1555' || lpad(d.id::text, 7, '0')
                            ELSE d.id || ' Main Street' END,
                  'debtor', '', '', kind = 'mobile', false, false, false, false, true, false, d.id
           FROM cases_debtor d CROSS JOIN (VALUES ('mobile'), ('postal')) AS kinds(kind)"""
    )
    sql(
        """INSERT INTO cases_cardaccount (created_at, updated_at, account_reference, card_last4,
               product, portfolio, currency, credit_limit, balance, minimum_due,
               oldest_unpaid_due_date, debtor_id)
           SELECT now(), now(), 'ACC' || lpad(d.id::text, 10, '0'),
                  lpad((d.id %% 10000)::text, 4, '0'),
                  'Classic', '', 'USD', 5000, 200 + (d.id %% 4800), 50 + (d.id %% 200),
                  %s::date - (1 + d.id %% %s)::int, d.id
           FROM cases_debtor d""",
        [BUSINESS_DATE, LADDER_DAYS],
    )
    strategy_id = Strategy.objects.get(is_default=True).pk
    sql(
        """INSERT INTO cases_case (created_at, updated_at, status, priority_score, opened_at,
               balance_at_open, account_id, debtor_id, strategy_id)
           SELECT now(), now(), 'open', a.balance::int, %s, a.balance, a.id, a.debtor_id, %s
           FROM cases_cardaccount a""",
        [NOW - dt.timedelta(days=1), strategy_id],
    )
    sql("VACUUM ANALYZE")


def reset_ladder() -> None:
    """Every case back off the ladder, as before the day's run."""
    sql("TRUNCATE cases_stageentry, cases_outboundmessage, cases_pipelinerun CASCADE")
    sql(
        "UPDATE cases_case SET stage_id = NULL, stage_entered_at = NULL, status = 'open', "
        "next_action_at = NULL"
    )
    sql("VACUUM ANALYZE")


FLOOR_STATEMENT = """
WITH reached AS (
    SELECT DISTINCT ON (c.id) c.id AS case_id, s.id AS stage_id, s.action,
           %(day)s::date - a.oldest_unpaid_due_date AS days_past_due, c.debtor_id
    FROM cases_case c
    JOIN cases_cardaccount a ON a.id = c.account_id
    JOIN cases_stage s ON s.strategy_id = c.strategy_id
                      AND a.oldest_unpaid_due_date <= %(day)s::date - s.min_days_past_due
    WHERE c.status NOT IN ('cured', 'closed') AND c.stage_id IS NULL
    ORDER BY c.id, s.min_days_past_due DESC
), moved AS (
    UPDATE cases_case c
    SET stage_id = r.stage_id, stage_entered_at = %(now)s,
        status = CASE WHEN r.action = 'litigation' THEN 'litigation' ELSE c.status END,
        next_action_at = CASE WHEN r.action = 'call_queue' THEN %(now)s ELSE c.next_action_at END
    FROM reached r WHERE c.id = r.case_id
    RETURNING c.id
), entries AS (
    INSERT INTO cases_stageentry (case_id, stage_id, entered_on, entered_at, days_past_due,
                                  action_status, action_note)
    SELECT r.case_id, r.stage_id, %(day)s, %(now)s, r.days_past_due,
           CASE WHEN r.action = 'agency' THEN 'pending' ELSE 'done' END, ''
    FROM reached r JOIN moved m ON m.id = r.case_id
    RETURNING id, case_id, stage_id
)
INSERT INTO cases_outboundmessage (created_at, updated_at, channel, status, subject, body,
    document_html, attempts, last_error, provider_reference, delivery_status,
    case_id, stage_entry_id, contact_point_id)
SELECT %(now)s, %(now)s, CASE r.action WHEN 'sms' THEN 'sms' ELSE 'letter' END, 'pending',
       '', '', '', 0, '', '', '', e.case_id, e.id,
       (SELECT p.id FROM cases_contactpoint p
        WHERE p.debtor_id = r.debtor_id AND p.owner = 'debtor' AND NOT p.invalid
          AND NOT p.opted_out AND NOT p.do_not_contact
          AND ((r.action = 'sms' AND p.kind = 'mobile' AND p.sms_consent)
               OR (r.action = 'letter' AND p.kind = 'postal'))
        ORDER BY p.verified DESC, p.id LIMIT 1)
FROM entries e JOIN reached r ON r.case_id = e.case_id
WHERE r.action IN ('sms', 'letter')
"""


def naive_orm_loop(sample: int) -> int:
    """What a first attempt looks like: load each case, decide in Python, save, create rows."""
    stages = list(Stage.objects.order_by("-min_days_past_due"))
    moved = 0
    for case in Case.objects.select_related("account").filter(stage__isnull=True)[:sample]:
        days = case.account.days_past_due(BUSINESS_DATE)
        stage = next((s for s in stages if s.min_days_past_due <= days), None)
        if stage is None:
            continue
        with transaction.atomic():
            case.stage = stage
            case.stage_entered_at = NOW
            if stage.action == Stage.Action.LITIGATION:
                case.status = Case.Status.LITIGATION
            if stage.action == Stage.Action.CALL_QUEUE:
                case.next_action_at = NOW
            case.save()
            entry = StageEntry.objects.create(
                case=case,
                stage=stage,
                entered_on=BUSINESS_DATE,
                entered_at=NOW,
                days_past_due=days,
            )
            if stage.action in (Stage.Action.SMS, Stage.Action.LETTER):
                kind = "mobile" if stage.action == Stage.Action.SMS else "postal"
                point = case.debtor.contact_points.filter(kind=kind, invalid=False).first()
                OutboundMessage.objects.create(
                    case=case,
                    stage_entry=entry,
                    contact_point=point,
                    channel="sms" if stage.action == Stage.Action.SMS else "letter",
                )
        moved += 1
    return moved


def timed(label: str, work) -> float:
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"  {label:<58} {elapsed:9.2f} s   ({result})", flush=True)
    return elapsed


def print_steps(timings: dict[str, float], total: float) -> None:
    """Each step's seconds and share of the run; escalation's parts indented under it."""
    steps = [name for name in timings if ": " not in name]
    for step in steps:
        print(f"    {step:<56} {timings[step]:9.2f} s   {timings[step] / total:6.1%}")
        for part, seconds in timings.items():
            if part.startswith(f"{step}: "):
                print(
                    f"      {part[len(step) + 2 :]:<54} {seconds:9.2f} s   {seconds / total:6.1%}"
                )
        if step == "escalate":
            rest = timings[step] - sum(s for p, s in timings.items() if p.startswith("escalate: "))
            print(
                f"      {'the rest (Python between statements)':<54} {rest:9.2f} s   "
                f"{rest / total:6.1%}"
            )
    outside = total - sum(timings[step] for step in steps)
    print(
        f"    {'outside the steps (run record, holder lock)':<56} {outside:9.2f} s   "
        f"{outside / total:6.1%}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=10_000)
    parser.add_argument("--keep-world", action="store_true", help="Reuse the cases already built.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)

    print(f"Pipeline benchmark: {args.cases:,} open cases on PostgreSQL", flush=True)
    if not args.keep_world or Case.objects.count() != args.cases:
        timed("build the world (generate_series)", lambda: build_world(args.cases) or "built")
    reset_ladder()

    runs = []
    pipeline = timed(
        "pipeline_run_day (the product, set-based batches)",
        lambda: (
            runs.append(pipeline_run_day(business_date=BUSINESS_DATE, now=NOW))
            or dict(runs[0].counts)
        ),
    )
    print_steps(runs[0].timings, pipeline)
    entries, messages = StageEntry.objects.count(), OutboundMessage.objects.count()
    reset_ladder()

    floor = timed(
        "floor: one hand-written SQL statement",
        lambda: sql(FLOOR_STATEMENT, {"day": BUSINESS_DATE, "now": NOW}) and "done",
    )
    assert (StageEntry.objects.count(), OutboundMessage.objects.count()) == (entries, messages), (
        "the floor statement must do the same work as the pipeline"
    )
    reset_ladder()

    sample = min(args.naive_sample, args.cases)
    naive_sample = timed(
        f"naive per-case ORM loop on {sample:,} cases", lambda: naive_orm_loop(sample)
    )
    naive = naive_sample * args.cases / sample

    print()
    print(f"  cases moved: {entries:,} stage entries, {messages:,} messages queued")
    print(f"  pipeline            {pipeline:9.2f} s")
    floor_ratio, naive_ratio = pipeline / floor, naive / pipeline
    print(f"  floor (single SQL)  {floor:9.2f} s   pipeline / floor = {floor_ratio:5.2f} (<= 1.5)")
    print(f"  naive ORM (scaled)  {naive:9.2f} s   naive / pipeline = {naive_ratio:5.1f} (>= 20)")
    ok = floor_ratio <= 1.5 and naive_ratio >= 20
    print("  RESULT:", "meets the floor" if ok else "DOES NOT meet the floor")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
