"""Sum everyone's plan-period hours again from the ledger (run after HOUR_PLAN_START_YEAR or
HOUR_PLAN_END_YEAR change; harmless at any time)."""

from django.core.management.base import BaseCommand

from learners.services.hours import hour_totals_refresh


class Command(BaseCommand):
    help = "Recompute every person's plan-period hour totals from the hour ledger."

    def handle(self, *args, **options):
        count = hour_totals_refresh()
        self.stdout.write(f"{count} people's plan-period hours recomputed.")
