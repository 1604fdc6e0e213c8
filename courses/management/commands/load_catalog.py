from django.core.management.base import BaseCommand

from courses.services import catalog_load


class Command(BaseCommand):
    help = "Load the 2026 training catalog where it is missing (keeps coordinators' edits)."

    def handle(self, *args, **options):
        created = catalog_load()
        self.stdout.write(f"Catalog loaded: {created} program(s) created.")
