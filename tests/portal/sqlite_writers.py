"""Run by test_sqlite_concurrency in a process of its own, against an SQLite file (the embedded
default), because the test suite itself may run on PostgreSQL or an in-memory SQLite database.

Prints one JSON line: the status of every response and the receipts written.
"""

import json
import os
import sys
import threading

import django

WRITERS = 5


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from enrollment.models import Receipt, ReceiptStatus
    from tests.factories import InstitutionFactory, StaffFactory
    from tests.receipts import draft_receipt, receipt_form

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    schools = [InstitutionFactory() for _ in range(WRITERS)]
    staff = [StaffFactory(institution=school) for school in schools]
    drafts = [
        draft_receipt(school, person, people=1, serial_base=10 * n)
        for n, (school, person) in enumerate(zip(schools, staff, strict=True))
    ]
    start = threading.Barrier(2 * WRITERS)
    statuses: list[int] = []
    errors: list[str] = []

    def act(user, path, data):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        start.wait(timeout=60)
        try:
            statuses.append(client.post(path, data).status_code)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))

    threads = [
        threading.Thread(target=act, args=(person, "/receipts/new/", receipt_form()))
        for person in staff
    ] + [
        threading.Thread(
            target=act, args=(person, f"/receipts/{draft.pk}/transition/submit/", {"comment": ""})
        )
        for person, draft in zip(staff, drafts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "statuses": statuses,
                "errors": errors,
                "receipts": Receipt.objects.count(),
                "submitted": Receipt.objects.filter(status=ReceiptStatus.SUBMITTED).count(),
            }
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()
