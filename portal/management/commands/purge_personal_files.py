"""Delete the files holding personal data whose retention period is over (the beat runs it daily)."""

from django.core.management.base import BaseCommand

from learners.services.privacy import personal_files_purge


class Command(BaseCommand):
    help = "Delete roster files and certificate archives past their retention period."

    def handle(self, *args, **options):
        result = personal_files_purge()
        self.stdout.write(
            f"roster files deleted: {result.roster_files}; archives deleted: {result.archives}"
        )
