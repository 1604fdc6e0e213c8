import threading

from django.db import connection

from enrollment.models import ReceiptStatus
from enrollment.services import receipt_approve
from learners.models import Enrollment
from learners.services import cohort_place_line
from portal.errors import ApplicationError
from tests.factories import CohortFactory
from tests.receipts import submitted_receipt


def test_parallel_placements_fill_a_nearly_full_cohort_exactly(postgres):
    # given (committed, as other connections must see it) the world of the access tests
    from tests.conftest import build_world

    world = build_world()
    coordinator = world.users["coord_ug"]
    cohort = CohortFactory(program=world.receipt_a.lines.get().program, capacity=10)

    def approved(people, serial_base):
        receipt = submitted_receipt(
            world.school_a, world.users["staff_a"], people=people, serial_base=serial_base
        )
        return receipt_approve(receipt=receipt, by=coordinator).lines.get()

    cohort_place_line(cohort=cohort, line=approved(7, 100), by=coordinator)
    lines = [approved(1, 200 + n) for n in range(12)]
    start = threading.Barrier(len(lines))
    outcomes = []

    def place(line):
        try:
            start.wait()
            cohort_place_line(cohort=cohort, line=line, by=coordinator)
            outcomes.append("in")
        except ApplicationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(line,)) for line in lines]

    # when twelve coordinators' clicks place one-person lines at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly the capacity is enrolled, none lost and none over
    assert outcomes.count("in") == 3
    assert outcomes.count("full") == 9
    assert Enrollment.objects.filter(cohort=cohort).count() == 10
    scheduled = [
        line
        for line in lines
        if line.receipt.__class__.objects.get(pk=line.receipt_id).status == ReceiptStatus.SCHEDULED
    ]
    assert len(scheduled) == 3
