from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo data set (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = demo_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<12} {login.description}")
