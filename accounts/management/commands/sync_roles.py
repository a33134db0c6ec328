from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from accounts.roles import sync_role_groups


class Command(BaseCommand):
    help = "Create the role groups and reset their permissions to the product's definition."

    def handle(self, *args, **options):
        sync_role_groups(Group, Permission)
        self.stdout.write(self.style.SUCCESS("Role groups are in sync."))
