"""`manage.py seed_demo`: build the demo world (teams, agencies, debtors, cases, history)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import User
from common.commands import iso_date
from demo.portal import portal_demo_account
from demo.profiles import PROFILES
from demo.reference import DEMO_PASSWORD
from demo.world import delete_world, seed_statistics, seed_world, world_exists

MAX_DEBTORS = 10_000_000


def positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_DEBTORS:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fill an empty database with a deterministic demo world: teams, collectors, "
        "agencies, debtors, accounts, cases on the default strategy and 120 days of history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--debtors",
            type=positive,
            default=3000,
            help="How many debtors to create (default 3000).",
        )
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            help="Business date YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--chunk-size",
            type=positive,
            default=20_000,
            help="Debtors generated and written per batch (default 20000).",
        )
        parser.add_argument(
            "--profile",
            choices=sorted(PROFILES),
            default="default",
            help="Which world: 'default' (US, UK and international customers) or 'cn' (a "
            "Chinese bank's: Chinese names and addresses, mainland mobiles, CNY, the CN-bank "
            "policy, staff reading the interface in Simplified Chinese).",
        )
        parser.add_argument(
            "--no-statistics",
            action="store_true",
            help="Leave the dashboards' statistics to their jobs instead of computing the "
            "last days' with the world.",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--reset",
            action="store_true",
            help="First delete every debtor with their accounts, cases and history "
            "(and rows pointing at them, such as their compliance log), the "
            "demo users, agencies and teams.",
        )
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (exit 0) when the database already has debtors.",
        )

    def handle(self, *args, **options) -> None:
        business_date = options["date"] or timezone.localdate()
        if world_exists():
            if options["if_empty"]:
                self.stdout.write("The database already has debtors; not seeding the demo world.")
                self.print_existing_demo_logins()
                return
            if not options["reset"]:
                raise CommandError(
                    "The database already has debtors (or demo users). Refusing to add a demo "
                    "world on top: run with --reset to delete them first, or --if-empty to skip."
                )
        self.stdout.write(
            f"Seeding {options['debtors']:,} debtors for business date {business_date} "
            f"(seed {options['seed']})…"
        )
        with transaction.atomic():  # a failed seed keeps the world it was to replace
            if options["reset"]:
                try:
                    delete_world()
                except ProtectedError as error:
                    raise CommandError(f"Cannot delete the demo world: {error.args[0]}") from error
                self.stdout.write("Deleted the previous world.")
            report = seed_world(
                seed=options["seed"],
                debtors=options["debtors"],
                business_date=business_date,
                chunk_size=options["chunk_size"],
                profile=PROFILES[options["profile"]],
                progress=self.stdout.write,
            )
            if not options["no_statistics"]:
                rows = seed_statistics(business_date=business_date, now=timezone.now())
                self.stdout.write(f"Dashboards' statistics computed: {rows:,} rows.")
        self.stdout.write("\nRows per table:")
        for label, count in report.counts.items():
            self.stdout.write(f"  {label:<28} {count:>12,}")
        self.stdout.write(f"Done in {report.seconds:.1f} s.\n")

        shown = [report.logins[0], report.logins[1]]
        seen_units: set[tuple[str, str]] = set()
        for login in report.logins[2:]:
            if (login.role, login.unit) not in seen_units:
                seen_units.add((login.role, login.unit))
                shown.append(login)
        width = max(len(login.username) for login in shown)
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        self.stdout.write(f"  {'username':<{width}}  {'role':<18}  team / agency")
        for login in shown:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<18}  {login.unit}")
        hidden = len(report.logins) - len(shown)
        if hidden:
            self.stdout.write(
                f"  … and {hidden} more collectors and agency agents (collectorN, agencyN_agentM)."
            )
        self.print_portal_demo()

    def print_existing_demo_logins(self) -> None:
        usernames = [
            "admin",
            "compliance",
            "supervisor1",
            "collector1",
            "agency1_manager",
            "agency1_agent",
            "manager",
            "legal",
        ]
        present = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        if present:
            shown = ", ".join(name for name in usernames if name in present)
            self.stdout.write(
                self.style.SUCCESS(f"Demo logins: {shown} (password for all: {DEMO_PASSWORD}).")
            )
        self.print_portal_demo()

    def print_portal_demo(self) -> None:
        demo = portal_demo_account()
        if demo is not None:
            self.stdout.write(self.style.SUCCESS(demo.describe()))
