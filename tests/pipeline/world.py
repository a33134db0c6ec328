"""Many SMS reminders queued at once on PostgreSQL, built in SQL (seconds for 200,000): for
the dispatch concurrency tests and the dispatch benchmark."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

from cases.models import Stage, Strategy
from compliance.policies import policy_version_current


def queue_sms_reminders(count: int, *, queued_at: dt.datetime) -> None:
    """`count` debtors in New York, each with a consented mobile, an overdue account, an open
    case on the default strategy's SMS stage and its reminder pending. PostgreSQL only."""
    strategy = Strategy.objects.get(is_default=True)
    stage = Stage.objects.get(strategy=strategy, action="sms")
    policy_version_current(
        code=strategy.policy or settings.COLLECTIONS_POLICY
    )  # seeded before any worker runs
    statements = [
        """INSERT INTO cases_debtor (created_at, updated_at, full_name, national_id_hash,
               national_id_last4, time_zone, language, is_vulnerable, vulnerability_note,
               is_deceased, estate_representative, is_bankrupt, has_attorney, attorney_name,
               attorney_phone, attorney_email, cease_communication, dispute_pending,
               is_unreachable)
           SELECT %(at)s, %(at)s, 'Debtor ' || g, md5(g::text) || md5((-g)::text),
                  lpad((g %% 10000)::text, 4, '0'), 'America/New_York', 'en', false, '', false,
                  '', false, false, '', '', '', false, false, false
           FROM generate_series(1, %(count)s) g""",
        """INSERT INTO cases_contactpoint (created_at, updated_at, kind, value, owner,
               third_party_name, third_party_relationship, sms_consent, email_consent,
               opted_out, do_not_contact, employer_prohibits_contact, verified, invalid,
               debtor_id)
           SELECT %(at)s, %(at)s, 'mobile', '+1555' || lpad(d.id::text, 7, '0'), 'debtor', '',
                  '', true, false, false, false, false, true, false, d.id
           FROM cases_debtor d""",
        """INSERT INTO cases_cardaccount (created_at, updated_at, account_reference, card_last4,
               product, portfolio, currency, credit_limit, balance, minimum_due,
               oldest_unpaid_due_date, debtor_id)
           SELECT %(at)s, %(at)s, 'ACC' || lpad(d.id::text, 10, '0'),
                  lpad((d.id %% 10000)::text, 4, '0'), 'Classic', '', 'USD', 5000, 1200, 150,
                  %(at)s::date - 3, d.id
           FROM cases_debtor d""",
        """INSERT INTO cases_case (created_at, updated_at, status, priority_score, opened_at,
               balance_at_open, account_id, debtor_id, strategy_id, stage_id, stage_entered_at)
           SELECT %(at)s, %(at)s, 'open', 0, %(at)s, a.balance, a.id, a.debtor_id,
                  %(strategy)s, %(stage)s, %(at)s
           FROM cases_cardaccount a""",
        """INSERT INTO cases_stageentry (case_id, stage_id, entered_on, entered_at,
               days_past_due, action_status, action_note)
           SELECT c.id, %(stage)s, %(at)s::date, %(at)s, 3, 'done', '' FROM cases_case c""",
        """INSERT INTO cases_outboundmessage (created_at, updated_at, channel, status, subject,
               body, document_html, attempts, last_error, provider_reference,
               delivery_status, case_id, stage_entry_id, contact_point_id)
           SELECT %(at)s, %(at)s, 'sms', 'pending', '', '', '', 0, '', '', '', e.case_id,
                  e.id, p.id
           FROM cases_stageentry e
           JOIN cases_case c ON c.id = e.case_id
           JOIN cases_contactpoint p ON p.debtor_id = c.debtor_id""",
    ]
    params = {"at": queued_at, "count": count, "strategy": strategy.pk, "stage": stage.pk}
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        cursor.execute("ANALYZE")
