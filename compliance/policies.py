"""Which policy applies to a case, the shipped presets as data, and new policy versions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from cases.models import Case
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
    """`policy_code_for_case` for many cases at once (two queries): case id -> policy code."""
    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "account__portfolio", "strategy__policy"
    )
    cases = {pk: (portfolio, strategy_policy) for pk, portfolio, strategy_policy in rows}
    missing = set(case_ids) - cases.keys()
    if missing:
        raise Case.DoesNotExist(f"No case {min(missing)}.")
    portfolios = {portfolio for portfolio, _ in cases.values() if portfolio}
    by_portfolio: dict[str, str] = {}
    for portfolio, code in (
        PortfolioPolicy.objects.filter(portfolio__in=portfolios)
        .order_by("pk")
        .values_list("portfolio", "policy__code")
    ):
        by_portfolio.setdefault(portfolio, code)
    return {
        pk: (portfolio and by_portfolio.get(portfolio))
        or strategy_policy
        or settings.COLLECTIONS_POLICY
        for pk, (portfolio, strategy_policy) in cases.items()
    }


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
    codes = policy_codes_for_cases(case_ids=case_ids)
    parameters = {
        code: parse_parameters(policy_version_current(code=code).parameters)
        for code in set(codes.values())
    }
    return {pk: parameters[code] for pk, code in codes.items()}


def policy_parameters_for_case(*, case) -> PolicyParameters:
    """The parameters of the policy version in force for `case`."""
    return parse_parameters(policy_version_current(code=policy_code_for_case(case=case)).parameters)
