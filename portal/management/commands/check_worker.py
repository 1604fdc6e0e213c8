from django.core.management.base import BaseCommand, CommandError

from portal.tasks import worker_health_task


class Command(BaseCommand):
    help = "Send a health task through the broker and wait for a worker's answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=20.0)

    def handle(self, *args, timeout: float, **options):
        try:
            result = worker_health_task.delay().get(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - any failure means the worker is not healthy
            raise CommandError(f"No healthy worker answered: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Worker answered: {result}"))
