import socket

from django.db import connection

from courses.models import Program


def health_report() -> dict:
    """What a worker (or a probe) sees: that it reaches the database, and which catalog it holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "database": connection.vendor,
        "programs": Program.objects.count(),
        "host": socket.gethostname(),
    }
