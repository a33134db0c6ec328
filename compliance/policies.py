"""Which policy applies to a case, the shipped presets as data, and new policy versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from cases.models import CardAccount, Case, Strategy
from compliance.models import CompliancePolicy, CompliancePolicyVersion, PortfolioPolicy
from compliance.presets import PRESETS, PolicyParameters, parse_parameters


class UnknownPolicy(LookupError):
    """A strategy, portfolio or the site names a policy code that does not exist."""


def seed_preset_policies(policy_model, version_model, codes=None) -> None:
    """Create each preset's policy and its version 1 unless present (idempotent).

    Takes the models as arguments so the migration can pass its historical ones.
    """
    for code in codes or PRESETS:
        preset = PRESETS[code]
        policy, _ = policy_model.objects.get_or_create(
            code=preset.code,
            defaults={
                "preset": preset.code,
                "name": preset.name,
                "description": preset.description,
            },
        )
        if not version_model.objects.filter(policy=policy).exists():
            version_model.objects.get_or_create(
                policy=policy,
                version=1,
                defaults={"parameters": preset.parameters, "note": "Shipped preset."},
            )


def policy_code_for_case(*, case) -> str:
    """The portfolio's policy, else the strategy's, else the site's COLLECTIONS_POLICY."""
    return policy_codes_for_cases(case_ids=[case.pk])[case.pk]


def policy_codes_for_cases(*, case_ids) -> dict[int, str]:
    """`policy_code_for_case` for many cases at once: case id -> policy code."""
    return {pk: in_force.code for pk, in_force in policies_in_force(case_ids=case_ids).items()}


@dataclass(frozen=True)
class PolicyInForce:
    """The policy a case is under now, at its current version."""

    code: str
    version: int
    parameters: PolicyParameters


def policies_in_force(*, case_ids) -> dict[int, PolicyInForce]:
    """Each case's policy (the portfolio's, else the strategy's, else the site's
    COLLECTIONS_POLICY) and that policy's newest version, in one statement: the compliance
    gate reads it at every decision. A preset never used before is seeded here."""
    case_ids = list(case_ids)
    if not case_ids:
        return {}
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (Case, CardAccount, Strategy, PortfolioPolicy, CompliancePolicy)
    }
    versions = connection.ops.quote_name(CompliancePolicyVersion._meta.db_table)
    sql = f"""
        WITH chosen AS (
            SELECT c.id AS case_id, COALESCE(
                (SELECT NULLIF(p.code, '') FROM {table[PortfolioPolicy]} pp
                 JOIN {table[CompliancePolicy]} p ON p.id = pp.policy_id
                 WHERE pp.portfolio = a.portfolio AND a.portfolio <> '' ORDER BY pp.id LIMIT 1),
                NULLIF(s.policy, ''),
                %s
            ) AS code
            FROM {table[Case]} c
            JOIN {table[CardAccount]} a ON a.id = c.account_id
            LEFT JOIN {table[Strategy]} s ON s.id = c.strategy_id
            WHERE c.id IN ({", ".join(["%s"] * len(case_ids))})
        )
        SELECT chosen.case_id, chosen.code, v.version, v.parameters
        FROM chosen
        LEFT JOIN {table[CompliancePolicy]} p ON p.code = chosen.code
        LEFT JOIN {versions} v ON v.policy_id = p.id AND v.version = (
            SELECT MAX(latest.version) FROM {versions} latest WHERE latest.policy_id = p.id
        )
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [settings.COLLECTIONS_POLICY, *case_ids])
        rows = cursor.fetchall()
    missing = set(case_ids) - {row[0] for row in rows}
    if missing:
        raise Case.DoesNotExist(f"No case {min(missing)}.")
    json_field = CompliancePolicyVersion._meta.get_field("parameters")
    parsed: dict[tuple[str, int], PolicyInForce] = {}
    in_force = {}
    for case_id, code, version, parameters in rows:
        if version is None:  # a preset not seeded yet, or an unknown code (raises)
            current = policy_version_current(code=code)
            version, parameters = current.version, current.parameters
        else:
            parameters = json_field.from_db_value(parameters, None, connection)
        if (code, version) not in parsed:
            parsed[code, version] = PolicyInForce(code, version, parse_parameters(parameters))
        in_force[case_id] = parsed[code, version]
    return in_force


def policy_version_current(*, code: str) -> CompliancePolicyVersion:
    """The newest version of the policy `code`; a shipped preset is seeded on first use."""
    version = (
        CompliancePolicyVersion.objects.filter(policy__code=code)
        .select_related("policy")
        .order_by("-version")
        .first()
    )
    if version is None and code in PRESETS:
        seed_preset_policies(CompliancePolicy, CompliancePolicyVersion, codes=[code])
        return policy_version_current(code=code)
    if version is None:
        raise UnknownPolicy(
            f"No compliance policy {code!r}: create it in the admin or name one of "
            f"{', '.join(PRESETS)}."
        )
    return version


def policy_version_create(
    *, policy: CompliancePolicy, parameters: Any, note: str, created_by
) -> CompliancePolicyVersion:
    """Add the next version of `policy`, validated; earlier versions stay as they were."""
    parse_parameters(parameters)
    with transaction.atomic():
        CompliancePolicy.objects.select_for_update().filter(pk=policy.pk).first()
        latest = policy.versions.aggregate(latest=Max("version"))["latest"] or 0
        return CompliancePolicyVersion.objects.create(
            policy=policy,
            version=latest + 1,
            parameters=parameters,
            note=note,
            created_by=created_by,
        )


def policy_parameters_for_cases(*, case_ids) -> dict[int, PolicyParameters]:
    """The parameters of the policy each case is under now: case id -> parameters."""
    return {
        pk: in_force.parameters for pk, in_force in policies_in_force(case_ids=case_ids).items()
    }


def policy_parameters_for_case(*, case) -> PolicyParameters:
    """The parameters of the policy version in force for `case`."""
    return policies_in_force(case_ids=[case.pk])[case.pk].parameters
