"""Make a development signing pair for the PDFs (``make run`` calls it): a self-signed CA and a
signing certificate with its key, at the paths of settings.PDF_SIGNING_*. Does nothing when they
exist, unless --force. Never for production: there the academy's real key and certificate go."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.signing import write_development_pair


class Command(BaseCommand):
    help = "Make a self-signed development key and certificate for signing PDFs (if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="replace an existing pair")

    def handle(self, *args, force: bool, **options):
        if not settings.PDF_SIGNING_CHAIN_FILE:
            raise CommandError("PDF_SIGNING_CHAIN_FILE is empty: there is nowhere to put the CA.")
        paths = [
            Path(settings.PDF_SIGNING_KEY_FILE),
            Path(settings.PDF_SIGNING_CERT_FILE),
            Path(settings.PDF_SIGNING_CHAIN_FILE),
        ]
        if all(path.is_file() for path in paths) and not force:
            self.stdout.write(f"The signing pair is in place ({paths[1]}).")
            return
        write_development_pair(*paths, organization=settings.CERTIFICATE_ISSUER)
        self.stdout.write(
            self.style.WARNING(
                f"Made a development signing pair in {paths[1].parent} (not for production)."
            )
        )
