"""Business rules for agencies: placing, recalling, attributing payments, commission.

Each service takes what it acts on, the acting user (None for the jobs), the business date
and `now`; views, jobs, admin actions and commands call these and nothing else.
"""

from agencies.services.allocation import placements_allocate
from agencies.services.day import agencies_run_day
from agencies.services.money import (
    payments_attribute,
    statement_generate,
    statement_totals,
    statements_generate_month,
)
from agencies.services.placements import (
    PlacementRefused,
    placement_create,
    placement_extend,
    placement_problems,
    placements_recall,
    placements_recall_due,
)

__all__ = [
    "PlacementRefused",
    "agencies_run_day",
    "payments_attribute",
    "placement_create",
    "placement_extend",
    "placement_problems",
    "placements_allocate",
    "placements_recall",
    "placements_recall_due",
    "statement_generate",
    "statement_totals",
    "statements_generate_month",
]
